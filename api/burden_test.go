package api_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// inReview files body, routes it and has tok claim it and put it in review,
// with no AI decision record made.
func inReview(t *testing.T, s *teststack.Stack, body map[string]any, tok string) teststack.Filed {
	t.Helper()
	f := s.File(body)
	if _, err := s.Core.Routing.Route(context.Background(), uuid.MustParse(f.ID)); err != nil {
		t.Fatal(err)
	}
	var queue string
	s.Core.DB.Raw(`SELECT queue_id::text FROM cases WHERE id = ?`, f.ID).Scan(&queue)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/queues/" + queue + "/claim", Token: tok}); r.Status != 200 {
		t.Fatalf("claim: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/transitions", Token: tok,
		Body: map[string]string{"to": "in_review", "reason": "Looking at the scoring data."}}); r.Status != 200 {
		t.Fatalf("in review: %d %s", r.Status, r.Body)
	}
	return f
}

// problemFields are the fields a problem document names, and its code.
func problemFields(t *testing.T, r *teststack.Response) (string, []string) {
	t.Helper()
	var p struct {
		Code   string
		Errors []struct{ Field string }
	}
	r.Decode(t, &p)
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return p.Code, out
}

// The burden of proof (issue 16, item 1): a contested credit decision cannot
// be decided, whatever the outcome, without the AI decision record and the
// explanation, and a decision confirming the AI's decision answers each
// point the complainant raised; the complainant then reads the record, the
// explanation, the answers and the organisation's evidence, redacted by a
// person.
func TestBurdenOfProofBeforeAContestedDecision(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	body := teststack.ValidCase()
	body["ai_system_other"] = "The credit scoring service of my bank"
	body["description"] = "My loan was refused by the bank's credit scoring without any reason given."
	f := inReview(t, s, body, rita)
	path := "/api/v1/cases/" + f.ID
	decisions := func() int {
		var n int
		s.Core.DB.Raw(`SELECT count(*) FROM decisions WHERE case_id = ?`, f.ID).Scan(&n)
		return n
	}

	// The complainant's point of view, heard.
	r := s.Do(req{Method: "POST", Path: path + "/points-of-view", Token: rita, Body: map[string]string{
		"heard_via": "call", "heard_at": "2026-11-20T10:00:00Z",
		"summary": "The score ignored my salary rise in October and counted a debt I repaid in full."}})
	if r.Status != 201 {
		t.Fatalf("point of view: %d %s", r.Status, r.Body)
	}
	point := r.JSON(t)["id"].(string)

	// Upheld (the AI's decision confirmed) with no record and no explanation:
	// refused, naming every missing piece; nothing written.
	bare := teststack.Decision("decision_confirmed")
	delete(bare, "explanation")
	r = s.Do(req{Method: "POST", Path: path + "/decision", Token: rita, Body: bare})
	code, fields := problemFields(t, r)
	if r.Status != 409 || code != "burden_of_proof" {
		t.Fatalf("confirmed with nothing: %d %s", r.Status, r.Body)
	}
	for _, want := range []string{"ai_decision", "ai_decision.system_version", "ai_decision.inputs", "ai_decision.output",
		"ai_decision.human_oversight", "ai_decision.person_informed", "explanation.ai_role", "explanation.main_factors",
		"explanation.inputs", "explanation.how_to_contest", "answers[" + point + "]"} {
		if !slices.Contains(fields, want) {
			t.Errorf("the refusal does not name %s: %s", want, r.Body)
		}
	}
	if decisions() != 0 {
		t.Fatal("a refused decision was written")
	}

	// Every outcome needs the record and the explanation: overturned too.
	over := teststack.Decision("decision_overturned")
	delete(over, "explanation")
	r = s.Do(req{Method: "POST", Path: path + "/decision", Token: rita, Body: over})
	if code, fields := problemFields(t, r); r.Status != 409 || code != "burden_of_proof" ||
		!slices.Contains(fields, "ai_decision.output") || !slices.Contains(fields, "explanation.ai_role") ||
		slices.Contains(fields, "answers["+point+"]") {
		t.Errorf("overturned with nothing: %d %s", r.Status, r.Body)
	}

	// The record made, the explanation still missing: only the explanation is named.
	s.RecordAIDecision(rita, f.ID)
	r = s.Do(req{Method: "POST", Path: path + "/decision", Token: rita, Body: bare})
	if _, fields := problemFields(t, r); r.Status != 409 || slices.Contains(fields, "ai_decision.output") ||
		!slices.Contains(fields, "explanation.how_to_contest") {
		t.Errorf("no explanation: %d %s", r.Status, r.Body)
	}

	// With the explanation, the unanswered point still stops it.
	r = s.Do(req{Method: "POST", Path: path + "/decision", Token: rita, Body: teststack.Decision("decision_confirmed")})
	if code, fields := problemFields(t, r); r.Status != 409 || code != "burden_of_proof" ||
		!slices.Equal(fields, []string{"answers[" + point + "]"}) || !strings.Contains(string(r.Body), "2026-11-20") {
		t.Errorf("unanswered point: %d %s", r.Status, r.Body)
	}
	// An answer to a point not on the case is a 422 naming it.
	dec := teststack.Decision("decision_confirmed")
	dec["answers"] = []map[string]string{{"point_id": uuid.NewString(), "answer": "We checked the repaid debt again."}}
	if r := s.Do(req{Method: "POST", Path: path + "/decision", Token: rita, Body: dec}); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"answers[0].point_id"`) {
		t.Errorf("answer to an unknown point: %d %s", r.Status, r.Body)
	}
	if decisions() != 0 {
		t.Fatal("a refused decision was written")
	}

	// The organisation's evidence, disclosed after a person redacted a third party's data.
	ev := upload(s, path+"/evidence", rita, nil,
		filepart("scoring-log.txt", []byte("Score 412 computed 2026-11-02. Debt record matched to Jane Roe, 12 Elm Street. Salary feed last updated 2026-09-30.")),
		field("description", "The scoring log for the application"), field("source", "organisation"))
	if ev.Status != 201 {
		t.Fatalf("evidence: %d %s", ev.Status, ev.Body)
	}
	eid := ev.JSON(t)["id"].(string)
	disclose := path + "/evidence/" + eid + "/disclosure"
	if r := s.Do(req{Method: "POST", Path: disclose, Token: rita, Body: map[string]any{
		"redactions": []map[string]string{{"text": "Jane Doe", "reason": "another customer's name"}}}}); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"redactions[0].text"`) {
		t.Errorf("a redaction that matches nothing: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "POST", Path: disclose, Token: rita, Body: map[string]any{
		"redactions": []map[string]string{{"text": "Jane Roe, 12 Elm Street", "reason": "another customer's name and address"}}}})
	if r.Status != 201 || strings.Contains(string(r.JSON(t)["text"].(string)), "Jane Roe") {
		t.Fatalf("disclose: %d %s", r.Status, r.Body)
	}

	// Answered: decided.
	dec["answers"] = []map[string]string{{"point_id": point,
		"answer": "The salary rise reached us after the decision; the repaid debt was another customer's record, wrongly matched."}}
	r = s.Do(req{Method: "POST", Path: path + "/decision", Token: rita, Body: dec})
	if r.Status != 200 || r.JSON(t)["status"] != "decided" {
		t.Fatalf("decide with everything: %d %s", r.Status, r.Body)
	}

	// What the complainant reads.
	v := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: s.ComplainantToken(f)})
	var view struct {
		Decision struct {
			Explanation struct {
				AIRole       string `json:"ai_role"`
				HowToContest string `json:"how_to_contest"`
			}
			Answers []struct {
				PointID string `json:"point_id"`
				Answer  string
			}
		}
		AIDecision *struct {
			SystemVersion  string `json:"system_version"`
			Output         string
			HumanOversight string `json:"human_oversight"`
			PersonInformed string `json:"person_informed"`
			RecordedBy     string `json:"recorded_by"`
		} `json:"ai_decision"`
		DisclosedEvidence []struct {
			Text             string
			RedactionReasons []string `json:"redaction_reasons"`
		} `json:"disclosed_evidence"`
	}
	v.Decode(t, &view)
	if view.Decision.Explanation.AIRole != "decisive" || !strings.Contains(view.Decision.Explanation.HowToContest, "labour inspectorate") {
		t.Errorf("complainant's explanation: %s", v.Body)
	}
	if len(view.Decision.Answers) != 1 || view.Decision.Answers[0].PointID != point ||
		!strings.Contains(view.Decision.Answers[0].Answer, "wrongly matched") {
		t.Errorf("complainant's answers: %s", v.Body)
	}
	if a := view.AIDecision; a == nil || a.SystemVersion != "ShiftPlanner 4.2.1" || !strings.Contains(a.Output, "hours set to zero") ||
		a.HumanOversight != "none" || a.PersonInformed != "no" || a.RecordedBy != "" {
		t.Errorf("complainant's AI decision record: %s", v.Body)
	}
	if len(view.DisclosedEvidence) != 1 || !strings.Contains(view.DisclosedEvidence[0].Text, "Debt record matched to [redacted]") ||
		strings.Contains(string(v.Body), "Jane Roe") || strings.Contains(string(v.Body), "Elm Street") ||
		!slices.Equal(view.DisclosedEvidence[0].RedactionReasons, []string{"another customer's name and address"}) {
		t.Errorf("complainant's disclosed evidence: %s", v.Body)
	}
	if inClear(t, s, "evidence_disclosures", "text_enc", "Debt record") != 0 || inClear(t, s, "decisions", "answers_enc", "wrongly") != 0 {
		t.Error("a disclosure or an answer is stored in clear")
	}
	// The case record says who disclosed what, and how much was redacted.
	var disclosed []struct{ ActorID string }
	s.Core.DB.Raw(`SELECT actor_id::text AS actor_id FROM audit_entries WHERE case_id = ? AND action = 'evidence.disclosed'
		AND (data ->> 'redactions')::int = 1 AND data ->> 'evidence_id' = ?`, f.ID, eid).Scan(&disclosed)
	if len(disclosed) != 1 || disclosed[0].ActorID == "" {
		t.Errorf("case record of the disclosure: %v", disclosed)
	}

	// An explanation request is owed the record and the explanation even
	// when overturned; a concern carries no such burden.
	body["kind"] = "explanation_request"
	e := inReview(t, s, body, rita)
	r = s.Do(req{Method: "POST", Path: "/api/v1/cases/" + e.ID + "/decision", Token: rita, Body: teststack.Decision("decision_overturned")})
	if code, fields := problemFields(t, r); r.Status != 409 || code != "burden_of_proof" || !slices.Contains(fields, "ai_decision") ||
		slices.Contains(fields, "explanation.ai_role") {
		t.Errorf("explanation request without a record: %d %s", r.Status, r.Body)
	}
	body["kind"] = "concern"
	c := inReview(t, s, body, rita)
	bare = teststack.Decision("decision_confirmed")
	delete(bare, "explanation")
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + c.ID + "/decision", Token: rita, Body: bare}); r.Status != 200 {
		t.Errorf("a concern decided: %d %s", r.Status, r.Body)
	}
}
