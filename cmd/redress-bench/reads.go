package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime/pprof"
	"strconv"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// readsListPath is the case list's first page, as the staff's case list asks
// for it.
const readsListPath = "/api/v1/cases?limit=50"

// readsResult is the supervisor reading cases: the list's first page and
// single cases by id, each next to pgbench's select-only transactions.
type readsResult struct {
	Filed   int           // cases filed for this measurement
	Total   int64         // cases in the database when the reads began
	Seed    time.Duration // filing them and letting the worker route them
	Listed  int           // cases on the list's first page, as checked before the runs
	Steps   []readsStep
	Checks  []string
	Gets    uint64 // GET /api/v1/cases/{id} answered 200, warm-up included
	Lists   uint64 // GET /api/v1/cases answered 200, warm-up included
	LogOK   bool   // access_log exists (need to know)
	Logged  int64  // access_log rows written while the reads ran
	LogGets int64  // … of them with the route GET /api/v1/cases/:id
}

// readsStep is one concurrency level: pgbench -S, then the list, then cases by id.
type readsStep struct {
	Concurrency int
	PG          pgbenchResult
	PGCPU       cpuUse
	List, Get   readsRun
}

// readsRun is one run of GETs.
type readsRun struct {
	Requests uint64
	OK       uint64         // answered 200
	Rate     float64        // 200 answers a second
	P50, P99 time.Duration  // latency of every request
	Statuses map[int]int    // answers other than 200; 0 is a transport error
	Samples  map[int]string // the first body (or transport error) of each
	CPU      cpuUse
	Work     work        // per 200 answer
	Waits    waitProfile // what the application's backends were doing, sampled
}

// Ratio is the 200 answers a second over pgbench's select-only transactions a second.
func (r readsRun) Ratio(pg pgbenchResult) float64 {
	if pg.TPS == 0 {
		return 0
	}
	return r.Rate / pg.TPS
}

func (b *bench) reads(ctx context.Context) (*readsResult, error) {
	r := &readsResult{Filed: b.o.readsCases}

	// The cases, identified and anonymous mixed as intake files them.
	systems, err := b.s.aiSystems(ctx)
	if err != nil {
		return r, err
	}
	b.progress("reads: filing %d cases and letting the worker route them", r.Filed)
	start := time.Now()
	refs, err := b.fileMixed(ctx, r.Filed, systems)
	if err != nil {
		return r, err
	}
	if left, err := b.waitRouted(ctx, nil, routingDrainLimit); err != nil || left > 0 {
		return r, fmt.Errorf("%d cases not routed within %s (%v)", left, routingDrainLimit, err)
	}
	r.Seed = time.Since(start)
	var ids []string
	if err := b.mon.QueryRow(ctx, `SELECT array_agg(id::text) FROM cases WHERE reference = ANY($1)`, refs).Scan(&ids); err != nil {
		return r, err
	}
	if len(ids) != r.Filed {
		return r, fmt.Errorf("%d cases filed, %d found by reference", r.Filed, len(ids))
	}
	if err := b.mon.QueryRow(ctx, `SELECT count(*) FROM cases`).Scan(&r.Total); err != nil {
		return r, err
	}
	// Fresh statistics, as for the claim race: the figures should not depend
	// on when autovacuum last came by after the filing.
	if _, err := b.mon.Exec(ctx, analyzeCases); err != nil {
		return r, err
	}

	// pgbench's own table for select-only: pgbench -i at scale 1 (100,000 accounts).
	b.progress("reads: pgbench -i -s 1 for select-only")
	if _, _, err := b.pgbench.initAccounts(ctx, 1); err != nil {
		return r, err
	}

	client := localClient(30 * time.Second)
	token, err := signIn(ctx, client, b.s.baseURL, "supervisor@example.org", b.s.demoPassword)
	if err != nil {
		return r, err
	}
	auth := http.Header{"Authorization": []string{"Bearer " + token}}
	list := vegeta.NewStaticTargeter(vegeta.Target{Method: http.MethodGet, URL: b.s.baseURL + readsListPath, Header: auth})
	byID := func(t *vegeta.Target) error {
		*t = vegeta.Target{Method: http.MethodGet, URL: b.s.baseURL + "/api/v1/cases/" + ids[rand.IntN(len(ids))], Header: auth}
		return nil
	}

	if err := b.mon.QueryRow(ctx, `SELECT to_regclass('access_log') IS NOT NULL`).Scan(&r.LogOK); err != nil {
		return r, err
	}
	var logBefore, logGetsBefore int64
	if r.LogOK {
		if logBefore, logGetsBefore, err = b.accessLogCount(ctx); err != nil {
			return r, err
		}
	}
	// The access log's count is read once the reads are done, failed or not.
	defer func() {
		if !r.LogOK {
			return
		}
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if n, g, err := b.accessLogCount(cctx); err == nil {
			r.Logged, r.LogGets = n-logBefore, g-logGetsBefore
		}
	}()

	// The answers are what a supervisor should read: a full first page, and
	// each filed case.
	code, body, err := get(ctx, client, b.s.baseURL+readsListPath, token)
	if err != nil {
		return r, err
	}
	var page struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &page) != nil {
		return r, fmt.Errorf("GET %s: %d %s", readsListPath, code, clip(string(body), 300))
	}
	if r.Listed = len(page.Items); r.Listed != 50 {
		return r, fmt.Errorf("GET %s: %d cases on the first page, want 50", readsListPath, r.Listed)
	}
	code, body, err = get(ctx, client, b.s.baseURL+"/api/v1/cases/"+ids[0], token)
	if err != nil {
		return r, err
	}
	var one struct {
		ID string `json:"id"`
	}
	if code != http.StatusOK || json.Unmarshal(body, &one) != nil || one.ID != ids[0] {
		return r, fmt.Errorf("GET /api/v1/cases/%s: %d %s", ids[0], code, clip(string(body), 300))
	}
	r.Gets, r.Lists = 1, 1 // counted from the access log's count before them
	r.Checks = append(r.Checks, "the supervisor's first page holds 50 cases, and a filed case answers with its own id")

	// Each measured run is warmed first at its own concurrency, so the API's
	// pool holds its connections and PostgreSQL has planned its prepared
	// statements on each of them (a production pool is warm; a connection
	// plans a statement up to six times before it keeps a generic plan, and
	// a run that opens a dozen connections would measure their planning).
	warm := func(what string, t vegeta.Targeter, c int) uint64 {
		if b.o.warmup <= 0 {
			return 0
		}
		b.progress("reads: concurrency %d: warm-up: %s for %s", c, what, b.o.warmup)
		return readAttack(ctx, t, c, b.o.warmup).OK
	}

	seconds := int(b.o.duration / time.Second)
	for _, c := range b.o.concurrency {
		st := readsStep{Concurrency: c}
		b.progress("reads: concurrency %d: pgbench select-only for %s", c, b.o.duration)
		if err := checkpoint(ctx, b.mon); err != nil {
			return r, err
		}
		meter := startCPU()
		st.PG, err = b.pgbench.runScript(ctx, c, seconds, "-S")
		st.PGCPU = meter.stop()
		if err != nil {
			return r, err
		}
		b.progress("reads: concurrency %d: GET %s for %s", c, readsListPath, b.o.duration)
		if err := checkpoint(ctx, b.mon); err != nil {
			return r, err
		}
		r.Lists += warm("the list", list, c)
		wm, stopWaits := startWork(ctx, b.mon), sampleWaits(ctx, b.mon, appDB, 50*time.Millisecond)
		st.List = readAttack(ctx, list, c, b.o.duration)
		st.List.Waits = stopWaits()
		st.List.Work = wm.stop(ctx, b.mon, st.List.OK, b.o.topStatements)
		r.Lists += st.List.OK
		if err := ctx.Err(); err != nil {
			return r, err
		}
		b.progress("reads: concurrency %d: GET /api/v1/cases/{id} for %s", c, b.o.duration)
		if err := checkpoint(ctx, b.mon); err != nil {
			return r, err
		}
		r.Gets += warm("cases by id", byID, c)
		stopProfile, err := b.profile(c)
		if err != nil {
			return r, err
		}
		wm, stopWaits = startWork(ctx, b.mon), sampleWaits(ctx, b.mon, appDB, 50*time.Millisecond)
		st.Get = readAttack(ctx, byID, c, b.o.duration)
		st.Get.Waits = stopWaits()
		stopProfile()
		st.Get.Work = wm.stop(ctx, b.mon, st.Get.OK, b.o.topStatements)
		r.Gets += st.Get.OK
		r.Steps = append(r.Steps, st)
		if err := ctx.Err(); err != nil {
			return r, err
		}
		b.progress("reads: concurrency %d: list %.0f/s, case %.0f/s, pgbench select-only %.0f tps", c, st.List.Rate, st.Get.Rate, st.PG.TPS)
		if st.List.OK == 0 || st.Get.OK == 0 {
			return r, fmt.Errorf("concurrency %d: no request answered 200: list %s %v, case %s %v", c,
				otherAnswers(st.List.Statuses), st.List.Samples, otherAnswers(st.Get.Statuses), st.Get.Samples)
		}
	}
	return r, nil
}

// profile starts a CPU profile of the process into -cpuprofile.cC, when
// asked; the function it returns stops it.
func (b *bench) profile(c int) (func(), error) { return b.profileTo(fmt.Sprintf("c%d", c)) }

// profileTo starts a CPU profile of the process into -cpuprofile.SUFFIX,
// when asked; the function it returns stops it.
func (b *bench) profileTo(suffix string) (func(), error) {
	if b.o.cpuProfile == "" {
		return func() {}, nil
	}
	name := b.o.cpuProfile + "." + suffix
	stop, err := profileCPU(name)
	if err != nil {
		return nil, err
	}
	// And the heap's allocations before and after (go tool pprof
	// -sample_index=alloc_objects -base FILE.SUFFIX.heap0 FILE.SUFFIX.heap1).
	heap := func(which string) {
		if h, err := os.Create(name + "." + which); err == nil {
			_ = pprof.Lookup("allocs").WriteTo(h, 0)
			h.Close()
		}
	}
	heap("heap0")
	return func() { stop(); heap("heap1") }, nil
}

// accessLogCount counts access_log's rows, and those written by GET /api/v1/cases/{id}.
func (b *bench) accessLogCount(ctx context.Context) (all, gets int64, err error) {
	err = b.mon.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE route = 'GET /api/v1/cases/:id') FROM access_log`).
		Scan(&all, &gets)
	return all, gets, err
}

// fileMixed files n complaints through the API, fileWorkers at a time, as the
// intake measurement's bodies (every fourth identified, with an AI system of
// the register), and returns their references.
func (b *bench) fileMixed(ctx context.Context, n int, systems []string) ([]string, error) {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil,
		MaxIdleConns: fileWorkers, MaxIdleConnsPerHost: fileWorkers}}
	today := time.Now().UTC()
	refs := make([]string, n)
	var mu sync.Mutex
	created := uint64(0)
	err := parallel(ctx, n, fileWorkers, func(i int) error {
		body, err := json.Marshal(caseBody(uint64(2_000_000+i), systems, today))
		if err != nil {
			return err
		}
		code, resp, err := post(ctx, client, b.s.baseURL+"/api/v1/cases", "", body)
		if err != nil {
			return err
		}
		var rec struct {
			Reference string `json:"reference"`
		}
		if code != http.StatusCreated || json.Unmarshal(resp, &rec) != nil || rec.Reference == "" {
			return fmt.Errorf("POST /api/v1/cases: %d %s", code, clip(string(resp), 300))
		}
		refs[i] = rec.Reference
		mu.Lock()
		created++
		mu.Unlock()
		return nil
	})
	b.created += created
	return refs, err
}

// readAttack keeps exactly workers GETs in flight for d, as attack does for
// intake, and counts the 200 answers.
func readAttack(ctx context.Context, tr vegeta.Targeter, workers int, d time.Duration) readsRun {
	res, _ := countReads(ctx, closedLoop(workers), tr, vegeta.Rate{Freq: 0}, d, "reads-"+strconv.Itoa(workers))
	return res
}

// countReads runs atk at rate for d and counts the 200 answers, with the
// first answer of each other status as a sample.
func countReads(ctx context.Context, atk *vegeta.Attacker, tr vegeta.Targeter, rate vegeta.Rate, d time.Duration,
	name string) (readsRun, vegeta.Metrics) {
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()

	res := readsRun{Statuses: map[int]int{}, Samples: map[int]string{}}
	var m vegeta.Metrics
	meter := startCPU()
	for hit := range atk.Attack(tr, rate, d, name) {
		m.Add(hit)
		if hit.Code == http.StatusOK {
			res.OK++
			continue
		}
		code := int(hit.Code)
		if res.Statuses[code]++; res.Statuses[code] == 1 {
			res.Samples[code] = clip(hit.Error+" "+string(hit.Body), 300)
		}
	}
	res.CPU = meter.stop()
	m.Close()
	res.Requests = m.Requests
	if s := (m.Duration + m.Wait).Seconds(); s > 0 {
		res.Rate = float64(res.OK) / s
	}
	res.P50, res.P99 = m.Latencies.P50, m.Latencies.P99
	return res, m
}

func reportReads(w io.Writer, e environment, o options, r *readsResult) {
	fmt.Fprintf(w, "\n### Reads: the supervisor's case list and cases by id, next to pgbench select-only\n\n")
	fmt.Fprintf(w, "%d cases filed through the API (every fourth identified) and routed by the worker in %s; %d cases in the database. "+
		"supervisor@example.org, signed in with a token, asks GET %s (the first page) and GET /api/v1/cases/{id} for one of the "+
		"filed cases at random, each run with exactly C requests in flight for %s, after pgbench -S (select-only: one primary-key "+
		"SELECT of pgbench_accounts, 100,000 rows) with C clients for as long; a CHECKPOINT before each run, and %s of the same requests at the same concurrency before each measured one (warm pool, planned statements). "+
		"req/s counts 200 answers only; p50 and p99 cover every request.\n\n",
		r.Filed, round(r.Seed), r.Total, readsListPath, o.duration, o.warmup)
	rows := make([][]string, 0, len(r.Steps))
	for _, s := range r.Steps {
		other := "none"
		if len(s.List.Statuses)+len(s.Get.Statuses) > 0 {
			other = "list " + otherAnswers(s.List.Statuses) + "; case " + otherAnswers(s.Get.Statuses)
		}
		rows = append(rows, []string{
			fmt.Sprint(s.Concurrency),
			fmt.Sprintf("%.0f", s.PG.TPS),
			fmt.Sprintf("%.0f", s.List.Rate), round(s.List.P50).String(), round(s.List.P99).String(),
			fmt.Sprintf("%.4f", s.List.Ratio(s.PG)),
			fmt.Sprintf("%.0f", s.Get.Rate), round(s.Get.P50).String(), round(s.Get.P99).String(),
			fmt.Sprintf("%.4f", s.Get.Ratio(s.PG)),
			other,
		})
	}
	fmt.Fprint(w, markdownTable([]string{"concurrency", "pgbench -S tps", "list req/s", "list p50", "list p99", "list/pgbench",
		"case req/s", "case p50", "case p99", "case/pgbench", "other answers"}, rows))
	for _, s := range r.Steps {
		for code, sample := range s.List.Samples {
			fmt.Fprintf(w, "\n  concurrency %d, list, %d: %s\n", s.Concurrency, code, sample)
		}
		for code, sample := range s.Get.Samples {
			fmt.Fprintf(w, "\n  concurrency %d, case, %d: %s\n", s.Concurrency, code, sample)
		}
	}
	fmt.Fprintf(w, "\nCPU in cores out of %d (machine, and redress-bench's own process: API, worker, NATS, vegeta):\n\n", e.CPUs)
	rows = rows[:0]
	for _, s := range r.Steps {
		rows = append(rows, []string{fmt.Sprint(s.Concurrency),
			cores(s.PGCPU.Machine, s.PGCPU.MachineOK),
			fmt.Sprintf("%s / %.2f", cores(s.List.CPU.Machine, s.List.CPU.MachineOK), s.List.CPU.Self),
			fmt.Sprintf("%s / %.2f", cores(s.Get.CPU.Machine, s.Get.CPU.MachineOK), s.Get.CPU.Self)})
	}
	fmt.Fprint(w, markdownTable([]string{"concurrency", "pgbench run: machine", "list run: machine / redress-bench",
		"case run: machine / redress-bench"}, rows))
	fmt.Fprintf(w, "\nWhat the application's backends were doing (pg_stat_activity every 50 ms; 'idle in transaction' waits on the application):\n\n")
	for _, s := range r.Steps {
		fmt.Fprintf(w, "- concurrency %d: list: %s; case: %s\n", s.Concurrency, s.List.Waits, s.Get.Waits)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "\nWork per request answered, counted (not timed, so runs on a busy machine compare): statements of "+
		"every backend (pg_stat_statements; the access log's writer included), shared buffers they touched, the "+
		"database's time planning and executing them, and Go allocations of the whole process (API, worker, NATS, vegeta):\n\n")
	rows = rows[:0]
	for _, s := range r.Steps {
		for _, run := range []struct {
			name string
			r    readsRun
		}{{"list", s.List}, {"case", s.Get}} {
			rows = append(rows, append([]string{fmt.Sprint(s.Concurrency), run.name}, run.r.Work.cells()...))
		}
	}
	fmt.Fprint(w, markdownTable([]string{"concurrency", "request", "statements", "round trips", "buffers", "db plan+exec ms", "Go allocs", "Go KiB", "process CPU ms", "PostgreSQL CPU ms"}, rows))
	for _, s := range r.Steps {
		for _, run := range []struct {
			name string
			r    readsRun
		}{{"list", s.List}, {"case", s.Get}} {
			if len(run.r.Work.Top) > 0 {
				fmt.Fprintf(w, "\nConcurrency %d, %s: the statements that touched most buffers:\n\n", s.Concurrency, run.name)
				for _, t := range run.r.Work.Top {
					fmt.Fprintf(w, "- %s\n", t)
				}
			}
		}
	}
	fmt.Fprintln(w)
	if r.LogOK {
		fmt.Fprintf(w, "access_log: %d rows written while the reads ran, %d of them by GET /api/v1/cases/:id; "+
			"the API answered that route 200 %d times (warm-up and checks included) and the list %d times.\n",
			r.Logged, r.LogGets, r.Gets, r.Lists)
	} else {
		fmt.Fprintf(w, "access_log: no such table (this code has no need to know); GET /api/v1/cases/{id} answered 200 %d times "+
			"and the list %d times (warm-up and checks included).\n", r.Gets, r.Lists)
	}
	for _, c := range r.Checks {
		fmt.Fprintf(w, "- checked: %s\n", c)
	}
}

// profileCPU starts a CPU profile of the whole process into path (-profile);
// the function it returns stops it.
func profileCPU(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
