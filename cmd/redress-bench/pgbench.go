package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/redresshq/redress/internal/platform/devpg"
)

// pgbench runs the single-row INSERT baseline on the same server as Redress.
type pgbench struct {
	pg     *devpg.Cluster
	script string // absolute path, readable by the cluster's owner
}

// preparePgbench creates the table and writes the script into the cluster's
// directory, where pgbench (run as the cluster's owner) can read it.
func preparePgbench(ctx context.Context, pg *devpg.Cluster) (*pgbench, error) {
	conn, err := pgx.Connect(ctx, pg.URL(pgbenchDB))
	if err != nil {
		return nil, fmt.Errorf("pgbench: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, insertTable); err != nil {
		return nil, fmt.Errorf("pgbench: create table: %w", err)
	}
	script := filepath.Join(pg.Dir, "bench_insert.sql")
	if err := os.WriteFile(script, []byte(insertScript), 0o644); err != nil {
		return nil, fmt.Errorf("pgbench: %w", err)
	}
	return &pgbench{pg: pg, script: script}, nil
}

// pgbenchResult is what pgbench reports for one run.
type pgbenchResult struct {
	TPS       float64       // without initial connection time
	Latency   time.Duration // average
	Failed    int64
	Processed int64
	ClientCPU time.Duration // CPU time of the pgbench process itself
}

var (
	tpsLine       = regexp.MustCompile(`(?m)^tps = ([0-9.]+) \(without initial connection time\)`)
	latencyLine   = regexp.MustCompile(`(?m)^latency average = ([0-9.]+) ms`)
	failedLine    = regexp.MustCompile(`(?m)^number of failed transactions: ([0-9]+)`)
	processedLine = regexp.MustCompile(`(?m)^number of transactions actually processed: ([0-9]+)`)
)

// run runs pgbench with clients connections over TCP for seconds, with as
// many threads as there are clients, up to the number of CPUs.
func (b *pgbench) run(ctx context.Context, clients, seconds int) (pgbenchResult, error) {
	return b.runScript(ctx, clients, seconds, "-f", b.script)
}

// runScript runs pgbench as run does, with script naming the transaction:
// -f and a file, or a built-in such as -S (select-only).
func (b *pgbench) runScript(ctx context.Context, clients, seconds int, script ...string) (pgbenchResult, error) {
	args := append([]string{"-n"}, script...)
	args = append(args, "-c", strconv.Itoa(clients), "-j", strconv.Itoa(min(clients, runtime.NumCPU())),
		"-T", strconv.Itoa(seconds),
		"-h", "127.0.0.1", "-p", strconv.Itoa(b.pg.Port), "-U", devpg.User, pgbenchDB)
	ctx, cancel := context.WithTimeout(ctx, time.Duration(seconds)*time.Second+time.Minute)
	defer cancel()
	before := childCPU()
	out, err := b.pg.Run(ctx, "pgbench", args...)
	res := pgbenchResult{ClientCPU: childCPU() - before}
	if ctx.Err() != nil {
		return res, fmt.Errorf("pgbench: %w", ctx.Err())
	}
	if err != nil {
		return res, fmt.Errorf("pgbench: %w\n%s", err, out)
	}
	m := tpsLine.FindSubmatch(out)
	if m == nil {
		return res, fmt.Errorf("pgbench: no tps line in its output:\n%s", out)
	}
	res.TPS, _ = strconv.ParseFloat(string(m[1]), 64)
	if m := latencyLine.FindSubmatch(out); m != nil {
		ms, _ := strconv.ParseFloat(string(m[1]), 64)
		res.Latency = time.Duration(ms * float64(time.Millisecond))
	}
	if m := failedLine.FindSubmatch(out); m != nil {
		res.Failed, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	if m := processedLine.FindSubmatch(out); m != nil {
		res.Processed, _ = strconv.ParseInt(string(m[1]), 10, 64)
	}
	return res, nil
}

// scanScript is one read-only transaction that reads pgbench_accounts whole:
// a sequential scan and a hash aggregate, the kind of work a statistic over
// every case does.
const scanScript = `SELECT bid, count(*), sum(abalance) FROM pgbench_accounts GROUP BY bid;
`

// accounts is pgbench's own table after initialisation.
type accounts struct {
	Scale int
	Rows  int64
	Bytes int64 // pg_relation_size of pgbench_accounts
}

// initAccounts runs pgbench -i at scale (100,000 pgbench_accounts rows per
// unit), the data generated on the server, and writes scanScript next to
// the INSERT script. It returns the script's path.
func (b *pgbench) initAccounts(ctx context.Context, scale int) (accounts, string, error) {
	a := accounts{Scale: scale}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	if out, err := b.pg.Run(ctx, "pgbench", "-i", "-s", strconv.Itoa(scale), "-I", "dtGvp",
		"-h", "127.0.0.1", "-p", strconv.Itoa(b.pg.Port), "-U", devpg.User, pgbenchDB); err != nil {
		return a, "", fmt.Errorf("pgbench -i: %w\n%s", err, out)
	}
	conn, err := pgx.Connect(ctx, b.pg.URL(pgbenchDB))
	if err != nil {
		return a, "", fmt.Errorf("pgbench: %w", err)
	}
	defer conn.Close(ctx)
	if err := conn.QueryRow(ctx, `SELECT count(*), pg_relation_size('pgbench_accounts') FROM pgbench_accounts`).
		Scan(&a.Rows, &a.Bytes); err != nil {
		return a, "", fmt.Errorf("pgbench: %w", err)
	}
	script := filepath.Join(b.pg.Dir, "bench_scan.sql")
	if err := os.WriteFile(script, []byte(scanScript), 0o644); err != nil {
		return a, "", fmt.Errorf("pgbench: %w", err)
	}
	return a, script, nil
}
