package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// keepUpDrain is how soon after the last answer of a trial every case filed
// in it must be routed for the worker to count as keeping up: a backlog
// that grows during the trial takes longer than this to clear.
const keepUpDrain = 2 * time.Second

// sustainedTrial is cases filed at one fixed rate and how the worker kept up.
type sustainedTrial struct {
	Rate              int
	Requests, Created uint64
	Statuses          map[int]int
	API               dist          // POST /api/v1/cases
	Routed            dist          // routed_at − submitted_at
	Drain             time.Duration // from the last answer until every case was routed
	KeptUp            bool
	Why               string // why not
}

// sustainedResult is the highest rate at which cases are accepted and routed
// end to end, the worker keeping up, next to the rate the API accepts them
// at with 16 in flight (accept only) and pgbench's INSERT rate with 16
// clients, all in one run.
type sustainedResult struct {
	Trial     time.Duration
	PG        pgbenchResult
	Accept    apiResult
	Trials    []sustainedTrial
	Sustained int // the highest rate kept up (0: none)
}

const sustainedClients = 16

// Ratio is the sustained rate over pgbench's INSERTs a second.
func (r sustainedResult) Ratio() float64 {
	if r.PG.TPS == 0 {
		return 0
	}
	return float64(r.Sustained) / r.PG.TPS
}

// sustained files cases at fixed rates, from 50 a second up by half each
// time until the worker no longer keeps up, then narrows down between the
// last rate kept up and the first not (to within 10%).
func (b *bench) sustained(ctx context.Context) (*sustainedResult, error) {
	r := &sustainedResult{Trial: b.o.sustainedDuration}
	seconds := int(b.o.duration / time.Second)
	if err := b.idle(ctx); err != nil {
		return r, err
	}
	b.progress("sustained: pgbench INSERT with %d clients for %s", sustainedClients, b.o.duration)
	if err := checkpoint(ctx, b.mon); err != nil {
		return r, err
	}
	var err error
	if r.PG, err = b.pgbench.run(ctx, sustainedClients, seconds); err != nil {
		return r, err
	}
	b.progress("sustained: accept only: POST /api/v1/cases with %d in flight for %s", sustainedClients, b.o.duration)
	r.Accept = attack(ctx, b.targeter, sustainedClients, b.o.duration)
	b.created += r.Accept.Created
	if err := ctx.Err(); err != nil {
		return r, err
	}

	good, bad := 0, 0
	rate := 50
	for {
		t, err := b.trial(ctx, rate)
		r.Trials = append(r.Trials, t)
		if err != nil {
			return r, err
		}
		if t.KeptUp {
			good = rate
		} else {
			bad = rate
		}
		switch {
		case bad == 0 && rate < 5000:
			rate = rate * 3 / 2
		case bad == 0 || good == 0 && bad <= 10 || good > 0 && float64(bad-good) <= 0.1*float64(good):
			r.Sustained = good
			return r, nil
		case good == 0:
			rate = bad / 2
		default:
			rate = (good + bad) / 2
		}
	}
}

// idle waits until the worker has handled every event.
func (b *bench) idle(ctx context.Context) error {
	if left, err := b.waitRouted(ctx, nil, routingDrainLimit); err != nil || left > 0 {
		return fmt.Errorf("router backlog: %d cases still unrouted after %s (%v)", left, routingDrainLimit, err)
	}
	return b.consumersIdle(ctx, routingDrainLimit)
}

// trial files cases at rate for the trial's duration and sees whether the
// worker routed every one within keepUpDrain of the last answer.
func (b *bench) trial(ctx context.Context, rate int) (sustainedTrial, error) {
	t := sustainedTrial{Rate: rate}
	if err := b.idle(ctx); err != nil {
		return t, err
	}
	if err := checkpoint(ctx, b.mon); err != nil {
		return t, err
	}
	b.progress("sustained: %d cases/s for %s", rate, b.o.sustainedDuration)
	f := b.fileAt(ctx, rate, b.o.sustainedDuration, "sustained")
	t.Requests, t.Created, t.Statuses, t.API = f.requests, f.created, f.statuses, distOf(f.latencies)
	b.created += t.Created
	if err := ctx.Err(); err != nil {
		return t, err
	}
	left, err := b.waitRouted(ctx, f.refs, routingDrainLimit)
	if err != nil {
		return t, err
	}
	t.Drain = time.Since(f.last)
	if t.Routed, err = b.routedLatency(ctx, f.refs); err != nil {
		return t, err
	}
	switch {
	case t.Created < t.Requests:
		t.Why = fmt.Sprintf("%d of %d requests not answered 201 (%v)", t.Requests-t.Created, t.Requests, t.Statuses)
	case left > 0:
		t.Why = fmt.Sprintf("%d cases not routed within %s", left, routingDrainLimit)
	case t.Drain > keepUpDrain:
		t.Why = fmt.Sprintf("the last case was routed %s after the last answer", round(t.Drain))
	default:
		t.KeptUp = true
	}
	b.progress("sustained: %d cases/s: API p99 %s, routed p99 %s, drained %s after the last answer: kept up %v",
		rate, round(t.API.P99), round(t.Routed.P99), round(t.Drain), t.KeptUp)
	return t, nil
}

// routedLatency is routed_at − submitted_at of the cases with refs.
func (b *bench) routedLatency(ctx context.Context, refs []string) (dist, error) {
	rows, err := b.mon.Query(ctx, `SELECT routed_at - submitted_at FROM cases WHERE reference = ANY($1) AND routed_at IS NOT NULL`, refs)
	if err != nil {
		return dist{}, err
	}
	defer rows.Close()
	var ds []time.Duration
	for rows.Next() {
		var d time.Duration
		if err := rows.Scan(&d); err != nil {
			return dist{}, err
		}
		ds = append(ds, d)
	}
	return distOf(ds), rows.Err()
}

func reportSustained(w io.Writer, r *sustainedResult) {
	fmt.Fprintf(w, "\n### End to end: cases accepted and routed, sustained\n\n")
	fmt.Fprintf(w, "Cases filed at fixed rates for %s each (vegeta, open loop), from 50 a second up by half until the worker "+
		"no longer keeps up, then narrowed down to within 10%%. A rate is kept up when every request is answered 201 and every "+
		"case is routed within %s of the last answer (a backlog that grows during the trial takes longer to clear). "+
		"Each trial starts with the worker idle. Accept only is the API with %d requests in flight (closed loop), the worker "+
		"left behind; pgbench ran INSERT with %d clients just before, on the same server.\n\n",
		r.Trial, keepUpDrain, sustainedClients, sustainedClients)
	rows := [][]string{}
	for _, t := range r.Trials {
		kept := "yes"
		if !t.KeptUp {
			kept = "no: " + t.Why
		}
		rows = append(rows, []string{fmt.Sprint(t.Rate), fmt.Sprintf("%d / %d", t.Created, t.Requests), round(t.API.P50).String(),
			round(t.API.P99).String(), round(t.Routed.P50).String(), round(t.Routed.P99).String(), round(t.Drain).String(), kept})
	}
	fmt.Fprint(w, markdownTable([]string{"cases/s", "201 / requests", "POST p50", "POST p99", "routed p50", "routed p99",
		"last routed after the last answer", "kept up"}, rows))
	accept := 0.0
	if r.PG.TPS > 0 {
		accept = r.Accept.Rate / r.PG.TPS
	}
	fmt.Fprintln(w)
	fmt.Fprint(w, markdownTable([]string{"sustained, accepted and routed", fmt.Sprintf("accept only, %d in flight", sustainedClients),
		fmt.Sprintf("pgbench INSERT, %d clients", sustainedClients), "sustained / pgbench", "accept only / pgbench"}, [][]string{{
		fmt.Sprintf("%d cases/s", r.Sustained), fmt.Sprintf("%.0f cases/s (p99 %s)", r.Accept.Rate, round(r.Accept.P99)),
		fmt.Sprintf("%.0f tps", r.PG.TPS), fmt.Sprintf("%.3f", r.Ratio()), fmt.Sprintf("%.3f", accept)}}))
}
