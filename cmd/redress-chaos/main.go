// Command redress-chaos files complaints against a Redress made of separate
// processes — two `redress serve`, two `redress work`, a three-node NATS
// cluster with JetStream replicas 3 and PostgreSQL, all on 127.0.0.1 — while
// it kills them with SIGKILL (and restarts PostgreSQL with an immediate
// shutdown) on a schedule. Then it checks that nothing was lost or done
// twice: every filing answered 201 exists once, every case is routed once,
// the outbox is drained, no event was acted on twice, no event was dead-
// lettered and every case's record chain verifies. It prints the counts and
// exits 1 on any failure (`make chaos`, RELIABILITY.md).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type options struct {
	duration    time.Duration
	rate        int
	concurrency int
	killEvery   time.Duration
	downFor     time.Duration
	drain       time.Duration
	dir         string
	keep        bool
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "nats-node" {
		if err := natsNode(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "redress-chaos nats-node:", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.DurationVar(&o.duration, "duration", 5*time.Minute, "how long to file complaints and kill processes")
	flag.IntVar(&o.rate, "rate", 25, "filings started per second (bounded load)")
	flag.IntVar(&o.concurrency, "concurrency", 16, "filings in flight at most")
	flag.DurationVar(&o.killEvery, "kill-every", 15*time.Second, "time between two kills")
	flag.DurationVar(&o.downFor, "down-for", 3*time.Second, "how long a killed process stays down")
	flag.DurationVar(&o.drain, "drain", 5*time.Minute, "how long to wait, after the load, for every case to be routed and the outbox drained")
	flag.StringVar(&o.dir, "dir", "", "working directory (default: a new temporary directory)")
	flag.BoolVar(&o.keep, "keep", false, "keep the working directory (logs, PostgreSQL, NATS stores)")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, o)
	if rep != nil {
		rep.print(os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "redress-chaos:", err)
		os.Exit(1)
	}
	if !rep.ok() {
		fmt.Fprintln(os.Stderr, "redress-chaos: FAILED — see the counts above")
		os.Exit(1)
	}
}
