package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// retentionCmd runs `redress retention run`: the day's retention at once,
// as an admin's "Run now" does (docs/retention.md) — after a restore
// (docs/backup.md), to erase again what was erased after the backup.
func retentionCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "run" {
		return fmt.Errorf("retention: use `redress retention run`")
	}
	core, err := quietCore(ctx)
	if err != nil {
		return err
	}
	defer core.Close()
	r, err := core.Retention.RunNow(ctx, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "erased:    %d (by a retention schedule)\nrequests:  %d (complainants' requests carried out)\n"+
		"held:      %d (due, under a legal hold)\ncorrected: %d (erased again after a restore)\n", r.Erased, r.Requests, r.Held, r.Corrected)
	fmt.Fprintf(stdout, "details:   %s\n", r.Details)
	return nil
}
