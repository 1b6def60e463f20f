package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// Only the case's reviewer (or a supervisor) moves it; moves that carry more
// than a reason have their own endpoints; an appeal is decided, not rejected.
func TestTransitionsAreTheHoldersAndOnlyPlainMoves(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita, rui, sam := s.Reviewer(), s.Login("reviewer2@example.org"), s.Login("supervisor@example.org")
	f := claimed(t, s, teststack.ValidCase(), rita)
	path := "/api/v1/cases/" + f.ID + "/transitions"
	reject := map[string]string{"to": "rejected", "reason": "Not about an AI system."}
	// A case someone holds does not exist for another reviewer (need to know).
	if r := s.Do(req{Method: "POST", Path: path, Token: rui, Body: reject}); r.Status != 404 || r.JSON(t)["code"] != "case_not_found" {
		t.Errorf("another reviewer rejects the case: %d %s", r.Status, r.Body)
	}
	staff := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.ID, Token: rita}).JSON(t)
	for _, m := range staff["allowed_transitions"].([]any) {
		if m == "decided" || m == "pending_approval" || m == "closed" || m == "remedy_in_progress" {
			t.Errorf("allowed_transitions offers %v, which /transitions refuses", m)
		}
	}
	// Decided: remedy_in_progress comes with an offer, not a bare move.
	s.RecordAIDecision(rita, f.ID)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/decision", Token: rita, Body: teststack.Decision("decision_confirmed")}); r.Status != 200 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path, Token: rita, Body: map[string]string{"to": "remedy_in_progress", "reason": "Paying."}}); r.Status != 422 ||
		!strings.Contains(string(r.Body), "use_remedies") {
		t.Errorf("remedy_in_progress by transition: %d %s", r.Status, r.Body)
	}
	// Under appeal, the new reviewer cannot end the appeal by rejecting it.
	me := s.ComplainantToken(f)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/appeal", Token: me,
		Body: map[string]string{"reason": "The rota data were never looked at."}}); r.Status != 201 {
		t.Fatalf("appeal: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/assign", Token: sam,
		Body: map[string]string{"user_id": userID(t, s, "reviewer2@example.org")}}); r.Status != 200 {
		t.Fatalf("assign the appeal: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path, Token: rui, Body: map[string]string{"to": "in_review", "reason": "Looking again."}}); r.Status != 200 {
		t.Fatalf("appeal in review: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path, Token: rui, Body: reject}); r.Status != 409 || r.JSON(t)["code"] != "appeal_open" {
		t.Errorf("rejecting an appeal: %d %s", r.Status, r.Body)
	}
	// The first decider cannot move it at all: recused, it does not exist for her.
	if r := s.Do(req{Method: "POST", Path: path, Token: rita, Body: map[string]string{"to": "withdrawn", "reason": "Withdrawn."}}); r.Status != 404 {
		t.Errorf("the excluded reviewer moves the appeal: %d %s", r.Status, r.Body)
	}
}

func userID(t *testing.T, s *teststack.Stack, email string) string {
	t.Helper()
	var id string
	if err := s.Core.DB.Raw(`SELECT id::text FROM users WHERE email = ?`, email).Scan(&id).Error; err != nil || id == "" {
		t.Fatalf("user %s: %v", email, err)
	}
	return id
}

// An offer the organisation gave a reason for can no longer be accepted; a
// draft is never overdue; a new bundle runs the remedy clock again; bad
// amounts and evidence ids are named.
func TestRemedyGuards(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita, sam := s.Reviewer(), s.Login("supervisor@example.org")
	f := decided(t, s, rita)
	path := "/api/v1/cases/" + f.ID
	me := s.ComplainantToken(f)

	bad := bundle(true)
	bad["components"].([]map[string]any)[1]["amount"] = true
	if r := s.Do(req{Method: "POST", Path: path + "/remedies", Token: rita, Body: bad}); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"components.amount"`) || !strings.Contains(string(r.Body), "wrong_type") {
		t.Errorf("amount true (Go's decoder names the field, not its index): %d %s", r.Status, r.Body)
	}
	ids := itemIDs(t, s.Do(req{Method: "POST", Path: path + "/remedies", Token: rita, Body: bundle(true)}))
	if r := s.Do(req{Method: "POST", Path: path + "/remedies/" + ids[2] + "/reason", Token: rita,
		Body: map[string]string{"reason": "The site manager has left; the apology will come from the director instead."}}); r.Status != 200 {
		t.Fatalf("reason: %d %s", r.Status, r.Body)
	}
	// The complainant has seen the offer: its withdrawal holds once a second
	// person approves it (issue 16).
	if r := s.Do(req{Method: "POST", Path: path + "/remedies/" + ids[2] + "/withdrawal/approve", Token: sam,
		Body: map[string]any{"approve": true}}); r.Status != 200 {
		t.Fatalf("approve the withdrawal: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/remedies/" + ids[2] + "/response", Token: me,
		Body: map[string]any{"accept": true}}); r.Status != 409 || r.JSON(t)["code"] != "offer_withdrawn" {
		t.Errorf("accepting a reasoned offer: %d %s", r.Status, r.Body)
	}
	view := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	for _, c := range components(t, view) {
		if c["id"] == ids[2] && c["settled"] != true {
			t.Errorf("reasoned component not settled: %v", c)
		}
	}
	for _, id := range ids[:2] {
		if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/remedies/" + id + "/response", Token: me,
			Body: map[string]any{"accept": true}}); r.Status != 200 {
			t.Fatalf("accept: %d %s", r.Status, r.Body)
		}
	}
	if r := s.Do(req{Method: "POST", Path: path + "/remedies/" + ids[0] + "/status", Token: rita,
		Body: map[string]any{"status": "implemented", "evidence": map[string]any{"note": "Rota restored.", "evidence_ids": []string{"rota.csv"}}}}); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"evidence.evidence_ids[0]"`) {
		t.Errorf("evidence id that is no UUID: %d %s", r.Status, r.Body)
	}
	for _, id := range ids[:2] {
		for _, step := range []struct{ status, tok string }{{"implemented", rita}, {"verified", sam}} {
			if r := s.Do(req{Method: "POST", Path: path + "/remedies/" + id + "/status", Token: step.tok,
				Body: map[string]any{"status": step.status, "evidence": map[string]any{"note": "Payroll run of 30 November."}}}); r.Status != 200 {
				t.Fatalf("%s: %d %s", step.status, r.Status, r.Body)
			}
		}
	}
	if d := dueDate(s.Do(req{Method: "GET", Path: path, Token: rita}).JSON(t), "remedy"); d == nil || d["satisfied_at"] == nil {
		t.Fatalf("remedy clock after everything settled: %v", d)
	}
	// A further bundle, only proposed: the remedy clock runs again, and the
	// draft, though past its date, is never overdue.
	more := itemIDs(t, s.Do(req{Method: "POST", Path: path + "/remedies", Token: rita, Body: bundle(false)}))
	if d := dueDate(s.Do(req{Method: "GET", Path: path, Token: rita}).JSON(t), "remedy"); d == nil || d["satisfied_at"] != nil {
		t.Errorf("remedy clock after a new bundle: %v", d)
	}
	s.Core.DB.Exec(`UPDATE remedy_components SET due_at = now() - interval '1 day' WHERE id IN ?`, more)
	if n, err := s.Core.Remedy.SweepOverdueRemedies(context.Background(), 100); err != nil || n != 0 {
		t.Errorf("drafts marked overdue: %d %v", n, err)
	}
}

// Reasons on a systemic issue's guarantee let its linked cases close.
func TestSystemicRemedyReasonLetsLinkedCasesClose(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita, sam := s.Reviewer(), s.Login("supervisor@example.org")
	body := aboutSystem(t, s, "hiring-screener")
	f := claimed(t, s, body, rita)
	r := s.Do(req{Method: "POST", Path: "/api/v1/systemic-issues", Token: rita, Body: map[string]any{
		"ai_system_id": body["ai_system_id"], "mechanism": "biased_output", "title": "Foreign degrees scored as none",
		"case_ids": []string{f.ID}}})
	if r.Status != 201 {
		t.Fatalf("issue: %d %s", r.Status, r.Body)
	}
	issue := r.JSON(t)["id"].(string)
	due := time.Now().AddDate(0, 2, 0).UTC().Format(time.DateOnly)
	gid := itemIDs(t, s.Do(req{Method: "POST", Path: "/api/v1/systemic-issues/" + issue + "/remedies", Token: sam,
		Body: map[string]any{"offer": true, "components": []map[string]any{{"form": "non_repetition", "subtype": "retrained",
			"responsible": "provider", "due_at": due, "description": "Retrain the screener on mapped foreign degrees."}}}}))[0]
	s.RecordAIDecision(rita, f.ID)
	// Confirmed: an overturned decision would also owe restitution (issue 16).
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/decision", Token: rita, Body: teststack.Decision("decision_confirmed")}); r.Status != 200 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	closeBody := map[string]string{"root_cause": "model", "reason": "Decision confirmed for this person."}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/close", Token: rita, Body: closeBody}); r.Status != 409 {
		t.Fatalf("close with the guarantee open: %d %s", r.Status, r.Body)
	}
	reason := "/api/v1/systemic-issues/" + issue + "/remedies/" + gid + "/reason"
	if r := s.Do(req{Method: "POST", Path: reason, Token: rita,
		Body: map[string]string{"reason": "The provider withdrew the screener from the market."}}); r.Status != 403 {
		t.Errorf("a reviewer records a systemic reason: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: reason, Token: sam,
		Body: map[string]string{"reason": "The provider withdrew the screener from the market."}}); r.Status != 200 {
		t.Fatalf("systemic reason: %d %s", r.Status, r.Body)
	}
	// The guarantee was offered: the reason is a withdrawal waiting for a
	// second person (issue 16), approved here by an admin.
	if r := s.Do(req{Method: "POST", Path: "/api/v1/systemic-issues/" + issue + "/remedies/" + gid + "/withdrawal/approve",
		Token: s.Login("admin@example.org"), Body: map[string]any{"approve": true}}); r.Status != 200 {
		t.Fatalf("approve the withdrawal: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/close", Token: rita, Body: closeBody}); r.Status != 200 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	var entries int
	s.Core.DB.Raw(`SELECT count(*) FROM audit_entries WHERE case_id = ? AND action = 'remedy.withdrawn'`, f.ID).Scan(&entries)
	if entries != 1 {
		t.Errorf("reason entries on the linked case: %d", entries)
	}
}

// An appeal reopens a closed case (its closing date and root cause go), and
// an appeal of a case never routed still reaches a reviewer.
func TestAppealOfClosedAndOfUnroutedCases(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	// Confirmed, so nothing is owed (an overturned decision owes restitution: issue 16).
	f := claimed(t, s, teststack.ValidCase(), rita)
	s.RecordAIDecision(rita, f.ID)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/decision", Token: rita,
		Body: teststack.Decision("decision_confirmed")}); r.Status != 200 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/close", Token: rita,
		Body: map[string]string{"root_cause": "none", "reason": "Decision confirmed; nothing to put right."}}); r.Status != 200 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/appeal", Token: s.ComplainantToken(f),
		Body: map[string]string{"reason": "Nobody looked at my sick note."}}); r.Status != 201 {
		t.Fatalf("appeal a closed case: %d %s", r.Status, r.Body)
	}
	// Rita decided it: recused from the appeal, she no longer sees it.
	staff := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.ID, Token: s.Login("supervisor@example.org")}).JSON(t)
	if staff["status"] != "appealed" || staff["closed_at"] != nil || staff["root_cause"] != nil {
		t.Errorf("appealed closed case: status %v closed_at %v root_cause %v", staff["status"], staff["closed_at"], staff["root_cause"])
	}

	// Rejected before any routing: no queue.
	g := s.File(teststack.ValidCase())
	sam := s.Login("supervisor@example.org")
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + g.ID + "/transitions", Token: sam,
		Body: map[string]string{"to": "rejected", "reason": "Not about an AI system."}}); r.Status != 200 {
		t.Fatalf("reject: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/appeal", Token: s.ComplainantToken(g),
		Body: map[string]string{"reason": "The scheduler is an AI system; it says so in the contract."}}); r.Status != 201 {
		t.Fatalf("appeal a rejection: %d %s", r.Status, r.Body)
	}
	if n, err := s.Core.Review.AutoAssign(context.Background(), 1, uuid.MustParse(g.ID)); err != nil || n != 1 {
		t.Fatalf("assigning the appeal of an unrouted case: %d %v", n, err)
	}
	var assignee, supervisor string
	s.Core.DB.Raw(`SELECT coalesce(assignee_id::text, '') FROM cases WHERE id = ?`, g.ID).Scan(&assignee)
	supervisor = userID(t, s, "supervisor@example.org")
	if assignee == "" || assignee == supervisor {
		t.Errorf("the appeal went to %q (the supervisor who rejected it is %s)", assignee, supervisor)
	}
}
