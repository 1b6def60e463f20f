package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// caseTrace is what a write on a case leaves behind: checked unchanged
// after each refusal.
type caseTrace struct {
	Status, Assignee                            string
	Messages, Entries, ReferralMessages, Outbox int64
	GDPRDue                                     time.Time
}

func traceOf(t *testing.T, s *teststack.Stack, id string) caseTrace {
	t.Helper()
	var tr caseTrace
	db := s.Core.DB
	for _, q := range []struct {
		sql string
		dst any
	}{
		{`SELECT status FROM cases WHERE id = ?`, &tr.Status},
		{`SELECT coalesce(assignee_id::text, '') FROM cases WHERE id = ?`, &tr.Assignee},
		{`SELECT count(*) FROM messages WHERE case_id = ?`, &tr.Messages},
		{`SELECT count(*) FROM audit_entries WHERE case_id = ?`, &tr.Entries},
		{`SELECT count(*) FROM referral_messages m JOIN referrals r ON r.id = m.referral_id WHERE r.case_id = ?`, &tr.ReferralMessages},
		{`SELECT count(*) FROM outbox WHERE strpos(payload::text, ?::text) > 0`, &tr.Outbox},
		{`SELECT due_at FROM case_clocks WHERE case_id = ? AND clock = 'gdpr_reply'`, &tr.GDPRDue},
	} {
		if err := db.Raw(q.sql, id).Row().Scan(q.dst); err != nil {
			t.Fatalf("%s: %v", q.sql, err)
		}
	}
	return tr
}

// Issue 15, item 2: who may act on a case. A reviewer of the case's queue
// sees an open case nobody holds (they may take it), but every write on it
// — a message to the complainant or an internal one, an acknowledgement
// (which satisfies a clock), a statutory clock's extension, a referral or a
// message to the regulator it went to, a release — is 403 not_your_case,
// with nothing written. Its holder and a supervisor of its queue may; a
// release of a case nobody holds is 409 not_assigned; once someone holds it,
// the case does not exist for the other reviewer (404).
func TestOnlyTheHolderOrASupervisorActsOnACase(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita, rui, sam := s.Reviewer(), s.Login("reviewer2@example.org"), s.Login("supervisor@example.org")
	f := s.File(teststack.ValidCase()) // contest_decision: a GDPR request, with its clock
	if _, err := s.Core.Routing.Route(context.Background(), uuid.MustParse(f.ID)); err != nil {
		t.Fatal(err)
	}
	var queue string
	s.Core.DB.Raw(`SELECT queue_id::text FROM cases WHERE id = ?`, f.ID).Scan(&queue)
	// The complainant asks for a referral: the case has a regulator to write to.
	dpa := bodyID(t, s, "demo-dpa")
	r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: s.ComplainantToken(f),
		Body: map[string]any{"body_id": dpa, "consent_scope": "anonymous", "reason": "I want the authority to look at this."}})
	if r.Status != 201 {
		t.Fatalf("complainant's referral: %d %s", r.Status, r.Body)
	}
	rid := r.JSON(t)["id"].(string)
	path := "/api/v1/cases/" + f.ID
	if r := s.Do(req{Method: "GET", Path: path, Token: rui}); r.Status != 200 {
		t.Fatalf("the queue's other reviewer does not see the open case nobody holds: %d %s", r.Status, r.Body)
	}

	writes := []struct {
		name, path string
		body       any
		ok         int
	}{
		{"message to the complainant", "/messages", map[string]string{"visibility": "complainant", "body": "We have your complaint."}, 201},
		{"internal message", "/messages", map[string]string{"visibility": "internal", "body": "Looks like the rota model again."}, 201},
		{"acknowledge", "/acknowledge", nil, 200},
		{"clock extension", "/clocks/gdpr_reply/extension", map[string]string{"reasons": "We must consult the system's provider about the inputs it used."}, 200},
		{"message to the regulator", "/referrals/" + rid + "/messages", map[string]string{"body": "The case file follows."}, 201},
		{"referral", "/escalations", map[string]any{"body_id": bodyID(t, s, "demo-ombudsman"), "consent_scope": "anonymous", "reason": "The ombudsman should look at this."}, 201},
		{"move", "/transitions", map[string]string{"to": "in_review", "reason": "Looking at it."}, 200},
		{"triage", "/triage", map[string]any{"scale": 2, "scale_rationale": "Wages lost."}, 200},
	}
	// The other reviewer of the queue: refused, nothing written.
	before := traceOf(t, s, f.ID)
	for _, w := range append(writes[:len(writes):len(writes)], struct {
		name, path string
		body       any
		ok         int
	}{"release", "/release", nil, 200}) {
		r := s.Do(req{Method: "POST", Path: path + w.path, Token: rui, Body: w.body})
		if r.Status != 403 || r.JSON(t)["code"] != "not_your_case" {
			t.Errorf("%s by a reviewer who does not hold the case: %d %s", w.name, r.Status, r.Body)
		}
	}
	if after := traceOf(t, s, f.ID); after != before {
		t.Errorf("refused writes changed the case: %+v → %+v", before, after)
	}
	// A supervisor of the queue cannot release what nobody holds.
	if r := s.Do(req{Method: "POST", Path: path + "/release", Token: sam}); r.Status != 409 || r.JSON(t)["code"] != "not_assigned" {
		t.Errorf("release of a case nobody holds: %d %s", r.Status, r.Body)
	}

	// Rita takes it: she may act on it, and Rui no longer sees it.
	if r := s.Do(req{Method: "POST", Path: "/api/v1/queues/" + queue + "/claim", Token: rita}); r.Status != 200 || r.JSON(t)["id"] != f.ID {
		t.Fatalf("claim: %d %s", r.Status, r.Body)
	}
	for _, w := range writes[:5] {
		if r := s.Do(req{Method: "POST", Path: path + w.path, Token: rita, Body: w.body}); r.Status != w.ok {
			t.Errorf("%s by the holder: %d %s", w.name, r.Status, r.Body)
		}
	}
	before = traceOf(t, s, f.ID)
	for _, w := range writes {
		if r := s.Do(req{Method: "POST", Path: path + w.path, Token: rui, Body: w.body}); r.Status != 404 {
			t.Errorf("%s by another reviewer on a held case: %d %s", w.name, r.Status, r.Body)
		}
	}
	if r := s.Do(req{Method: "POST", Path: path + "/release", Token: rui}); r.Status != 404 {
		t.Errorf("release by another reviewer: %d %s", r.Status, r.Body)
	}
	if after := traceOf(t, s, f.ID); after != before {
		t.Errorf("refused writes changed the held case: %+v → %+v", before, after)
	}
	// A supervisor of its queue may act on a case Rita holds, and release it.
	for _, w := range []int{0, 1, 4} {
		if r := s.Do(req{Method: "POST", Path: path + writes[w].path, Token: sam, Body: writes[w].body}); r.Status != writes[w].ok {
			t.Errorf("%s by a supervisor of the queue: %d %s", writes[w].name, r.Status, r.Body)
		}
	}
	if r := s.Do(req{Method: "POST", Path: path + "/release", Token: sam}); r.Status != 200 || r.JSON(t)["assignee_id"] != nil {
		t.Errorf("release by a supervisor: %d %s", r.Status, r.Body)
	}
}
