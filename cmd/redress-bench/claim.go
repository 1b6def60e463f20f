package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/review"
	"github.com/redresshq/redress/internal/routing"
)

// The claim queue and the routing rule that fills it: complaints written in
// German, which no demo rule matches, so only the cases the bench files for
// this measurement land there.
const (
	claimQueueSlug = "bench-claims"
	claimLanguage  = "de"
	fileWorkers    = 16 // requests in flight while the claim queue is filled
)

// claimResult is claim-next with many reviewers claiming from one queue at once.
type claimResult struct {
	Claimers, Cases int
	Seed            time.Duration // filing the cases and letting the worker route them
	SignIn          time.Duration // creating the reviewers and signing them in (argon2id, twice each)

	PG      pgbenchResult // pgbench INSERT with as many clients as claimers
	PGCPU   cpuUse
	PGWaits waitProfile

	Claimed   int
	Requests  int
	NoContent int            // 204 answers while cases were still unassigned (every one left was held by another claimer)
	Statuses  map[int]int    // answers other than 200 and 204
	Samples   map[int]string // the first body of each
	Wall      time.Duration  // from the start until the last case was claimed
	Rate      float64        // claims a second
	First     float64        // claims a second over the first quarter of the claims (a full queue)
	Last      float64        // … and over the last quarter (a nearly empty one)
	Claims    dist           // latency of the 200 answers
	CPU       cpuUse
	Waits     waitProfile
	Checks    []string      // what was verified
	Problems  []string      // double claims and other violations; the run fails if any
	QueuePlan string        // the claim statement's plan (one claimer alone), with a full queue
	PlanExec  time.Duration // its execution time
	BatchPlan string        // the batch's claim statement's plan (claimers arriving together), with a full queue
	BatchExec time.Duration // its execution time
	Stats     string        // how fresh the planner's statistics of case_clocks and cases were before the ANALYZE
	StaleExec time.Duration // the claim statement's execution time with those statistics

	Large                     int           // cases loaded with SQL for the second plan check (-claim-large)
	LargeLoad                 time.Duration // loading them and ANALYZE
	LargePlan, LargeBatchPlan string        // the two statements' plans with them queued
	LargeExec, LargeBatchExec time.Duration

	Work         work // statements, buffers, allocations and CPU per claim during the race
	Transactions int  // transactions that wrote the claims (distinct xmin of the claimed rows)
	Profile      string
}

// planExec is the execution time an EXPLAIN ANALYZE reports.
func planExec(plan string) time.Duration {
	m := execLine.FindStringSubmatch(plan)
	if m == nil {
		return 0
	}
	ms, _ := strconv.ParseFloat(m[1], 64)
	return time.Duration(ms * float64(time.Millisecond))
}

// Ratio is claims a second over pgbench's INSERTs a second at the same concurrency.
func (r claimResult) Ratio() float64 {
	if r.PG.TPS == 0 {
		return 0
	}
	return r.Rate / r.PG.TPS
}

type claimed struct {
	caseID, assignee uuid.UUID
	claimer          int
	latency          time.Duration
	at               time.Time
}

func (b *bench) claim(ctx context.Context) (*claimResult, error) {
	r := &claimResult{Claimers: b.o.claimers, Cases: b.o.claimCases, Statuses: map[int]int{}, Samples: map[int]string{}}
	core := b.s.core

	// The queue and its rule.
	queue, err := review.SaveQueue(core.DB.WithContext(ctx), claimQueueSlug, "Bench: claim-next", "Filled by redress-bench.")
	if err != nil {
		return r, fmt.Errorf("queue: %w", err)
	}
	var unassigned int
	if err := b.mon.QueryRow(ctx, `SELECT count(*) FROM cases WHERE queue_id = $1 AND assignee_id IS NULL`, queue).Scan(&unassigned); err != nil {
		return r, err
	}
	if unassigned != 0 {
		return r, fmt.Errorf("queue %s already holds %d unassigned cases", claimQueueSlug, unassigned)
	}
	if _, err := core.Routing.Create(ctx, routing.RuleInput{Name: "Bench: complaints in German", Languages: []string{claimLanguage},
		QueueID: queue.String(), Priority: "P3"}, routing.Taxonomies{Kinds: cases.Strings(cases.Kinds), Rights: decision.Rights,
		HarmTypes: decision.HarmTypes, Channels: grievance.Channels, Severities: grievance.PreliminarySeverity}); err != nil {
		return r, fmt.Errorf("routing rule: %w", err)
	}

	// Fill it through the API and let the worker route.
	b.progress("claim: filing %d cases in German and letting the worker route them to %s", r.Cases, claimQueueSlug)
	start := time.Now()
	if err := b.fileCases(ctx, r.Cases); err != nil {
		return r, err
	}
	if left, err := b.waitRouted(ctx, nil, routingDrainLimit); err != nil || left > 0 {
		return r, fmt.Errorf("%d cases not routed within %s (%v)", left, routingDrainLimit, err)
	}
	if err := b.mon.QueryRow(ctx, `SELECT count(*) FROM cases WHERE queue_id = $1 AND assignee_id IS NULL`, queue).Scan(&unassigned); err != nil {
		return r, err
	}
	if unassigned != r.Cases {
		return r, fmt.Errorf("%d cases filed, but %d wait in %s", r.Cases, unassigned, claimQueueSlug)
	}
	r.Seed = time.Since(start)

	// The reviewers, each with a token of their own.
	b.progress("claim: creating %d reviewers and signing each in", r.Claimers)
	start = time.Now()
	password := randomSecret()
	ids := make([]uuid.UUID, r.Claimers)
	tokens := make([]string, r.Claimers)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil,
		MaxIdleConns: 2 * r.Claimers, MaxIdleConnsPerHost: 2 * r.Claimers}}
	// argon2id takes 64 MiB a hash: one at a time per CPU, whether hashing or checking.
	err = parallel(ctx, r.Claimers, runtime.NumCPU(), func(i int) error {
		email := fmt.Sprintf("bench-reviewer-%03d@example.org", i+1)
		u, err := core.Users.Upsert(ctx, auth.NewUser{Email: email, Name: fmt.Sprintf("Bench Reviewer %d", i+1),
			Role: auth.RoleReviewer, Password: password, Languages: []string{"en", claimLanguage}})
		if err != nil {
			return err
		}
		// Need to know: only the queue's members may take its cases.
		if err := review.SeedMember(core.DB.WithContext(ctx), claimQueueSlug, email); err != nil {
			return err
		}
		ids[i] = u.ID
		tokens[i], err = signIn(ctx, client, b.s.baseURL, email, password)
		return err
	})
	if err != nil {
		return r, err
	}
	r.SignIn = time.Since(start)

	// The claim statement's plan with the statistics autovacuum has left so
	// far, then after an ANALYZE, which the race then runs with: its figures
	// do not depend on when autovacuum last came by.
	if err := b.mon.QueryRow(ctx, `SELECT string_agg(format('%s: %s rows, %s changed since its last ANALYZE (%s)', relname, n_live_tup,
		n_mod_since_analyze, coalesce(extract(epoch FROM now() - greatest(last_analyze, last_autoanalyze))::int || ' s ago', 'never')), '; ' ORDER BY relname)
		FROM pg_stat_user_tables WHERE relname IN ('cases', 'case_clocks')`).Scan(&r.Stats); err != nil {
		return r, err
	}
	claimers := make([]review.Reviewer, min(len(ids), batchPlanClaimers))
	for i := range claimers {
		claimers[i] = review.Reviewer{ID: ids[i], Languages: []string{"en", claimLanguage}}
	}
	single, batch, err := review.ClaimStatements(queue, claimers)
	if err != nil {
		return r, err
	}
	stale, err := b.explainRolledBack(ctx, single)
	if err != nil {
		return r, err
	}
	r.StaleExec = planExec(stale)
	if _, err := b.mon.Exec(ctx, analyzeCases); err != nil {
		return r, err
	}
	if r.QueuePlan, err = b.explainRolledBack(ctx, single); err != nil {
		return r, err
	}
	r.PlanExec = planExec(r.QueuePlan)
	if r.BatchPlan, err = b.explainRolledBack(ctx, batch); err != nil {
		return r, err
	}
	r.BatchExec = planExec(r.BatchPlan)

	// pgbench at the same concurrency, for the ratio.
	c := r.Claimers
	b.progress("claim: pgbench INSERT with %d clients for %s", c, b.o.duration)
	if err := checkpoint(ctx, b.mon); err != nil {
		return r, err
	}
	meter, stopWaits := startCPU(), sampleWaits(ctx, b.mon, pgbenchDB, 100*time.Millisecond)
	r.PG, err = b.pgbench.run(ctx, c, int(b.o.duration/time.Second))
	r.PGWaits, r.PGCPU = stopWaits(), meter.stop()
	if err != nil {
		return r, err
	}

	// The race.
	b.progress("claim: %d reviewers claim from %s at once until it is empty", c, claimQueueSlug)
	if err := checkpoint(ctx, b.mon); err != nil {
		return r, err
	}
	url := b.s.baseURL + "/api/v1/queues/" + queue.String() + "/claim"
	var (
		mu       sync.Mutex
		got      []claimed
		done     atomic.Int64
		lastGain atomic.Int64 // unix nanos of the latest claim
		requests atomic.Int64
		empties  atomic.Int64
		failures atomic.Int64
	)
	const stall = 15 * time.Second // no claim for this long while cases are left: give up
	begin := make(chan struct{})
	var wg sync.WaitGroup
	stopProfile, err := b.profileTo("claim")
	if err != nil {
		return r, err
	}
	if b.o.cpuProfile != "" {
		r.Profile = b.o.cpuProfile + ".claim"
	}
	wm := startWork(ctx, b.mon)
	meter, stopWaits = startCPU(), sampleWaits(ctx, b.mon, appDB, 100*time.Millisecond)
	t0 := time.Now()
	lastGain.Store(t0.UnixNano())
	for i := range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-begin
			for done.Load() < int64(r.Cases) && ctx.Err() == nil && failures.Load() < 100 &&
				time.Since(time.Unix(0, lastGain.Load())) < stall {
				sent := time.Now()
				code, body, err := post(ctx, client, url, tokens[i], nil)
				lat := time.Since(sent)
				requests.Add(1)
				switch {
				case err != nil:
					failures.Add(1)
					mu.Lock()
					if r.Statuses[0]++; r.Statuses[0] == 1 {
						r.Samples[0] = clip(err.Error(), 300)
					}
					mu.Unlock()
				case code == http.StatusOK:
					var d struct {
						ID         uuid.UUID  `json:"id"`
						AssigneeID *uuid.UUID `json:"assignee_id"`
					}
					if err := json.Unmarshal(body, &d); err != nil {
						failures.Add(1)
						mu.Lock()
						r.Problems = append(r.Problems, fmt.Sprintf("a 200 answer that is not a case: %s", clip(string(body), 200)))
						mu.Unlock()
						continue
					}
					cl := claimed{caseID: d.ID, claimer: i, latency: lat, at: time.Now()}
					if d.AssigneeID != nil {
						cl.assignee = *d.AssigneeID
					}
					mu.Lock()
					got = append(got, cl)
					mu.Unlock()
					done.Add(1)
					lastGain.Store(time.Now().UnixNano())
				case code == http.StatusNoContent:
					// Every unassigned case left is held by another claimer's
					// transaction at this moment (SKIP LOCKED): look again.
					empties.Add(1)
					time.Sleep(2 * time.Millisecond)
				default:
					failures.Add(1)
					mu.Lock()
					if r.Statuses[code]++; r.Statuses[code] == 1 {
						r.Samples[code] = clip(string(body), 300)
					}
					mu.Unlock()
					time.Sleep(10 * time.Millisecond)
				}
			}
		}()
	}
	close(begin)
	wg.Wait()
	r.Waits, r.CPU = stopWaits(), meter.stop()
	stopProfile()
	if err := ctx.Err(); err != nil {
		return r, err
	}
	r.Requests, r.NoContent, r.Claimed = int(requests.Load()), int(empties.Load()), len(got)
	r.Work = wm.stop(ctx, b.mon, uint64(max(len(got), 1)), b.o.topStatements)
	if err := b.mon.QueryRow(ctx, `SELECT count(DISTINCT xmin::text) FROM cases WHERE queue_id = $1 AND assignee_id IS NOT NULL`,
		queue).Scan(&r.Transactions); err != nil {
		return r, err
	}
	sort.Slice(got, func(i, j int) bool { return got[i].at.Before(got[j].at) })
	if len(got) > 0 {
		r.Wall = got[len(got)-1].at.Sub(t0)
		r.Rate = float64(len(got)) / r.Wall.Seconds()
		q := len(got) / 4
		if q > 1 {
			r.First = float64(q) / got[q-1].at.Sub(t0).Seconds()
			r.Last = float64(q) / got[len(got)-1].at.Sub(got[len(got)-1-q].at).Seconds()
		}
	}
	lat := make([]time.Duration, len(got))
	for i, g := range got {
		lat[i] = g.latency
	}
	r.Claims = distOf(lat)
	b.progress("claim: %d claims in %s (%.0f/s), pgbench %.0f tps; verifying", r.Claimed, round(r.Wall), r.Rate, r.PG.TPS)

	b.verifyClaims(ctx, r, queue, ids, got)
	if len(r.Problems) > 0 {
		return r, fmt.Errorf("%d problems, first: %s", len(r.Problems), r.Problems[0])
	}

	// The plans again with many more cases queued, loaded with SQL in a
	// transaction that is rolled back.
	if b.o.claimLarge > 0 {
		b.progress("claim: the claim statements' plans with %d cases queued (loaded with SQL, rolled back)", b.o.claimLarge)
		if err := b.largeClaimPlans(ctx, r, single, batch); err != nil {
			return r, fmt.Errorf("plans with %d cases: %w", b.o.claimLarge, err)
		}
	}
	return r, nil
}

// batchPlanClaimers is how many claimers the batch statement is explained for.
const batchPlanClaimers = 20

// largeClaimPlans loads -claim-large cases into the (now empty) claim queue,
// in a transaction, runs ANALYZE in it, explains both claim statements and
// rolls everything back.
func (b *bench) largeClaimPlans(ctx context.Context, r *claimResult, single, batch review.Statement) error {
	tx, err := b.mon.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	start := time.Now()
	const first = 90_000_000 // references from 90,000,000 on (eight digits): rolled back, so they meet nothing
	if _, err := tx.Exec(ctx, `
		INSERT INTO cases (id, reference, receipt_hash, kind, informed_of_ai, description_enc, language, anonymous,
		                   ai_system_other, queue_id, priority, routed_at, submitted_at, status_changed_at, updated_at,
		                   next_due_at, required_languages)
		SELECT gen_random_uuid(), `+benchReference("i")+`, decode(md5(i::text) || md5(i::text), 'hex'),
		       'concern', 'no', '\x00'::bytea, $4, true, 'a system', $3::uuid, (ARRAY['P1', 'P2', 'P3', 'P3'])[1 + i % 4],
		       t.at, t.at, t.at, t.at, t.at + interval '90 days', ARRAY[$4]
		  FROM generate_series($1::int, $2::int) i
		 CROSS JOIN LATERAL (SELECT now() - ((i::bigint * 7919) % 432000) * interval '1 second' AS at) t`,
		first, first+b.o.claimLarge-1, single.Args[0], claimLanguage); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	if _, err := tx.Exec(ctx, analyzeCases); err != nil {
		return err
	}
	r.Large, r.LargeLoad = b.o.claimLarge, time.Since(start)
	if r.LargePlan, err = explainIn(ctx, tx, single); err != nil {
		return err
	}
	if r.LargeBatchPlan, err = explainIn(ctx, tx, batch); err != nil {
		return err
	}
	r.LargeExec, r.LargeBatchExec = planExec(r.LargePlan), planExec(r.LargeBatchPlan)
	for name, plan := range map[string]string{"2,000": r.QueuePlan, "2,000 (batch)": r.BatchPlan,
		fmt.Sprint(r.Large): r.LargePlan, fmt.Sprint(r.Large) + " (batch)": r.LargeBatchPlan} {
		if !onClaimIndex(plan) {
			r.Problems = append(r.Problems, fmt.Sprintf("the claim statement with %s cases does not read cases_claim_idx in order: %s", name, clip(plan, 300)))
		}
	}
	if len(r.Problems) > 0 {
		return fmt.Errorf("%s", r.Problems[0])
	}
	r.Checks = append(r.Checks, fmt.Sprintf("both claim statements read cases_claim_idx in order, without a sort or a sequential scan of cases, with %d and with %d cases queued",
		r.Cases, r.Large))
	return nil
}

// onClaimIndex is whether a plan reads cases through cases_claim_idx and
// neither sorts the queue nor scans cases sequentially.
func onClaimIndex(plan string) bool {
	return strings.Contains(plan, "Index Scan using cases_claim_idx on cases c") &&
		!strings.Contains(plan, "Seq Scan on cases") && !strings.Contains(plan, "Sort Key: c.priority")
}

// verifyClaims checks that every case was claimed exactly once, by the
// reviewer the API said, with one case.claimed entry in its record.
func (b *bench) verifyClaims(ctx context.Context, r *claimResult, queue uuid.UUID, ids []uuid.UUID, got []claimed) {
	problem := func(format string, args ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, args...)) }
	check := func(s string) { r.Checks = append(r.Checks, s) }

	// What the API answered.
	byCase := map[uuid.UUID]claimed{}
	for _, g := range got {
		if prev, dup := byCase[g.caseID]; dup {
			problem("case %s answered to two claimers: reviewer %d and reviewer %d", g.caseID, prev.claimer+1, g.claimer+1)
			continue
		}
		byCase[g.caseID] = g
		if g.assignee != ids[g.claimer] {
			problem("case %s answered to reviewer %d with assignee %s", g.caseID, g.claimer+1, g.assignee)
		}
	}
	check(fmt.Sprintf("%d answers 200, %d distinct cases, each answered to one claimer, naming that claimer as assignee", len(got), len(byCase)))

	// What the database holds.
	rows, err := b.mon.Query(ctx, `
		SELECT c.id, c.assignee_id, count(a.id), coalesce(array_agg(a.actor_id) FILTER (WHERE a.id IS NOT NULL), '{}')
		  FROM cases c LEFT JOIN audit_entries a ON a.case_id = c.id AND a.action = 'case.claimed'
		 WHERE c.queue_id = $1 GROUP BY c.id, c.assignee_id`, queue)
	if err != nil {
		problem("reading the queue: %v", err)
		return
	}
	var cases, unassigned, entries int
	var sample []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		var assignee *uuid.UUID
		var n int
		var actors []uuid.UUID
		if err := rows.Scan(&id, &assignee, &n, &actors); err != nil {
			rows.Close()
			problem("reading the queue: %v", err)
			return
		}
		cases++
		entries += n
		if len(sample) < 20 {
			sample = append(sample, id)
		}
		g, answered := byCase[id]
		switch {
		case assignee == nil:
			unassigned++
		case !answered:
			problem("case %s is assigned to %s, but no claimer was answered with it", id, *assignee)
		case *assignee != ids[g.claimer]:
			problem("case %s answered to reviewer %d but assigned to %s", id, g.claimer+1, *assignee)
		}
		if n != 1 {
			problem("case %s has %d case.claimed entries in its record", id, n)
		} else if assignee != nil && actors[0] != *assignee {
			problem("case %s: the case.claimed entry names %s, the case is assigned to %s", id, actors[0], *assignee)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		problem("reading the queue: %v", err)
	}
	if unassigned > 0 {
		problem("%d cases left unassigned in the queue", unassigned)
	}
	if cases != r.Cases || len(byCase) != r.Cases {
		problem("%d cases seeded, %d in the queue, %d claimed", r.Cases, cases, len(byCase))
	}
	check(fmt.Sprintf("database: %d cases in the queue, %d unassigned, each assigned once to the claimer the API answered, %d case.claimed entries, one per case, naming the assignee",
		cases, unassigned, entries))

	// The hash chains of a sample of the records still verify.
	verified := 0
	for _, id := range sample {
		es, err := audit.Entries(b.s.core.DB.WithContext(ctx), id)
		if err != nil {
			problem("case %s: reading its record: %v", id, err)
			continue
		}
		if v := audit.Verify(id, es); !v.Verified {
			problem("case %s: its record does not verify at entry %d: %s", id, v.BrokenAt, v.Problem)
			continue
		}
		verified++
	}
	check(fmt.Sprintf("the hash chains of %d sampled case records verify", verified))
}

// explainRolledBack explains st (EXPLAIN ANALYZE, BUFFERS) in a
// transaction that is rolled back, so nothing is claimed.
func (b *bench) explainRolledBack(ctx context.Context, st review.Statement) (string, error) {
	tx, err := b.mon.Begin(ctx)
	if err != nil {
		return "", err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	return explainIn(ctx, tx, st)
}

// explainIn explains st in tx.
func explainIn(ctx context.Context, tx pgx.Tx, st review.Statement) (string, error) {
	rows, err := tx.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "+dollarParams(st.SQL), st.Args...)
	if err != nil {
		return "", fmt.Errorf("explain claim: %w", err)
	}
	defer rows.Close()
	var lines []string
	for rows.Next() {
		var l string
		if err := rows.Scan(&l); err != nil {
			return "", err
		}
		lines = append(lines, l)
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("explain claim: %w", err)
	}
	return strings.Join(lines, "\n"), nil
}

// fileCases files n complaints in the claim language through the API,
// fileWorkers at a time, all anonymous so no rule about an AI system matches.
func (b *bench) fileCases(ctx context.Context, n int) error {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{Proxy: nil,
		MaxIdleConns: fileWorkers, MaxIdleConnsPerHost: fileWorkers}}
	today := time.Now().UTC()
	var created atomic.Uint64
	err := parallel(ctx, n, fileWorkers, func(i int) error {
		req := caseBody(uint64(1_000_000+i), nil, today)
		req.Language = claimLanguage
		body, err := json.Marshal(req)
		if err != nil {
			return err
		}
		code, resp, err := post(ctx, client, b.s.baseURL+"/api/v1/cases", "", body)
		if err != nil {
			return err
		}
		if code != http.StatusCreated {
			return fmt.Errorf("POST /api/v1/cases: %d %s", code, clip(string(resp), 300))
		}
		created.Add(1)
		return nil
	})
	b.created += created.Load()
	return err
}

// parallel runs fn(0) … fn(n-1), at most workers at a time, and returns the first error.
func parallel(ctx context.Context, n, workers int, fn func(i int) error) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for range max(min(workers, n), 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				mu.Lock()
				stop := first != nil
				mu.Unlock()
				if i >= n || stop || ctx.Err() != nil {
					return
				}
				if err := fn(i); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(first, ctx.Err())
}

// post sends a JSON POST (body may be nil) with an optional bearer token.
func post(ctx context.Context, client *http.Client, url, token string, body []byte) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, out, err
}

// signIn gets a staff token from POST /api/v1/auth/token.
func signIn(ctx context.Context, client *http.Client, base, email, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	code, resp, err := post(ctx, client, base+"/api/v1/auth/token", "", body)
	if err != nil {
		return "", err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if code != http.StatusOK || json.Unmarshal(resp, &tok) != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("sign in %s: %d %s", email, code, clip(string(resp), 200))
	}
	return tok.AccessToken, nil
}

// dollarParams numbers a statement's ? placeholders $1, $2, … for pgx.
func dollarParams(q string) string {
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
