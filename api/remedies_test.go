package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/remedy"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// decided files a case, has Rita claim and decide it, and returns it.
func decided(t *testing.T, s *teststack.Stack, rita string) teststack.Filed {
	t.Helper()
	f := claimed(t, s, teststack.ValidCase(), rita)
	s.RecordAIDecision(rita, f.ID)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/decision", Token: rita,
		Body: teststack.Decision("decision_overturned")}); r.Status != 200 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	return f
}

func itemIDs(t *testing.T, r *teststack.Response) []string {
	t.Helper()
	var ids []string
	for _, c := range r.JSON(t)["items"].([]any) {
		ids = append(ids, c.(map[string]any)["id"].(string))
	}
	return ids
}

// Remedy moves the organisation may not make, each with a clear 4xx and
// nothing written; a declined offer closes only with a recorded reason.
func TestRemedyRefusedMovesAndReasons(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita, rui, sam := s.Reviewer(), s.Login("reviewer2@example.org"), s.Login("supervisor@example.org")

	// Not before a decision.
	early := claimed(t, s, teststack.ValidCase(), rita)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + early.ID + "/remedies", Token: rita, Body: bundle(false)}); r.Status != 409 ||
		r.JSON(t)["code"] != "not_decided" {
		t.Errorf("remedies before a decision: %d %s", r.Status, r.Body)
	}

	f := decided(t, s, rita)
	path := "/api/v1/cases/" + f.ID
	me := s.ComplainantToken(f)
	// Only the case's reviewer or a supervisor (another reviewer does not
	// even see a case someone holds: need to know).
	if r := s.Do(req{Method: "POST", Path: path + "/remedies", Token: rui, Body: bundle(false)}); r.Status != 404 {
		t.Errorf("another reviewer proposes: %d %s", r.Status, r.Body)
	}
	// Every field at fault is named.
	bad := map[string]any{"components": []map[string]any{{"form": "compensation", "subtype": "financial_loss",
		"description": "Money.", "responsible": "other", "amount": "12.345", "currency": "EURO", "due_at": "yesterday"}}}
	r := s.Do(req{Method: "POST", Path: path + "/remedies", Token: rita, Body: bad})
	for _, want := range []string{"components[0].description", "components[0].responsible_name", "components[0].amount",
		"components[0].currency", "components[0].due_at"} {
		if r.Status != 422 || !strings.Contains(string(r.Body), `"`+want+`"`) {
			t.Errorf("bad bundle does not name %s: %d %s", want, r.Status, r.Body)
		}
	}
	if r := s.Do(req{Method: "POST", Path: path + "/remedies", Token: rita,
		Body: map[string]any{"components": []any{}, "extra": 1}}); r.Status != 400 && r.Status != 422 {
		t.Errorf("unknown field: %d %s", r.Status, r.Body)
	}
	var n int
	s.Core.DB.Raw(`SELECT count(*) FROM remedy_bundles`).Scan(&n)
	if n != 0 {
		t.Fatal("a refused bundle was written")
	}

	// Proposed, not yet offered: the complainant sees nothing and cannot answer.
	r = s.Do(req{Method: "POST", Path: path + "/remedies", Token: rita, Body: bundle(false)})
	if r.Status != 201 {
		t.Fatalf("propose: %d %s", r.Status, r.Body)
	}
	ids := itemIDs(t, r)
	if got := components(t, s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)); len(got) != 0 {
		t.Errorf("the complainant sees proposed remedies: %v", got)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/remedies/" + ids[0] + "/response", Token: me,
		Body: map[string]any{"accept": true}}); r.Status != 404 {
		t.Errorf("answering a proposal: %d %s", r.Status, r.Body)
	}
	var status string
	s.Core.DB.Raw(`SELECT status FROM cases WHERE id = ?`, f.ID).Scan(&status)
	if status != "decided" {
		t.Errorf("proposing moved the case to %s", status)
	}
	// Verify a proposal: illegal.
	if r := s.Do(req{Method: "POST", Path: path + "/remedies/" + ids[0] + "/status", Token: sam,
		Body: map[string]any{"status": "verified", "evidence": map[string]any{"note": "Looks fine to me."}}}); r.Status != 409 ||
		r.JSON(t)["code"] != "illegal_remedy_move" {
		t.Errorf("verify a proposal: %d %s", r.Status, r.Body)
	}
	// Evidence must be attached to the case.
	if r := s.Do(req{Method: "POST", Path: path + "/remedies/" + ids[0] + "/status", Token: rita,
		Body: map[string]any{"status": "offered", "evidence": map[string]any{"note": "not needed here"}}}); r.Status != 422 {
		t.Errorf("evidence with an offer: %d %s", r.Status, r.Body)
	}
	for _, id := range ids {
		if r := s.Do(req{Method: "POST", Path: path + "/remedies/" + id + "/status", Token: rita,
			Body: map[string]any{"status": "offered"}}); r.Status != 200 {
			t.Fatalf("offer: %d %s", r.Status, r.Body)
		}
	}
	s.Core.DB.Raw(`SELECT status FROM cases WHERE id = ?`, f.ID).Scan(&status)
	if status != "remedy_in_progress" {
		t.Errorf("offering left the case %s", status)
	}
	// The move is the case work's one move: its entry in the case record names
	// where it came from and the components, and the event tells the others.
	var moved []string
	s.Core.DB.Raw(`SELECT data::text FROM audit_entries WHERE case_id = ? AND action = 'case.remedy_in_progress'`, f.ID).
		Scan(&moved)
	var entry struct {
		From         string   `json:"from"`
		ComponentIDs []string `json:"component_ids"`
	}
	if len(moved) == 1 {
		_ = json.Unmarshal([]byte(moved[0]), &entry)
	}
	if len(moved) != 1 || entry.From != "decided" || len(entry.ComponentIDs) != 1 || entry.ComponentIDs[0] != ids[0] {
		t.Errorf("the move's record entries: %v", moved)
	}
	var told int64
	s.Core.DB.Raw(`SELECT count(*) FROM outbox WHERE subject = ? AND payload->>'case_id' = ? AND payload->'data'->>'to' = 'remedy_in_progress'`,
		events.CaseStatusChanged, f.ID).Scan(&told)
	if told != 1 {
		t.Errorf("case.status_changed events for the move: %d", told)
	}
	// The complainant accepts two and declines the apology.
	for i, id := range ids {
		r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/remedies/" + id + "/response", Token: me,
			Body: map[string]any{"accept": i < 2, "comment": "A letter will not give me my shifts back."}})
		if r.Status != 200 {
			t.Fatalf("answer %d: %d %s", i, r.Status, r.Body)
		}
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/remedies/" + ids[0] + "/response", Token: me,
		Body: map[string]any{"comment": "no answer"}}); r.Status != 422 {
		t.Errorf("answer without accept: %d %s", r.Status, r.Body)
	}
	// Another complainant cannot answer this case's offers.
	other := s.File(teststack.ValidCase())
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/remedies/" + ids[0] + "/response",
		Token: s.ComplainantToken(other), Body: map[string]any{"accept": false}}); r.Status != 404 {
		t.Errorf("someone else's offer: %d %s", r.Status, r.Body)
	}
	// A declined component cannot be implemented.
	if r := s.Do(req{Method: "POST", Path: path + "/remedies/" + ids[2] + "/status", Token: rita,
		Body: map[string]any{"status": "implemented", "evidence": map[string]any{"note": "Sent the letter anyway."}}}); r.Status != 409 {
		t.Errorf("implement a declined offer: %d %s", r.Status, r.Body)
	}
	for _, id := range ids[:2] {
		for _, step := range []struct{ status, tok string }{{"implemented", rita}, {"verified", sam}} {
			if r := s.Do(req{Method: "POST", Path: path + "/remedies/" + id + "/status", Token: step.tok,
				Body: map[string]any{"status": step.status, "evidence": map[string]any{"note": "Payroll run of 30 November."}}}); r.Status != 200 {
				t.Fatalf("%s: %d %s", step.status, r.Status, r.Body)
			}
		}
	}
	// The declined apology blocks closure until a reason is recorded.
	r = s.Do(req{Method: "POST", Path: path + "/close", Token: rita,
		Body: map[string]string{"root_cause": "data", "reason": "Shifts restored and wages paid."}})
	if r.Status != 409 || !strings.Contains(string(r.Body), "remedies["+ids[2]+"]") {
		t.Fatalf("close with a declined, unreasoned component: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/remedies/" + ids[2] + "/reason", Token: rita,
		Body: map[string]string{"reason": "ok"}}); r.Status != 422 {
		t.Errorf("short reason: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/remedies/" + ids[2] + "/reason", Token: rita,
		Body: map[string]string{"reason": "The complainant declined the apology; no other satisfaction was asked for."}}); r.Status != 200 {
		t.Fatalf("reason: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/remedies/" + ids[0] + "/reason", Token: rita,
		Body: map[string]string{"reason": "Already verified, so this is refused."}}); r.Status != 409 {
		t.Errorf("reason on a verified component: %d %s", r.Status, r.Body)
	}
	view := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	if c := components(t, view)[2]; c["status"] != "declined" || c["settled"] != true || !strings.Contains(c["reason"].(string), "declined") {
		t.Errorf("declined component in the view: %v", c)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/close", Token: rita,
		Body: map[string]string{"root_cause": "data", "reason": "Shifts restored and wages paid."}}); r.Status != 200 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	// A closed case takes no more remedy moves.
	if r := s.Do(req{Method: "POST", Path: path + "/remedies", Token: rita, Body: bundle(true)}); r.Status != 409 {
		t.Errorf("remedies on a closed case: %d %s", r.Status, r.Body)
	}
	// Feedback before a decision is too early.
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/feedback", Token: s.ComplainantToken(early),
		Body: map[string]any{"satisfaction": 3}}); r.Status != 409 || r.JSON(t)["code"] != "too_early" {
		t.Errorf("early feedback: %d %s", r.Status, r.Body)
	}
}

// Go's component moves and the remedy_transitions table the trigger enforces
// are the same, and the trigger refuses an illegal move by anyone.
func TestRemedyTransitionsMatchDatabase(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	var rows []struct{ FromStatus, ToStatus remedy.Status }
	if err := s.Core.DB.Raw(`SELECT from_status, to_status FROM remedy_transitions`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, tos := range remedy.Transitions {
		n += len(tos)
	}
	if n != len(rows) {
		t.Errorf("Go lists %d moves, the database %d", n, len(rows))
	}
	for _, r := range rows {
		if !remedy.CanMove(remedy.NonRepetition, r.FromStatus, r.ToStatus) {
			t.Errorf("database allows %s → %s, Go does not", r.FromStatus, r.ToStatus)
		}
	}
	rita := s.Reviewer()
	f := decided(t, s, rita)
	ids := itemIDs(t, s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/remedies", Token: rita, Body: bundle(true)}))
	// Straight to verified, behind the API's back: the database refuses.
	err := s.Core.DB.Exec(`UPDATE remedy_components SET status = 'verified' WHERE id = ?`, ids[0]).Error
	if err == nil || !strings.Contains(err.Error(), "illegal remedy status transition") {
		t.Errorf("database allowed offered → verified: %v", err)
	}
	// Implemented without acceptance, for anything but non-repetition: refused too.
	err = s.Core.DB.Exec(`UPDATE remedy_components SET status = 'implemented' WHERE id = ?`, ids[1]).Error
	if err == nil {
		t.Error("database allowed a compensation to be implemented without acceptance")
	}
}

// A component's own clock: once its due date passes unsettled, the sweeper
// marks it overdue once, in the case record and as an event.
func TestOverdueRemedyIsMarkedOnce(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	f := decided(t, s, rita)
	ids := itemIDs(t, s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/remedies", Token: rita, Body: bundle(true)}))
	s.Core.DB.Exec(`UPDATE remedy_components SET due_at = now() - interval '1 hour' WHERE id = ?`, ids[1])
	ctx := context.Background()
	total := 0
	errs := make(chan error, 4)
	counts := make(chan int, 4)
	for range 4 { // four sweepers at once
		go func() {
			n, err := s.Core.Remedy.SweepOverdueRemedies(ctx, 100)
			counts <- n
			errs <- err
		}()
	}
	for range 4 {
		total += <-counts
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if total != 1 {
		t.Fatalf("overdue marked %d times", total)
	}
	var events, entries int
	s.Core.DB.Raw(`SELECT count(*) FROM outbox WHERE subject = 'redress.remedy.overdue' AND payload->>'case_id' = ?`, f.ID).Scan(&events)
	s.Core.DB.Raw(`SELECT count(*) FROM audit_entries WHERE case_id = ? AND action = 'remedy.overdue'`, f.ID).Scan(&entries)
	if events != 1 || entries != 1 {
		t.Errorf("overdue events %d, entries %d", events, entries)
	}
	view := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: s.ComplainantToken(f)}).JSON(t)
	if c := components(t, view)[1]; c["overdue_at"] == nil {
		t.Errorf("the complainant does not see the missed date: %v", c)
	}
	if n, err := s.Core.Remedy.SweepOverdueRemedies(ctx, 100); err != nil || n != 0 {
		t.Errorf("second sweep: %d %v", n, err)
	}
}

// A guarantee of non-repetition on a systemic issue applies to every linked
// case: each sees it, each record has its moves, and each closes only once
// it is verified — cases linked later included.
func TestSystemicRemedyAppliesToEveryLinkedCase(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita, sam := s.Reviewer(), s.Login("supervisor@example.org")
	ada := s.Login("admin@example.org")
	body := aboutSystem(t, s, "hiring-screener")
	first, second := claimed(t, s, body, rita), s.File(body)
	r := s.Do(req{Method: "POST", Path: "/api/v1/systemic-issues", Token: rita, Body: map[string]any{
		"ai_system_id": body["ai_system_id"], "mechanism": "biased_output", "title": "Degrees from abroad scored as none",
		"case_ids": []string{first.ID}}})
	if r.Status != 201 {
		t.Fatalf("issue: %d %s", r.Status, r.Body)
	}
	issue := r.JSON(t)["id"].(string)
	path := "/api/v1/systemic-issues/" + issue + "/remedies"
	due := time.Now().AddDate(0, 2, 0).UTC().Format(time.DateOnly)
	guarantee := map[string]any{"offer": true, "components": []map[string]any{{"form": "non_repetition",
		"subtype": "retrained", "responsible": "provider", "due_at": due,
		"description": "Retrain the screener with foreign degrees mapped to their national equivalents."}}}
	// Only guarantees of non-repetition, and only by a supervisor.
	if r := s.Do(req{Method: "POST", Path: path, Token: sam, Body: bundle(true)}); r.Status != 422 ||
		!strings.Contains(string(r.Body), "not_allowed_here") {
		t.Errorf("compensation on a systemic issue: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path, Token: rita, Body: guarantee}); r.Status != 403 {
		t.Errorf("a reviewer gives a systemic guarantee: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "POST", Path: path, Token: sam, Body: guarantee})
	if r.Status != 201 {
		t.Fatalf("guarantee: %d %s", r.Status, r.Body)
	}
	gid := itemIDs(t, r)[0]
	// A case linked later is covered too.
	if r := s.Do(req{Method: "POST", Path: "/api/v1/systemic-issues/" + issue + "/cases", Token: rita,
		Body: map[string]any{"case_ids": []string{second.ID}}}); r.Status != 200 {
		t.Fatalf("link: %d %s", r.Status, r.Body)
	}
	for _, f := range []teststack.Filed{first, second} {
		got := components(t, s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: s.ComplainantToken(f)}).JSON(t))
		if len(got) != 1 || got[0]["id"] != gid || got[0]["systemic_issue_id"] != issue {
			t.Errorf("case %s does not see the guarantee: %v", f.Reference, got)
		}
	}
	// The first case, decided, cannot close while the guarantee is unverified.
	// Confirmed: an overturned decision would also owe restitution (issue 16).
	s.RecordAIDecision(rita, first.ID)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + first.ID + "/decision", Token: rita,
		Body: teststack.Decision("decision_confirmed")}); r.Status != 200 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	closeBody := map[string]string{"root_cause": "model", "reason": "Decision confirmed; the screener is being retrained."}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + first.ID + "/close", Token: rita, Body: closeBody}); r.Status != 409 ||
		!strings.Contains(string(r.Body), gid) {
		t.Fatalf("close before the guarantee is verified: %d %s", r.Status, r.Body)
	}
	// Implemented without anyone's acceptance, verified by another person.
	status := path + "/" + gid + "/status"
	if r := s.Do(req{Method: "POST", Path: status, Token: sam,
		Body: map[string]any{"status": "implemented", "evidence": map[string]any{"note": "Model v2.4 deployed on 1 December."}}}); r.Status != 200 {
		t.Fatalf("implemented: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: status, Token: sam,
		Body: map[string]any{"status": "verified", "evidence": map[string]any{"note": "I checked it myself."}}}); r.Status != 403 {
		t.Errorf("self-verification: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: status, Token: ada,
		Body: map[string]any{"status": "verified", "evidence": map[string]any{"note": "Bias audit of v2.4 passed."}}}); r.Status != 200 {
		t.Fatalf("verified: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + first.ID + "/close", Token: rita, Body: closeBody}); r.Status != 200 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	for _, f := range []teststack.Filed{first, second} {
		var actions []string
		s.Core.DB.Raw(`SELECT action FROM audit_entries WHERE case_id = ? AND action LIKE 'remedy.%' ORDER BY seq`, f.ID).Scan(&actions)
		want := []string{"remedy.offered", "remedy.implemented", "remedy.verified"}
		if f == second { // linked after the offer
			want = want[1:]
		}
		if strings.Join(actions, " ") != strings.Join(want, " ") {
			t.Errorf("record of %s: %v, want %v", f.Reference, actions, want)
		}
	}
}
