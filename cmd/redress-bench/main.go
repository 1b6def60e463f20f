// Command redress-bench measures Redress on one PostgreSQL server, each figure
// next to what pgbench reaches on the same server in the same run:
//
//   - intake: complaints a second through POST /api/v1/cases, against
//     single-row INSERT transactions a second, and the API's memory (its
//     own process with -api-process, else the bench's as an upper bound);
//   - routing: submit → routed latency of the worker (outbox relay, JetStream,
//     the submitted consumer) while intake runs at a fixed rate, and the
//     statements, commits and CPU each case costs until the worker is idle;
//   - sustained: the highest rate at which cases are accepted and routed with
//     the worker keeping up, next to accept only and pgbench INSERT;
//   - claim: POST /api/v1/queues/{id}/claim with 100 reviewers claiming at
//     once until the queue is empty, checked for double claims;
//   - reads: the supervisor's GET /api/v1/cases (first page) and
//     GET /api/v1/cases/{id}, against pgbench's select-only transactions;
//   - sweep: the SLA sweeper draining 1,000 due timers among 10,000 and
//     among 1,000,000 open cases, with the due-timer query's plan;
//   - stats: GET /api/v1/stats/ai-systems/{id} for a small and a big AI
//     system and GET /api/v1/stats/public among 1,000,000 cases, against
//     pgbench's select-only and whole-table aggregate transactions;
//   - signin: 32 sign-ins at once with random addresses for 30 s while one
//     client files a case every 100 ms: the process's memory and the
//     filings' latency.
//   - scale (only when named in -only): the supervisor's case list (first
//     and 51st page, by filter), case views and the complainant's case view
//     at 200/s among -scale-cases (10,000,000) cases loaded with SQL into a
//     database of their own, served by a second core; the list's plans.
//
// It starts Redress as production runs it, in one process: a private
// PostgreSQL with fsync and synchronous_commit on, an embedded NATS server
// with JetStream, the HTTP API on a 127.0.0.1 port and the worker, so the
// outbox relay and the consumers work while the load runs. -only picks the
// measurements.
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
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/redresshq/redress/internal/platform/memlimit"
	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// maxConcurrency keeps pgbench's clients, the API's pool and the worker within
// the private cluster's max_connections (300).
const maxConcurrency = 250

// drainLimit bounds the wait for the worker after each step.
const drainLimit = 30 * time.Second

type options struct {
	topStatements int    // reads: list the statements that touched most buffers
	cpuProfile    string // reads: profile each step's case reads into cpuProfile.cC
	profile       string // a CPU profile of the whole process over every measurement
	duration      time.Duration
	warmup        time.Duration
	concurrency   []int
	keep          bool
	only          map[string]bool

	routingRate       int           // cases a second filed while submit → routed is measured
	routingDuration   time.Duration // how long they are filed for
	sustainedDuration time.Duration // each trial of the sustained rate

	claimers   int // reviewers claiming at once
	claimLarge int // cases loaded with SQL for the claim statements' second plan check
	claimCases int // cases seeded in the claim queue

	sweepSmall, sweepLarge, sweepDue int // open cases in the two sweep runs, and timers due in each

	statsCases int // cases in the statistics measurement's data set
	statsCalls int // calls of each statistics request after the first

	scaleCases   int           // cases in the reads-at-scale database
	scaleCalls   int           // calls of each staff read at scale
	scaleRateFor time.Duration // how long the complainants read at 200/s

	readsCases int // cases filed before the supervisor reads them

	signinUncapped bool // signin: no cap on hashing, as before issue 15, for comparison

	apiProcess    string // intake: a redress binary run as `redress serve`, the API measured; "" for the bench's own
	intakeSignins int    // intake: sign-ins with unknown emails during each step, as staff signing in at peak intake
}

// measurements are what -only may name, in the order they run.
var measurements = []string{"intake", "routing", "sustained", "claim", "reads", "sweep", "stats", "signin", "scale"}

func (o options) has(m string) bool { return o.only[m] }

func main() {
	var o options
	var steps, only string
	flag.StringVar(&only, "only", strings.Join(measurements[:len(measurements)-1], ","), "comma-separated measurements to run: "+strings.Join(measurements, ", ")+
		" (scale, reads among -scale-cases cases in a database of their own, only when named)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each measured run, API and pgbench alike (whole seconds)")
	flag.StringVar(&steps, "concurrency", "1,4,16,64", "comma-separated steps: requests in flight against the API, and pgbench clients")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "unmeasured load before the first step (intake), or before each measured run at its concurrency (reads) (0 for none)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary directory (PostgreSQL cluster and log, NATS store) for inspection")
	flag.IntVar(&o.routingRate, "routing-rate", 50, "routing: cases a second filed at a fixed rate while submit → routed is measured")
	flag.DurationVar(&o.routingDuration, "routing-duration", 20*time.Second, "routing: how long cases are filed at -routing-rate")
	flag.DurationVar(&o.sustainedDuration, "sustained-duration", 10*time.Second, "sustained: how long cases are filed at each rate tried")
	flag.IntVar(&o.claimers, "claimers", 100, "claim: reviewers claiming from one queue at once")
	flag.IntVar(&o.claimCases, "claim-cases", 2000, "claim: cases filed and routed into the claim queue before the claimers start")
	flag.IntVar(&o.claimLarge, "claim-large", 200000, "claim: cases loaded with SQL (rolled back) for the check that the claim statements stay on the claim index (0: no check)")
	flag.IntVar(&o.sweepSmall, "sweep-small", 10000, "sweep: open cases in the first sweep run")
	flag.IntVar(&o.sweepLarge, "sweep-large", 1000000, "sweep: open cases in the second sweep run")
	flag.IntVar(&o.sweepDue, "sweep-due", 1000, "sweep: timers due in each sweep run")
	flag.IntVar(&o.statsCases, "stats-cases", 1000000, "stats: cases in the data set (a big AI system holds 60%, a small one 1,000)")
	flag.IntVar(&o.statsCalls, "stats-calls", 20, "stats: calls of each request after the first (fewer once 30 s are spent, at least 3)")
	flag.IntVar(&o.scaleCases, "scale-cases", 10_000_000, "scale: cases in the reads-at-scale database")
	flag.IntVar(&o.scaleCalls, "scale-calls", 200, "scale: calls of each staff list page and of the case view, one at a time")
	flag.DurationVar(&o.scaleRateFor, "scale-rate-duration", 15*time.Second, "scale: how long the complainants read their cases at 200/s")
	flag.IntVar(&o.readsCases, "reads-cases", 2000, "reads: cases filed (identified and anonymous, as intake) before the supervisor reads them")
	flag.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the process (API, worker and load generator): reads, of each step's case reads (GET /api/v1/cases/{id}) to FILE.cC, C the step's concurrency; claim, of the claimers' race to FILE.claim")
	flag.StringVar(&o.profile, "profile", "", "write a CPU profile of the whole process (API, worker, NATS and the load generator) over every measurement to FILE (not with -cpuprofile)")
	flag.IntVar(&o.topStatements, "top-statements", 0, "reads: list the N statements that touched most buffers in each run")
	flag.StringVar(&o.apiProcess, "api-process", "", "intake: run the API under load as `PATH serve`, a process of its own (PATH: a redress binary built from this tree, "+
		"e.g. go build -o /tmp/redress ./cmd/redress), so its memory is the API's alone; without it the intake runs against the API in the bench's process, "+
		"whose memory (worker, NATS and load generator included) is an upper bound")
	flag.IntVar(&o.intakeSignins, "intake-signins", 0, "intake: sign-ins (unknown emails, each a password check) spread over the middle half of each step, "+
		"to see the API's memory when staff sign in at peak intake")
	flag.BoolVar(&o.signinUncapped, "signin-uncapped", false, "signin: lift the cap on concurrent password hashing (the behaviour before it, for comparison)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: redress-bench [flags]\n\n"+
			"Measures intake, submit → routed latency, claim-next, case reads, the SLA sweep and the statistics,\n"+
			"next to pgbench on the same PostgreSQL (see BENCHMARKS.md).\n"+
			"Results go to stdout as Markdown, progress to stderr.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	var err error
	if o.concurrency, err = parseSteps(steps); err == nil {
		if o.only, err = parseOnly(only); err == nil {
			err = o.check()
		}
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

func parseOnly(s string) (map[string]bool, error) {
	only := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		m := strings.TrimSpace(part)
		if !slices.Contains(measurements, m) {
			return nil, fmt.Errorf("-only: %q is not one of %s", part, strings.Join(measurements, ", "))
		}
		only[m] = true
	}
	return only, nil
}

func (o options) check() error {
	// pgbench -T takes whole seconds; the API runs exactly as long.
	if o.duration < time.Second || o.duration%time.Second != 0 {
		return fmt.Errorf("-duration must be whole seconds, at least 1s (got %s)", o.duration)
	}
	if o.warmup < 0 || o.warmup%time.Second != 0 {
		return fmt.Errorf("-warmup must be whole seconds (got %s)", o.warmup)
	}
	if o.sustainedDuration < time.Second {
		return fmt.Errorf("-sustained-duration must be at least 1s")
	}
	if o.routingRate < 1 || o.routingDuration < time.Second {
		return fmt.Errorf("-routing-rate must be at least 1 and -routing-duration at least 1s")
	}
	if o.claimers < 1 || o.claimers > maxConcurrency || o.claimCases < 1 {
		return fmt.Errorf("-claimers must be from 1 to %d and -claim-cases at least 1", maxConcurrency)
	}
	if o.sweepDue < 1 || o.sweepSmall < o.sweepDue || o.sweepLarge < o.sweepSmall+o.sweepDue || o.sweepLarge > 999_000_000 {
		return fmt.Errorf("-sweep-due must be at least 1, -sweep-small at least -sweep-due, and -sweep-large at least -sweep-small + -sweep-due (at most 999,000,000)")
	}
	if o.profile != "" && o.cpuProfile != "" {
		return fmt.Errorf("-profile and -cpuprofile both profile the CPU: give one")
	}
	// References take the case's number in eight digits.
	if o.readsCases < 50 {
		return fmt.Errorf("-reads-cases must be at least 50, a full first page")
	}
	if o.statsCases < 10*statsSmall || o.statsCases > 99_999_999 || o.statsCalls < 1 {
		return fmt.Errorf("-stats-cases must be from %d to 99,999,999 and -stats-calls at least 1", 10*statsSmall)
	}
	if o.scaleCases < 10*scaleSample || o.scaleCases > 99_999_999 || o.scaleCalls < 1 || o.scaleRateFor < time.Second {
		return fmt.Errorf("-scale-cases must be from %d to 99,999,999, -scale-calls at least 1 and -scale-rate-duration at least 1s", 10*scaleSample)
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
	APIMem      memUse      // of the process holding the API, during the API's run
	Signins     map[int]int // -intake-signins: their answers by status (0: transport error)
	Drain       drain
}

// Ratio is the API's cases per second over pgbench's INSERTs per second.
func (s step) Ratio() float64 {
	if s.PG.TPS == 0 {
		return 0
	}
	return s.API.Rate / s.PG.TPS
}

// bench holds what the measurements share.
type bench struct {
	o        options
	s        *stack
	mon      *pgxpool.Pool // the bench's own connections: samples, checkpoints, backlog
	pgbench  *pgbench
	targeter vegeta.Targeter
	intake   vegeta.Targeter // POST /api/v1/cases of the API the intake measures (-api-process's, or the bench's own)
	intakeAt string          // that API's base URL
	apiMem   memTarget       // the process holding that API
	progress func(format string, args ...any)
	created  uint64 // 201 answers so far, warm-up included
}

// results are what the selected measurements found; nil for those not run.
type results struct {
	Intake    []step
	Final     backlog // after the intake runs
	Created   uint64  // 201 answers by then, warm-up included
	Routing   *routingResult
	Claim     *claimResult
	Reads     *readsResult
	Sweep     *sweepResult
	Sustained *sustainedResult
	Stats     *statsResult
	Signin    *signinResult
	Scale     *scaleResult
	Envelope  *envelopeResult // with intake
}

func run(ctx context.Context, o options, stdout, stderr io.Writer) (err error) {
	progress := func(format string, args ...any) {
		fmt.Fprintf(stderr, "%s "+format+"\n", append([]any{time.Now().Format(time.TimeOnly)}, args...)...)
	}
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

	// As serve and work do: Go's memory limit from the container's, before
	// the password-hash cap is sized from it.
	memlimit.Set()
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
	b := &bench{o: o, s: s, mon: mon, pgbench: pgb, progress: progress,
		targeter: casesTargeter(s.baseURL+"/api/v1/cases", systems)}
	b.intake, b.intakeAt = b.targeter, s.baseURL
	if o.apiProcess != "" && o.has("intake") {
		progress("starting %s serve as the API the intake measures", o.apiProcess)
		p, perr := startAPIProcess(ctx, o.apiProcess, dir, s.env)
		if perr != nil {
			return perr
		}
		defer func() { err = errors.Join(err, p.stop()) }()
		b.intake, b.intakeAt = casesTargeter(p.baseURL+"/api/v1/cases", systems), p.baseURL
		b.apiMem = p.target
		env.APIProcess = p.cmd.Path + " serve"
	}
	// The setup's garbage (the demo accounts' argon2id hashes, 64 MiB each,
	// and pgbench's initialisation) is the bench's, not the API's: collected
	// and returned to the system before anything is measured.
	debug.FreeOSMemory()
	env.APIIdleRSS, env.APIIdleHeap = b.apiMem.rss(), b.apiMem.heapInuse(ctx)
	started := time.Now()
	if o.profile != "" {
		stop, err := profileCPU(o.profile)
		if err != nil {
			return err
		}
		defer stop()
	}

	// An interrupted or failed run still reports what it measured.
	var res results
	runErr := b.measure(ctx, &res)
	if errors.Is(runErr, context.Canceled) && res.Intake == nil && res.Routing == nil && res.Sustained == nil && res.Claim == nil && res.Reads == nil && res.Sweep == nil &&
		res.Stats == nil && res.Signin == nil && res.Scale == nil {
		return runErr
	}
	env.Elapsed = time.Since(started)
	report(stdout, env, o, res)
	return runErr
}

// measure runs the selected measurements in order, stopping at the first error.
func (b *bench) measure(ctx context.Context, res *results) error {
	if err := b.warmUp(ctx); err != nil {
		return err
	}
	if b.o.has("intake") {
		var stepErr error
		for _, c := range b.o.concurrency {
			st, err := b.step(ctx, c)
			if err != nil {
				stepErr = err
				break
			}
			res.Intake = append(res.Intake, st)
		}
		if res.Intake != nil {
			// The intake's own backlog, before other measurements file more cases.
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			final, err := readBacklog(rctx, b.mon)
			cancel()
			res.Final, res.Created = final, b.created
			stepErr = errors.Join(stepErr, err)
			if stepErr == nil {
				res.Envelope, stepErr = b.envelope(ctx)
			}
		}
		if stepErr != nil {
			return stepErr
		}
	}
	if b.o.has("routing") {
		r, err := b.routing(ctx)
		res.Routing = r
		if err != nil {
			return fmt.Errorf("routing: %w", err)
		}
	}
	if b.o.has("sustained") {
		r, err := b.sustained(ctx)
		res.Sustained = r
		if err != nil {
			return fmt.Errorf("sustained: %w", err)
		}
	}
	if b.o.has("claim") {
		c, err := b.claim(ctx)
		res.Claim = c
		if err != nil {
			return fmt.Errorf("claim: %w", err)
		}
	}
	if b.o.has("reads") {
		rd, err := b.reads(ctx)
		res.Reads = rd
		if err != nil {
			return fmt.Errorf("reads: %w", err)
		}
	}
	if b.o.has("sweep") {
		sw, err := b.sweep(ctx)
		res.Sweep = sw
		if err != nil {
			return fmt.Errorf("sweep: %w", err)
		}
	}
	if b.o.has("stats") {
		st, err := b.stats(ctx)
		res.Stats = st
		if err != nil {
			return fmt.Errorf("stats: %w", err)
		}
	}
	if b.o.has("signin") {
		si, err := b.signin(ctx)
		res.Signin = si
		if err != nil {
			return fmt.Errorf("signin: %w", err)
		}
	}
	if b.o.has("scale") {
		sc, err := b.scale(ctx)
		res.Scale = sc
		if err != nil {
			return fmt.Errorf("scale: %w", err)
		}
	}
	return nil
}

// commitLatency is pgbench with one client for 5 s: the latency of one
// durable single-row INSERT transaction on this server, the unit the routing
// and sweep figures are compared with. fsync latency on shared machines
// drifts within minutes, so each of those measurements takes its own, just
// before it runs.
func (b *bench) commitLatency(ctx context.Context) (pgbenchResult, error) {
	b.progress("pgbench INSERT with 1 client for 5s: the latency of one durable commit")
	if err := checkpoint(ctx, b.mon); err != nil {
		return pgbenchResult{}, err
	}
	return b.pgbench.run(ctx, 1, 5)
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
	r := attack(ctx, b.intake, c, b.o.warmup)
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
	meter, stopWaits, stopMem := startCPU(), sampleWaits(ctx, b.mon, appDB, 100*time.Millisecond), sampleAPIMemory(ctx, b.apiMem)
	signins := b.signInDuring(ctx, b.o.duration)
	st.API = attack(ctx, b.intake, c, b.o.duration)
	st.APIMem, st.APIWaits, st.APICPU = stopMem(), stopWaits(), meter.stop()
	st.Signins = signins()
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
	if _, err := pool.Exec(ctx, checkpointSQL); err != nil {
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
