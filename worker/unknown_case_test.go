package worker_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/notify"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// An event about a case that does not exist is a dead letter for every
// consumer that gets it — the intake and webhook consumers included, which
// used to acknowledge it in silence — and nothing is owed to any endpoint.
// An event about a case that exists goes through as before.
func TestEventsForUnknownCasesAreDeadLetteredByEveryConsumer(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	ctx := context.Background()
	if _, err := s.Core.Notify.CreateEndpoint(ctx, "https://hooks.example.org/redress", "", nil); err != nil {
		t.Fatal(err)
	}
	ghost := uuid.New()
	var submitted, message uuid.UUID
	if err := db.Transact(ctx, s.Core.DB, func(tx *gorm.DB) error {
		var err error
		if submitted, err = outbox.Add(tx, events.CaseSubmitted, ghost, events.Submitted{Reference: "RD-000-000-000",
			Kind: "concern", Rights: []string{"other"}, HarmTypes: []string{}, Language: "en", Anonymous: true}); err != nil {
			return err
		}
		message, err = outbox.Add(tx, events.CaseMessageAdded, ghost, events.MessageAdded{MessageID: uuid.New(),
			AuthorKind: "complainant", Visibility: "complainant"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// Every consumer of case.submitted and of case.message_added.
	want := map[string]string{
		events.ConsumerIntake + " " + submitted.String():    "",
		events.ConsumerRouter + " " + submitted.String():    "",
		events.ConsumerSystemic + " " + submitted.String():  "",
		notify.ConsumerWebhooks + " " + submitted.String():  "",
		notify.ConsumerWebhooks + " " + message.String():    "",
		notify.ConsumerStaff + " " + message.String():       "",
		notify.ConsumerComplainant + " " + message.String(): "",
	}
	var rows []struct{ Consumer, EventID, Reason string }
	testenv.Eventually(t, 30*time.Second, "a dead letter from each consumer", func() bool {
		rows = nil
		s.Core.DB.Raw(`SELECT consumer, event_id, reason FROM dead_letters ORDER BY consumer, event_id`).Scan(&rows)
		return len(rows) >= len(want)
	})
	for _, r := range rows {
		k := r.Consumer + " " + r.EventID
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected dead letter %+v", r)
			continue
		}
		want[k] = r.Reason
	}
	for k, reason := range want {
		if reason != "poison message: case "+ghost.String()+" does not exist" {
			t.Errorf("%s: dead letter reason %q", k, reason)
		}
	}
	var received, owed, processed int
	s.Core.DB.Raw(`SELECT count(*) FROM webhook_deliveries`).Scan(&owed)
	s.Core.DB.Raw(`SELECT count(*) FROM processed_events WHERE event_id IN ?`, []uuid.UUID{submitted, message}).Scan(&processed)
	s.Core.DB.Raw(`SELECT count(*) FROM audit_entries WHERE case_id = ?`, ghost).Scan(&received)
	if owed != 0 || processed != 0 || received != 0 {
		t.Errorf("for a case that does not exist: %d webhook deliveries owed, %d events marked processed, %d case record entries",
			owed, processed, received)
	}

	// A real case: received, routed, and its webhook owed; no dead letter.
	f := s.File(teststack.ValidCase())
	testenv.Eventually(t, 30*time.Second, "the real case received, routed and its webhook owed", func() bool {
		var n int
		s.Core.DB.Raw(`SELECT count(*) FROM cases c WHERE c.id = ? AND c.received_at IS NOT NULL AND c.routed_at IS NOT NULL
			AND EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.subject = ? AND convert_from(d.payload, 'UTF8')::jsonb->>'case_id' = c.id::text)`,
			f.ID, events.CaseSubmitted).Scan(&n)
		return n == 1
	})
	var dead int
	s.Core.DB.Raw(`SELECT count(*) FROM dead_letters`).Scan(&dead)
	if dead != len(want) {
		t.Errorf("%d dead letters, want %d", dead, len(want))
	}
}
