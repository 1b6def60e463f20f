package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/redresshq/redress/internal/app"
	"github.com/redresshq/redress/internal/platform/config"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/logx"
)

// retentionCmd runs `redress retention run`: the day's retention at once,
// as an admin's "Run now" does (docs/retention.md) — after a restore
// (docs/backup.md), to erase again what was erased after the backup.
func retentionCmd(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "run" {
		return fmt.Errorf("retention: use `redress retention run`")
	}
	cfg, err := config.Load(config.Need{Database: true, Secrets: true})
	if err != nil {
		return err
	}
	cfg.DBMaxConns = 4
	core, err := app.NewCore(ctx, cfg, logx.New(io.Discard, cfg.LogFormat, cfg.LogLevel))
	if err != nil {
		return err
	}
	defer core.Close()
	if err := db.RequireCurrent(ctx, core.DB); err != nil {
		return err
	}
	r, err := core.Retention.RunNow(ctx, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "erased:    %d (by a retention schedule)\nrequests:  %d (complainants' requests carried out)\n"+
		"held:      %d (due, under a legal hold)\ncorrected: %d (erased again after a restore)\n", r.Erased, r.Requests, r.Held, r.Corrected)
	fmt.Fprintf(stdout, "details:   %s\n", r.Details)
	return nil
}
