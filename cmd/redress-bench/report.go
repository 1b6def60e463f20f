package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// environment is what the numbers were measured on.
type environment struct {
	Date      string
	CPUs      int
	CPUModel  string
	Platform  string
	GoVersion string
	Postgres  string
	Settings  string
	PoolSize  int
	Systems   int
}

func describe(ctx context.Context, pool *pgxpool.Pool, s *stack, systems int) (environment, error) {
	e := environment{
		Date:      time.Now().Format(time.DateOnly),
		CPUs:      runtime.NumCPU(),
		CPUModel:  cpuModel(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
		GoVersion: runtime.Version(),
		PoolSize:  s.core.Config.DBMaxConns,
		Systems:   systems,
	}
	if err := pool.QueryRow(ctx, `SELECT version()`).Scan(&e.Postgres); err != nil {
		return e, fmt.Errorf("postgres version: %w", err)
	}
	if err := pool.QueryRow(ctx, `
		SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY ord)
		FROM unnest(ARRAY['fsync', 'synchronous_commit', 'full_page_writes', 'wal_level', 'shared_buffers',
		                  'max_wal_size', 'max_connections']) WITH ORDINALITY AS s(name, ord)`).Scan(&e.Settings); err != nil {
		return e, fmt.Errorf("postgres settings: %w", err)
	}
	return e, nil
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// report writes the results as Markdown, ready for BENCHMARKS.md.
func report(w io.Writer, e environment, o options, steps []step, final backlog, created uint64) {
	fmt.Fprintf(w, "\n## Redress intake benchmark, %s\n\n", e.Date)
	model := ""
	if e.CPUModel != "" {
		model = " (" + e.CPUModel + ")"
	}
	fmt.Fprintf(w, "- machine: %d CPUs%s, %s, %s\n", e.CPUs, model, e.Platform, e.GoVersion)
	fmt.Fprintf(w, "- postgres: %s\n", e.Postgres)
	fmt.Fprintf(w, "- settings: %s\n", e.Settings)
	fmt.Fprintf(w, "- redress: API pool of %d connections (REDRESS_DB_MAX_CONNS), worker in the same process, %d AI systems in the register\n",
		e.PoolSize, e.Systems)
	fmt.Fprintf(w, "- each run: %s; warm-up %s; a CHECKPOINT before each run\n\n", o.duration, o.warmup)

	rows := make([][]string, 0, len(steps))
	for _, s := range steps {
		rows = append(rows, []string{
			fmt.Sprint(s.Concurrency),
			fmt.Sprintf("%.0f", s.API.Rate),
			round(s.API.P50).String(),
			round(s.API.P99).String(),
			fmt.Sprintf("%.2f%%", 100*s.API.Success()),
			fmt.Sprintf("%.0f", s.PG.TPS),
			round(s.PG.Latency).String(),
			fmt.Sprintf("%.3f", s.Ratio()),
			s.Drain.String(),
		})
	}
	fmt.Fprint(w, markdownTable([]string{"concurrency", "API cases/s", "API p50", "API p99", "API 201",
		"pgbench INSERT tps", "pgbench avg latency", "ratio API/pgbench", "worker drain: published / received"}, rows))

	for _, s := range steps {
		if len(s.API.Statuses) > 0 {
			fmt.Fprintf(w, "\nConcurrency %d, answers other than 201: %s\n", s.Concurrency, s.API.OtherStatuses())
			for code, sample := range s.API.Samples {
				fmt.Fprintf(w, "  %d: %s\n", code, sample)
			}
		}
		if s.PG.Failed > 0 {
			fmt.Fprintf(w, "\nConcurrency %d: pgbench reports %d failed transactions\n", s.Concurrency, s.PG.Failed)
		}
	}

	fmt.Fprintf(w, "\nWhere the time went (CPU in cores out of %d; Postgres backends sampled from pg_stat_activity every 100 ms):\n\n", e.CPUs)
	rows = rows[:0]
	for _, s := range steps {
		rows = append(rows,
			[]string{fmt.Sprint(s.Concurrency), "pgbench", cores(s.PGCPU.Machine, s.PGCPU.MachineOK),
				fmt.Sprintf("pgbench %.2f", s.PG.ClientCPU.Seconds()/o.duration.Seconds()), s.PGWaits.String()},
			[]string{fmt.Sprint(s.Concurrency), "API", cores(s.APICPU.Machine, s.APICPU.MachineOK),
				fmt.Sprintf("redress-bench %.2f", s.APICPU.Self), s.APIWaits.String()})
	}
	fmt.Fprint(w, markdownTable([]string{"concurrency", "run", "machine CPU", "CPU of pgbench, or of redress-bench (API, worker, NATS, vegeta)", "Postgres client backends"}, rows))

	fmt.Fprintf(w, "\nAfter the run: %d cases in the database (%d requests answered 201, warm-up included); "+
		"%d outbox rows unpublished; %d cases not yet received by the worker.\n",
		final.Cases, created, final.Unpublished, final.Unreceived)
}

func cores(v float64, ok bool) string {
	if !ok {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", v)
}
