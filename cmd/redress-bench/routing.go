package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/redresshq/redress/internal/events"
)

// routingResult is the submit → routed latency of the worker while intake
// runs at a fixed rate: the outbox relay's polling, JetStream and the router
// consumer, end to end.
type routingResult struct {
	Rate     int
	Duration time.Duration

	Backlog     int64         // cases left unrouted by earlier measurements when this one began
	BacklogWait time.Duration // how long the router took to finish them

	Requests, Created uint64
	Statuses          map[int]int // answers other than 201
	API               dist        // POST /api/v1/cases, every request

	Routed   int           // cases of this run routed within the limit
	Unrouted int           // cases of this run not routed within the limit
	Drain    time.Duration // from the last request until every case of the run was routed

	DB     dist // routed_at − submitted_at, both read from the database
	Client dist // routed_at − the moment the 201 arrived (same machine, same clock)

	Commit pgbenchResult // pgbench, one client: one durable single-row commit

	// Work per case filed, from the first request until every consumer had
	// handled every event (API, relay, consumers and the sweeper's share):
	// statements (pg_stat_statements), commits (pg_stat_database), and the
	// statements run most often.
	Work      work
	Commits   float64
	Idle      time.Duration // from the last case routed until every consumer was idle
	ByCalls   []string
	ByBuffers []string
	CPU       cpuUse
	Waits     waitProfile
}

// dist is a latency distribution.
type dist struct {
	N                            int
	Min, P50, P95, P99, Max, Avg time.Duration
}

func distOf(ds []time.Duration) dist {
	if len(ds) == 0 {
		return dist{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	// Nearest rank: the smallest value at or above the share q of all.
	at := func(q float64) time.Duration {
		i := int(q*float64(len(s))+0.999999) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	return dist{N: len(s), Min: s[0], P50: at(0.50), P95: at(0.95), P99: at(0.99), Max: s[len(s)-1],
		Avg: sum / time.Duration(len(s))}
}

// routingDrainLimit bounds the waits for the router.
const routingDrainLimit = 2 * time.Minute

func (b *bench) routing(ctx context.Context) (*routingResult, error) {
	r := &routingResult{Rate: b.o.routingRate, Duration: b.o.routingDuration, Statuses: map[int]int{}}
	var err error

	// Start from an idle router: earlier measurements may have left it a backlog.
	if err := b.mon.QueryRow(ctx, `SELECT count(*) FROM cases WHERE routed_at IS NULL`).Scan(&r.Backlog); err != nil {
		return r, err
	}
	if r.Backlog > 0 {
		b.progress("routing: waiting for the router to finish %d cases left by earlier measurements", r.Backlog)
	}
	start := time.Now()
	if left, err := b.waitRouted(ctx, nil, routingDrainLimit); err != nil || left > 0 {
		return r, fmt.Errorf("router backlog before the run: %d cases still unrouted after %s (%v)", left, routingDrainLimit, err)
	}
	r.BacklogWait = time.Since(start)
	if r.Commit, err = b.commitLatency(ctx); err != nil {
		return r, err
	}
	if err := checkpoint(ctx, b.mon); err != nil {
		return r, err
	}

	b.progress("routing: POST /api/v1/cases at %d/s for %s, then submit → routed from the database", r.Rate, r.Duration)
	meter, stopWaits := startCPU(), sampleWaits(ctx, b.mon, appDB, 100*time.Millisecond)
	commits0, err := b.commits(ctx)
	if err != nil {
		return r, err
	}
	workMeter := startWork(ctx, b.mon)
	f := b.fileAt(ctx, r.Rate, r.Duration, "routing")
	r.Requests, r.Created, r.Statuses, r.API = f.requests, f.created, f.statuses, distOf(f.latencies)
	answered, refs, last := f.answered, f.refs, f.last
	b.created += r.Created
	if err := ctx.Err(); err != nil {
		r.Waits, r.CPU = stopWaits(), meter.stop()
		return r, err
	}
	if len(refs) == 0 {
		r.Waits, r.CPU = stopWaits(), meter.stop()
		return r, fmt.Errorf("no request was answered 201 (%v)", r.Statuses)
	}
	left, err := b.waitRouted(ctx, refs, routingDrainLimit)
	r.Drain = time.Since(last)
	r.Waits, r.CPU = stopWaits(), meter.stop()
	if err != nil {
		return r, err
	}
	r.Unrouted = int(left)
	routedAt := time.Now()
	if err := b.consumersIdle(ctx, routingDrainLimit); err != nil {
		return r, err
	}
	r.Idle = time.Since(routedAt)
	r.Work = workMeter.stop(ctx, b.mon, r.Created, 0)
	r.ByCalls = statementsByCalls(ctx, b.mon, r.Created, 30, false)
	r.ByBuffers = statementsByCalls(ctx, b.mon, r.Created, 8, true)
	commits1, err := b.commits(ctx)
	if err != nil {
		return r, err
	}
	r.Commits = float64(commits1-commits0) / float64(r.Created)

	rows, err := b.mon.Query(ctx, `SELECT reference, submitted_at, routed_at FROM cases
		WHERE reference = ANY($1) AND routed_at IS NOT NULL`, refs)
	if err != nil {
		return r, err
	}
	var inDB, fromClient []time.Duration
	for rows.Next() {
		var ref string
		var submitted, routed time.Time
		if err := rows.Scan(&ref, &submitted, &routed); err != nil {
			rows.Close()
			return r, err
		}
		inDB = append(inDB, routed.Sub(submitted))
		fromClient = append(fromClient, routed.Sub(answered[ref]))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return r, err
	}
	r.Routed = len(inDB)
	r.DB, r.Client = distOf(inDB), distOf(fromClient)
	b.progress("routing: %d cases routed; routed_at − submitted_at p50 %s, p99 %s, max %s",
		r.Routed, round(r.DB.P50), round(r.DB.P99), round(r.DB.Max))
	if r.Unrouted > 0 {
		return r, fmt.Errorf("%d of %d cases not routed within %s", r.Unrouted, len(refs), routingDrainLimit)
	}
	return r, nil
}

// waitRouted waits until none of the cases with the given references (every
// case, for nil) is unrouted, or limit passes. It returns how many
// are left; an error only when ctx ends or a query fails. It reads only the
// unrouted cases (their partial index), every 20 ms while the worker drains:
// a count over the run's references (cases_reference_key, one probe a
// reference) took 22 ms of a backend's CPU for 4,500 of them, and so
// competed with the worker it waits for.
func (b *bench) waitRouted(ctx context.Context, refs []string, limit time.Duration) (int64, error) {
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	var ours map[string]bool
	if refs != nil {
		ours = make(map[string]bool, len(refs))
		for _, ref := range refs {
			ours[ref] = true
		}
	}
	for {
		var left int64
		var err error
		if refs == nil {
			err = b.mon.QueryRow(ctx, `SELECT count(*) FROM cases WHERE routed_at IS NULL`).Scan(&left)
		} else {
			left, err = b.unroutedOf(ctx, ours)
		}
		if err != nil || left == 0 || time.Now().After(deadline) {
			return left, err
		}
		select {
		case <-ctx.Done():
			return left, ctx.Err()
		case <-tick.C:
		}
	}
}

// commits is the application database's committed transactions so far.
func (b *bench) commits(ctx context.Context) (int64, error) {
	var n int64
	err := b.mon.QueryRow(ctx, `SELECT pg_stat_get_db_xact_commit(oid) FROM pg_database WHERE datname = current_database()`).Scan(&n)
	return n, err
}

// consumersIdle waits until no consumer of the stream has a message pending
// or unacknowledged, or limit passes.
func (b *bench) consumersIdle(ctx context.Context, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	stream, err := b.s.js.Stream(ctx, events.Stream)
	if err != nil {
		return err
	}
	for {
		busy := 0
		names := stream.ListConsumers(ctx)
		for ci := range names.Info() {
			if ci.NumPending > 0 || ci.NumAckPending > 0 {
				busy++
			}
		}
		if err := names.Err(); err != nil {
			return fmt.Errorf("consumers: %w", err)
		}
		if busy == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d consumers still busy after %s", busy, limit)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// filing is what filing cases at a fixed rate gave.
type filing struct {
	requests, created uint64
	statuses          map[int]int // answers other than 201 (-1: a 201 without a reference)
	latencies         []time.Duration
	answered          map[string]time.Time // reference → when its 201 arrived
	refs              []string
	last              time.Time // when the last answer arrived
}

// fileAt files cases at rate a second for d (vegeta, open loop).
func (b *bench) fileAt(ctx context.Context, rate int, d time.Duration, name string) filing {
	f := filing{statuses: map[int]int{}, answered: map[string]time.Time{}}
	atk := vegeta.NewAttacker(
		vegeta.Workers(8),
		vegeta.MaxWorkers(256),
		vegeta.KeepAlive(true),
		vegeta.Timeout(30*time.Second),
		vegeta.Redirects(vegeta.NoFollow),
		vegeta.Proxy(nil),
	)
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()
	for res := range atk.Attack(b.targeter, vegeta.Rate{Freq: rate, Per: time.Second}, d, name) {
		f.requests++
		f.latencies = append(f.latencies, res.Latency)
		done := res.Timestamp.Add(res.Latency)
		if done.After(f.last) {
			f.last = done
		}
		if res.Code != http.StatusCreated {
			f.statuses[int(res.Code)]++
			continue
		}
		var body struct {
			Reference string `json:"reference"`
		}
		if err := json.Unmarshal(res.Body, &body); err != nil || body.Reference == "" {
			f.statuses[-1]++
			continue
		}
		f.created++
		f.answered[body.Reference] = done
		f.refs = append(f.refs, body.Reference)
	}
	return f
}

// unroutedOf counts the unrouted cases whose reference is in refs.
func (b *bench) unroutedOf(ctx context.Context, refs map[string]bool) (int64, error) {
	rows, err := b.mon.Query(ctx, `SELECT reference FROM cases WHERE routed_at IS NULL`)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	var ref string
	for rows.Next() {
		if err := rows.Scan(&ref); err != nil {
			return 0, err
		}
		if refs[ref] {
			n++
		}
	}
	return n, rows.Err()
}
