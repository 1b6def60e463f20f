// Package testenv gives tests a real PostgreSQL and a real NATS server.
//
// A package's TestMain calls Main, which starts one private PostgreSQL
// cluster for the test binary, a copy of a seed cluster holding the migrated
// template (seed.go; the seed is made with the machine's initdb and pg_ctl
// once per PostgreSQL and migrations); DB then hands each test a fresh
// database cloned from that template. Set REDRESS_TEST_DATABASE_URL to a superuser URL
// to use an existing server instead. A real NATS server for a test comes from
// testenv/natstest.
package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/config"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/devpg"
	"github.com/redresshq/redress/internal/platform/logx"
)

const template = "redress_template"

var (
	started  atomic.Bool
	adminURL string // a superuser URL on the "postgres" database
	cluster  *devpg.Cluster
	dbSeq    atomic.Int64
)

// Main starts PostgreSQL and the migrated template, runs the tests and stops PostgreSQL.
func Main(m *testing.M) int {
	ctx := context.Background()
	if ext := os.Getenv("REDRESS_TEST_DATABASE_URL"); ext != "" {
		// A shared server: each test binary migrates a template of its own.
		adminURL = ext
		templateName = fmt.Sprintf("%s_%d", template, os.Getpid())
		if err := migrateTemplate(ctx, adminURL, templateName); err != nil {
			fmt.Fprintln(os.Stderr, "testenv:", err)
			return 1
		}
	} else {
		dir, err := os.MkdirTemp("", "redress-pg-*")
		if err != nil {
			fmt.Fprintln(os.Stderr, "testenv:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		cluster, templateName, err = startFromSeed(ctx, dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testenv: PostgreSQL is required for these tests:", err)
			return 1
		}
		defer func() {
			if err := cluster.Stop(); err != nil {
				fmt.Fprintln(os.Stderr, "testenv:", err)
			}
		}()
		adminURL = cluster.URL("postgres")
	}
	started.Store(true)
	return m.Run()
}

func admin(ctx context.Context) (*pgx.Conn, error) { return pgx.Connect(ctx, adminURL) }

func urlFor(name string) string { return databaseURL(adminURL, name) }

// databaseURL is server (a connection URL) with its database changed to name.
func databaseURL(server, name string) string {
	u, _ := url.Parse(server)
	u.Path = "/" + name
	return u.String()
}

// migrateTemplate creates the database name on the server of adminURL (a
// superuser's) and applies every migration to it.
func migrateTemplate(ctx context.Context, adminURL, name string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	gdb, err := db.Open(ctx, databaseURL(adminURL, name), 2)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	return db.Migrate(ctx, gdb, io.Discard)
}

// templateName is the migrated template each test's database is cloned from.
var templateName string

// EmptyDatabaseURL creates a database with no migrations applied, dropped when t ends.
func EmptyDatabaseURL(t testing.TB) string {
	t.Helper()
	return newDatabase(t, "")
}

// DatabaseURL creates a fresh, migrated database for t and returns its URL.
// It is dropped when t ends.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	return newDatabase(t, templateName)
}

func newDatabase(t testing.TB, template string) string {
	t.Helper()
	if !started.Load() {
		t.Fatal("testenv: call testenv.Main from the package's TestMain first")
	}
	ctx := context.Background()
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), dbSeq.Add(1))
	conn, err := admin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	q := "CREATE DATABASE " + name
	if template != "" {
		q += " TEMPLATE " + template + cloneStrategy(ctx, conn)
	}
	if _, err := conn.Exec(ctx, q); err != nil {
		t.Fatalf("testenv: create database: %v", err)
	}
	t.Cleanup(func() {
		conn, err := admin(ctx)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	return urlFor(name)
}

// cloneStrategy is how a test's database is copied from the template:
// STRATEGY FILE_COPY on PostgreSQL 15 and later, which copies the template's
// files, where the default (WAL_LOG) reads its 11 MB block by block and
// writes each to the WAL. The api package's tests took 2.5–12% less CPU with
// it in each of four pairs run in turn (198, 220, 238 and 265 CPU-seconds
// against 226, 233, 246 and 272, while the machine slowed). FILE_COPY
// checkpoints first, which the private test clusters, without fsync, do
// cheaply; a server of REDRESS_TEST_DATABASE_URL that syncs to disk would
// checkpoint for each test, so it keeps the default. Before 15 there is no
// choice to make.
func cloneStrategy(ctx context.Context, conn *pgx.Conn) string {
	strategy.once.Do(func() { strategy.clause = cloneStrategyOf(ctx, conn) })
	return strategy.clause
}

// cloneStrategyOf asks conn's server which clause cloneStrategy gives.
func cloneStrategyOf(ctx context.Context, conn *pgx.Conn) string {
	var fileCopy bool
	if err := conn.QueryRow(ctx, `SELECT current_setting('server_version_num')::int >= 150000
		AND NOT current_setting('fsync')::bool`).Scan(&fileCopy); err != nil || !fileCopy {
		return ""
	}
	return " STRATEGY FILE_COPY"
}

var strategy struct {
	once   sync.Once
	clause string
}

// DB opens a fresh, migrated database for t.
func DB(t testing.TB) (*gorm.DB, string) {
	t.Helper()
	u := DatabaseURL(t)
	gdb, err := db.Open(context.Background(), u, 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(gdb) })
	return gdb, u
}

// Cluster is the private cluster (nil when REDRESS_TEST_DATABASE_URL is used).
func Cluster() *devpg.Cluster { return cluster }

// Config returns a configuration with fresh random secrets.
func Config(t testing.TB) *config.Config {
	t.Helper()
	random := func() string {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		return base64.StdEncoding.EncodeToString(b)
	}
	env := map[string]string{
		"REDRESS_JWT_SECRET":      random(),
		"REDRESS_RECEIPT_SECRET":  random(),
		"REDRESS_ENCRYPTION_KEYS": "test1:" + random(),
		"DATABASE_URL":            "postgres://unused",
		"NATS_URL":                "nats://unused",
		// Staff sign in cheaply: argon2id at 64 KiB and one pass, instead of
		// the production 64 MiB and three (seconds each under -race on a busy
		// machine). auth's own tests keep the production cost.
		"REDRESS_PASSWORD_HASH": "m=64,t=1,p=1",
	}
	cfg, err := config.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		config.Need{Database: true, NATS: true, Secrets: true})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// LogBuffer is a goroutine-safe log sink tests can read.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// String returns everything logged so far.
func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Logger returns a JSON debug logger writing to a new LogBuffer.
func Logger() (*slog.Logger, *LogBuffer) {
	lb := &LogBuffer{}
	return logx.New(lb, "json", "debug"), lb
}

// LockWaiters is how many backends of gdb's database wait for a lock now:
// for a test that holds a row and needs the statement it started to be
// waiting on it.
func LockWaiters(t testing.TB, gdb *gorm.DB) int {
	t.Helper()
	var n int
	if err := gdb.Raw(`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).
		Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// Eventually polls cond until it holds or timeout passes.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("timed out after %s waiting for %s", timeout, what)
}

// Dump returns the text of a whole database as pg_dump writes it (data only,
// bytea as hex), for tests that grep it.
func Dump(t testing.TB, dbURL string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, tbl := range tables {
		var text string
		// Every row as JSON text: bytea shows as \x hex, so sealed values stay opaque.
		if err := conn.QueryRow(ctx, fmt.Sprintf(`SELECT coalesce(string_agg(row_to_json(x)::text, E'\n'), '') FROM %s x`,
			pgx.Identifier{tbl}.Sanitize())).Scan(&text); err != nil {
			t.Fatalf("dump %s: %v", tbl, err)
		}
		b.WriteString("-- " + tbl + "\n" + text + "\n")
	}
	return b.String()
}

// Sorted is a named vocabulary's values as strings, sorted as CheckValues
// returns them, for comparing the two.
func Sorted[T ~string](list []T) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	slices.Sort(out)
	return out
}

// CheckValues is the list of values a CHECK constraint of table allows in
// column (a constraint written "column IN ('a', 'b')", which PostgreSQL
// keeps as "column = ANY (ARRAY['a'::text, 'b'::text])"), sorted. It fails
// t when no such constraint exists, so a test that compares Go's named
// values with the database's cannot pass by finding nothing.
func CheckValues(t testing.TB, gdb *gorm.DB, table, column string) []string {
	t.Helper()
	defs, err := checkConstraints(gdb, table)
	if err != nil {
		t.Fatal(err)
	}
	// The whole constraint is the membership test: a compound rule naming
	// the column among others ("status IN (…) OR acknowledged_at …") is not
	// its list of values.
	in := regexp.MustCompile(`^CHECK \(\(\(?` + regexp.QuoteMeta(column) + `\)?(?:::text)? = ANY \(\(?ARRAY\[([^\]]*)\]\)?(?:::text\[\])?\)\)\)$`)
	item := regexp.MustCompile(`'((?:[^']|'')*)'`)
	var values []string
	for _, d := range defs {
		m := in.FindStringSubmatch(d)
		if m == nil {
			continue
		}
		if values != nil {
			t.Fatalf("%s.%s: more than one CHECK lists its values", table, column)
		}
		values = []string{}
		for _, v := range item.FindAllStringSubmatch(m[1], -1) {
			values = append(values, strings.ReplaceAll(v[1], "''", "'"))
		}
	}
	if values == nil {
		t.Fatalf("%s.%s: no CHECK constraint lists its values", table, column)
	}
	slices.Sort(values)
	return values
}
