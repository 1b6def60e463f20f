package testenv

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Which plans Plans has PostgreSQL make (its plan_cache_mode).
const (
	// GenericPlan is the plan a prepared statement settles on in a warm
	// pool, made without its parameters' values.
	GenericPlan = "force_generic_plan"
	// CustomPlan is the plan made for the parameters' values, as for a
	// statement's first runs on a connection.
	CustomPlan = "force_custom_plan"
)

// Plans runs fn on a connection of its own to dbURL where every statement is
// planned as mode says (GenericPlan or CustomPlan), executed and logged by
// auto_explain with ANALYZE and BUFFERS, and returns the plans logged whose
// text contains match. A plan test can then check what a statement reads as
// production runs it.
func Plans(t testing.TB, dbURL, match, mode string, fn func(gdb *gorm.DB) error) []string {
	t.Helper()
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var plans []string
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		mu.Lock()
		defer mu.Unlock()
		if strings.Contains(n.Message, match) {
			plans = append(plans, n.Message)
		}
	}
	sqlDB := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, `LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on;
			SET auto_explain.log_buffers = on; SET auto_explain.log_level = notice; SET client_min_messages = notice;
			SET plan_cache_mode = `+pgx.Identifier{mode}.Sanitize())
		return err
	}))
	defer sqlDB.Close()
	sqlDB.SetMaxOpenConns(1)
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{Logger: logger.Discard, SkipDefaultTransaction: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := fn(gdb.WithContext(context.Background())); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	return plans
}

// NodeRead is what one node of a plan read.
type NodeRead struct {
	Node    string // the node's line, trimmed
	Buffers int    // its shared buffers, hit and read
}

var planBuffers = regexp.MustCompile(`Buffers: shared(?: hit=(\d+))?(?: read=(\d+))?`)

// NodeReads are the nodes of plan (an auto_explain or EXPLAIN plan with
// BUFFERS) whose line matches node, each with the buffers it read.
func NodeReads(plan string, node *regexp.Regexp) []NodeRead {
	var out []NodeRead
	lines := strings.Split(plan, "\n")
	for i, l := range lines {
		if !node.MatchString(l) {
			continue
		}
		r := NodeRead{Node: strings.TrimSpace(l)}
		for _, below := range lines[i+1:] { // the node's own count is the first below its line
			if m := planBuffers.FindStringSubmatch(below); m != nil {
				hit, _ := strconv.Atoi(m[1])
				read, _ := strconv.Atoi(m[2])
				r.Buffers = hit + read
				break
			}
		}
		out = append(out, r)
	}
	return out
}

// ReadsAtMost checks what fn's statements read as production plans them, in
// both plan modes (CustomPlan, then GenericPlan): among the plans logged that
// contain match (Plans), every node whose line matches node must have read at
// most limit buffers, and at least one such node must exist. It returns the
// plans of each mode, for further checks.
func ReadsAtMost(t testing.TB, dbURL, match string, node *regexp.Regexp, limit int, fn func(gdb *gorm.DB) error) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, mode := range []string{CustomPlan, GenericPlan} {
		plans := Plans(t, dbURL, match, mode, fn)
		out[mode] = plans
		found := 0
		for _, p := range plans {
			for _, r := range NodeReads(p, node) {
				found++
				if r.Buffers > limit {
					t.Errorf("%s: %q read %d buffers (want at most %d):\n%s", mode, r.Node, r.Buffers, limit, p)
				}
			}
		}
		if found == 0 {
			t.Errorf("%s: no node matching %s in the plans:\n%s", mode, node, strings.Join(plans, "\n"))
		}
	}
	return out
}
