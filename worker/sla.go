package worker

import (
	"context"
	"time"
)

// sweepBatch is how many due timers one sweep takes at most; a full batch
// means more may be due, so the next sweep follows at once. The SLA sweep
// handles them in one transaction (clocks.SweepChunk is larger), which holds
// its cases' rows for the ~0.15 s 200 breaches take on 2 cores; its fixed
// cost (the due query, the commit) is a few ms of that, so a larger batch
// would gain little and keep staff waiting on those cases longer.
const sweepBatch = 200

// runSweeper fires due SLA timers (warnings, breaches) and gives waiting
// cases in auto-assigning queues to available members, every SweepEvery,
// until ctx ends. Several workers may sweep at once: each case is taken with
// SKIP LOCKED, so no timer fires twice.
func (w *Runner) runSweeper(ctx context.Context) error {
	every := w.SweepEvery
	if every <= 0 {
		every = 5 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		f, err := w.Clocks.Sweep(ctx, sweepBatch)
		switch {
		case err != nil && ctx.Err() == nil:
			w.Log.Warn("sla sweep", "err", err)
		case f.Warnings+f.Breaches > 0:
			w.Log.Info("sla sweep", "warnings", f.Warnings, "breaches", f.Breaches)
			if f.Warnings+f.Breaches >= sweepBatch && ctx.Err() == nil {
				continue
			}
		}
		if w.Remedy != nil && ctx.Err() == nil {
			// Remedy components have their own due dates.
			if n, err := w.Remedy.SweepOverdueRemedies(ctx, sweepBatch); err != nil && ctx.Err() == nil {
				w.Log.Warn("remedy sweep", "err", err)
			} else if n > 0 {
				w.Log.Info("remedy sweep", "overdue", n)
			}
		}
		if w.Grievance != nil && ctx.Err() == nil {
			// Protection (docs/protection.md): the interim measures' own
			// clocks, and the check-ins due after closure.
			if n, err := w.Grievance.SweepMeasures(ctx, sweepBatch); err != nil && ctx.Err() == nil {
				w.Log.Warn("measure sweep", "err", err)
			} else if n > 0 {
				w.Log.Info("measure sweep", "fired", n)
			}
			if n, err := w.Grievance.SweepCheckins(ctx, sweepBatch); err != nil && ctx.Err() == nil {
				w.Log.Warn("check-in sweep", "err", err)
			} else if n > 0 {
				w.Log.Info("check-in sweep", "asked", n)
			}
		}
		if w.Review != nil && ctx.Err() == nil {
			// Cases no member could take when routed (all away, or at their cap) get another chance.
			if n, err := w.Review.AutoAssign(ctx, sweepBatch); err != nil && ctx.Err() == nil {
				w.Log.Warn("auto-assign", "err", err)
			} else if n > 0 {
				w.Log.Info("auto-assigned", "cases", n)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
