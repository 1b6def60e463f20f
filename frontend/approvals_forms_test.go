package frontend_test

import (
	"html"
	"net/url"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The second person's approvals in the staff pages (issue 16), over HTTP:
// one person asks (a withdrawal, an offer's conditions, an exemption from
// restitution, a body's order complied with), the page says it waits for a
// second person, the same person is refused in words, another approves.
func TestStaffSecondPersonForms(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	f, ids := cpDecided(t, s) // overturned; restitution and compensation offered
	pay := ids[1]             // ids[0] is the restitution
	msg := catalogue(t, "en", "staff.json")
	rita := signedIn(t, s, "reviewer@example.org")
	sam := signedIn(t, s, "supervisor@example.org")
	path := "/cases/" + f.ID
	remedy := func(id string) map[string]any {
		for _, c := range apiCase(t, s, f.ID)["remedies"].([]any) {
			if c := c.(map[string]any); c["id"] == id {
				return c
			}
		}
		t.Fatalf("no remedy %s", id)
		return nil
	}

	// Withdrawing an offer the complainant has seen.
	why := "The site closed in November; the wages were paid by the insolvency fund instead."
	expect(t, "remedies tab", rita.get(path+"/remedies"), 200, msg("cw.hold.withdraw"), `action="/cases/`+f.ID+`/remedies/`+pay+`/reason"`)
	redirected(t, "ask to withdraw", rita.post(path+"/remedies/"+pay+"/reason", url.Values{"reason": {why}}), path+"/remedies")
	if c := remedy(pay); c["status"] != "offered" || c["pending_withdrawal"] == nil || c["withdrawn"] != false {
		t.Fatalf("after asking: %v", c)
	}
	expect(t, "waiting", sam.get(path+"/remedies"), 200, msg("cw.hold.waiting"), html.EscapeString(why),
		`action="/cases/`+f.ID+`/remedies/`+pay+`/withdrawal/approve"`)
	p := rita.post(path+"/remedies/"+pay+"/withdrawal/approve", url.Values{"approve": {"yes"}})
	expect(t, "the asker approves", p, 403, html.EscapeString(msg("cw.error.four_eyes.withdrawal")))
	if c := remedy(pay); c["withdrawn"] != false {
		t.Fatalf("the asker's own approval withdrew it: %v", c)
	}
	expect(t, "no answer", sam.post(path+"/remedies/"+pay+"/withdrawal/approve", url.Values{}), 422,
		`href="#f-withdrawal-`+pay+`-approve"`)
	redirected(t, "approve", sam.post(path+"/remedies/"+pay+"/withdrawal/approve", url.Values{"approve": {"yes"}}), path+"/remedies")
	if c := remedy(pay); c["withdrawn"] != true || c["reason_approved_by"] == nil || c["reason"] != why {
		t.Fatalf("after approval: %v", c)
	}
	expect(t, "withdrawn", sam.get(path+"/remedies"), 200, msg("cw.flash.withdrawal_approved"), msg("cw.remedies.withdrawn"))

	// An exemption from restitution: the overturned decision owes one.
	expect(t, "restitution owed", rita.get(path+"/remedies"), 200, html.EscapeString(msg("cw.hold.restitution_owed")),
		msg("cw.hold.exemption_ask"))
	expect(t, "too short", rita.post(path+"/restitution-exemption", url.Values{"reason": {"No."}}), 422,
		`href="#f-exemption-reason"`)
	exempt := "The shifts were restored by the works council before the decision; nothing is left to restore."
	redirected(t, "ask exemption", rita.post(path+"/restitution-exemption", url.Values{"reason": {exempt}}), path+"/remedies")
	expect(t, "exemption waits", sam.get(path+"/remedies"), 200, msg("cw.hold.waiting"), html.EscapeString(exempt),
		`action="/cases/`+f.ID+`/restitution-exemption/approve"`)
	expect(t, "the asker approves the exemption", rita.post(path+"/restitution-exemption/approve", url.Values{"approve": {"yes"}}),
		403, html.EscapeString(msg("cw.error.four_eyes.exemption-approval")))
	if r := apiCase(t, s, f.ID)["restitution"].(map[string]any); r["met"] != false {
		t.Fatalf("the asker's own approval met restitution: %v", r)
	}
	redirected(t, "approve exemption", sam.post(path+"/restitution-exemption/approve", url.Values{"approve": {"yes"}}), path+"/remedies")
	if r := apiCase(t, s, f.ID)["restitution"].(map[string]any); r["met"] != true {
		t.Fatalf("after the exemption: %v", r)
	}
	expect(t, "restitution met", rita.get(path+"/remedies"), 200, msg("cw.hold.restitution_met"))

	// An offer's conditions.
	due := time.Now().AddDate(0, 1, 0).UTC().Format(time.DateOnly)
	cond := "Tell us which bank account the payment should go to."
	redirected(t, "propose with conditions", rita.post(path+"/remedies", url.Values{
		"components[0].form": {"compensation"}, "components[0].subtype": {"costs"}, "components[0].responsible": {"deployer"},
		"components[0].description": {"Pay the travel costs of the two hearings."}, "components[0].amount": {"80.00"},
		"components[0].currency": {"EUR"}, "components[0].due_at": {due}, "components[0].conditions": {cond}}), path+"/remedies")
	var costs string
	for _, c := range apiCase(t, s, f.ID)["remedies"].([]any) {
		if c := c.(map[string]any); c["subtype"] == "costs" {
			costs = c["id"].(string)
		}
	}
	expect(t, "conditions wait", sam.get(path+"/remedies"), 200, html.EscapeString(msg("cw.hold.conditions_waiting")),
		`action="/cases/`+f.ID+`/remedies/`+costs+`/conditions/approve"`)
	expect(t, "the proposer approves", rita.post(path+"/remedies/"+costs+"/conditions/approve", url.Values{"approve": {"yes"}}),
		403, html.EscapeString(msg("cw.error.four_eyes.conditions")))
	redirected(t, "approve conditions", sam.post(path+"/remedies/"+costs+"/conditions/approve", url.Values{"approve": {"yes"}}), path+"/remedies")
	if c := remedy(costs); c["conditions_approved_by"] == nil {
		t.Fatalf("conditions not approved: %v", c)
	}
	redirected(t, "offer", rita.post(path+"/remedies/"+costs+"/status", url.Values{"status": {"offered"}}), path+"/remedies")

	// A body's orders: complied with (evidence), verified by someone else.
	var dpa string
	s.Core.DB.Raw(`SELECT id::text FROM bodies WHERE slug = 'demo-dpa'`).Scan(&dpa)
	r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: s.ComplainantToken(f),
		Body: map[string]any{"body_id": dpa, "consent_scope": "identity_withheld"}})
	if r.Status != 201 {
		t.Fatalf("escalate: %d %s", r.Status, r.Body)
	}
	ref := r.JSON(t)["id"].(string)
	r = s.Do(teststack.Request{Method: "POST", Path: "/api/v1/referrals/" + ref + "/status", Token: s.Login("regulator@example.org"),
		Body: map[string]any{"status": "closed", "outcome": "We order the organisation to reinstate hours.", "items": []any{
			map[string]any{"kind": "order", "text": "Reinstate the worker's hours.", "due_at": time.Now().AddDate(0, 1, 0).UTC()},
			map[string]any{"kind": "recommendation", "text": "Audit the scheduler.", "due_at": time.Now().AddDate(0, 2, 0).UTC()}}}})
	if r.Status != 200 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	items := r.JSON(t)["items"].([]any)
	order, auditItem := items[0].(map[string]any)["id"].(string), items[1].(map[string]any)["id"].(string)
	itemsPath := path + "/referrals/" + ref + "/items/"
	expect(t, "escalation tab", rita.get(path+"/escalation"), 200, msg("cw.hold.compliance_record"),
		`action="`+itemsPath+order+`/compliance"`)
	expect(t, "no evidence", rita.post(itemsPath+order+"/compliance", url.Values{}), 422, `href="#f-compliance-`+order+`-evidence"`)
	redirected(t, "comply", rita.post(itemsPath+order+"/compliance", url.Values{"evidence": {"Payroll record HR-77 shows the hours restored."},
		"evidence_reference": {"HR-77"}}), path+"/escalation")
	expect(t, "verification waits", sam.get(path+"/escalation"), 200, "HR-77", html.EscapeString(msg("cw.hold.verify_waiting")),
		`action="`+itemsPath+order+`/verify"`)
	expect(t, "a reviewer verifies", rita.post(itemsPath+order+"/verify", url.Values{}), 403)
	redirected(t, "verify", sam.post(itemsPath+order+"/verify", url.Values{}), path+"/escalation")
	redirected(t, "comply (supervisor)", sam.post(itemsPath+auditItem+"/compliance", url.Values{"evidence": {"The scheduler audit report of March is filed."}}),
		path+"/escalation")
	expect(t, "the recorder verifies", sam.post(itemsPath+auditItem+"/verify", url.Values{}), 403,
		html.EscapeString(msg("cw.error.four_eyes.verify")))
	var statuses []string
	s.Core.DB.Raw(`SELECT status FROM referral_outcome_items WHERE id IN (?, ?) ORDER BY position`, order, auditItem).Scan(&statuses)
	if len(statuses) != 2 || statuses[0] != "complied" || statuses[1] != "awaiting_verification" {
		t.Fatalf("items: %v", statuses)
	}
	expect(t, "verified", sam.get(path+"/escalation"), 200, msg("cw.item_status.complied"))
}
