package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/platform/db"
)

// sweepDB is a database of its own on the same server, so the open cases the
// sweep measurement loads neither meet the worker (whose own sweeper would
// fire the due timers first) nor count in the other measurements.
const sweepDB = "redress_sweep"

// sweepBatch is how many due timers the worker's sweeper takes a sweep
// (worker.sweepBatch); a full batch means the next sweep follows at once.
const sweepBatch = 200

// sweepRun is one sweep: the due timers drained among Open open cases.
type sweepRun struct {
	Open, Due   int   // open cases, and timers due when the sweep began
	ClockRows   int64 // rows in case_clocks
	FireEntries int64 // rows with a next_fire_at, the entries of case_clocks_fire_idx
	IndexSize   int64 // bytes of case_clocks_fire_idx
	Load        time.Duration

	Sweep   time.Duration // draining every due timer, Sweep(200) after Sweep(200) as the worker does
	Calls   int
	Fired   clocks.Fired
	Left    int64            // timers still due afterwards
	Actions map[string]int64 // case-record entries the sweep wrote, by action
	Chains  int              // sampled swept cases whose record verifies
	CPU     cpuUse
	Waits   waitProfile

	Batch, All, Generic plan // DueCasesQuery with LIMIT 200, with a limit above the due count, and its generic plan
}

// plan is an EXPLAIN (ANALYZE, BUFFERS) of DueCasesQuery.
type plan struct {
	Text      string
	Exec      time.Duration
	Hit, Read int64 // shared buffers at the top node
	Rows      int64 // rows the index scan returned
	UsesIndex bool  // reads case_clocks_fire_idx and never scans case_clocks whole
}

func (p plan) Buffers() int64 { return p.Hit + p.Read }

type sweepResult struct {
	Runs   []sweepRun
	Commit pgbenchResult
}

// sweep loads the small number of open cases with the due ones among them,
// sweeps, then grows the same tables to the large number with as many newly
// due, and sweeps again.
func (b *bench) sweep(ctx context.Context) (*sweepResult, error) {
	res := &sweepResult{}
	var err error
	if res.Commit, err = b.commitLatency(ctx); err != nil {
		return res, err
	}
	if err := b.s.pg.CreateDatabase(ctx, sweepDB, ""); err != nil {
		return res, err
	}
	gdb, err := db.Open(ctx, b.s.pg.URL(sweepDB), 4)
	if err != nil {
		return res, err
	}
	defer func() { _ = db.Close(gdb) }()
	if err := db.Migrate(ctx, gdb, io.Discard); err != nil {
		return res, err
	}
	cfg, err := pgxpool.ParseConfig(b.s.pg.URL(sweepDB))
	if err != nil {
		return res, err
	}
	cfg.MaxConns = int32(max(2, runtime.NumCPU()))
	cfg.ConnConfig.RuntimeParams["application_name"] = "redress-bench-sweep"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return res, err
	}
	defer pool.Close()
	sw := &sweeper{b: b, gdb: gdb, pool: pool, clk: clocks.New(gdb, nil, escalation.RequestOnBreach)}
	if err := pool.QueryRow(ctx, `SELECT (SELECT id FROM queues WHERE slug = 'general'),
		(SELECT id FROM sla_policies WHERE is_default)`).Scan(&sw.queue, &sw.policy); err != nil {
		return res, fmt.Errorf("general queue and default policy: %w", err)
	}

	for i, open := range []int{b.o.sweepSmall, b.o.sweepLarge} {
		run, err := sw.run(ctx, i+1, open, b.o.sweepDue)
		res.Runs = append(res.Runs, run)
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

type sweeper struct {
	b             *bench
	gdb           *gorm.DB
	pool          *pgxpool.Pool
	clk           *clocks.Service
	queue, policy uuid.UUID
	loaded        int // cases inserted so far
}

// run grows the open cases to open, due of the new ones with a timer due, and sweeps.
func (sw *sweeper) run(ctx context.Context, pass, open, due int) (sweepRun, error) {
	r := sweepRun{Open: open, Due: due, Actions: map[string]int64{}}
	b := sw.b
	from, to := sw.loaded+1, open
	b.progress("sweep %d: loading cases %d to %d, %d of them with a timer due", pass, from, to, due)
	start := time.Now()
	marker := fmt.Sprintf("bench-sweep-due-%d", pass)
	if err := sw.load(ctx, from, to, due, marker); err != nil {
		return r, err
	}
	sw.loaded = to
	b.progress("sweep %d: inserted in %s", pass, round(time.Since(start)))
	var ids []uuid.UUID
	rows, err := sw.pool.Query(ctx, `SELECT id FROM cases WHERE decision_reference = $1`, marker)
	if err != nil {
		return r, err
	}
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return r, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return r, err
	}
	// Their clocks as the clock service sets them for a P3 case filed eight
	// days ago: the acknowledge clock (7 days) has run out, the others have not.
	if err := db.Transact(ctx, sw.gdb, func(tx *gorm.DB) error {
		for _, id := range ids {
			if _, err := sw.clk.RecomputeIn(tx, id); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return r, fmt.Errorf("clocks of the due cases: %w", err)
	}
	b.progress("sweep %d: clocks of the due cases set, %s", pass, round(time.Since(start)))
	// VACUUM as well as ANALYZE: autovacuum would otherwise start on the
	// freshly loaded tables in the middle of the timed sweep.
	if _, err := sw.pool.Exec(ctx, vacuumAnalyze("cases", "case_clocks", "audit_entries")); err != nil {
		return r, fmt.Errorf("vacuum analyze: %w", err)
	}
	r.Load = time.Since(start)
	if err := sw.pool.QueryRow(ctx, `SELECT count(*), count(next_fire_at), pg_relation_size('case_clocks_fire_idx')
		FROM case_clocks`).Scan(&r.ClockRows, &r.FireEntries, &r.IndexSize); err != nil {
		return r, err
	}
	var dueNow int64
	if err := sw.pool.QueryRow(ctx, `SELECT count(*) FROM case_clocks WHERE next_fire_at <= now()`).Scan(&dueNow); err != nil {
		return r, err
	}
	if dueNow != int64(due) || len(ids) != due {
		return r, fmt.Errorf("%d cases meant to be due, %d loaded, %d timers due", due, len(ids), dueNow)
	}
	var open64 int64
	if err := sw.pool.QueryRow(ctx, `SELECT count(*) FROM cases WHERE status NOT IN `+cases.EndedSQL).Scan(&open64); err != nil {
		return r, err
	}
	if open64 != int64(open) {
		return r, fmt.Errorf("%d open cases, want %d", open64, open)
	}

	// The due-timer query's plans, then the timed sweep.
	if err := checkpoint(ctx, sw.pool); err != nil {
		return r, err
	}
	now := time.Now()
	if r.Batch, err = sw.explain(ctx, now, sweepBatch, false); err != nil {
		return r, err
	}
	if r.All, err = sw.explain(ctx, now, 100*due, false); err != nil {
		return r, err
	}
	if r.Generic, err = sw.explain(ctx, now, sweepBatch, true); err != nil {
		return r, err
	}
	before, err := sw.actions(ctx)
	if err != nil {
		return r, err
	}
	b.progress("sweep %d: draining %d due timers among %d open cases", pass, due, open)
	meter, stopWaits := startCPU(), sampleWaits(ctx, sw.pool, sweepDB, 100*time.Millisecond)
	start = time.Now()
	for {
		f, err := sw.clk.Sweep(ctx, sweepBatch)
		r.Calls++
		r.Fired.Warnings += f.Warnings
		r.Fired.Breaches += f.Breaches
		if err != nil {
			r.Waits, r.CPU = stopWaits(), meter.stop()
			return r, err
		}
		if f.Warnings+f.Breaches < sweepBatch {
			break
		}
	}
	r.Sweep = time.Since(start)
	r.Waits, r.CPU = stopWaits(), meter.stop()
	b.progress("sweep %d: %d breaches, %d warnings in %s (%d calls)", pass, r.Fired.Breaches, r.Fired.Warnings, round(r.Sweep), r.Calls)

	// What it did.
	if err := sw.pool.QueryRow(ctx, `SELECT count(*) FROM case_clocks WHERE next_fire_at <= $1`, time.Now()).Scan(&r.Left); err != nil {
		return r, err
	}
	after, err := sw.actions(ctx)
	if err != nil {
		return r, err
	}
	for a, n := range after {
		if d := n - before[a]; d > 0 {
			r.Actions[a] = d
		}
	}
	for _, id := range ids[:min(20, len(ids))] {
		es, err := audit.Entries(sw.gdb.WithContext(ctx), id)
		if err != nil {
			return r, err
		}
		if audit.Verify(id, es).Verified && len(es) > 0 {
			r.Chains++
		}
	}
	switch {
	case r.Left != 0:
		return r, fmt.Errorf("%d timers still due after the sweep", r.Left)
	case r.Fired.Breaches+r.Fired.Warnings < due:
		return r, fmt.Errorf("%d timers due, %d fired", due, r.Fired.Breaches+r.Fired.Warnings)
	case r.Chains != min(20, len(ids)):
		return r, fmt.Errorf("only %d of %d sampled case records verify after the sweep", r.Chains, min(20, len(ids)))
	}
	return r, nil
}

// load inserts cases from to to (numbers that make their references), due of
// them marked with marker and spread evenly among the others, in as many
// parts at once as there are CPUs.
//
// Each open case has one clock, the 90-day decision clock of a P3 case
// submitted in the last five days, whose first warning (75%) is two months
// away. A due case is instead submitted eight days ago, with no clock yet:
// the caller has the clock service set its clocks, as routing does.
func (sw *sweeper) load(ctx context.Context, from, to, due int, marker string) (err error) {
	// The secondary indexes the sweep never reads are dropped for the load
	// and built again afterwards, from their own definitions, which is much
	// faster than growing them a row at a time. The indexes the sweep reads
	// (the primary keys and case_clocks_fire_idx) grow row by row, as in
	// production.
	defs, err := dropIndexes(ctx, sw.pool, []string{"cases", "case_clocks"}, "case_clocks_fire_idx")
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, buildIndexes(ctx, sw.pool, defs)) }()

	n := to - from + 1
	parts := max(min(runtime.NumCPU(), due), 1)
	return parallel(ctx, parts, parts, func(p int) error {
		// Part p: cases [pf, pt] with pd of them due.
		pf, pt := from+n*p/parts, from+n*(p+1)/parts-1
		pd := due*(p+1)/parts - due*p/parts
		every := (pt - pf + 1) / pd
		if _, err := sw.pool.Exec(ctx, sweepLoad,
			pf, pt, sw.queue, every, marker, pd, sw.policy); err != nil {
			return fmt.Errorf("load: %w", err)
		}
		return nil
	})
}

func pgxIdent(s string) string { return pgx.Identifier{s}.Sanitize() }

// dropIndexes drops the indexes of tables that no constraint owns (not the
// primary keys, not the unique constraints), except those named in keep,
// and returns their definitions for buildIndexes.
func dropIndexes(ctx context.Context, pool *pgxpool.Pool, tables []string, keep ...string) ([]string, error) {
	rows, err := pool.Query(ctx, `SELECT i.indexname, i.indexdef FROM pg_indexes i
		 WHERE i.schemaname = current_schema() AND i.tablename = ANY($1) AND NOT i.indexname = ANY($2)
		   AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = (quote_ident(i.indexname))::regclass)
		 ORDER BY i.indexname`, tables, append([]string{}, keep...))
	if err != nil {
		return nil, err
	}
	var names, defs []string
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			rows.Close()
			return nil, err
		}
		names, defs = append(names, name), append(defs, def)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, name := range names {
		if _, err := pool.Exec(ctx, dropIndex(name)); err != nil {
			return defs[:i], err
		}
	}
	return defs, nil
}

// buildIndexes builds the indexes dropIndexes dropped, from their own
// definitions, as many at once as there are CPUs (at least two).
func buildIndexes(ctx context.Context, pool *pgxpool.Pool, defs []string) error {
	return parallel(context.WithoutCancel(ctx), len(defs), max(2, runtime.NumCPU()), func(i int) error {
		if _, err := pool.Exec(ctx, defs[i]); err != nil {
			return fmt.Errorf("%s: %w", defs[i], err)
		}
		return nil
	})
}

// actions counts the case-record entries by action.
func (sw *sweeper) actions(ctx context.Context) (map[string]int64, error) {
	rows, err := sw.pool.Query(ctx, `SELECT action, count(*) FROM audit_entries GROUP BY action`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var a string
		var n int64
		if err := rows.Scan(&a, &n); err != nil {
			return nil, err
		}
		out[a] = n
	}
	return out, rows.Err()
}

var (
	execLine    = regexp.MustCompile(`Execution Time: ([0-9.]+) ms`)
	buffersLine = regexp.MustCompile(`Buffers: shared(?: hit=(\d+))?(?: read=(\d+))?`)
	indexRows   = regexp.MustCompile(`(?:Index (?:Only )?Scan using|Bitmap Index Scan on) case_clocks_fire_idx.*actual time=[0-9.]+\.\.[0-9.]+ rows=(\d+)`)
)

// explain runs EXPLAIN (ANALYZE, BUFFERS) of clocks.DueCasesQuery at now
// with limit: as a custom plan for these values, or as the generic plan a
// prepared statement settles on after five runs (plan_cache_mode).
func (sw *sweeper) explain(ctx context.Context, now time.Time, limit int, generic bool) (plan, error) {
	var p plan
	conn, err := sw.pool.Acquire(ctx)
	if err != nil {
		return p, err
	}
	defer conn.Release()
	q := clocks.DueCasesQuery
	for i := 1; strings.Contains(q, "?"); i++ {
		q = strings.Replace(q, "?", "$"+strconv.Itoa(i), 1)
	}
	var stmt string
	var args []any
	if generic {
		if _, err := conn.Exec(ctx, genericPlans); err != nil {
			return p, err
		}
		defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), forgetDue) }()
		if _, err := conn.Exec(ctx, prepareDue(q)); err != nil {
			return p, fmt.Errorf("prepare: %w", err)
		}
		stmt = `EXPLAIN (ANALYZE, BUFFERS) EXECUTE bench_due ('` + now.UTC().Format(time.RFC3339Nano) + `', ` + strconv.Itoa(limit) + `)`
	} else {
		stmt, args = `EXPLAIN (ANALYZE, BUFFERS) `+q, []any{now, limit}
	}
	rows, err := conn.Query(ctx, stmt, args...)
	if err != nil {
		return p, fmt.Errorf("explain: %w", err)
	}
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			rows.Close()
			return p, err
		}
		lines = append(lines, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return p, fmt.Errorf("explain: %w", err)
	}
	p.Text = strings.Join(lines, "\n")
	if m := execLine.FindStringSubmatch(p.Text); m != nil {
		ms, _ := strconv.ParseFloat(m[1], 64)
		p.Exec = time.Duration(ms * float64(time.Millisecond))
	}
	if m := buffersLine.FindStringSubmatch(p.Text); m != nil { // the first is the top node's, the total
		p.Hit, _ = strconv.ParseInt(m[1], 10, 64)
		p.Read, _ = strconv.ParseInt(m[2], 10, 64)
	}
	if m := indexRows.FindStringSubmatch(p.Text); m != nil {
		p.Rows, _ = strconv.ParseInt(m[1], 10, 64)
	}
	p.UsesIndex = strings.Contains(p.Text, "case_clocks_fire_idx") && !strings.Contains(p.Text, "Seq Scan on case_clocks")
	return p, nil
}
