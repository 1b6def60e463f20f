package frontend_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// Issue 16 on the complainant's page, JavaScript off: next to each offer,
// that accepting never stops them going to a court, a regulator or a union;
// an offer's conditions (approved by a second person) apart from what the
// organisation will do; and a withdrawn offer marked withdrawn, with why.
func TestBrowserRemedyHold(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	rita, sam := s.Reviewer(), s.Login("supervisor@example.org")
	do := func(tok, path string, body any, want int) map[string]any {
		t.Helper()
		r := s.Do(teststack.Request{Method: "POST", Path: path, Token: tok, Body: body})
		if r.Status != want {
			t.Fatalf("POST %s: %d %s", path, r.Status, r.Body)
		}
		return r.JSON(t)
	}
	f := s.File(teststack.ValidCase())
	if _, err := s.Core.Routing.Route(context.Background(), uuid.MustParse(f.ID)); err != nil {
		t.Fatal(err)
	}
	var queue string
	s.Core.DB.Raw(`SELECT queue_id::text FROM cases WHERE id = ?`, f.ID).Scan(&queue)
	do(rita, "/api/v1/queues/"+queue+"/claim", nil, 200)
	path := "/api/v1/cases/" + f.ID
	do(rita, path+"/transitions", map[string]string{"to": "in_review", "reason": "Looking at the rota data."}, 200)
	s.RecordAIDecision(rita, f.ID)
	do(rita, path+"/decision", teststack.Decision("decision_overturned"), 200)
	due := time.Now().AddDate(0, 1, 0).UTC().Format(time.DateOnly)
	condition := "Tell us which bank account the wages should be paid into."
	withdrawal := "The site closed in November; the shifts no longer exist, so they cannot be restored."
	items := do(rita, path+"/remedies", map[string]any{"components": []map[string]any{
		{"form": "compensation", "subtype": "financial_loss", "responsible": "deployer", "amount": "1250.50", "currency": "EUR",
			"due_at": due, "description": "Pay the wages lost for the shifts removed.", "conditions": []string{condition}},
		{"form": "restitution", "subtype": "decision_reversed", "responsible": "deployer", "due_at": due,
			"description": "Restore the shifts the scheduler removed, from the next rota."},
	}}, 201)["items"].([]any)
	pay, shifts := items[0].(map[string]any)["id"].(string), items[1].(map[string]any)["id"].(string)
	do(sam, path+"/remedies/"+pay+"/conditions/approve", map[string]any{"approve": true}, 200)
	for _, id := range []string{pay, shifts} {
		do(rita, path+"/remedies/"+id+"/status", map[string]any{"status": "offered"}, 200)
	}
	do(rita, path+"/remedies/"+shifts+"/reason", map[string]string{"reason": withdrawal}, 200)
	do(sam, path+"/remedies/"+shifts+"/withdrawal/approve", map[string]any{"approve": true}, 200)

	b := browser.New(t)
	me := b.Tab(t, browser.NoJavaScript())
	openInBrowser(t, me, s.WebURL, f.Code)
	audit(t, me, "follow-up, an offer with conditions and a withdrawn one")
	msg := catalogue(t, "en")
	rights := msg("followup.remedy_rights")
	journeyReads(t, me, "the complainant", "#remedy-"+pay, rights, condition, msg("followup.remedy_conditions"),
		"Pay the wages lost")
	journeyReads(t, me, "the complainant", "#remedy-"+shifts, rights, msg("followup.remedy_withdrawn"),
		msg("followup.remedy_withdrawn_reason"), withdrawal)
	// Not every offer is settled yet (the payment is open), so the remedy
	// date still runs; the overturned decision's promise is to put things right.
	journeyReads(t, me, "the complainant", "#dates", msg("cp.clock.remedy"))
	if browser.Exists(t, me, `form[action="/follow-up/remedies/`+shifts+`/response"]`) {
		t.Errorf("the withdrawn offer can still be answered")
	}
	if !browser.Exists(t, me, `form[action="/follow-up/remedies/`+pay+`/response"]`) {
		t.Errorf("the open offer cannot be answered")
	}
}
