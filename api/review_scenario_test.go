package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// bundle is a remedy bundle of three forms, due in a month.
func bundle(offer bool) map[string]any {
	due := time.Now().AddDate(0, 1, 0).UTC().Format(time.DateOnly)
	return map[string]any{"offer": offer, "components": []map[string]any{
		{"form": "restitution", "subtype": "decision_reversed", "responsible": "deployer", "due_at": due,
			"description": "Restore the shifts the scheduler removed, from the next rota."},
		{"form": "compensation", "subtype": "financial_loss", "responsible": "deployer", "amount": 1250.5, "currency": "EUR",
			"due_at": due, "description": "Pay the wages lost for the shifts removed since 2 November."},
		{"form": "satisfaction", "subtype": "apology", "responsible": "deployer", "due_at": due,
			"description": "A written apology from the site manager acknowledging what happened."},
	}}
}

// components returns the remedy components in a case or complainant view.
func components(t *testing.T, m map[string]any) []map[string]any {
	t.Helper()
	var out []map[string]any
	list, _ := m["remedies"].([]any)
	for _, c := range list {
		out = append(out, c.(map[string]any))
	}
	return out
}

func dueDate(m map[string]any, clock string) map[string]any {
	list, _ := m["due_dates"].([]any)
	for _, d := range list {
		if d.(map[string]any)["clock"] == clock {
			return d.(map[string]any)
		}
	}
	return nil
}

// claim claims the next case of queue for tok and expects id. Claiming skips
// a case the worker holds locked for a moment (SKIP LOCKED), so it retries.
func claim(t *testing.T, s *teststack.Stack, queue, tok, id string) {
	t.Helper()
	testenv.Eventually(t, 10*time.Second, "claim the case", func() bool {
		r := s.Do(req{Method: "POST", Path: "/api/v1/queues/" + queue + "/claim", Token: tok})
		if r.Status == 200 && r.JSON(t)["id"] != id {
			t.Fatalf("claimed another case: %s", r.Body)
		}
		return r.Status == 200
	})
}

// TestCaseFromIntakeToClosure is issue #4's first scenario, on real
// PostgreSQL and NATS with the worker running: intake, claim, a request for
// information that pauses and resumes the clock, a decision approved by a
// second person, a remedy bundle accepted, implemented and verified,
// feedback, closure — and every refused move on the way.
func TestCaseFromIntakeToClosure(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	rita, sam := s.Reviewer(), s.Login("supervisor@example.org")
	f := s.File(teststack.ValidCase())
	me := s.ComplainantToken(f)
	path := "/api/v1/cases/" + f.ID

	// The worker routes it.
	var queue string
	testenv.Eventually(t, 10*time.Second, "the worker routes the case", func() bool {
		s.Core.DB.Raw(`SELECT coalesce(queue_id::text, '') FROM cases WHERE id = ?`, f.ID).Scan(&queue)
		return queue != ""
	})
	claim(t, s, queue, rita, f.ID)
	if r := s.Do(req{Method: "POST", Path: path + "/acknowledge", Token: rita}); r.Status != 200 {
		t.Fatalf("acknowledge: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/transitions", Token: rita,
		Body: map[string]string{"to": "in_review", "reason": "Reading the rota data."}}); r.Status != 200 {
		t.Fatalf("in review: %d %s", r.Status, r.Body)
	}
	// Imminent harm makes it P1: its decision will need a second person.
	if r := s.Do(req{Method: "POST", Path: path + "/triage", Token: rita, Body: triage(2, 1, 1, "imminent")}); r.Status != 200 {
		t.Fatalf("triage: %d %s", r.Status, r.Body)
	}

	// Request for information: the policy's decision clock stands still.
	if r := s.Do(req{Method: "POST", Path: path + "/messages", Token: rita,
		Body: map[string]string{"body": "Which shifts were removed, and when did you take sick leave?", "visibility": "complainant"}}); r.Status != 201 {
		t.Fatalf("question: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/transitions", Token: rita,
		Body: map[string]string{"to": "awaiting_complainant", "reason": "Waiting for the shift dates."}}); r.Status != 200 {
		t.Fatalf("ask: %d %s", r.Status, r.Body)
	}
	view := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	if d := dueDate(view, "decision"); d == nil || d["paused"] != true || d["due_at"] != nil {
		t.Fatalf("decision clock while waiting: %v", d)
	}
	if !strings.Contains(fmt.Sprint(view["next_steps"]), "answer") {
		t.Errorf("next steps do not ask for an answer: %v", view["next_steps"])
	}
	// Deciding while waiting on the complainant is refused.
	if r := s.Do(req{Method: "POST", Path: path + "/decision", Token: rita, Body: teststack.Decision("decision_overturned")}); r.Status != 409 {
		t.Errorf("decision while waiting: %d %s", r.Status, r.Body)
	}
	// The answer resumes it.
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/messages", Token: me,
		Body: map[string]string{"body": "The shifts of 3, 4 and 10 November; sick leave 28–31 October."}}); r.Status != 201 {
		t.Fatalf("answer: %d %s", r.Status, r.Body)
	}
	staff := s.Do(req{Method: "GET", Path: path, Token: rita}).JSON(t)
	if staff["status"] != "in_review" {
		t.Fatalf("after the answer: %v", staff["status"])
	}
	if d := dueDate(staff, "decision"); d == nil || d["paused"] != false || d["due_at"] == nil {
		t.Fatalf("decision clock after the answer: %v", d)
	}

	// The review workspace: the AI decision as established, the complainant
	// heard, and evidence with its hash.
	if r := s.Do(req{Method: "PUT", Path: path + "/ai-decision", Token: rita, Body: map[string]any{
		"system_version": "ShiftPlanner 4.2.1", "inputs": []string{"attendance records (90 days)", "sick-leave flag"},
		"output": "Hours set to zero from 3 November.", "solely_automated": true, "human_oversight": "none",
		"person_informed": "no"}}); r.Status != 200 {
		t.Fatalf("AI decision record: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/points-of-view", Token: rita, Body: map[string]any{
		"heard_via": "call", "heard_at": time.Now().Add(-time.Hour).UTC().Format(time.RFC3339),
		"summary": "She says the cut came the week after her sick leave and nobody told her a system decided it."}}); r.Status != 201 {
		t.Fatalf("point of view: %d %s", r.Status, r.Body)
	}
	r := upload(s, path+"/evidence", rita, nil, filepart("rota.csv", []byte("week,hours\n44,32\n45,0\n")),
		field("source", "deployer"), field("description", "The rota before and after the cut."))
	if r.Status != 201 {
		t.Fatalf("evidence: %d %s", r.Status, r.Body)
	}
	rota := r.JSON(t)["id"].(string)
	if sum := sha256.Sum256([]byte("week,hours\n44,32\n45,0\n")); r.JSON(t)["sha256"] != hex.EncodeToString(sum[:]) {
		t.Errorf("hash: %v", r.JSON(t)["sha256"])
	}

	// Four eyes: a P1 decision waits for a supervisor other than its author.
	s.RecordAIDecision(rita, f.ID)
	r = s.Do(req{Method: "POST", Path: path + "/decision", Token: rita, Body: teststack.Decision("decision_overturned")})
	if r.Status != 200 || r.JSON(t)["status"] != "pending_approval" {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/remedies", Token: rita, Body: bundle(true)}); r.Status != 409 {
		t.Errorf("remedies before the decision is final: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/decision/approve", Token: sam,
		Body: map[string]any{"approve": true}}); r.Status != 200 || r.JSON(t)["status"] != "decided" {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}

	// A remedy bundle; an offer that would waive the complainant's rights is refused.
	waiver := bundle(true)
	waiver["components"].([]map[string]any)[1]["description"] = "Pay the lost wages in full and final settlement of all claims."
	if r := s.Do(req{Method: "POST", Path: path + "/remedies", Token: rita, Body: waiver}); r.Status != 422 ||
		!strings.Contains(string(r.Body), "waiver_forbidden") || !strings.Contains(string(r.Body), "components[1].description") {
		t.Fatalf("waiver: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "POST", Path: path + "/remedies", Token: rita, Body: bundle(true)})
	if r.Status != 201 {
		t.Fatalf("remedies: %d %s", r.Status, r.Body)
	}
	var ids []string
	for _, c := range r.JSON(t)["items"].([]any) {
		m := c.(map[string]any)
		if m["status"] != "offered" {
			t.Fatalf("component not offered: %v", m)
		}
		ids = append(ids, m["id"].(string))
	}
	if m := r.JSON(t)["items"].([]any)[1].(map[string]any); m["amount"] != "1250.50" || m["currency"] != "EUR" {
		t.Errorf("compensation: %v", m)
	}
	staff = s.Do(req{Method: "GET", Path: path, Token: rita}).JSON(t)
	if staff["status"] != "remedy_in_progress" {
		t.Fatalf("after the offer: %v", staff["status"])
	}

	// The complainant sees each offer, the notice of their rights, and answers.
	view = s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	if got := components(t, view); len(got) != 3 || got[0]["description"] == "" || got[0]["implemented_by"] != nil {
		t.Fatalf("complainant remedies: %v", got)
	}
	if !strings.Contains(view["rights_notice"].(string), "court") || !strings.Contains(fmt.Sprint(view["next_steps"]), "respond_to_offer") {
		t.Errorf("rights notice or next steps: %v %v", view["rights_notice"], view["next_steps"])
	}
	// Implementing before acceptance is refused (only non-repetition may).
	if r := s.Do(req{Method: "POST", Path: path + "/remedies/" + ids[0] + "/status", Token: rita,
		Body: map[string]any{"status": "implemented", "evidence": map[string]any{"note": "Rota restored from 24 November."}}}); r.Status != 409 {
		t.Errorf("implemented before acceptance: %d %s", r.Status, r.Body)
	}
	for i, id := range ids {
		r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/remedies/" + id + "/response", Token: me,
			Body: map[string]any{"accept": true, "comment": fmt.Sprintf("Thank you (%d).", i)}})
		if r.Status != 200 {
			t.Fatalf("accept %d: %d %s", i, r.Status, r.Body)
		}
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/remedies/" + ids[0] + "/response", Token: me,
		Body: map[string]any{"accept": false}}); r.Status != 409 {
		t.Errorf("answering twice: %d %s", r.Status, r.Body)
	}

	// Implemented with evidence (the rota file, cited by id; an unknown id is
	// named); closing before verification is refused and names what is left.
	if r := s.Do(req{Method: "POST", Path: path + "/remedies/" + ids[0] + "/status", Token: rita,
		Body: map[string]any{"status": "implemented", "evidence": map[string]any{"note": "Rota restored from 24 November.",
			"evidence_ids": []string{rota, "00000000-0000-4000-8000-000000000000"}}}}); r.Status != 422 ||
		!strings.Contains(string(r.Body), "evidence.evidence_ids[1]") {
		t.Fatalf("unknown evidence: %d %s", r.Status, r.Body)
	}
	for _, id := range ids {
		r := s.Do(req{Method: "POST", Path: path + "/remedies/" + id + "/status", Token: rita,
			Body: map[string]any{"status": "implemented", "evidence": map[string]any{"note": "Done on 24 November; payroll ref PR-2211.",
				"evidence_ids": []string{rota}}}})
		if r.Status != 200 {
			t.Fatalf("implemented: %d %s", r.Status, r.Body)
		}
	}
	r = s.Do(req{Method: "POST", Path: path + "/close", Token: rita,
		Body: map[string]string{"root_cause": "threshold", "reason": "Hours restored, wages paid, apology sent."}})
	if r.Status != 409 || r.JSON(t)["code"] != "remedies_outstanding" || !strings.Contains(string(r.Body), ids[2]) {
		t.Fatalf("closing with unverified remedies: %d %s", r.Status, r.Body)
	}
	// Verification is a second person's.
	if r := s.Do(req{Method: "POST", Path: path + "/remedies/" + ids[0] + "/status", Token: rita,
		Body: map[string]any{"status": "verified", "evidence": map[string]any{"note": "I checked the rota myself."}}}); r.Status != 403 {
		t.Errorf("verifying one's own implementation: %d %s", r.Status, r.Body)
	}
	for _, id := range ids {
		r := s.Do(req{Method: "POST", Path: path + "/remedies/" + id + "/status", Token: sam,
			Body: map[string]any{"status": "verified", "evidence": map[string]any{"note": "Checked the payroll and the rota."}}})
		if r.Status != 200 {
			t.Fatalf("verified: %d %s", r.Status, r.Body)
		}
	}
	// The remedy clock ends once everything is verified.
	staff = s.Do(req{Method: "GET", Path: path, Token: rita}).JSON(t)
	if d := dueDate(staff, "remedy"); d == nil || d["satisfied_at"] == nil {
		t.Errorf("remedy clock after verification: %v", d)
	}

	// Closure with its root cause; the complainant is asked to rate, once.
	if r := s.Do(req{Method: "POST", Path: path + "/close", Token: rita,
		Body: map[string]string{"root_cause": "blame", "reason": "Hours restored, wages paid, apology sent."}}); r.Status != 422 {
		t.Errorf("unknown root cause: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "POST", Path: path + "/close", Token: rita,
		Body: map[string]string{"root_cause": "threshold", "reason": "Hours restored, wages paid, apology sent."}})
	if r.Status != 200 || r.JSON(t)["status"] != "closed" || r.JSON(t)["root_cause"] != "threshold" {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	view = s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	if fb := view["feedback"].(map[string]any); fb["asked"] != true || fb["given"] != false {
		t.Errorf("feedback before rating: %v", fb)
	}
	for _, bad := range []map[string]any{{"satisfaction": 0}, {"satisfaction": 6}, {"comment": "no rating"}} {
		if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/feedback", Token: me, Body: bad}); r.Status != 422 {
			t.Errorf("feedback %v: %d %s", bad, r.Status, r.Body)
		}
	}
	r = s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/feedback", Token: me,
		Body: map[string]any{"satisfaction": 4, "comment": "Slow at first, fair in the end."}})
	if r.Status != 201 || r.JSON(t)["feedback"].(map[string]any)["satisfaction"] != float64(4) {
		t.Fatalf("feedback: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/feedback", Token: me,
		Body: map[string]any{"satisfaction": 1}}); r.Status != 409 {
		t.Errorf("second rating: %d %s", r.Status, r.Body)
	}

	// The complainant's timeline tells the story; the record's chain holds.
	view = s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	var actions []string
	for _, e := range view["timeline"].([]any) {
		actions = append(actions, e.(map[string]any)["action"].(string))
	}
	story := strings.Join(actions, " ")
	for _, want := range []string{"point_of_view.recorded", "evidence.added", "case.awaiting_complainant", "case.in_review",
		"decision.approved", "remedy.offered",
		"remedy.accepted", "remedy.implemented", "remedy.verified", "case.closed", "feedback.given"} {
		if !strings.Contains(story, want) {
			t.Errorf("timeline lacks %s: %s", want, story)
		}
	}
	if d := view["decision"].(map[string]any); d["outcome"] != "decision_overturned" || d["stage"] != "first" {
		t.Errorf("decision in view: %v", d)
	}
	audit := s.Do(req{Method: "GET", Path: path + "/audit", Token: sam}).JSON(t)
	if v := audit["verification"].(map[string]any); v["verified"] != true {
		t.Errorf("chain: %v", v)
	}
	// Sealed at rest: descriptions, comments and evidence notes.
	if inClear(t, s, "remedy_components", "description_enc", "shifts") != 0 ||
		inClear(t, s, "remedy_components", "response_enc", "Thank") != 0 ||
		inClear(t, s, "remedy_components", "evidence_enc", "payroll") != 0 {
		t.Error("remedy text is stored in clear")
	}
}
