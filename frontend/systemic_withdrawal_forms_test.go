package frontend_test

import (
	"context"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// A systemic guarantee waiting for a second person's withdrawal shows in a
// linked case's remedies tab as waiting, with no case form (its withdrawal
// goes through the systemic issue's API, issue 16).
func TestStaffSystemicWithdrawalShownWithoutCaseForms(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	rita, sup := s.Reviewer(), s.Login("supervisor@example.org")
	var sys string
	s.Core.DB.Raw(`SELECT id::text FROM ai_systems WHERE slug = 'hiring-screener'`).Scan(&sys)
	body := teststack.ValidCase()
	delete(body, "ai_system_other")
	body["ai_system_id"] = sys
	f := s.File(body)
	if _, err := s.Core.Routing.Route(context.Background(), uuid.MustParse(f.ID)); err != nil {
		t.Fatal(err)
	}
	var queue string
	s.Core.DB.Raw(`SELECT queue_id::text FROM cases WHERE id = ?`, f.ID).Scan(&queue)
	do := func(tok, method, path string, body any, want int) map[string]any {
		t.Helper()
		r := s.Do(teststack.Request{Method: method, Path: path, Token: tok, Body: body})
		if r.Status != want {
			t.Fatalf("%s: %d %s", path, r.Status, r.Body)
		}
		return r.JSON(t)
	}
	do(rita, "POST", "/api/v1/queues/"+queue+"/claim", nil, 200)
	issue := do(rita, "POST", "/api/v1/systemic-issues", map[string]any{"ai_system_id": sys, "mechanism": "biased_output",
		"title": "Career breaks scored as gaps", "case_ids": []string{f.ID}}, 201)["id"].(string)
	due := time.Now().AddDate(0, 2, 0).UTC().Format(time.DateOnly)
	items := do(sup, "POST", "/api/v1/systemic-issues/"+issue+"/remedies", map[string]any{"offer": true,
		"components": []map[string]any{{"form": "non_repetition", "subtype": "retrained", "responsible": "provider",
			"due_at": due, "description": "Stop scoring career breaks as unexplained gaps."}}}, 201)["items"].([]any)
	gid := items[0].(map[string]any)["id"].(string)
	why := "The provider retired the screener for good."
	do(sup, "POST", "/api/v1/systemic-issues/"+issue+"/remedies/"+gid+"/reason", map[string]string{"reason": why}, 200)

	msg := catalogue(t, "en", "staff.json")
	p := signedIn(t, s, "reviewer@example.org").get("/cases/" + f.ID + "/remedies")
	expect(t, "remedies tab", p, 200, html.EscapeString(msg("cw.remedies.withdrawal_waiting")), why)
	for _, form := range []string{"/remedies/" + gid + "/withdrawal/approve", "/remedies/" + gid + "/reason"} {
		if strings.Contains(p.Body, `action="/cases/`+f.ID+form+`"`) {
			t.Errorf("a case form for the systemic guarantee: %s", form)
		}
	}
}
