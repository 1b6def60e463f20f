package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
	"github.com/redresshq/redress/worker"
)

// A consumer that falls behind handles the events waiting for it together,
// in one transaction (issue 18: a busy consumer commits once for many
// events), and each is still handled exactly once. An event that cannot be
// handled in such a batch (here: about a case that does not exist) fails
// only itself: it is dead-lettered, and the others are handled.
func TestBusyConsumersHandleEventsInBatches(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	if _, err := events.EnsureStream(ctx, s.JS, 1); err != nil {
		t.Fatal(err)
	}
	// 30 cases filed, with an event about a case that does not exist among
	// them, all in the stream before any consumer exists.
	var filed []teststack.Filed
	for range 15 {
		filed = append(filed, s.File(teststack.ValidCase()))
	}
	ghost := uuid.New()
	var ghostEvent uuid.UUID
	if err := db.Transact(ctx, s.Core.DB, func(tx *gorm.DB) error {
		var err error
		ghostEvent, err = outbox.Add(tx, events.CaseSubmitted, ghost, events.Submitted{Reference: "RD-000-000-000",
			Kind: "concern", Rights: []string{"other"}, HarmTypes: []string{}, Language: "en", Anonymous: true})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for range 15 {
		filed = append(filed, s.File(teststack.ValidCase()))
	}
	relay := &worker.Relay{DB: s.Core.DB, JS: s.JS, Log: s.Core.Log}
	for {
		n, err := relay.RelayOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}

	// One handler per consumer: while it handles the first event, the
	// others wait for it, and it takes them together.
	r := s.Core.Worker(s.JS, "")
	r.Concurrency = 1
	wctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- r.Run(wctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	})

	ids := make([]string, len(filed))
	for i, f := range filed {
		ids[i] = f.ID
	}
	stream, err := s.JS.Stream(ctx, events.Stream)
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 60*time.Second, "every case received and routed, and the ghost event dead-lettered by the router", func() bool {
		var left, dead int
		s.Core.DB.Raw(`SELECT count(*) FROM cases WHERE id IN ? AND (received_at IS NULL OR routed_at IS NULL)`, ids).Scan(&left)
		s.Core.DB.Raw(`SELECT count(*) FROM dead_letters WHERE consumer = ? AND event_id = ?`, events.ConsumerRouter, ghostEvent.String()).Scan(&dead)
		return left == 0 && dead == 1
	})
	for _, name := range []string{events.ConsumerSubmitted} {
		cons, err := stream.Consumer(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		testenv.Eventually(t, 30*time.Second, name+" to acknowledge every event", func() bool {
			info, err := cons.Info(ctx)
			return err == nil && info.NumPending == 0 && info.NumAckPending == 0
		})
	}

	for _, name := range []string{events.ConsumerIntake, events.ConsumerRouter, events.ConsumerSystemic} {
		// Rows written by one transaction share its id (xmin).
		var rows, transactions int
		s.Core.DB.Raw(`SELECT count(*), count(DISTINCT xmin::text) FROM processed_events WHERE consumer = ?`, name).
			Row().Scan(&rows, &transactions)
		if rows != len(filed) {
			t.Errorf("%s: %d events marked processed, want %d (the ghost's not among them)", name, rows, len(filed))
		}
		t.Logf("%s: %d events in %d transactions", name, rows, transactions)
		if transactions > len(filed)/3 {
			t.Errorf("%s: %d events handled in %d transactions; want them handled in batches", name, rows, transactions)
		}
	}
	var twice int
	s.Core.DB.Raw(`SELECT count(*) FROM (SELECT case_id, action FROM audit_entries WHERE case_id IN ?
		AND action IN ('case.received', 'case.routed') GROUP BY 1, 2 HAVING count(*) > 1) d`, ids).Scan(&twice)
	if twice != 0 {
		t.Errorf("%d cases received or routed more than once", twice)
	}
	var dead []string
	s.Core.DB.Raw(`SELECT consumer FROM dead_letters WHERE event_id = ? ORDER BY consumer`, ghostEvent.String()).Scan(&dead)
	if len(dead) != 4 { // intake, router, systemic, webhooks
		t.Errorf("the ghost event dead-lettered by %v, want every consumer of case.submitted", dead)
	}
}
