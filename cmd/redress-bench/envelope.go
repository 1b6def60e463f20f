package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/db"
)

// envelopeResult is what envelope encryption (issue 19: a data key per
// case, wrapped by the master key) costs a filing: the CPU of sealing with
// the master key (before) and with the case's data key, of making the
// case's key, and the INSERT of that key in the filing's transaction.
type envelopeResult struct {
	SealMaster, SealCase, NewKey time.Duration // CPU per operation, single goroutine
	InsertKey                    time.Duration // one keystore INSERT in a transaction of its own, median
	Seals                        int           // sealed values of a named filing (description, outcome, contact, representative)
}

// PerFiling is the CPU a named filing spends on envelope encryption beyond
// what sealing with the master key cost.
func (e envelopeResult) PerFiling() time.Duration {
	return time.Duration(e.Seals)*(e.SealCase-e.SealMaster) + e.NewKey
}

func timeOp(n int, op func() error) (time.Duration, error) {
	start := time.Now()
	for range n {
		if err := op(); err != nil {
			return 0, err
		}
	}
	return time.Since(start) / time.Duration(n), nil
}

// envelope measures it on the bench's own core, after the intake runs.
func (b *bench) envelope(ctx context.Context) (*envelopeResult, error) {
	core := b.s.core
	text := []byte("My hours were cut to zero by the scheduling system after I took sick leave; I want them back and the pay I lost.")
	caseID := uuid.New()
	if err := db.Transact(ctx, core.DB, func(tx *gorm.DB) error { return core.Keystore.Create(tx, caseID) }); err != nil {
		return nil, err
	}
	r := &envelopeResult{Seals: 4}
	var err error
	const n = 20000
	if r.SealMaster, err = timeOp(n, func() error { _, err := core.Keys.Seal("case.description:x", text); return err }); err != nil {
		return nil, err
	}
	if r.SealCase, err = timeOp(n, func() error { _, err := core.Keys.SealCase(caseID, "case.description:x", text); return err }); err != nil {
		return nil, err
	}
	if r.NewKey, err = timeOp(n/4, func() error { _, err := core.Keystore.Prepare(uuid.New()); return err }); err != nil {
		return nil, err
	}
	var times []time.Duration
	for range 200 {
		start := time.Now()
		if err := db.Transact(ctx, core.DB, func(tx *gorm.DB) error { return core.Keystore.Create(tx, uuid.New()) }); err != nil {
			return nil, err
		}
		times = append(times, time.Since(start))
	}
	r.InsertKey = median(times)
	return r, nil
}

func median(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[len(d)/2]
}

func reportEnvelope(w io.Writer, steps []step, e *envelopeResult) {
	fmt.Fprintf(w, "\n### Envelope encryption on intake (issue 19)\n\n")
	fmt.Fprintf(w, "Each case's values are sealed with its own data key, made at filing and wrapped by the master key. "+
		"CPU per operation on one goroutine; the key's INSERT is one more statement in the filing's transaction.\n\n")
	fmt.Fprintf(w, "| seal with the master key | seal with the case's key | make a case's key (random + wrap) | a named filing's extra CPU (%d seals + 1 key) | the key's INSERT, alone in a transaction (median) |\n",
		e.Seals)
	fmt.Fprintf(w, "| --- | --- | --- | --- | --- |\n")
	fmt.Fprintf(w, "| %s | %s | %s | %s | %s |\n\n", e.SealMaster, e.SealCase, e.NewKey, e.PerFiling(), e.InsertKey)
	for _, s := range steps {
		if s.API.Rate == 0 || !s.APICPU.MachineOK {
			continue
		}
		perCase := time.Duration(s.APICPU.Machine / s.API.Rate * float64(time.Second))
		fmt.Fprintf(w, "- at %d in flight the machine spent %s of CPU per case filed: envelope encryption's CPU is %.2f%% of it\n",
			s.Concurrency, perCase.Round(time.Microsecond), 100*float64(e.PerFiling())/float64(perCase))
	}
}
