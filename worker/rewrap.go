package worker

import (
	"context"
	"time"
)

// Re-wrapping after a new master key is made current (docs/keys.md): the
// worker moves every case's data key to the current master key in the
// background, a batch at a time with a pause between batches, so filings
// and reads go on; what is left is what it reads next, so a restart
// resumes it. `redress keys status` shows the progress.
const (
	rewrapBatch = 200
	rewrapPause = 50 * time.Millisecond
	rewrapEvery = 30 * time.Second
)

func (w *Runner) runRewrap(ctx context.Context) error {
	t := time.NewTicker(rewrapEvery)
	defer t.Stop()
	for {
		total := 0
		for ctx.Err() == nil {
			n, err := w.Keystore.Rewrap(ctx, rewrapBatch)
			if err != nil {
				if ctx.Err() == nil {
					w.Log.Error("re-wrapping data keys failed; trying again later", "err", err)
				}
				break
			}
			total += n
			if n < rewrapBatch {
				break
			}
			select {
			case <-ctx.Done():
			case <-time.After(rewrapPause):
			}
		}
		if total > 0 {
			w.Log.Info("data keys re-wrapped with the current master key", "keys", total)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
