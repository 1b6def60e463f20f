package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/demo"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/devpg"
	"github.com/redresshq/redress/internal/registry"
)

func run(ctx context.Context, o options) (*report, error) {
	rep := &report{started: time.Now(), kills: map[string]int{}}
	dir := o.dir
	if dir == "" {
		d, err := os.MkdirTemp("", "redress-chaos-")
		if err != nil {
			return nil, err
		}
		dir = d
	}
	rep.dir = dir
	say := func(f string, a ...any) { fmt.Printf("%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(f, a...)) }

	// The redress binary, built from this checkout.
	redress := filepath.Join(dir, "redress")
	say("building redress into %s", redress)
	build := exec.CommandContext(ctx, "go", "build", "-o", redress, "./cmd/redress")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("go build ./cmd/redress (run from the repository's root): %w", err)
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}

	// PostgreSQL, durable (fsync on): a restart must lose nothing committed.
	pg, err := devpg.Start(ctx, filepath.Join(dir, "pg"), devpg.Options{})
	if err != nil {
		return nil, err
	}
	defer func() { _ = pg.Stop() }()
	if err := pg.CreateDatabase(ctx, "redress", ""); err != nil {
		return nil, err
	}
	dbURL := pg.URL("redress")
	gdb, err := db.Open(ctx, dbURL, 4)
	if err != nil {
		return nil, err
	}
	defer db.Close(gdb)
	if err := db.Migrate(ctx, gdb, io.Discard); err != nil {
		return nil, err
	}
	if err := demo.Seed(ctx, gdb, registry.New(gdb), auth.NewUsers(gdb, auth.PasswordCost{MemoryKiB: 64, Time: 1, Threads: 1}),
		escalation.New(escalation.Options{DB: gdb}), secret()); err != nil {
		return nil, err
	}

	f, err := newFleet(dir, redress, self, dbURL)
	if err != nil {
		return nil, err
	}
	defer f.stopAll()
	say("starting 3 NATS nodes (JetStream, replicas 3), 2 workers, 2 APIs; logs in %s", dir)
	if err := f.startAll(ctx); err != nil {
		return rep, err
	}

	// The load, and the kills, for o.duration.
	var apis []string
	for _, p := range f.apis {
		apis = append(apis, strings.TrimSuffix(p.ready, "/readyz"))
	}
	ld := &load{apis: apis, rate: o.rate, concurrency: o.concurrency, giveUp: 3 * time.Minute}
	rep.loadStarted = time.Now()
	loadCtx, stopLoad := context.WithTimeout(ctx, o.duration)
	defer stopLoad()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); ld.run(loadCtx) }()
	say("filing %d complaints a second (at most %d in flight) for %s; a kill every %s", o.rate, o.concurrency, o.duration, o.killEvery)

	kinds := []string{"api", "worker", "nats"}
	total := int(o.duration / o.killEvery)
	pgAt := total / 2
	var killErr error
	for i := 0; ; i++ {
		select {
		case <-loadCtx.Done():
		case <-time.After(o.killEvery):
		}
		if loadCtx.Err() != nil {
			break
		}
		kind := kinds[i%len(kinds)]
		if i == pgAt {
			kind = "postgres"
		}
		if err := kill(ctx, f, pg, kind, o.downFor, say); err != nil {
			killErr = err
			break
		}
		rep.kills[kind]++
	}
	wg.Wait()
	rep.loadEnded = time.Now()
	if killErr != nil {
		return rep, killErr
	}
	rep.answers = ld.answers
	for _, fl := range ld.filings {
		switch {
		case fl.reference != "":
			rep.accepted = append(rep.accepted, fl.reference)
		case fl.refused != "":
			rep.refused++
		default:
			rep.unconfirmed++
		}
		rep.attempts += fl.attempts
	}
	rep.filings = len(ld.filings)

	// Everything up again; then wait for the worker to catch up.
	if err := f.restartDead(ctx); err != nil {
		return rep, err
	}
	say("load over: %d filings, %d answered 201; waiting up to %s for the outbox to drain and every case to be routed",
		rep.filings, len(rep.accepted), o.drain)
	deadline := time.Now().Add(o.drain)
	for {
		var pending, unrouted int64
		gdb.WithContext(ctx).Table("outbox").Where("published_at IS NULL").Count(&pending)
		gdb.WithContext(ctx).Table("cases").Where("submitted_at >= ? AND routed_at IS NULL", rep.started).Count(&unrouted)
		if pending == 0 && unrouted == 0 {
			break
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(time.Second)
	}
	rep.drained = time.Since(rep.loadEnded)
	if err := verify(ctx, gdb, rep); err != nil {
		return rep, err
	}
	if rep.ok() && !o.keep && o.dir == "" {
		defer os.RemoveAll(dir)
	}
	return rep, nil
}

// kill kills one process of kind with SIGKILL (PostgreSQL: an immediate
// shutdown, then a restart), leaves it down for downFor, then starts it
// again and waits until it is ready.
func kill(ctx context.Context, f *fleet, pg *devpg.Cluster, kind string, downFor time.Duration, say func(string, ...any)) error {
	if kind == "postgres" {
		say("kill: PostgreSQL (immediate shutdown and restart)")
		out, err := pg.Run(ctx, "pg_ctl", "restart", "-D", filepath.Join(pg.Dir, "data"), "-m", "immediate", "-w", "-t", "120",
			"-l", filepath.Join(pg.Dir, "postgres.log"))
		if err != nil {
			return fmt.Errorf("restart PostgreSQL: %w\n%s", err, out)
		}
		return nil
	}
	var group []*proc
	switch kind {
	case "api":
		group = f.apis
	case "worker":
		group = f.workers
	case "nats":
		group = f.nats
	}
	p := group[rand.IntN(len(group))]
	say("kill -9: %s", p.name)
	p.kill()
	time.Sleep(downFor)
	if err := p.start(); err != nil {
		return err
	}
	return p.waitReady(ctx, 2*time.Minute)
}

// filedCase is a case the run filed, as verify reads it.
type filedCase struct {
	ID        uuid.UUID
	Reference string
	RoutedAt  *time.Time
}

// actionCount is how often a case's record holds one action.
type actionCount struct {
	Action string
	N      int
}

// verify counts what was lost or done twice.
func verify(ctx context.Context, gdb *gorm.DB, rep *report) error {
	q := gdb.WithContext(ctx)
	var cases []filedCase
	if err := q.Table("cases").Select("id, reference, routed_at").Where("submitted_at >= ?", rep.started).
		Find(&cases).Error; err != nil {
		return fmt.Errorf("verify: cases: %w", err)
	}
	rep.cases = len(cases)
	byRef := map[string]filedCase{}
	for _, c := range cases {
		byRef[c.Reference] = c
		if c.RoutedAt == nil {
			rep.unrouted++
		}
	}
	seen := map[string]int{}
	for _, ref := range rep.accepted {
		seen[ref]++
		if _, ok := byRef[ref]; !ok {
			rep.lost++
		}
	}
	for _, n := range seen {
		if n > 1 { // two filings answered with one case: a replay crossed keys
			rep.duplicated += n - 1
		}
	}
	// Every case comes from one filing: more cases than filings that got a
	// 201 (and those left unconfirmed, which may have a case) are duplicates.
	if extra := rep.cases - len(seen) - rep.unconfirmed; extra > 0 {
		rep.duplicated += extra
	}
	var withoutKey int64
	if err := q.Table("cases c").Where("c.submitted_at >= ?", rep.started).
		Where("NOT EXISTS (SELECT 1 FROM idempotency_keys k WHERE k.case_id = c.id)").Count(&withoutKey).Error; err != nil {
		return fmt.Errorf("verify: keys: %w", err)
	}
	rep.withoutKey = int(withoutKey)

	var twice []actionCount
	if err := q.Table("audit_entries a").Select("a.action, count(*) AS n").
		Joins("JOIN cases c ON c.id = a.case_id").
		Where("c.submitted_at >= ? AND a.action IN ?", rep.started, onceActions).
		Group("a.case_id, a.action").Having("count(*) > 1").Find(&twice).Error; err != nil {
		return fmt.Errorf("verify: record: %w", err)
	}
	rep.actedTwice = len(twice)
	var routedOnce int64
	if err := q.Table("audit_entries a").Joins("JOIN cases c ON c.id = a.case_id").
		Where("c.submitted_at >= ? AND a.action = 'case.routed'", rep.started).Count(&routedOnce).Error; err != nil {
		return fmt.Errorf("verify: routed: %w", err)
	}
	rep.routedEntries = int(routedOnce)
	var pending, dead int64
	q.Table("outbox").Where("published_at IS NULL").Count(&pending)
	q.Table("dead_letters").Count(&dead)
	rep.outboxPending, rep.deadLetters = int(pending), int(dead)

	for _, c := range cases {
		entries, err := audit.Entries(gdb.WithContext(ctx), c.ID)
		if err != nil {
			return err
		}
		if v := audit.Verify(c.ID, entries); !v.Verified {
			rep.brokenChains++
		}
	}
	return nil
}

// onceActions are the record entries the intake and the worker write once
// per case; two of one kind mean an event was acted on twice.
var onceActions = []string{"case.submitted", "case.routed", "case.triaged", "case.auto_assigned"}
