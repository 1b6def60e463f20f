package db_test

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"os"
	"testing"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// A database that went away is Unavailable (503, try again); a query that
// PostgreSQL refuses, or a domain error, is not.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	gdb, _ := testenv.DB(t)
	ctx := context.Background()

	// A session PostgreSQL terminates, as a restart or a failover does.
	conn, err := db.SQL(gdb).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var pid int
	if err := conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if err := gdb.Exec(`SELECT pg_terminate_backend(?)`, pid).Error; err != nil {
		t.Fatal(err)
	}
	_, err = conn.ExecContext(ctx, `SELECT 1`)
	if err == nil || !db.Unavailable(err) {
		t.Errorf("a terminated session: %v, want an Unavailable error", err)
	}

	// Nothing listens.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	down, err := sql.Open("pgx", "postgres://redress@"+addr+"/redress?connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer down.Close()
	if err := down.PingContext(ctx); err == nil || !db.Unavailable(err) {
		t.Errorf("nothing listening: %v, want an Unavailable error", err)
	}

	// Errors that are not about reaching the database.
	bad := gdb.Exec(`SELECT * FROM no_such_table`).Error
	for _, err := range []error{bad, fault.New(fault.NotFound, "case_not_found", "No case."), errors.New("boom"), nil} {
		if db.Unavailable(err) {
			t.Errorf("%v: Unavailable, want not", err)
		}
	}
}
