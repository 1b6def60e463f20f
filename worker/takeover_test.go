package worker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The submitted consumer took over from three consumers (intake, router,
// systemic-alerts). Created where they exist, it starts where the earliest
// of them had got to — no event between them is missed, none before is
// handled again — and deletes them.
func TestSubmittedConsumerTakesOverFromTheConsumersItReplaced(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	stream, err := events.EnsureStream(ctx, s.JS, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Three events, not envelopes: whichever consumer gets one dead-letters it.
	for _, id := range []string{"old-1", "old-2", "new-3"} {
		if _, err := s.JS.Publish(ctx, events.CaseSubmitted, []byte("not an envelope"), jetstream.WithMsgID(id)); err != nil {
			t.Fatal(err)
		}
	}
	// The retired consumers as an older worker left them: intake had acknowledged
	// all three, router and systemic-alerts the first two.
	for name, acked := range map[string]int{events.ConsumerIntake: 3, events.ConsumerRouter: 2, events.ConsumerSystemic: 2} {
		cons, err := stream.CreateOrUpdateConsumer(ctx, events.ConsumerConfig(name, events.CaseSubmitted))
		if err != nil {
			t.Fatal(err)
		}
		batch, err := cons.Fetch(acked, jetstream.FetchMaxWait(5*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for m := range batch.Messages() {
			if err := m.DoubleAck(ctx); err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != acked {
			t.Fatalf("%s: %d messages acknowledged, want %d", name, n, acked)
		}
	}

	stages := []string{events.ConsumerIntake, events.ConsumerRouter, events.ConsumerSystemic}
	s.StartWorker()
	testenv.Eventually(t, 30*time.Second, "the third event dead-lettered by each stage", func() bool {
		var n int
		s.Core.DB.Raw(`SELECT count(*) FROM dead_letters WHERE event_id = 'new-3' AND consumer IN ?`, stages).Scan(&n)
		return n == 3
	})
	cons, err := stream.Consumer(ctx, events.ConsumerSubmitted)
	if err != nil {
		t.Fatal(err)
	}
	if cfg := cons.CachedInfo().Config; cfg.DeliverPolicy != jetstream.DeliverByStartSequencePolicy || cfg.OptStartSeq != 3 {
		t.Errorf("the submitted consumer delivers by %v from %d, want by start sequence from 3", cfg.DeliverPolicy, cfg.OptStartSeq)
	}
	for _, name := range stages {
		if _, err := stream.Consumer(ctx, name); !errors.Is(err, jetstream.ErrConsumerNotFound) {
			t.Errorf("the retired consumer %s: %v, want deleted", name, err)
		}
	}
	var rows []struct{ Consumer, EventID string }
	s.Core.DB.Raw(`SELECT consumer, event_id FROM dead_letters WHERE consumer IN ? ORDER BY consumer`, stages).Scan(&rows)
	if len(rows) != 3 || rows[0].EventID != "new-3" || rows[1].EventID != "new-3" || rows[2].EventID != "new-3" {
		t.Errorf("dead letters of the stages %+v: want the third event once each, the first two never", rows)
	}
}
