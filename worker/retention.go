package worker

import (
	"context"
	"time"
)

// runRetention runs the day's retention (internal/retention) when it is
// due: it looks every `every` (an hour by default), and of several workers
// the first to look on a day runs it.
func (w *Runner) runRetention(ctx context.Context, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		run, err := w.Retention.RunDue(ctx, time.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			w.Log.Error("retention run failed; the next look tries again tomorrow's run", "err", err)
		case run != nil:
			w.Log.Info("retention run", "erased", run.Erased, "requests", run.Requests, "held", run.Held,
				"corrected", run.Corrected)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
