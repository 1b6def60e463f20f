package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/redresshq/redress/internal/platform/db"
)

// work is what requests cost, counted rather than timed, so that two runs on
// a busy machine still compare: the statements they ran (pg_stat_statements,
// every backend of the database, the access log's writer included), the
// buffers those touched, the database's time planning and executing them (which a busy
// machine inflates), and the Go heap allocations of the bench's process
// (API, worker and vegeta alike).
type work struct {
	OK                  bool
	Statements, Buffers float64 // per request
	// RoundTrips per request: those of the bench's process to PostgreSQL
	// (db.RoundTrips: the API's, the worker's and the keystore's pools;
	// not the API's when it runs as a process of its own).
	RoundTrips       float64
	ExecMs           float64 // per request
	Allocs, AllocKiB float64 // per request
	// CPU per request, in ms: the bench's process (API, worker, NATS and the
	// load generator, which is the same code old and new) and PostgreSQL's
	// processes (the postmaster and every backend). Less sensitive to a busy
	// machine than requests a second, since time waiting for a CPU is not
	// counted; cache and frequency effects of other work still are.
	SelfCPUMs, PGCPUMs float64
	Top                []string // the statements that touched most buffers (-top-statements)
}

type workMeter struct {
	ok       bool
	allocs   uint64
	bytes    uint64
	self, pg time.Duration
	pgOK     bool
	trips    int64
}

// startWork resets pg_stat_statements (when the server loaded it) and notes
// the process's allocations so far.
func startWork(ctx context.Context, mon *pgxpool.Pool) workMeter {
	var m workMeter
	if _, err := mon.Exec(ctx, statStatements); err == nil {
		_, err = mon.Exec(ctx, resetStatStatements)
		m.ok = err == nil
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m.allocs, m.bytes = ms.Mallocs, ms.TotalAlloc
	m.self = selfCPU()
	m.pg, m.pgOK = serverCPU(postmasterPID)
	m.trips = db.RoundTrips()
	return m
}

// stop divides what was done since start by n requests; the bench's own
// statements (pg_stat_statements' and the monitor's) are left out.
func (m workMeter) stop(ctx context.Context, mon *pgxpool.Pool, n uint64, top int) work {
	var w work
	if n == 0 {
		return w
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	w.Allocs = float64(ms.Mallocs-m.allocs) / float64(n)
	w.AllocKiB = float64(ms.TotalAlloc-m.bytes) / 1024 / float64(n)
	w.SelfCPUMs = float64(selfCPU()-m.self) / float64(time.Millisecond) / float64(n)
	w.RoundTrips = float64(db.RoundTrips()-m.trips) / float64(n)
	if pg, ok := serverCPU(postmasterPID); ok && m.pgOK {
		w.PGCPUMs = float64(pg-m.pg) / float64(time.Millisecond) / float64(n)
	}
	if !m.ok {
		return w
	}
	var calls, buffers int64
	var exec float64
	err := mon.QueryRow(ctx, `SELECT coalesce(sum(calls), 0)::bigint, coalesce(sum(shared_blks_hit + shared_blks_read), 0)::bigint,
		       coalesce(sum(total_exec_time + total_plan_time), 0)::float8
		  FROM pg_stat_statements
		 WHERE `+ofTheRun).Scan(&calls, &buffers, &exec)
	if err != nil {
		return w
	}
	w.OK = true
	w.Statements, w.Buffers, w.ExecMs = float64(calls)/float64(n), float64(buffers)/float64(n), exec/float64(n)
	if top > 0 {
		rows, err := mon.Query(ctx, `SELECT calls, shared_blks_hit + shared_blks_read, total_exec_time, total_plan_time, plans,
			       regexp_replace(query, '\s+', ' ', 'g')
			  FROM pg_stat_statements
			 WHERE `+ofTheRun+`
			 ORDER BY 2 DESC LIMIT $1`, top)
		if err != nil {
			return w
		}
		defer rows.Close()
		for rows.Next() {
			var c, b, plans int64
			var t, pt float64
			var q string
			if rows.Scan(&c, &b, &t, &pt, &plans, &q) == nil {
				w.Top = append(w.Top, fmt.Sprintf("%.3f calls, %.1f buffers, %.3f ms executing, %.3f planning (%d plans) per request: %s",
					float64(c)/float64(n), float64(b)/float64(n), t/float64(n), pt/float64(n), plans, clip(q, 400)))
			}
		}
	}
	return w
}

// ofTheRun selects, in pg_stat_statements, the statements of the measured
// database that the run caused: not the bench's own reads of the statistics,
// of the server's activity and of the run's cases (its checks and its drain
// polls).
const ofTheRun = `dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
	AND query !~* 'pg_stat_statements|pg_database|pg_stat_activity|CHECKPOINT|WHERE reference = ANY|SELECT reference FROM cases WHERE routed_at IS NULL'`

func (w work) cells() []string {
	cpu := []string{fmt.Sprintf("%.3f", w.SelfCPUMs), fmt.Sprintf("%.3f", w.PGCPUMs)}
	trips := fmt.Sprintf("%.2f", w.RoundTrips)
	if !w.OK {
		return append([]string{"–", trips, "–", "–", fmt.Sprintf("%.0f", w.Allocs), fmt.Sprintf("%.1f", w.AllocKiB)}, cpu...)
	}
	return append([]string{fmt.Sprintf("%.2f", w.Statements), trips, fmt.Sprintf("%.1f", w.Buffers), fmt.Sprintf("%.3f", w.ExecMs),
		fmt.Sprintf("%.0f", w.Allocs), fmt.Sprintf("%.1f", w.AllocKiB)}, cpu...)
}

// postmasterPID is the private cluster's postmaster, read when the stack
// starts (0: unknown, and serverCPU reports nothing).
var postmasterPID int

// readPostmasterPID reads the first line of the cluster's postmaster.pid.
func readPostmasterPID(dataDir string) int {
	b, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	return pid
}

// serverCPU is the CPU time of PostgreSQL's processes so far: the
// postmaster's own and its reaped children's (backends that ended), and
// each live child's (Linux /proc; clock ticks of 10 ms).
func serverCPU(pid int) (time.Duration, bool) {
	if pid == 0 {
		return 0, false
	}
	const tick = 10 * time.Millisecond
	stat := func(p string) (ppid int, f []string, ok bool) {
		b, err := os.ReadFile(filepath.Join("/proc", p, "stat"))
		if err != nil {
			return 0, nil, false
		}
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 {
			return 0, nil, false
		}
		// After the command: state ppid … utime(14) stime(15) cutime(16) cstime(17), counted from 1.
		f = strings.Fields(string(b[i+1:]))
		if len(f) < 15 {
			return 0, nil, false
		}
		ppid, _ = strconv.Atoi(f[1])
		return ppid, f, true
	}
	ticks := func(f []string, idx ...int) (n int64) {
		for _, i := range idx {
			v, _ := strconv.ParseInt(f[i-3], 10, 64)
			n += v
		}
		return n
	}
	_, own, ok := stat(strconv.Itoa(pid))
	if !ok {
		return 0, false
	}
	total := ticks(own, 14, 15, 16, 17)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, false
	}
	for _, e := range entries {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		if ppid, f, ok := stat(e.Name()); ok && ppid == pid {
			total += ticks(f, 14, 15)
		}
	}
	return time.Duration(total) * tick, true
}

// statementsByCalls lists the limit statements run most often since the
// last reset of pg_stat_statements, with their calls and buffers per request
// (n requests); byBuffers orders them by buffers instead.
func statementsByCalls(ctx context.Context, mon *pgxpool.Pool, n uint64, limit int, byBuffers bool) []string {
	if n == 0 {
		return nil
	}
	order := "calls"
	if byBuffers {
		order = "shared_blks_hit + shared_blks_read"
	}
	rows, err := mon.Query(ctx, `SELECT calls, shared_blks_hit + shared_blks_read, plans, total_plan_time, total_exec_time,
		       regexp_replace(query, '\s+', ' ', 'g')
		  FROM pg_stat_statements
		 WHERE `+ofTheRun+`
		 ORDER BY `+order+` DESC LIMIT $1`, limit)
	if err != nil {
		return nil
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c, b, plans int64
		var pt, et float64
		var q string
		if rows.Scan(&c, &b, &plans, &pt, &et, &q) == nil {
			out = append(out, fmt.Sprintf("%.2f calls, %.1f buffers, %.3f ms planning (%.2f plans), %.3f ms executing: %s",
				float64(c)/float64(n), float64(b)/float64(n), pt/float64(n), float64(plans)/float64(n), et/float64(n), clip(q, 140)))
		}
	}
	return out
}
