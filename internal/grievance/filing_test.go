package grievance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// draws hands out the references queued, then fresh ones.
type draws struct {
	mu     sync.Mutex
	queued []string
}

func (d *draws) next() (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.queued) == 0 {
		return auth.NewReference()
	}
	r := d.queued[0]
	d.queued = d.queued[1:]
	return r, nil
}

func (d *draws) queue(refs ...string) {
	d.mu.Lock()
	d.queued = append(d.queued, refs...)
	d.mu.Unlock()
}

func intake(t *testing.T, body map[string]any) *grievance.IntakeRequest {
	t.Helper()
	raw, _ := json.Marshal(body)
	var in grievance.IntakeRequest
	if err := json.Unmarshal(raw, &in); err != nil {
		t.Fatal(err)
	}
	return &in
}

// A filing is written in one round trip (db.Write), its statements one
// transaction; a reference is random, one in 10^8, so with millions of
// cases a filing draws a taken one now and then. It then files the case
// again under a new one, and nothing of the first try remains: no case, key,
// classification, clocks, record entry, event or idempotency key. The same
// holds for a filing with files (a transaction) and for the retaliation case
// a check-in opens (inside the check-in's transaction, under a savepoint).
func TestATakenReferenceIsDrawnAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := teststack.New(t, teststack.Options{})
	taken := s.File(teststack.NamedCase()).Reference
	d := &draws{}
	grievance.DrawReferencesWith(s.Core.Grievance, d.next)
	count := func(query string, args ...any) int {
		t.Helper()
		var n int
		if err := s.Core.DB.Raw(query, args...).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Every table a filing writes holds as many rows of its kind as there are cases.
	consistent := func(what string) {
		t.Helper()
		cases := count(`SELECT count(*) FROM cases`)
		for _, q := range []string{
			`SELECT count(*) FROM keystore.case_keys`,
			`SELECT count(*) FROM case_classifications`,
			`SELECT count(DISTINCT case_id) FROM case_clocks`,
			`SELECT count(*) FROM audit_entries WHERE action = 'case.submitted'`,
			`SELECT count(*) FROM outbox WHERE subject = 'redress.case.submitted'`,
		} {
			if n := count(q); n != cases {
				t.Errorf("%s: %s gives %d for %d cases", what, q, n, cases)
			}
		}
		if n := count(`SELECT count(*) FROM idempotency_keys WHERE case_id IS NULL OR case_id NOT IN (SELECT id FROM cases)`); n != 0 {
			t.Errorf("%s: %d idempotency keys without their case", what, n)
		}
	}

	d.queue(taken, taken)
	rec, err := s.Core.Grievance.Submit(ctx, intake(t, teststack.ValidCase()), "")
	if err != nil || rec.Reference == taken || count(`SELECT count(*) FROM cases WHERE reference = ?`, rec.Reference) != 1 {
		t.Fatalf("a filing that drew a taken reference twice: %+v %v", rec, err)
	}
	consistent("unkeyed")

	// Under an idempotency key: filed once, under the new reference, and a
	// retry answers that receipt; other answers under the key are refused.
	d.queue(taken)
	keyed, err := s.Core.Grievance.Submit(ctx, intake(t, teststack.NamedCase()), "collide-1")
	if err != nil || keyed.Reference == taken || keyed.Replayed {
		t.Fatalf("a keyed filing that drew a taken reference: %+v %v", keyed, err)
	}
	again, err := s.Core.Grievance.Submit(ctx, intake(t, teststack.NamedCase()), "collide-1")
	if err != nil || !again.Replayed || again.Reference != keyed.Reference || again.Receipt != keyed.Receipt {
		t.Fatalf("the retry: %+v %v, want the receipt of %+v", again, err, keyed)
	}
	other := teststack.NamedCase()
	other["description"] = "Something else entirely happened to me, and the scheduler cut my hours."
	if _, err := s.Core.Grievance.Submit(ctx, intake(t, other), "collide-1"); !fault.Is(err, fault.Conflict) {
		t.Fatalf("another request under the key: %v", err)
	}
	consistent("keyed")

	// With a file: one transaction, tried again whole.
	file, err := evidence.Read(bytes.NewReader([]byte("%PDF-1.4\n% the payslip\n")))
	if err != nil {
		t.Fatal(err)
	}
	d.queue(taken)
	withFile, err := s.Core.Grievance.SubmitWithEvidence(ctx, intake(t, teststack.ValidCase()), "",
		[]evidence.Input{{File: file, Filename: "payslip.pdf"}})
	if err != nil || withFile.Reference == taken {
		t.Fatalf("a filing with a file that drew a taken reference: %+v %v", withFile, err)
	}
	if n := count(`SELECT count(*) FROM evidence WHERE case_id = ?`, withFile.CaseID); n != 1 {
		t.Errorf("%d files stored with the case, want 1", n)
	}
	if n := count(`SELECT count(*) FROM evidence`); n != 1 {
		t.Errorf("%d files stored in all, want 1", n)
	}
	consistent("with a file")

	// A check-in's "yes" opens a retaliation case inside its own transaction.
	earlier := keyed.CaseID
	for _, q := range []string{
		`UPDATE cases SET status = 'escalated', acknowledged_at = now() WHERE id = ?`,
		`UPDATE cases SET status = 'closed', closed_at = now() WHERE id = ?`,
		`UPDATE case_checkins SET due_at = now(), asked_at = now() WHERE case_id = ? AND after_days = 30`,
	} {
		if err := s.Core.DB.Exec(q, earlier).Error; err != nil {
			t.Fatal(err)
		}
	}
	var checkin uuid.UUID
	if err := s.Core.DB.Raw(`SELECT id FROM case_checkins WHERE case_id = ? AND after_days = 30`, earlier).Row().Scan(&checkin); err != nil {
		t.Fatal(err)
	}
	d.queue(taken, taken, taken)
	yes := true
	answered, err := s.Core.Grievance.AnswerCheckin(ctx, earlier, checkin, grievance.CheckinAnswer{Happened: &yes,
		Text: "They moved me to night shifts after the case closed."})
	if err != nil || answered.RetaliationReference == nil || *answered.RetaliationReference == taken {
		t.Fatalf("a check-in whose retaliation case drew a taken reference: %+v %v", answered, err)
	}
	if n := count(`SELECT count(*) FROM cases WHERE kind = 'retaliation' AND related_case_id = ?`, earlier); n != 1 {
		t.Errorf("%d retaliation cases, want 1", n)
	}
	consistent("a check-in's case")
	if !strings.HasPrefix(taken, "RD-") {
		t.Errorf("reference %q", taken)
	}
}
