package frontend_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The burden of proof, as the complainant reads it (issue 16, item 1): on
// their follow-up page, on a small screen without JavaScript, the AI
// decision record, the decision's explanation and its answers to the points
// they raised, and the organisation's evidence as a person redacted it —
// the third party's name and address never reach them.
func TestBrowserBurdenOfProofOnTheFollowUpPage(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	rita := s.Reviewer()
	f := s.File(teststack.ValidCase())
	if _, err := s.Core.Routing.Route(context.Background(), uuid.MustParse(f.ID)); err != nil {
		t.Fatal(err)
	}
	var queue string
	s.Core.DB.Raw(`SELECT queue_id::text FROM cases WHERE id = ?`, f.ID).Scan(&queue)
	path := "/api/v1/cases/" + f.ID
	do := func(r teststack.Request, want int) map[string]any {
		t.Helper()
		r.Token = rita
		resp := s.Do(r)
		if resp.Status != want {
			t.Fatalf("%s %s: %d %s", r.Method, r.Path, resp.Status, resp.Body)
		}
		return resp.JSON(t)
	}
	do(teststack.Request{Method: "POST", Path: "/api/v1/queues/" + queue + "/claim"}, 200)
	do(teststack.Request{Method: "POST", Path: path + "/transitions", Body: map[string]string{"to": "in_review", "reason": "Reading the rota data."}}, 200)
	do(teststack.Request{Method: "PUT", Path: path + "/ai-decision", Body: teststack.AIDecisionRecord()}, 200)
	point := do(teststack.Request{Method: "POST", Path: path + "/points-of-view", Body: map[string]string{"heard_via": "call",
		"heard_at": "2026-11-20T10:00:00Z", "summary": "She says the cut came the week after her sick leave, not with demand."}}, 201)["id"]

	// The organisation's evidence, uploaded, then disclosed with a third party redacted.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "rota-log.txt")
	fw.Write([]byte("Week 45: hours set to 0 after the sick-leave flag. Cover given to Jane Roe, 12 Elm Street."))
	mw.WriteField("source", "deployer")
	mw.WriteField("description", "The scheduler's log for week 45")
	mw.Close()
	eid := do(teststack.Request{Method: "POST", Path: path + "/evidence", Body: body.Bytes(),
		Header: map[string]string{"Content-Type": mw.FormDataContentType()}}, 201)["id"].(string)
	do(teststack.Request{Method: "POST", Path: path + "/evidence/" + eid + "/disclosure", Body: map[string]any{
		"redactions": []map[string]string{{"text": "Jane Roe, 12 Elm Street", "reason": "Another worker's name and address"}}}}, 201)

	// Confirmed, with the point answered.
	dec := teststack.Decision("decision_confirmed")
	dec["rationale"] = "The rota data show the cut followed falling demand across the whole warehouse, not your leave."
	dec["answers"] = []map[string]any{{"point_id": point,
		"answer": "Demand fell by a third that week; every worker on your line lost the same shifts."}}
	do(teststack.Request{Method: "POST", Path: path + "/decision", Body: dec}, 200)

	me := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 720))
	openCase(t, me, s.WebURL, f)
	audit(t, me, "follow-up, burden of proof")
	browser.Screenshot(t, me, "burden-320-nojs")

	record := browser.Text(t, me, "#ai-record")
	for _, want := range []string{"What the AI system decided", "ShiftPlanner 4.2.1", "attendance records of the last 90 days",
		"Weekly hours set to zero", "Decided without a person", "Yes: no person could change the outcome", "Human oversight", "None",
		"Were you told AI was used?"} {
		if !strings.Contains(record, want) {
			t.Errorf("the AI decision record lacks %q: %q", want, record)
		}
	}
	decision := browser.Text(t, me, "#decision")
	for _, want := range []string{"How the AI was involved", "sick-leave days in the last 90 days", "labour inspectorate",
		"Our answers to the points you raised", "every worker on your line lost the same shifts"} {
		if !strings.Contains(decision, want) {
			t.Errorf("the decision lacks %q: %q", want, decision)
		}
	}
	evidence := browser.Text(t, me, "#org-evidence")
	for _, want := range []string{"The organisation’s evidence", "rota-log.txt", "The scheduler's log for week 45",
		"Cover given to [redacted].", "Why parts were removed", "Another worker's name and address"} {
		if !strings.Contains(evidence, want) {
			t.Errorf("the organisation's evidence lacks %q: %q", want, evidence)
		}
	}
	if page := browser.Text(t, me, "body"); strings.Contains(page, "Jane Roe") || strings.Contains(page, "Elm Street") {
		t.Error("the redacted third party reaches the complainant")
	}
}

// The same rule on the staff pages (no browser): the decision form of a
// contested case refuses a decision without the AI decision record and the
// explanation, naming them, and asks for an answer to each point heard; the
// evidence tab discloses a file with a third party's data redacted, refusing
// a passage that is not in the text.
func TestStaffPagesCarryTheBurdenOfProof(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	f := staffCase(t, s, "general", nil)
	api := "/api/v1/cases/" + f.ID
	for _, r := range []teststack.Request{
		{Method: "POST", Path: "/api/v1/queues/" + queueID(t, s, "general") + "/claim"},
		{Method: "POST", Path: api + "/transitions", Body: map[string]string{"to": "in_review", "reason": "Reading the rota data."}},
		{Method: "POST", Path: api + "/points-of-view", Body: map[string]string{"heard_via": "call", "heard_at": "2026-11-20T10:00:00Z",
			"summary": "She says the cut came the week after her sick leave, not with demand."}},
	} {
		r.Token = rita
		if resp := s.Do(r); resp.Status/100 != 2 {
			t.Fatalf("%s: %d %s", r.Path, resp.Status, resp.Body)
		}
	}
	var point string
	s.Core.DB.Raw(`SELECT id::text FROM points_of_view WHERE case_id = ?`, f.ID).Scan(&point)

	me := signedIn(t, s, "reviewer@example.org")
	path := "/cases/" + f.ID
	expect(t, "decision form", me.get(path+"/decision"), 200, "Burden of proof.", "The AI decision record has not been made yet.",
		`href="`+path+`/ai-decision"`, "Answers to the complainant’s points", "She says the cut came the week after her sick leave",
		`name="answers[`+point+`]"`)
	decision := url.Values{"outcome": {"decision_confirmed"}, "rationale": {"The rota data show the cut followed falling demand."},
		"involvement.deployer": {"caused"}, "involvement.provider": {"none"},
		"attestation.had_authority": {"true"}, "attestation.not_a_model_rerun": {"true"}}
	expect(t, "decision without record nor explanation", me.post(path+"/decision", decision), 409,
		`href="#f-decision-ai-decision"`, "The AI decision record", `href="#f-decision-explanation-how-to-contest"`,
		"Missing: the organisation must give this before deciding.", `href="#f-decision-answers-`+point+`"`,
		"Answer this point before confirming the AI’s decision.")
	if st := caseStatus(t, s, f.ID); st != "in_review" {
		t.Fatalf("a refused decision moved the case to %s", st)
	}
	s.RecordAIDecision(rita, f.ID)
	decision.Set("explanation.ai_role", "advisory")
	decision.Set("explanation.main_factors", "demand forecast")
	decision.Set("explanation.inputs", "warehouse demand by week")
	decision.Set("explanation.how_to_contest", "Appeal within 30 days, or go to the labour inspectorate.")
	me.get(path + "/decision")
	decision.Set("answers["+point+"]", "Demand fell by a third that week; every worker on your line lost the same shifts.")
	redirected(t, "decide", me.post(path+"/decision", decision), path+"/decision")
	expect(t, "decided", me.get(path+"/decision"), 200, "Answer to a point raised", "every worker on your line lost the same shifts")

	// Disclosure, on the evidence tab.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "demand.txt")
	fw.Write([]byte("Week 45 demand fell 34%. Complaint of Jane Roe about the same line attached."))
	mw.WriteField("source", "organisation")
	mw.Close()
	r := s.Do(teststack.Request{Method: "POST", Path: api + "/evidence", Token: rita, Body: body.Bytes(),
		Header: map[string]string{"Content-Type": mw.FormDataContentType()}})
	if r.Status != 201 {
		t.Fatalf("evidence: %d %s", r.Status, r.Body)
	}
	eid := r.JSON(t)["id"].(string)
	expect(t, "evidence tab", me.get(path+"/evidence"), 200, "Disclose demand.txt to the complainant", `action="`+path+`/evidence/`+eid+`/disclosure"`)
	expect(t, "a passage not in the text", me.post(path+"/evidence/"+eid+"/disclosure", url.Values{
		"redactions[1].text": {"Jane Doe"}, "redactions[1].reason": {"another worker's name"}}), 422,
		`href="#f-disclose-`+eid+`-redactions-1-text"`, "This passage is not in the text")
	me.get(path + "/evidence")
	redirected(t, "disclose", me.post(path+"/evidence/"+eid+"/disclosure", url.Values{
		"redactions[0].text": {"Jane Roe"}, "redactions[0].reason": {"another worker's name"}}), path+"/evidence")
	p := me.get(path + "/evidence")
	expect(t, "disclosed", p, 200, "Disclosed to the complainant", "Complaint of [redacted] about the same line", "Passages redacted: 1")
	view := s.Do(teststack.Request{Method: "GET", Path: "/api/v1/complainant/case", Token: s.ComplainantToken(f)})
	if !strings.Contains(string(view.Body), "Complaint of [redacted] about the same line") || strings.Contains(string(view.Body), "Jane Roe") {
		t.Errorf("the complainant's view: %s", view.Body)
	}
}
