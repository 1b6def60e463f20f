package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/stats"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// code is an error answer's code.
func code(t *testing.T, r *teststack.Response) string {
	t.Helper()
	c, _ := r.JSON(t)["code"].(string)
	return c
}

// Issue 16, item 2, reproduced first: an overturned decision whose only
// offer is withdrawn with a reason. The withdrawal waits for a second person
// and is then shown to the complainant with its reason; the case cannot
// close without restitution or an exemption a second person approves; and
// once closed, the remedy deadline is not counted as met, in the SLA figures
// of the AI system's statistics, nor is the withdrawn offer a remedy in the
// public figures.
func TestWithdrawnOfferIsNoRemedy(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita, sam := s.Reviewer(), s.Login("supervisor@example.org")
	body := aboutSystem(t, s, "hiring-screener")
	f := claimed(t, s, body, rita)
	path := "/api/v1/cases/" + f.ID
	s.RecordAIDecision(rita, f.ID)
	if r := s.Do(req{Method: "POST", Path: path + "/decision", Token: rita,
		Body: teststack.Decision("decision_overturned")}); r.Status != 200 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	due := time.Now().AddDate(0, 1, 0).UTC().Format(time.DateOnly)
	r := s.Do(req{Method: "POST", Path: path + "/remedies", Token: rita, Body: map[string]any{"offer": true,
		"components": []map[string]any{{"form": "restitution", "subtype": "decision_reversed", "responsible": "deployer",
			"due_at": due, "description": "Restore the shifts the scheduler removed, from the next rota."}}}})
	if r.Status != 201 {
		t.Fatalf("offer: %d %s", r.Status, r.Body)
	}
	offer := itemIDs(t, r)[0]
	me := s.ComplainantToken(f)

	// Closing now: the restitution is not delivered.
	closeBody := map[string]string{"root_cause": "threshold", "reason": "The offer was withdrawn; nothing more to do here."}
	if r := s.Do(req{Method: "POST", Path: path + "/close", Token: rita, Body: closeBody}); r.Status != 409 {
		t.Fatalf("close with the offer open: %d %s", r.Status, r.Body)
	}

	// The withdrawal is asked for; the complainant still sees the offer, unwithdrawn.
	reason := "The rota for that site was abolished; the shifts no longer exist."
	r = s.Do(req{Method: "POST", Path: path + "/remedies/" + offer + "/reason", Token: rita, Body: map[string]string{"reason": reason}})
	if r.Status != 200 {
		t.Fatalf("ask to withdraw: %d %s", r.Status, r.Body)
	}
	c := components(t, r.JSON(t))[0]
	if c["settled"] != false || c["withdrawn"] != false || c["pending_withdrawal"] == nil {
		t.Errorf("a withdrawal asked for took effect at once: %v", c)
	}
	mine := components(t, s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t))[0]
	if mine["reason"] != nil || mine["pending_withdrawal"] != nil || mine["withdrawn"] != false {
		t.Errorf("the complainant sees a withdrawal not yet approved: %v", mine)
	}
	approve := path + "/remedies/" + offer + "/withdrawal/approve"
	if r := s.Do(req{Method: "POST", Path: approve, Token: rita, Body: map[string]any{"approve": true}}); r.Status != 403 ||
		code(t, r) != "four_eyes" {
		t.Errorf("the requester approves her own withdrawal: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: approve, Token: sam, Body: map[string]any{"approve": false}}); r.Status != 422 {
		t.Errorf("a refusal without a reason: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: approve, Token: sam, Body: map[string]any{"approve": true}}); r.Status != 200 {
		t.Fatalf("approve the withdrawal: %d %s", r.Status, r.Body)
	}
	// The complainant reads why, and cannot accept it any more.
	mine = components(t, s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t))[0]
	if mine["withdrawn"] != true || mine["reason"] != reason || mine["reason_approved_by"] != nil {
		t.Errorf("the complainant's view of the withdrawn offer: %v", mine)
	}
	// The remedy date is not done: the complainant reads so.
	mineView := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	if d := dueDate(mineView, "remedy"); d == nil || d["unmet"] != true || !strings.Contains(d["summary"].(string), "not done") {
		t.Errorf("the remedy date after the withdrawal: %v", d)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/remedies/" + offer + "/response", Token: me,
		Body: map[string]any{"accept": true}}); r.Status != 409 || code(t, r) != "offer_withdrawn" {
		t.Errorf("accepting a withdrawn offer: %d %s", r.Status, r.Body)
	}
	var news int
	s.Core.DB.Raw(`SELECT count(*) FROM outbox WHERE subject = 'redress.remedy.status_changed'
		AND payload ->> 'case_id' = ? AND payload -> 'data' ->> 'status' = 'withdrawn'`, f.ID).Scan(&news)
	if news != 1 {
		t.Errorf("the complainant's news of the withdrawal: %d events", news)
	}

	// Every remedy is settled, but nothing was put right: still no closing.
	r = s.Do(req{Method: "POST", Path: path + "/close", Token: rita, Body: closeBody})
	if r.Status != 409 || code(t, r) != "restitution_missing" || !strings.Contains(string(r.Body), "decision_overturned") {
		t.Fatalf("close without restitution: %d %s", r.Status, r.Body)
	}
	ex := path + "/restitution-exemption"
	if r := s.Do(req{Method: "POST", Path: ex, Token: rita, Body: map[string]string{"reason": "short"}}); r.Status != 422 {
		t.Errorf("an exemption without a real reason: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: ex, Token: rita, Body: map[string]string{
		"reason": "The site closed; the complainant was redeployed on full hours before the decision."}}); r.Status != 200 {
		t.Fatalf("ask for an exemption: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/close", Token: rita, Body: closeBody}); r.Status != 409 ||
		!strings.Contains(string(r.Body), "exemption_unapproved") {
		t.Errorf("close with the exemption unapproved: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: ex + "/approve", Token: rita, Body: map[string]any{"approve": true}}); r.Status != 403 {
		t.Errorf("the requester approves her own exemption: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "POST", Path: ex + "/approve", Token: sam, Body: map[string]any{"approve": true}})
	if r.Status != 200 {
		t.Fatalf("approve the exemption: %d %s", r.Status, r.Body)
	}
	if rest, _ := r.JSON(t)["restitution"].(map[string]any); rest["owed"] != true || rest["met"] != true || rest["exemption"] == nil {
		t.Errorf("restitution in the staff view: %v", rest)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/close", Token: rita, Body: closeBody}); r.Status != 200 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}

	// The remedy deadline was not met: the per-system SLA figure counts it
	// late, the withdrawn offer is reasoned away, and the public figures
	// count no remedy.
	var sys string
	s.Core.DB.Raw(`SELECT ai_system_id::text FROM cases WHERE id = ?`, f.ID).Scan(&sys)
	var st stats.SystemStats
	s.Do(req{Method: "GET", Path: "/api/v1/stats/ai-systems/" + sys, Token: sam}).Decode(t, &st)
	if k := st.SLA.ByClock["remedy"]; k.OnTime != 0 || k.Late != 1 {
		t.Errorf("the remedy clock in the system's SLA figures: %+v", k)
	}
	if st.Remedies.ReasonedAway != 1 || st.Remedies.VerifiedRate == nil || *st.Remedies.VerifiedRate != 0 {
		t.Errorf("the system's remedies: %+v", st.Remedies.RemedyTally)
	}
	var p stats.Public
	s.Do(req{Method: "GET", Path: "/api/v1/stats/public"}).Decode(t, &p)
	if got := count(t, p.All.Remedies.Total); got != 0 {
		t.Errorf("the public figures count %d remedies for a withdrawn offer", got)
	}
}

// Issue 16, item 3: an offer's conditions are kept apart from its
// description and need a second person before the offer reaches the
// complainant; a waiver in other words is refused in either.
func TestOfferConditionsNeedASecondPerson(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita, sam := s.Reviewer(), s.Login("supervisor@example.org")
	f := decided(t, s, rita)
	path := "/api/v1/cases/" + f.ID
	due := time.Now().AddDate(0, 1, 0).UTC().Format(time.DateOnly)
	comp := func(desc string, conds ...string) map[string]any {
		return map[string]any{"form": "compensation", "subtype": "financial_loss", "responsible": "deployer", "amount": "300.00",
			"currency": "EUR", "due_at": due, "description": desc, "conditions": conds}
	}
	for field, c := range map[string]map[string]any{
		"components[0].description":   comp("By accepting you confirm you will not contact any regulator about this matter."),
		"components[0].conditions[0]": comp("Pay the wages lost for the shifts removed.", "Usted se abstiene de acudir a los tribunales por esta decisión."),
	} {
		r := s.Do(req{Method: "POST", Path: path + "/remedies", Token: rita, Body: map[string]any{"components": []any{c}}})
		if r.Status != 422 || !strings.Contains(string(r.Body), `"`+field+`"`) || !strings.Contains(string(r.Body), "waiver_forbidden") {
			t.Errorf("a waiver in %s: %d %s", field, r.Status, r.Body)
		}
	}
	withCond := comp("Pay the wages lost for the shifts removed.", "Send us your bank details so we can pay you.")
	if r := s.Do(req{Method: "POST", Path: path + "/remedies", Token: rita,
		Body: map[string]any{"offer": true, "components": []any{withCond}}}); r.Status != 409 || code(t, r) != "conditions_unapproved" {
		t.Errorf("offering conditions at once: %d %s", r.Status, r.Body)
	}
	r := s.Do(req{Method: "POST", Path: path + "/remedies", Token: rita, Body: map[string]any{"components": []any{withCond}}})
	if r.Status != 201 {
		t.Fatalf("propose: %d %s", r.Status, r.Body)
	}
	id := itemIDs(t, r)[0]
	offer := map[string]any{"status": "offered"}
	if r := s.Do(req{Method: "POST", Path: path + "/remedies/" + id + "/status", Token: rita, Body: offer}); r.Status != 409 ||
		code(t, r) != "conditions_unapproved" {
		t.Errorf("offer before approval: %d %s", r.Status, r.Body)
	}
	approve := path + "/remedies/" + id + "/conditions/approve"
	if r := s.Do(req{Method: "POST", Path: approve, Token: rita, Body: map[string]any{"approve": true}}); r.Status != 403 {
		t.Errorf("the proposer approves her own conditions: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: approve, Token: sam, Body: map[string]any{"approve": true}}); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/remedies/" + id + "/status", Token: rita, Body: offer}); r.Status != 200 {
		t.Fatalf("offer: %d %s", r.Status, r.Body)
	}
	mine := components(t, s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: s.ComplainantToken(f)}).JSON(t))[0]
	conds, _ := mine["conditions"].([]any)
	if len(conds) != 1 || conds[0] != "Send us your bank details so we can pay you." || mine["conditions_approved_by"] != nil ||
		strings.Contains(mine["description"].(string), "bank") {
		t.Errorf("the complainant's offer: %v", mine)
	}
}

// Issue 16, item 2: texts follow the outcome. A confirmed decision does not
// promise to put things right; an overturned one does.
func TestRemedyPromiseFollowsTheOutcome(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	for outcome, want := range map[string]string{
		"decision_confirmed":  "We will carry out what we offered you by ",
		"decision_overturned": "We will put things right by ",
	} {
		f := claimed(t, s, teststack.ValidCase(), rita)
		s.RecordAIDecision(rita, f.ID)
		if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/decision", Token: rita,
			Body: teststack.Decision(outcome)}); r.Status != 200 {
			t.Fatalf("decide %s: %d %s", outcome, r.Status, r.Body)
		}
		d := dueDate(s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: s.ComplainantToken(f)}).JSON(t), "remedy")
		if d == nil || !strings.HasPrefix(d["summary"].(string), want) {
			t.Errorf("%s: the remedy date reads %v, want %q…", outcome, d, want)
		}
	}
}
