package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// aboutSystem is a valid case about the registered AI system slug.
func aboutSystem(t *testing.T, s *teststack.Stack, slug string) map[string]any {
	t.Helper()
	var id string
	s.Core.DB.Raw(`SELECT id::text FROM ai_systems WHERE slug = ?`, slug).Scan(&id)
	if id == "" {
		t.Fatalf("no AI system %s", slug)
	}
	body := teststack.ValidCase()
	delete(body, "ai_system_other")
	body["ai_system_id"] = id
	return body
}

// TestAppealLandsWithADifferentReviewer is issue #4's second scenario: the
// complainant appeals in time, the worker gives the case to someone who did
// not decide it, the appeal has its own clock, and its decision is final
// here and signposts the independent bodies.
func TestAppealLandsWithADifferentReviewer(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	rita, sam := s.Reviewer(), s.Login("supervisor@example.org")
	var ritaID string
	s.Core.DB.Raw(`SELECT id::text FROM users WHERE email = 'reviewer@example.org'`).Scan(&ritaID)
	f := s.File(aboutSystem(t, s, "hiring-screener")) // the employment queue: Rita is its only member
	me := s.ComplainantToken(f)
	path := "/api/v1/cases/" + f.ID
	var queue string
	testenv.Eventually(t, 10*time.Second, "the worker routes the case", func() bool {
		s.Core.DB.Raw(`SELECT coalesce(queue_id::text, '') FROM cases WHERE id = ?`, f.ID).Scan(&queue)
		return queue != ""
	})
	claim(t, s, queue, rita, f.ID)

	// Nothing to appeal before a decision.
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/appeal", Token: me,
		Body: map[string]string{"reason": "The screener never looked at my degree."}}); r.Status != 409 || r.JSON(t)["code"] != "nothing_to_appeal" {
		t.Fatalf("appeal before a decision: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/transitions", Token: rita,
		Body: map[string]string{"to": "in_review", "reason": "Reading the screening record."}}); r.Status != 200 {
		t.Fatalf("in review: %d %s", r.Status, r.Body)
	}
	s.RecordAIDecision(rita, f.ID)
	if r := s.Do(req{Method: "POST", Path: path + "/decision", Token: rita, Body: teststack.Decision("decision_confirmed")}); r.Status != 200 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	view := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	appeal := view["appeal"].(map[string]any)
	by, err := time.Parse(time.RFC3339, appeal["appeal_by"].(string))
	if appeal["can_appeal"] != true || err != nil || by.Sub(time.Now()) < 29*24*time.Hour || by.Sub(time.Now()) > 31*24*time.Hour {
		t.Fatalf("appeal window: %v", appeal)
	}
	if !strings.Contains(view["next_steps"].([]any)[0].(map[string]any)["code"].(string), "appeal") {
		t.Errorf("next steps: %v", view["next_steps"])
	}

	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/appeal", Token: me,
		Body: map[string]string{"reason": "short"}}); r.Status != 422 {
		t.Errorf("short reason: %d %s", r.Status, r.Body)
	}
	r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/appeal", Token: me,
		Body: map[string]string{"reason": "The screener never looked at my degree, which the job required."}})
	if r.Status != 201 || r.JSON(t)["status"] != "appealed" {
		t.Fatalf("appeal: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/appeal", Token: me,
		Body: map[string]string{"reason": "And again, in case the first was lost."}}); r.Status != 409 {
		t.Errorf("second appeal: %d %s", r.Status, r.Body)
	}

	// The worker gives it to someone else; Rita can neither take it back nor decide it.
	var assignee string
	testenv.Eventually(t, 10*time.Second, "the appeal is assigned", func() bool {
		s.Core.DB.Raw(`SELECT coalesce(assignee_id::text, '') FROM cases WHERE id = ?`, f.ID).Scan(&assignee)
		return assignee != ""
	})
	if assignee == ritaID {
		t.Fatal("the appeal went back to the reviewer who decided")
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/assign", Token: sam,
		Body: map[string]string{"user_id": ritaID}}); r.Status != 409 {
		t.Errorf("reassigning the appeal to its first decider: %d %s", r.Status, r.Body)
	}
	// Recused from the appeal: the case does not exist for her any more (need to know).
	if r := s.Do(req{Method: "POST", Path: path + "/decision", Token: rita, Body: teststack.Decision("decision_overturned")}); r.Status != 404 {
		t.Errorf("first decider decides the appeal: %d %s", r.Status, r.Body)
	}
	staff := s.Do(req{Method: "GET", Path: path, Token: sam}).JSON(t)
	if d := dueDate(staff, "appeal"); d == nil || d["due_at"] == nil || d["satisfied_at"] != nil {
		t.Fatalf("appeal clock: %v", d)
	}
	if ex := staff["appeal"].(map[string]any)["excluded_reviewers"].([]any); len(ex) != 1 || ex[0] != ritaID {
		t.Errorf("excluded reviewers: %v", ex)
	}

	// The new reviewer decides; an appeal decision must signpost the bodies.
	var email string
	s.Core.DB.Raw(`SELECT email FROM users WHERE id = ?`, assignee).Scan(&email)
	second := s.Login(email)
	if r := s.Do(req{Method: "POST", Path: path + "/transitions", Token: second,
		Body: map[string]string{"to": "in_review", "reason": "Looking at it afresh."}}); r.Status != 200 {
		t.Fatalf("appeal in review: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/decision", Token: second, Body: teststack.Decision("decision_overturned")}); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"signposting"`) {
		t.Fatalf("appeal decision without signposting: %d %s", r.Status, r.Body)
	}
	d := teststack.Decision("decision_overturned")
	d["signposting"] = "You can go to the national equality body or the labour inspectorate."
	r = s.Do(req{Method: "POST", Path: path + "/decision", Token: second, Body: d})
	if r.Status != 200 {
		t.Fatalf("appeal decision: %d %s", r.Status, r.Body)
	}
	if dd := dueDate(r.JSON(t), "appeal"); dd == nil || dd["satisfied_at"] == nil {
		t.Errorf("appeal clock after the decision: %v", dd)
	}

	view = s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	dec := view["decision"].(map[string]any)
	if dec["stage"] != "appeal" || dec["outcome"] != "decision_overturned" || !strings.Contains(dec["signposting"].(string), "equality body") {
		t.Errorf("appeal decision in view: %v", dec)
	}
	if a := view["appeal"].(map[string]any); a["state"] != "decided" || a["can_appeal"] != false {
		t.Errorf("appeal after its decision: %v", a)
	}
	if !strings.Contains(string(mustJSON(t, view["next_steps"])), "appeal_final") {
		t.Errorf("next steps after the appeal: %v", view["next_steps"])
	}
	r = s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/appeal", Token: me,
		Body: map[string]string{"reason": "I would like yet another look, please."}})
	if r.Status != 409 || r.JSON(t)["code"] != "appeal_decided" || !strings.Contains(string(r.Body), "independent body") {
		t.Errorf("appealing the appeal: %d %s", r.Status, r.Body)
	}
}

// An appeal after the window closes is refused with the date and the rule,
// and writes nothing.
func TestAppealOutOfTime(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	f := claimed(t, s, teststack.ValidCase(), rita)
	s.RecordAIDecision(rita, f.ID)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/decision", Token: rita,
		Body: teststack.Decision("decision_confirmed")}); r.Status != 200 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	// Thirty-one days pass.
	s.Core.DB.Exec(`UPDATE cases SET appeal_by = now() - interval '1 day' WHERE id = ?`, f.ID)
	me := s.ComplainantToken(f)
	r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/appeal", Token: me,
		Body: map[string]string{"reason": "I only just found the letter with the decision."}})
	if r.Status != 409 || r.JSON(t)["code"] != "appeal_out_of_time" || !strings.Contains(string(r.Body), "30 days from the decision") {
		t.Fatalf("late appeal: %d %s", r.Status, r.Body)
	}
	var status string
	s.Core.DB.Raw(`SELECT status FROM cases WHERE id = ?`, f.ID).Scan(&status)
	if status != "decided" {
		t.Errorf("a refused appeal moved the case to %s", status)
	}
	view := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	if view["appeal"].(map[string]any)["can_appeal"] != false {
		t.Error("the view still offers an appeal")
	}
}
