package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// claimed files body, routes it to a queue and has tok claim it and put it in review.
func claimed(t *testing.T, s *teststack.Stack, body map[string]any, tok string) teststack.Filed {
	t.Helper()
	f := s.File(body)
	if _, err := s.Core.Routing.Route(context.Background(), uuid.MustParse(f.ID)); err != nil {
		t.Fatal(err)
	}
	var queue string
	s.Core.DB.Raw(`SELECT queue_id::text FROM cases WHERE id = ?`, f.ID).Scan(&queue)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/queues/" + queue + "/claim", Token: tok}); r.Status != 200 || r.JSON(t)["id"] != f.ID {
		t.Fatalf("claim: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/transitions", Token: tok,
		Body: map[string]string{"to": "in_review", "reason": "Looking at the rota data."}}); r.Status != 200 {
		t.Fatalf("in review: %d %s", r.Status, r.Body)
	}
	return f
}

func TestDecisionWithReasonsReachesTheComplainant(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	f := claimed(t, s, teststack.ValidCase(), rita) // P3 by the default rule
	s.RecordAIDecision(rita, f.ID)
	path := "/api/v1/cases/" + f.ID + "/decision"

	// Every missing piece is named, and nothing is written.
	bad := map[string]any{"outcome": "maybe", "rationale": "short",
		"attestation": map[string]bool{"had_authority": false}, "involvement": map[string]string{"deployer": "blamed"}}
	r := s.Do(req{Method: "POST", Path: path, Token: rita, Body: bad})
	for _, want := range []string{`"outcome"`, `"rationale"`, `"attestation.had_authority"`, `"attestation.not_a_model_rerun"`,
		`"involvement.deployer"`, `"involvement.provider"`} {
		if !strings.Contains(string(r.Body), want) {
			t.Errorf("bad decision answer lacks %s: %d %s", want, r.Status, r.Body)
		}
	}
	out := teststack.Decision("not_within_scope")
	if r := s.Do(req{Method: "POST", Path: path, Token: rita, Body: out}); r.Status != 422 || !strings.Contains(string(r.Body), `"signposting"`) {
		t.Errorf("not within scope without signposting: %d %s", r.Status, r.Body)
	}
	// The names used before issue 13 are refused, naming the new ones: "upheld"
	// was read both ways round.
	for old, renamed := range map[string]string{"upheld": "decision_confirmed", "overturned": "decision_overturned",
		"modified": "decision_modified"} {
		r := s.Do(req{Method: "POST", Path: path, Token: rita, Body: teststack.Decision(old)})
		var p struct {
			Errors []struct{ Field, Code, Message string }
		}
		r.Decode(t, &p)
		if r.Status != 422 || len(p.Errors) != 1 || p.Errors[0].Field != "outcome" || p.Errors[0].Code != "renamed" ||
			!strings.Contains(p.Errors[0].Message, renamed) || !strings.Contains(p.Errors[0].Message, "decision_confirmed: the AI's decision stands") {
			t.Errorf("old outcome %s: %d %s", old, r.Status, r.Body)
		}
	}
	var n int
	s.Core.DB.Raw(`SELECT count(*) FROM decisions WHERE case_id = ?`, f.ID).Scan(&n)
	if n != 0 {
		t.Fatal("a refused decision was written")
	}
	// Another reviewer cannot decide a case they do not hold: they do not
	// even see it (need to know).
	if r := s.Do(req{Method: "POST", Path: path, Token: s.Login("reviewer2@example.org"), Body: teststack.Decision("decision_overturned")}); r.Status != 404 {
		t.Errorf("not the assignee: %d %s", r.Status, r.Body)
	}
	// The status machine cannot be used to skip the reasons.
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/transitions", Token: rita,
		Body: map[string]string{"to": "decided", "reason": "done"}}); r.Status != 422 || !strings.Contains(string(r.Body), "use_decision") {
		t.Errorf("decided by transition: %d %s", r.Status, r.Body)
	}

	r = s.Do(req{Method: "POST", Path: path, Token: rita, Body: teststack.Decision("decision_overturned")})
	if r.Status != 200 || r.JSON(t)["status"] != "decided" {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path, Token: rita, Body: teststack.Decision("decision_confirmed")}); r.Status != 409 {
		t.Errorf("deciding twice: %d %s", r.Status, r.Body)
	}
	// Sealed at rest, open to the complainant.
	dump := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: s.ComplainantToken(f)})
	m := dump.JSON(t)
	d, _ := m["decision"].(map[string]any)
	if d == nil || d["outcome"] != "decision_overturned" || !strings.Contains(d["rationale"].(string), "sick-leave flag") {
		t.Fatalf("complainant view: %s", dump.Body)
	}
	if _, leaks := d["decided_by"]; leaks {
		t.Error("the complainant sees who decided")
	}
	if inClear(t, s, "decisions", "rationale_enc", "sick-leave") != 0 {
		t.Error("the rationale is stored in clear")
	}
}

func TestExplanationRequestIsOwedAnExplanation(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	body := teststack.ValidCase()
	body["kind"] = "explanation_request"
	f := claimed(t, s, body, rita)
	s.RecordAIDecision(rita, f.ID)
	path := "/api/v1/cases/" + f.ID + "/decision"
	// Issue 16 (the burden of proof): a missing explanation is now a 409
	// naming each missing part, no longer a 422 on "explanation".
	bare := teststack.Decision("decision_confirmed")
	delete(bare, "explanation")
	if r := s.Do(req{Method: "POST", Path: path, Token: rita, Body: bare}); r.Status != 409 ||
		!strings.Contains(string(r.Body), `"explanation.how_to_contest"`) {
		t.Fatalf("no explanation: %d %s", r.Status, r.Body)
	}
	dec := teststack.Decision("decision_confirmed")
	dec["explanation"] = map[string]any{"ai_role": "decisive", "main_factors": []string{"sick-leave days in 90 days"},
		"inputs":         []string{"attendance records", "shift history"},
		"how_to_contest": "Appeal within 30 days on the follow-up page, or go to the labour inspectorate."}
	if r := s.Do(req{Method: "POST", Path: path, Token: rita, Body: dec}); r.Status != 200 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	m := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: s.ComplainantToken(f)}).JSON(t)
	e := m["decision"].(map[string]any)["explanation"].(map[string]any)
	if e["ai_role"] != "decisive" || len(e["inputs"].([]any)) != 2 {
		t.Errorf("explanation: %v", e)
	}
}

func TestHighPriorityDecisionsNeedASecondPerson(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	sup := s.Login("supervisor@example.org")
	f := claimed(t, s, teststack.ValidCase(), sup) // a supervisor holds and decides it
	s.RecordAIDecision(sup, f.ID)
	s.Core.DB.Exec(`UPDATE cases SET priority = 'P1' WHERE id = ?`, f.ID)
	path := "/api/v1/cases/" + f.ID + "/decision"
	r := s.Do(req{Method: "POST", Path: path, Token: sup, Body: teststack.Decision("decision_overturned")})
	if r.Status != 200 || r.JSON(t)["status"] != "pending_approval" {
		t.Fatalf("P1 decision: %d %s", r.Status, r.Body)
	}
	// Not final yet: the complainant sees no decision.
	tok := s.ComplainantToken(f)
	if m := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: tok}).JSON(t); m["decision"] != nil {
		t.Errorf("a pending decision is shown to the complainant: %v", m["decision"])
	}
	// Its author cannot approve it; a reviewer may not approve at all.
	if r := s.Do(req{Method: "POST", Path: path + "/approve", Token: sup, Body: map[string]any{"approve": true}}); r.Status != 403 ||
		!strings.Contains(string(r.Body), "four_eyes") {
		t.Errorf("self-approval: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/approve", Token: s.Reviewer(), Body: map[string]any{"approve": true}}); r.Status != 403 {
		t.Errorf("reviewer approves: %d %s", r.Status, r.Body)
	}
	second := s.StaffUser("second@example.org", "supervisor")
	if r := s.Do(req{Method: "POST", Path: path + "/approve", Token: second, Body: map[string]any{"approve": false}}); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"reason"`) {
		t.Errorf("refusal without a reason: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/approve", Token: second, Body: map[string]any{}}); r.Status != 422 {
		t.Errorf("no approve field: %d %s", r.Status, r.Body)
	}
	// Refused: back to review; decided again; approved.
	r = s.Do(req{Method: "POST", Path: path + "/approve", Token: second,
		Body: map[string]any{"approve": false, "reason": "Say which shifts are restored."}})
	if r.Status != 200 || r.JSON(t)["status"] != "in_review" {
		t.Fatalf("refuse: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path, Token: sup, Body: teststack.Decision("decision_modified")}); r.Status != 200 {
		t.Fatalf("decide again: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "POST", Path: path + "/approve", Token: second, Body: map[string]any{"approve": true}})
	if r.Status != 200 || r.JSON(t)["status"] != "decided" {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/approve", Token: second, Body: map[string]any{"approve": true}}); r.Status != 409 {
		t.Errorf("approving twice: %d %s", r.Status, r.Body)
	}
	m := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: tok}).JSON(t)
	if d := m["decision"].(map[string]any); d["outcome"] != "decision_modified" {
		t.Errorf("the complainant sees %v", d)
	}
	var actions []string
	s.Core.DB.Raw(`SELECT action FROM audit_entries WHERE case_id = ? AND action LIKE 'decision.%' ORDER BY seq`, f.ID).Scan(&actions)
	if strings.Join(actions, ",") != "decision.proposed,decision.refused,decision.proposed,decision.approved" {
		t.Errorf("case record: %v", actions)
	}
}

func TestRecusedReviewerNeverDecides(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	f := claimed(t, s, teststack.ValidCase(), rita)
	// Rita turns out to have taken the contested decision.
	s.Core.DB.Exec(`UPDATE cases SET decision_taker_id = (SELECT id FROM users WHERE email = 'reviewer@example.org') WHERE id = ?`, f.ID)
	r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/decision", Token: rita, Body: teststack.Decision("decision_confirmed")})
	// Recused, she no longer sees the case at all (need to know).
	if r.Status != 404 || !strings.Contains(string(r.Body), "case_not_found") {
		t.Errorf("recused reviewer decides: %d %s", r.Status, r.Body)
	}
}
