// Command redress-bench measures how many complaints a second POST
// /api/v1/cases files, next to the single-row INSERT transactions a second
// pgbench reaches on the same PostgreSQL server in the same run.
//
// It starts Redress as production runs it, in one process: a private
// PostgreSQL with fsync and synchronous_commit on, an embedded NATS server
// with JetStream, the HTTP API on a 127.0.0.1 port and the worker, so the
// outbox relay and the intake consumer work while the load runs. At each
// concurrency step it runs pgbench, then keeps that many requests in flight
// against the API with vegeta, then waits for the worker to catch up.
//
// `make bench` runs it; BENCHMARKS.md explains the numbers.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// maxConcurrency keeps pgbench's clients, the API's pool and the worker within
// the private cluster's max_connections (300).
const maxConcurrency = 250

// drainLimit bounds the wait for the worker after each step.
const drainLimit = 30 * time.Second

type options struct {
	duration    time.Duration
	warmup      time.Duration
	concurrency []int
	keep        bool
}

func main() {
	var o options
	var steps string
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measured run, API and pgbench alike (whole seconds)")
	flag.StringVar(&steps, "concurrency", "1,4,16,64", "comma-separated steps: requests in flight against the API, and pgbench clients")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "unmeasured load on both before the first step (0 for none)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (PostgreSQL cluster and log, NATS store) for inspection")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: redress-bench [flags]\n\n"+
			"Load-tests POST /api/v1/cases next to pgbench INSERTs on the same PostgreSQL (see BENCHMARKS.md).\n"+
			"Results go to stdout as Markdown, progress to stderr.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	var err error
	if o.concurrency, err = parseSteps(steps); err == nil {
		err = o.check()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "redress-bench:", err)
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, o, os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "redress-bench: interrupted")
		os.Exit(1)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "redress-bench:", err)
		os.Exit(1)
	}
}

func parseSteps(s string) ([]int, error) {
	var steps []int
	for _, part := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(part))
		if err != nil || n < 1 || n > maxConcurrency {
			return nil, fmt.Errorf("-concurrency: %q is not a whole number from 1 to %d", part, maxConcurrency)
		}
		steps = append(steps, n)
	}
	return steps, nil
}

func (o options) check() error {
	// pgbench -T takes whole seconds; the API runs exactly as long.
	if o.duration < time.Second || o.duration%time.Second != 0 {
		return fmt.Errorf("-duration must be whole seconds, at least 1s (got %s)", o.duration)
	}
	if o.warmup < 0 || o.warmup%time.Second != 0 {
		return fmt.Errorf("-warmup must be whole seconds (got %s)", o.warmup)
	}
	return nil
}

// step is one concurrency level: pgbench, then the API, then the drain.
type step struct {
	Concurrency int
	PG          pgbenchResult
	PGCPU       cpuUse
	PGWaits     waitProfile
	API         apiResult
	APICPU      cpuUse
	APIWaits    waitProfile
	Drain       drain
}

// Ratio is the API's cases per second over pgbench's INSERTs per second.
func (s step) Ratio() float64 {
	if s.PG.TPS == 0 {
		return 0
	}
	return s.API.Rate / s.PG.TPS
}

// bench holds what the steps share.
type bench struct {
	o        options
	mon      *pgxpool.Pool // the bench's own connections: samples, checkpoints, backlog
	pgbench  *pgbench
	targeter vegeta.Targeter
	progress func(format string, args ...any)
	created  uint64 // 201 answers, warm-up included
}

func run(ctx context.Context, o options, stdout, stderr io.Writer) (err error) {
	progress := func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	dir, err := os.MkdirTemp("", "redress-bench-*")
	if err != nil {
		return err
	}
	defer func() {
		if o.keep {
			progress("kept %s (PostgreSQL log: %s)", dir, filepath.Join(dir, "pg", "postgres.log"))
			return
		}
		if rerr := os.RemoveAll(dir); rerr != nil {
			err = errors.Join(err, rerr)
		}
	}()

	progress("starting PostgreSQL, NATS, the API and the worker in %s", dir)
	s, err := startStack(ctx, dir)
	if err != nil {
		return err
	}
	defer func() {
		progress("shutting down")
		err = errors.Join(err, s.close())
	}()

	mon, err := monitorPool(ctx, s.pg.URL(appDB))
	if err != nil {
		return err
	}
	defer mon.Close()
	pgb, err := preparePgbench(ctx, s.pg)
	if err != nil {
		return err
	}
	systems, err := s.aiSystems(ctx)
	if err != nil {
		return err
	}
	env, err := describe(ctx, mon, s, len(systems))
	if err != nil {
		return err
	}
	b := &bench{o: o, mon: mon, pgbench: pgb, progress: progress,
		targeter: casesTargeter(s.baseURL+"/api/v1/cases", systems)}

	if err := b.warmUp(ctx); err != nil {
		return err
	}
	// An interrupted run still reports the steps it finished.
	var steps []step
	var stepErr error
	for _, c := range o.concurrency {
		st, err := b.step(ctx, c)
		if err != nil {
			stepErr = err
			break
		}
		steps = append(steps, st)
	}
	if len(steps) == 0 {
		return stepErr
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	final, err := readBacklog(rctx, mon)
	if err != nil {
		return errors.Join(stepErr, err)
	}
	report(stdout, env, o, steps, final, b.created)
	return stepErr
}

// warmUp puts unmeasured load on pgbench and the API, so the first step does
// not pay for cold caches, new connections and the first WAL segments.
func (b *bench) warmUp(ctx context.Context) error {
	if b.o.warmup == 0 {
		return nil
	}
	const c = 4
	b.progress("warm-up: %s of pgbench and of the API at concurrency %d", b.o.warmup, c)
	if _, err := b.pgbench.run(ctx, c, int(b.o.warmup/time.Second)); err != nil {
		return err
	}
	r := attack(ctx, b.targeter, c, b.o.warmup)
	b.created += r.Created
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.Created == 0 {
		return fmt.Errorf("warm-up: no request was answered 201: %s %v", r.OtherStatuses(), r.Samples)
	}
	_, err := waitDrained(ctx, b.mon, drainLimit)
	return err
}

func (b *bench) step(ctx context.Context, c int) (step, error) {
	st := step{Concurrency: c}
	seconds := int(b.o.duration / time.Second)

	b.progress("concurrency %d: pgbench INSERT for %s", c, b.o.duration)
	if err := checkpoint(ctx, b.mon); err != nil {
		return st, err
	}
	meter, stopWaits := startCPU(), sampleWaits(ctx, b.mon, pgbenchDB, 100*time.Millisecond)
	pg, err := b.pgbench.run(ctx, c, seconds)
	st.PGWaits, st.PGCPU, st.PG = stopWaits(), meter.stop(), pg
	if err != nil {
		return st, err
	}

	b.progress("concurrency %d: POST /api/v1/cases for %s", c, b.o.duration)
	if err := checkpoint(ctx, b.mon); err != nil {
		return st, err
	}
	meter, stopWaits = startCPU(), sampleWaits(ctx, b.mon, appDB, 100*time.Millisecond)
	st.API = attack(ctx, b.targeter, c, b.o.duration)
	st.APIWaits, st.APICPU = stopWaits(), meter.stop()
	b.created += st.API.Created
	if err := ctx.Err(); err != nil {
		return st, err
	}
	b.progress("concurrency %d: %.0f cases/s, pgbench %.0f tps; waiting for the worker", c, st.API.Rate, st.PG.TPS)
	st.Drain, err = waitDrained(ctx, b.mon, drainLimit)
	return st, err
}

// checkpoint flushes dirty buffers before a run, so neither side is charged
// for the other's writes.
func checkpoint(ctx context.Context, pool *pgxpool.Pool) error {
	if _, err := pool.Exec(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	return nil
}

// monitorPool is the bench's own small pool on the application database,
// apart from the API's, and named so pg_stat_activity shows whose it is.
func monitorPool(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	cfg.MaxConns = 2
	cfg.ConnConfig.RuntimeParams["application_name"] = "redress-bench-monitor"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("monitor pool: %w", err)
	}
	return pool, nil
}
