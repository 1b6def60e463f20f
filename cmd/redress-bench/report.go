package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/redresshq/redress/internal/clocks"
)

// environment is what the numbers were measured on.
type environment struct {
	Date      string
	CPUs      int
	CPUModel  string
	Platform  string
	GoVersion string
	Postgres  string
	Settings  string
	PoolSize  int
	Systems   int
	Elapsed   time.Duration
	LoadStart string // /proc/loadavg's 1, 5 and 15-minute load averages when the run began

	APIProcess              string // the API the intake measures runs as this command; "" in the bench's process
	APIIdleRSS, APIIdleHeap uint64 // its VmRSS and Go heap in use before any load
}

func describe(ctx context.Context, pool *pgxpool.Pool, s *stack, systems int) (environment, error) {
	e := environment{
		Date:      time.Now().Format(time.DateOnly),
		CPUs:      runtime.NumCPU(),
		CPUModel:  cpuModel(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
		GoVersion: runtime.Version(),
		PoolSize:  s.core.Config.DBMaxConns,
		Systems:   systems,
		LoadStart: loadAverage(),
	}
	if err := pool.QueryRow(ctx, `SELECT version()`).Scan(&e.Postgres); err != nil {
		return e, fmt.Errorf("postgres version: %w", err)
	}
	if err := pool.QueryRow(ctx, `
		SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY ord)
		FROM unnest(ARRAY['fsync', 'synchronous_commit', 'full_page_writes', 'wal_level', 'shared_buffers',
		                  'max_wal_size', 'max_connections']) WITH ORDINALITY AS s(name, ord)`).Scan(&e.Settings); err != nil {
		return e, fmt.Errorf("postgres settings: %w", err)
	}
	return e, nil
}

// loadAverage is the machine's 1, 5 and 15-minute load averages (Linux).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "n/a"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "n/a"
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// report writes the results as Markdown, ready for BENCHMARKS.md.
func report(w io.Writer, e environment, o options, res results) {
	fmt.Fprintf(w, "\n## Redress benchmark, %s\n\n", e.Date)
	model := ""
	if e.CPUModel != "" {
		model = " (" + e.CPUModel + ")"
	}
	fmt.Fprintf(w, "- machine: %d CPUs%s, %s, %s\n", e.CPUs, model, e.Platform, e.GoVersion)
	fmt.Fprintf(w, "- postgres: %s\n", e.Postgres)
	fmt.Fprintf(w, "- settings: %s\n", e.Settings)
	fmt.Fprintf(w, "- redress: API pool of %d connections (REDRESS_DB_MAX_CONNS), worker in the same process, %d AI systems in the register\n",
		e.PoolSize, e.Systems)
	if e.APIProcess != "" {
		fmt.Fprintf(w, "- intake: against `%s`, an API process of its own with a pool of the same size (-api-process)\n", e.APIProcess)
	}
	var ran []string
	for _, m := range measurements {
		if o.has(m) {
			ran = append(ran, m)
		}
	}
	fmt.Fprintf(w, "- measurements: %s; the whole run took %s\n", strings.Join(ran, ", "), e.Elapsed.Round(time.Second))
	fmt.Fprintf(w, "- load average (1, 5, 15 min): %s at the start, %s at the end (%d CPUs; the bench alone keeps about that many busy, "+
		"so a high figure at the start means other work shared the machine)\n", e.LoadStart, loadAverage(), e.CPUs)
	if res.Intake != nil {
		reportIntake(w, e, o, res.Intake, res.Final, res.Created)
	}
	if res.Envelope != nil {
		reportEnvelope(w, res.Intake, res.Envelope)
	}
	if res.Routing != nil {
		reportRouting(w, e, res.Routing)
	}
	if res.Sustained != nil {
		reportSustained(w, res.Sustained)
	}
	if res.Claim != nil {
		reportClaim(w, e, o, res.Claim)
	}
	if res.Reads != nil {
		reportReads(w, e, o, res.Reads)
	}
	if res.Sweep != nil {
		reportSweep(w, e, res.Sweep)
	}
	if res.Stats != nil {
		reportStats(w, e, res.Stats)
	}
	if res.Signin != nil {
		reportSignin(w, res.Signin)
	}
	if res.Scale != nil {
		reportScale(w, res.Scale)
	}
}

func reportIntake(w io.Writer, e environment, o options, steps []step, final backlog, created uint64) {
	fmt.Fprintf(w, "\n### Intake: POST /api/v1/cases next to pgbench INSERT\n\n")
	fmt.Fprintf(w, "Each run: %s; warm-up %s; a CHECKPOINT before each run.\n\n", o.duration, o.warmup)

	rows := make([][]string, 0, len(steps))
	for _, s := range steps {
		rows = append(rows, []string{
			fmt.Sprint(s.Concurrency),
			fmt.Sprintf("%.0f", s.API.Rate),
			round(s.API.P50).String(),
			round(s.API.P99).String(),
			fmt.Sprintf("%.2f%%", 100*s.API.Success()),
			fmt.Sprintf("%.0f", s.PG.TPS),
			round(s.PG.Latency).String(),
			fmt.Sprintf("%.3f", s.Ratio()),
			s.Drain.String(),
		})
	}
	fmt.Fprint(w, markdownTable([]string{"concurrency", "API cases/s", "API p50", "API p99", "API 201",
		"pgbench INSERT tps", "pgbench avg latency", "ratio API/pgbench", "worker drain: published / received"}, rows))

	for _, s := range steps {
		if len(s.API.Statuses) > 0 {
			fmt.Fprintf(w, "\nConcurrency %d, answers other than 201: %s\n", s.Concurrency, s.API.OtherStatuses())
			for code, sample := range s.API.Samples {
				fmt.Fprintf(w, "  %d: %s\n", code, sample)
			}
		}
		if s.PG.Failed > 0 {
			fmt.Fprintf(w, "\nConcurrency %d: pgbench reports %d failed transactions\n", s.Concurrency, s.PG.Failed)
		}
	}

	fmt.Fprintf(w, "\nWhere the time went (CPU in cores out of %d; Postgres backends sampled from pg_stat_activity every 100 ms):\n\n", e.CPUs)
	rows = rows[:0]
	for _, s := range steps {
		rows = append(rows,
			[]string{fmt.Sprint(s.Concurrency), "pgbench", cores(s.PGCPU.Machine, s.PGCPU.MachineOK),
				fmt.Sprintf("pgbench %.2f", s.PG.ClientCPU.Seconds()/o.duration.Seconds()), s.PGWaits.String()},
			[]string{fmt.Sprint(s.Concurrency), "API", cores(s.APICPU.Machine, s.APICPU.MachineOK),
				fmt.Sprintf("redress-bench %.2f", s.APICPU.Self), s.APIWaits.String()})
	}
	held := "API, worker, NATS, vegeta"
	if e.APIProcess != "" {
		held = "worker, NATS, vegeta; the API's own process is in the memory table below"
	}
	fmt.Fprint(w, markdownTable([]string{"concurrency", "run", "machine CPU", "CPU of pgbench, or of redress-bench (" + held + ")", "Postgres client backends"}, rows))

	reportIntakeMemory(w, e, o, steps)

	fmt.Fprintf(w, "\nAfter the intake runs: %d cases in the database (%d requests answered 201, warm-up included); "+
		"%d outbox rows unpublished; %d cases not yet received by the worker.\n",
		final.Cases, created, final.Unpublished, final.Unreceived)
}

// inCommits expresses d in durable single-row commits of the same run.
func inCommits(d, commit time.Duration) string {
	if commit <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f", float64(d)/float64(commit))
}

func reportRouting(w io.Writer, e environment, r *routingResult) {
	fmt.Fprintf(w, "\n### Submit → routed: the worker's end-to-end latency\n\n")
	fmt.Fprintf(w, "POST /api/v1/cases at a fixed %d cases/s for %s (vegeta); the worker relays each case.submitted outbox row "+
		"to JetStream and the router consumer routes the case. Latencies are per case, read from the database after the run.\n\n",
		r.Rate, r.Duration)
	c := r.Commit.Latency
	row := func(what string, d dist) []string {
		return []string{what, fmt.Sprint(d.N), round(d.P50).String(), round(d.P95).String(), round(d.P99).String(),
			round(d.Max).String(), fmt.Sprintf("%s / %s", inCommits(d.P50, c), inCommits(d.P99, c))}
	}
	fmt.Fprint(w, markdownTable([]string{"interval", "cases", "p50", "p95", "p99", "max", "p50 / p99 in single-row commits"}, [][]string{
		row("routed_at − submitted_at (database)", r.DB),
		row("201 answered → routed_at", r.Client),
		row("POST /api/v1/cases itself", r.API),
	}))
	fmt.Fprintf(w, "\n%d requests, %d answered 201", r.Requests, r.Created)
	if len(r.Statuses) > 0 {
		fmt.Fprintf(w, " (others: %v)", r.Statuses)
	}
	fmt.Fprintf(w, "; %d routed, %d not; the last was routed %s after the last answer. "+
		"One single-row commit (pgbench INSERT, 1 client, 5 s just before the run) took %s on average.",
		r.Routed, r.Unrouted, round(r.Drain), round(c))
	if r.Backlog > 0 {
		fmt.Fprintf(w, " Before the run the router still had %d cases from earlier measurements to route; the run began once it had (%s).",
			r.Backlog, round(r.BacklogWait))
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "\nDuring the run: machine CPU %s of %d cores, redress-bench %.2f; Postgres client backends: %s.\n",
		cores(r.CPU.Machine, r.CPU.MachineOK), e.CPUs, r.CPU.Self, r.Waits)
	if r.Work.OK {
		fmt.Fprintf(w, "\nWork per case filed, from the first request until every consumer was idle (%s after the last case was routed): "+
			"%.1f statements in %.1f round trips, %.2f commits, %.0f buffers, %.2f ms of database time; Go CPU %.2f ms (API, worker, NATS and vegeta), "+
			"PostgreSQL CPU %.2f ms. The statements run most often, in calls per case:\n\n",
			round(r.Idle), r.Work.Statements, r.Work.RoundTrips, r.Commits, r.Work.Buffers, r.Work.ExecMs, r.Work.SelfCPUMs, r.Work.PGCPUMs)
		for _, q := range r.ByCalls {
			fmt.Fprintf(w, "- %s\n", q)
		}
		fmt.Fprintf(w, "\nThe statements that touched most buffers, per case:\n\n")
		for _, q := range r.ByBuffers {
			fmt.Fprintf(w, "- %s\n", q)
		}
	}
}

func reportClaim(w io.Writer, e environment, o options, r *claimResult) {
	fmt.Fprintf(w, "\n### Claim-next: %d reviewers claiming from one queue at once\n\n", r.Claimers)
	fmt.Fprintf(w, "%d cases filed through the API and routed by the worker into one queue, %s, in %s; %d reviewers, "+
		"each signed in with their own token, call POST /api/v1/queues/{id}/claim in a loop until the queue is empty. "+
		"pgbench ran INSERT with %d clients for %s just before, on the same server. "+
		"\"first / last quarter\" is the claim rate over the first and over the last quarter of the claims.\n\n",
		r.Cases, claimQueueSlug, round(r.Seed), r.Claimers, r.Claimers, o.duration)
	fmt.Fprint(w, markdownTable([]string{"claimers", "cases", "claims/s", "first / last quarter", "claim p50", "claim p99", "claim max",
		"204 while cases left", "other answers", "pgbench INSERT tps", "pgbench avg latency", "ratio claims/pgbench"}, [][]string{{
		fmt.Sprint(r.Claimers), fmt.Sprint(r.Claimed), fmt.Sprintf("%.0f", r.Rate), fmt.Sprintf("%.0f / %.0f", r.First, r.Last),
		round(r.Claims.P50).String(), round(r.Claims.P99).String(), round(r.Claims.Max).String(),
		fmt.Sprint(r.NoContent), otherAnswers(r.Statuses), fmt.Sprintf("%.0f", r.PG.TPS), round(r.PG.Latency).String(),
		fmt.Sprintf("%.3f", r.Ratio())}}))
	for code, sample := range r.Samples {
		fmt.Fprintf(w, "\n  %d: %s\n", code, sample)
	}
	fmt.Fprintf(w, "\nWhere the time went (CPU in cores out of %d):\n\n", e.CPUs)
	fmt.Fprint(w, markdownTable([]string{"run", "machine CPU", "CPU of pgbench, or of redress-bench", "Postgres client backends"}, [][]string{
		{"pgbench", cores(r.PGCPU.Machine, r.PGCPU.MachineOK), fmt.Sprintf("pgbench %.2f", r.PG.ClientCPU.Seconds()/o.duration.Seconds()), r.PGWaits.String()},
		{"claims", cores(r.CPU.Machine, r.CPU.MachineOK), fmt.Sprintf("redress-bench %.2f", r.CPU.Self), r.Waits.String()},
	}))
	if len(r.Problems) == 0 {
		fmt.Fprintf(w, "\nVerified, no case claimed twice:\n\n")
	} else {
		fmt.Fprintf(w, "\n**VERIFICATION FAILED: %d problems.**\n\n", len(r.Problems))
		for i, p := range r.Problems {
			if i == 20 {
				fmt.Fprintf(w, "- … and %d more\n", len(r.Problems)-20)
				break
			}
			fmt.Fprintf(w, "- PROBLEM: %s\n", p)
		}
		fmt.Fprintf(w, "\nChecked:\n\n")
	}
	for _, c := range r.Checks {
		fmt.Fprintf(w, "- %s\n", c)
	}
	if r.Work.OK || r.Work.SelfCPUMs > 0 {
		fmt.Fprintf(w, "\nWork per claim during the race (every request and statement divided by the %d claims; 204 answers included): "+
			"the claims were written by %d transactions (%.1f claims each: claims that arrive together share one).\n\n",
			r.Claimed, r.Transactions, float64(r.Claimed)/float64(max(r.Transactions, 1)))
		fmt.Fprint(w, markdownTable([]string{"statements", "round trips", "buffers", "DB ms", "allocs", "KiB allocated", "redress-bench CPU ms", "Postgres CPU ms"},
			[][]string{r.Work.cells()}))
		for _, t := range r.Work.Top {
			fmt.Fprintf(w, "- %s\n", t)
		}
		if r.Profile != "" {
			fmt.Fprintf(w, "\nCPU profile of the race: %s (go tool pprof -top %s).\n", r.Profile, r.Profile)
		}
	}
	if r.QueuePlan != "" {
		fmt.Fprintf(w, "\nThe claim statements with the queue full, as EXPLAIN ANALYZE in a transaction rolled back. "+
			"With the statistics autovacuum had left (%s) the statement of a claimer alone took %s", r.Stats, round(r.StaleExec))
		fmt.Fprintf(w, ". The bench then ran ANALYZE cases, case_clocks; after it the statement of a claimer alone took %s, "+
			"and the statement of a batch of %d claimers arriving together %s (the plans below); the claimers ran with those statistics.\n\n"+
			"A claimer alone:\n\n```text\n%s\n```\n\nA batch of %d:\n\n```text\n%s\n```\n",
			round(r.PlanExec), batchPlanClaimers, round(r.BatchExec), r.QueuePlan, batchPlanClaimers, r.BatchPlan)
	}
	if r.LargePlan != "" {
		fmt.Fprintf(w, "\nThe same statements with %d cases in the queue (loaded with SQL and analyzed in %s, in a transaction rolled back): "+
			"a claimer alone %s, a batch of %d %s.\n\nA claimer alone:\n\n```text\n%s\n```\n\nA batch of %d:\n\n```text\n%s\n```\n",
			r.Large, round(r.LargeLoad), round(r.LargeExec), batchPlanClaimers, round(r.LargeBatchExec), r.LargePlan,
			batchPlanClaimers, r.LargeBatchPlan)
	}
	fmt.Fprintf(w, "\nSetting up: filing and routing %s, creating and signing in %d reviewers %s (argon2id).\n",
		round(r.Seed), r.Claimers, round(r.SignIn))
}

func otherAnswers(m map[int]int) string {
	if len(m) == 0 {
		return "none"
	}
	codes := make([]int, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%d×%d", c, m[c])
	}
	return strings.Join(parts, ", ")
}

func reportSweep(w io.Writer, e environment, r *sweepResult) {
	fmt.Fprintf(w, "\n### SLA sweep: due timers among many open cases\n\n")
	fmt.Fprintf(w, "In a database of its own on the same server (%s), open cases are loaded with SQL, then clocks.Service.Sweep "+
		"drains the due timers %d at a time, as the worker's sweeper does, each call up to %d due cases a transaction. The due cases' clocks were set by the clock service "+
		"(P3, filed eight days ago: the 7-day acknowledge clock has run out); every other open case has one clock two months "+
		"from its first warning. Each sweep ran after VACUUM ANALYZE and a CHECKPOINT.\n\n", sweepDB, sweepBatch, clocks.SweepChunk)
	c := r.Commit.Latency
	var rows [][]string
	for _, x := range r.Runs {
		rows = append(rows, []string{
			fmt.Sprint(x.Open), fmt.Sprintf("%d / %d", x.ClockRows, x.FireEntries), fmt.Sprintf("%.1f MB", float64(x.IndexSize)/1e6),
			fmt.Sprint(x.Due), fmt.Sprintf("%d / %d", x.Fired.Breaches, x.Fired.Warnings), fmt.Sprint(x.Calls),
			round(x.Sweep).String(), round(x.Sweep / time.Duration(max(x.Due, 1))).String(),
			fmt.Sprintf("%.0f", float64(x.Fired.Breaches+x.Fired.Warnings)/max(x.Sweep.Seconds(), 1e-9)),
			inCommits(x.Sweep/time.Duration(max(x.Due, 1)), c),
			fmt.Sprintf("%s, %d buffers", round(x.Batch.Exec), x.Batch.Buffers()),
			fmt.Sprintf("%s, %d buffers, %d rows", round(x.All.Exec), x.All.Buffers(), x.All.Rows),
			fmt.Sprint(x.Batch.UsesIndex && x.All.UsesIndex && x.Generic.UsesIndex),
			round(x.Load).String(),
		})
	}
	header := []string{"open cases", "clock rows / index entries", "fire index", "timers due", "breaches / warnings", "Sweep calls",
		"sweep", "per timer", "timers/s", "per timer in commits", "due query, LIMIT " + fmt.Sprint(sweepBatch), "due query, no effective limit", "all three plans on the fire index", "loading (not timed)"}
	if len(r.Runs) == 2 {
		a, z := r.Runs[0], r.Runs[1]
		ratio := func(x, y float64) string {
			if x == 0 {
				return "n/a"
			}
			return fmt.Sprintf("%.2f×", y/x)
		}
		rows = append(rows, []string{fmt.Sprintf("ratio %d / %d", z.Open, a.Open), ratio(float64(a.FireEntries), float64(z.FireEntries)), ratio(float64(a.IndexSize), float64(z.IndexSize)),
			"", "", "", ratio(a.Sweep.Seconds(), z.Sweep.Seconds()), "", "", "",
			fmt.Sprintf("%s, %s", ratio(a.Batch.Exec.Seconds(), z.Batch.Exec.Seconds()), ratio(float64(a.Batch.Buffers()), float64(z.Batch.Buffers()))),
			fmt.Sprintf("%s, %s", ratio(a.All.Exec.Seconds(), z.All.Exec.Seconds()), ratio(float64(a.All.Buffers()), float64(z.All.Buffers()))),
			"", ""})
	}
	fmt.Fprint(w, markdownTable(header, rows))
	for _, x := range r.Runs {
		for _, p := range []struct {
			name string
			plan plan
		}{{"LIMIT " + fmt.Sprint(sweepBatch), x.Batch}, {"no effective limit", x.All}, {"generic", x.Generic}} {
			if p.plan.Text != "" && !p.plan.UsesIndex {
				fmt.Fprintf(w, "\n**Among %d open cases the due query's plan (%s) does not read case_clocks_fire_idx, or scans case_clocks whole.**\n",
					x.Open, p.name)
			}
		}
	}
	fmt.Fprintf(w, "\nOne single-row commit (pgbench INSERT, 1 client, 5 s just before the first sweep) took %s on average; "+
		"a transaction sweeps up to %d due cases (clocks.SweepChunk), so a sweep call of %d timers commits about once.\n",
		round(c), clocks.SweepChunk, sweepBatch)
	for _, x := range r.Runs {
		fmt.Fprintf(w, "\nAmong %d open cases the sweep wrote, per action: %s; %d sampled case records verify. "+
			"Machine CPU %s of %d cores, redress-bench %.2f; Postgres client backends: %s.\n",
			x.Open, actionCounts(x.Actions), x.Chains, cores(x.CPU.Machine, x.CPU.MachineOK), e.CPUs, x.CPU.Self, x.Waits)
	}
	if n := len(r.Runs); n > 0 {
		x := r.Runs[n-1]
		fmt.Fprintf(w, "\nclocks.DueCasesQuery among %d open cases with %d due, LIMIT %d as the worker runs it (custom plan):\n\n```text\n%s\n```\n",
			x.Open, x.Due, sweepBatch, x.Batch.Text)
		fmt.Fprintf(w, "\nThe same with LIMIT %d, so that only the due time bounds the scan:\n\n```text\n%s\n```\n", 100*x.Due, x.All.Text)
		fmt.Fprintf(w, "\nThe generic plan a prepared statement may settle on (plan_cache_mode = force_generic_plan), LIMIT %d:\n\n```text\n%s\n```\n",
			sweepBatch, x.Generic.Text)
	}
}

func actionCounts(m map[string]int64) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

func cores(v float64, ok bool) string {
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", v)
}

// inUnits expresses d in units of unit (a pgbench transaction's latency).
func inUnits(d, unit time.Duration) string {
	if unit <= 0 {
		return "n/a"
	}
	v := float64(d) / float64(unit)
	if v < 10 {
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.0f", v)
}

func megabytes(b int64) string { return fmt.Sprintf("%.0f MB", float64(b)/1e6) }

func reportStats(w io.Writer, e environment, r *statsResult) {
	d := r.Data
	if d == nil {
		return
	}
	fmt.Fprintf(w, "\n### Statistics among %d generated cases\n\n", d.Cases)
	var steps []string
	for _, s := range d.Steps {
		steps = append(steps, fmt.Sprintf("%s %s", s.Name, round(s.Took)))
	}
	if d.Build == 0 {
		fmt.Fprintf(w, "**Building the data set failed** after these steps: %s.\n", strings.Join(steps, ", "))
		return
	}
	fmt.Fprintf(w, "%d cases over two years loaded with SQL into the application's database, next to what earlier measurements left, "+
		"in %s: %s. Afterwards:", d.Cases, round(d.Build), strings.Join(steps, ", "))
	for i, t := range statsTables {
		sep := ","
		if i == len(statsTables)-1 {
			sep = "."
		}
		fmt.Fprintf(w, " %s %d rows (%s)%s", t, d.Rows[t], megabytes(d.Bytes[t]), sep)
	}
	fmt.Fprintf(w, " %d sampled references of the data set were checked to be refused as malformed by the application, so none "+
		"can be a real case's.\n", d.References)
	if r.Accounts.Rows > 0 {
		fmt.Fprintf(w, "\npgbench on the same server, just before the calls, 1 client for 5 s each, on pgbench_accounts (scale %d: "+
			"%d rows, %s): select-only (-S, one primary-key SELECT) %s a transaction (%.0f tps); "+
			"a whole-table aggregate (`%s`) %s a transaction.\n",
			r.Accounts.Scale, r.Accounts.Rows, megabytes(r.Accounts.Bytes), round(r.Select.Latency), r.Select.TPS,
			strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(scanScript), ";")), round(r.Scan.Latency))
	}
	if len(r.Series) > 0 {
		fmt.Fprintf(w, "\nEach request once, then again one at a time up to the number of calls shown (fewer once %s were spent), "+
			"as the demo supervisor through the API. The public statistics are computed once per cache period (5 minutes) "+
			"per process: for the cold calls the bench cleared the cache before each one (stats.Service.SetPublicCacheTTL, "+
			"which drops the cached answer), so each computed them; the warm calls were answered from the cache.\n\n", statsBudget)
		var rows, where [][]string
		for _, s := range r.Series {
			rows = append(rows, []string{s.Name, fmt.Sprint(s.Scope), round(s.First).String(), fmt.Sprint(s.Calls.N),
				round(s.Calls.P50).String(), round(s.Calls.P99).String(), round(s.Calls.Max).String(),
				inUnits(s.Calls.P50, r.Select.Latency), inUnits(s.Calls.P50, r.Scan.Latency)})
			where = append(where, []string{s.Name, cores(s.CPU.Machine, s.CPU.MachineOK), fmt.Sprintf("%.2f", s.CPU.Self),
				s.Waits.String(), s.Memory.String()})
		}
		fmt.Fprint(w, markdownTable([]string{"request", "cases in scope", "first call", "calls", "p50", "p99", "max",
			"p50 in select-only transactions", "p50 in whole-table aggregates"}, rows))
		fmt.Fprintf(w, "\nWhere the time went (CPU in cores out of %d over each series, first call included; Postgres client "+
			"backends sampled every 100 ms; backend memory is the largest private (RssAnon) and resident (VmRSS, which "+
			"counts the shared buffers it touched) memory of a busy backend of the application's database):\n\n", e.CPUs)
		fmt.Fprint(w, markdownTable([]string{"request", "machine CPU", "redress-bench", "Postgres client backends",
			"backend memory, private / resident"}, where))
	}
	for _, c := range r.Checks {
		fmt.Fprintf(w, "\nChecked: %s.", c)
	}
	fmt.Fprintln(w)
	for _, x := range r.Explains {
		fmt.Fprintf(w, "\n%s, computed once more outside the API on a connection with auto_explain (ANALYZE, BUFFERS; "+
			"the instrumentation adds to the times): %s in all.\n\n", x.Name, round(x.Total))
		var rows [][]string
		slowest := -1
		for i, p := range x.Stmts {
			scans := "none"
			if len(p.SeqScans) > 0 {
				scans = strings.Join(p.SeqScans, ", ")
			}
			jit := "none"
			if p.JIT > 0 {
				jit = round(p.JIT).String()
			}
			rows = append(rows, []string{p.Label, round(p.Took).String(), fmt.Sprintf("%d / %d", p.Hit, p.Read),
				fmt.Sprint(p.TempWritten), jit, scans})
			if slowest < 0 || p.Took > x.Stmts[slowest].Took {
				slowest = i
			}
		}
		fmt.Fprint(w, markdownTable([]string{"statement", "time", "buffers hit / read", "temp blocks written", "JIT",
			"tables read whole (Seq Scan of 1,000 rows or more)"}, rows))
		if slowest >= 0 {
			p := x.Stmts[slowest]
			fmt.Fprintf(w, "\nIts slowest statement, %s:\n\n```text\n%s\n```\n", p.Label, p.Text)
		}
	}
}
