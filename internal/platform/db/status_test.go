package db_test

import (
	"context"
	"testing"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/testenv"
)

// A pooled connection the server closed (a restart, a failover, an idle
// timeout) does not stop a process at its schema check: Status asks again
// on another connection. Before, `redress work` exited on it.
func TestStatusSurvivesAClosedPooledConnection(t *testing.T) {
	t.Parallel()
	gdb, u := testenv.DB(t)
	ctx := context.Background()
	one, err := gorm.Open(postgres.Open(u), &gorm.Config{})
	if err != nil {
		t.Fatal(err)
	}
	pool := db.SQL(one)
	defer pool.Close()
	pool.SetMaxOpenConns(1)
	pool.SetMaxIdleConns(1)
	var pid int
	if err := pool.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	// The pool's only connection, idle now, is ended by the server.
	var done bool
	if err := gdb.Raw(`SELECT pg_terminate_backend(?)`, pid).Row().Scan(&done); err != nil || !done {
		t.Fatalf("terminate %d: %v %v", pid, done, err)
	}
	testenv.Eventually(t, 10e9, "the backend to end", func() bool {
		var n int64
		gdb.Raw(`SELECT count(*) FROM pg_stat_activity WHERE pid = ?`, pid).Row().Scan(&n)
		return n == 0
	})
	st, err := db.Status(ctx, one)
	if err != nil {
		t.Fatalf("Status after the server closed the pooled connection: %v", err)
	}
	if len(st.Pending) != 0 || st.Current == 0 || st.Current != st.Latest {
		t.Errorf("Status = %+v, want the migrated schema", st)
	}
}
