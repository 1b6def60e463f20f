package main

import (
	"fmt"
	"io"
	"slices"
	"time"
)

type report struct {
	dir                             string
	started, loadStarted, loadEnded time.Time
	drained                         time.Duration
	kills                           map[string]int
	answers                         map[int]int
	filings, attempts               int
	accepted                        []string
	refused, unconfirmed            int

	cases, lost, duplicated, withoutKey, unrouted int
	actedTwice, routedEntries                     int
	outboxPending, deadLetters, brokenChains      int
}

func (r *report) killCount() int {
	n := 0
	for _, k := range r.kills {
		n += k
	}
	return n
}

// ok: nothing lost, nothing done twice, everything routed and verified.
func (r *report) ok() bool {
	return r.lost == 0 && r.duplicated == 0 && r.withoutKey == 0 && r.unrouted == 0 && r.actedTwice == 0 &&
		r.routedEntries == r.cases && r.outboxPending == 0 && r.deadLetters == 0 && r.brokenChains == 0 &&
		r.refused == 0 && r.unconfirmed == 0 && r.cases > 0
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "\n## Chaos run, %s\n\n", r.started.UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(w, "| measure | value |\n| --- | --- |\n")
	row := func(k string, v any) { fmt.Fprintf(w, "| %s | %v |\n", k, v) }
	row("load (until the last filing was answered)", r.loadEnded.Sub(r.loadStarted).Round(time.Second))
	row("kills", fmt.Sprintf("%d (api %d, worker %d, nats %d, postgres %d)", r.killCount(),
		r.kills["api"], r.kills["worker"], r.kills["nats"], r.kills["postgres"]))
	row("filings (one Idempotency-Key each)", r.filings)
	row("HTTP attempts", r.attempts)
	var codes []int
	for c := range r.answers {
		codes = append(codes, c)
	}
	slices.Sort(codes)
	answers := ""
	for _, c := range codes {
		name := fmt.Sprint(c)
		if c == 0 {
			name = "no answer"
		}
		answers += fmt.Sprintf("%s × %d; ", name, r.answers[c])
	}
	row("answers", answers)
	row("filings answered 201", len(r.accepted))
	row("filings refused (4xx)", r.refused)
	row("filings never confirmed", r.unconfirmed)
	row("cases in the database", r.cases)
	row("**lost** (201 but no case)", r.lost)
	row("**duplicated**", r.duplicated)
	row("cases without their idempotency key", r.withoutKey)
	row("unrouted", r.unrouted)
	row("case.routed entries (want one per case)", r.routedEntries)
	row("events acted on twice", r.actedTwice)
	row("outbox rows unpublished", r.outboxPending)
	row("dead letters", r.deadLetters)
	row("record chains broken", r.brokenChains)
	row("drained and routed after the load", r.drained.Round(time.Second))
	verdict := "PASS"
	if !r.ok() {
		verdict = "FAIL (logs kept in " + r.dir + ")"
	}
	fmt.Fprintf(w, "\n%s\n", verdict)
}
