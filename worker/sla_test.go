package worker_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// Two worker processes sweep the same database: every missed deadline is
// announced once, and the announcement reaches JetStream.
func TestTwoWorkersSweepEachBreachOnce(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	s.Core.Config.SweepEvery = 50 * time.Millisecond
	const n = 12
	cases := fileMany(t, s, n)
	for _, f := range cases {
		if err := s.Core.DB.Exec(`UPDATE cases SET submitted_at = submitted_at - interval '8 days' WHERE id = ?`, f.ID).Error; err != nil {
			t.Fatal(err)
		}
		if _, err := s.Core.Clocks.Recompute(context.Background(), uuid.MustParse(f.ID)); err != nil {
			t.Fatal(err)
		}
	}
	s.StartWorker()
	s.StartWorker()
	testenv.Eventually(t, 20*time.Second, "every breach published", func() bool {
		var pending, breaches int
		s.Core.DB.Raw(`SELECT count(*) FILTER (WHERE published_at IS NULL), count(*) FILTER (WHERE subject = ?)
			FROM outbox`, events.SLABreached).Row().Scan(&pending, &breaches)
		return pending == 0 && breaches >= n
	})
	time.Sleep(300 * time.Millisecond) // a few more sweeps: nothing more may fire
	var breaches int
	s.Core.DB.Raw(`SELECT count(*) FROM outbox WHERE subject = ?`, events.SLABreached).Scan(&breaches)
	if breaches != n {
		t.Errorf("%d breach events for %d missed deadlines", breaches, n)
	}
	// In the stream, once each.
	ctx := context.Background()
	stream, err := s.JS.Stream(ctx, events.Stream)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	info, _ := stream.Info(ctx)
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq; seq++ {
		msg, err := stream.GetMsg(ctx, seq)
		if err != nil || msg.Subject != events.SLABreached {
			continue
		}
		var env events.Envelope
		if err := json.Unmarshal(msg.Data, &env); err != nil {
			t.Fatal(err)
		}
		seen[env.CaseID.String()]++
	}
	for _, f := range cases {
		if seen[f.ID] != 1 {
			t.Errorf("case %s: %d breach messages in the stream", f.Reference, seen[f.ID])
		}
	}
}
