package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/notify"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// TestBodyOrderBlocksClosureUntilVerified is issue 16, item 4: a regulator
// closes its referral with "we order the organisation to reinstate hours"
// and, before, the case closed anyway. Now each order and recommendation is
// a task with its own clock (which breaches like any clock), and the case
// cannot close until the order is complied with, with evidence verified by a
// second person, and the recommendation is settled by the body.
func TestBodyOrderBlocksClosureUntilVerified(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := s.File(teststack.NamedCase())
	me := s.ComplainantToken(f)
	sam, ada := s.Login("supervisor@example.org"), s.Login("admin@example.org")
	regina := s.Login("regulator@example.org")
	path := "/api/v1/cases/" + f.ID
	r := s.Do(req{Method: "POST", Path: path + "/escalations", Token: sam, Body: map[string]any{
		"body_id": bodyID(t, s, "demo-dpa"), "consent_scope": "identity_withheld",
		"reason": "The scheduler cut the worker's hours.", "legal_basis": "GDPR art. 77"}})
	if r.Status != 201 {
		t.Fatalf("refer: %d %s", r.Status, r.Body)
	}
	refID := r.JSON(t)["id"].(string)
	if r := s.Do(req{Method: "POST", Path: path + "/transitions", Token: sam,
		Body: map[string]any{"to": "escalated", "reason": "With the data protection authority."}}); r.Status != 200 {
		t.Fatalf("escalated: %d %s", r.Status, r.Body)
	}

	// Bad outcomes name their field, and nothing is written.
	soon := time.Now().Add(4 * time.Second).UTC()
	later := time.Now().Add(30 * 24 * time.Hour).UTC().Truncate(time.Second)
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"status": "investigating", "items": []any{map[string]any{"kind": "finding", "text": "Unlawful."}}}, "items"},
		{map[string]any{"status": "closed", "outcome": "x", "items": []any{map[string]any{"kind": "order", "text": "Reinstate."}}}, "items[0].due_at"},
		{map[string]any{"status": "closed", "outcome": "x", "items": []any{map[string]any{"kind": "finding", "text": "Unlawful.", "due_at": later}}}, "items[0].due_at"},
		{map[string]any{"status": "closed", "outcome": "x", "items": []any{map[string]any{"kind": "order", "text": "Reinstate.", "due_at": time.Now().Add(-time.Hour)}}}, "items[0].due_at"},
		{map[string]any{"status": "closed", "outcome": "x", "items": []any{map[string]any{"kind": "fine", "text": "Pay."}}}, "items[0].kind"},
		{map[string]any{"status": "closed", "outcome": "x", "items": []any{map[string]any{"kind": "finding", "text": " "}}}, "items[0].text"},
	} {
		r := s.Do(req{Method: "POST", Path: "/api/v1/referrals/" + refID + "/status", Token: regina, Body: bad.body})
		if r.Status != 422 || !strings.Contains(string(r.Body), `"field":"`+bad.field+`"`) {
			t.Errorf("%v: %d %s", bad.body, r.Status, r.Body)
		}
	}
	r = s.Do(req{Method: "POST", Path: "/api/v1/referrals/" + refID + "/status", Token: regina, Body: map[string]any{
		"status": "closed", "outcome": "We order the organisation to reinstate hours.",
		"items": []any{
			map[string]any{"kind": "finding", "text": "The hours were cut by the scheduler without a human review."},
			map[string]any{"kind": "order", "text": "We order the organisation to reinstate hours.", "due_at": soon},
			map[string]any{"kind": "recommendation", "text": "Review the scheduler's thresholds every quarter.", "due_at": later},
		}}})
	if r.Status != 200 {
		t.Fatalf("close with an order: %d %s", r.Status, r.Body)
	}
	items := r.JSON(t)["items"].([]any)
	if len(items) != 3 {
		t.Fatalf("items: %v", items)
	}
	item := func(i int) map[string]any { return items[i].(map[string]any) }
	if item(0)["status"] != "noted" || item(1)["status"] != "open" || item(2)["status"] != "open" || item(0)["clock"] != nil ||
		item(1)["clock"] != "body_item:"+item(1)["id"].(string) {
		t.Fatalf("items as closed: %v", items)
	}
	order, rec := item(1)["id"].(string), item(2)["id"].(string)
	if inClear(t, s, "referral_outcome_items", "text_enc", "reinstate hours") > 0 {
		t.Error("an order's text is stored in clear")
	}

	// The case cannot close: the order and the recommendation are open.
	closeCase := func() *teststack.Response {
		return s.Do(req{Method: "POST", Path: path + "/close", Token: sam, Body: map[string]any{
			"root_cause": "threshold", "reason": "The authority has decided the matter."}})
	}
	r = closeCase()
	if r.Status != 409 || r.JSON(t)["code"] != "body_orders_outstanding" || !strings.Contains(string(r.Body), "body_items["+order+"]") ||
		!strings.Contains(string(r.Body), "body_items["+rec+"]") || !strings.Contains(string(r.Body), "order") {
		t.Fatalf("closing with open orders: %d %s", r.Status, r.Body)
	}

	// The order's clock breaches like any clock, on the complainant's timeline.
	breached := func(id string) bool {
		var yes bool
		if err := s.Core.DB.Raw(`SELECT breached_at IS NOT NULL FROM case_clocks WHERE case_id = ? AND clock = ?`, f.ID,
			"body_item:"+id).Scan(&yes).Error; err != nil {
			t.Fatal(err)
		}
		return yes
	}
	deadline := time.Now().Add(2 * time.Minute)
	for !breached(order) {
		if time.Now().After(deadline) {
			t.Fatal("the order's clock never breached")
		}
		if _, err := s.Core.Clocks.Sweep(context.Background(), 50); err != nil {
			t.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond) // the clock runs in real time: poll until it is due
	}
	if breached(rec) {
		t.Error("the recommendation due in 30 days breached")
	}
	cm := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	tl, _ := json.Marshal(cm["timeline"])
	if !strings.Contains(string(tl), "sla.breached") || !strings.Contains(string(tl), "referral.outcome_items") {
		t.Errorf("the complainant's timeline: %s", tl)
	}
	mine, _ := json.Marshal(cm["referrals"])
	if !strings.Contains(string(mine), "We order the organisation to reinstate hours.") || strings.Contains(string(mine), `"evidence"`) {
		t.Errorf("the complainant's referral: %s", mine)
	}

	// Compliance: evidence recorded by one person, verified by another.
	item1 := path + "/referrals/" + refID + "/items/" + order
	if r := s.Do(req{Method: "POST", Path: item1 + "/verify", Token: ada}); r.Status != 409 || r.JSON(t)["code"] != "nothing_to_verify" {
		t.Errorf("verified before any compliance: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: item1 + "/compliance", Token: sam, Body: map[string]any{"evidence": "short"}}); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"field":"evidence"`) {
		t.Errorf("compliance without real evidence: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "POST", Path: item1 + "/compliance", Token: sam, Body: map[string]any{
		"evidence": "Hours reinstated from 1 December; payroll corrected for the missing weeks.", "evidence_reference": "HR-2026-118"}})
	if r.Status != 200 || r.JSON(t)["status"] != "awaiting_verification" {
		t.Fatalf("compliance: %d %s", r.Status, r.Body)
	}
	if r := closeCase(); r.Status != 409 || !strings.Contains(string(r.Body), "awaiting verification") {
		t.Errorf("closing before verification: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: item1 + "/verify", Token: sam}); r.Status != 403 || r.JSON(t)["code"] != "four_eyes" {
		t.Errorf("verified by who recorded it: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "POST", Path: item1 + "/verify", Token: ada})
	if r.Status != 200 || r.JSON(t)["status"] != "complied" || r.JSON(t)["verified_at"] == nil {
		t.Fatalf("verify: %d %s", r.Status, r.Body)
	}
	// The recommendation still holds the case.
	if r := closeCase(); r.Status != 409 || strings.Contains(string(r.Body), order) || !strings.Contains(string(r.Body), rec) {
		t.Errorf("closing with the recommendation open: %d %s", r.Status, r.Body)
	}
	// The body records it settled: its clock ends, and the case closes.
	settle := "/api/v1/referrals/" + refID + "/items/" + rec + "/settle"
	if r := s.Do(req{Method: "POST", Path: settle, Token: s.Login("surveillance@example.org"),
		Body: map[string]any{"note": "Not ours."}}); r.Status != 404 {
		t.Errorf("another body settles: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "POST", Path: settle, Token: regina, Body: map[string]any{"note": "The organisation's quarterly review plan satisfies us."}})
	if r.Status != 200 || r.JSON(t)["status"] != "settled" {
		t.Fatalf("settle: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: settle, Token: regina, Body: map[string]any{"note": "Again."}}); r.Status != 409 {
		t.Errorf("settled twice: %d %s", r.Status, r.Body)
	}
	var running int
	if err := s.Core.DB.Raw(`SELECT count(*) FROM case_clocks WHERE case_id = ? AND clock LIKE 'body_item:%' AND satisfied_at IS NULL`,
		f.ID).Scan(&running).Error; err != nil || running != 0 {
		t.Errorf("the items' clocks still running: %d (%v)", running, err)
	}
	if r := closeCase(); r.Status != 200 {
		t.Fatalf("close once complied and settled: %d %s", r.Status, r.Body)
	}
	// Staff see the evidence; the body sees how each item stands.
	got := s.Do(req{Method: "GET", Path: "/api/v1/referrals/" + refID, Token: regina})
	if !strings.Contains(string(got.Body), "HR-2026-118") || !strings.Contains(string(got.Body), `"status":"complied"`) {
		t.Errorf("the body's view of the items: %s", got.Body)
	}
}

// TestSignpostOnlyBodyIsNotAReferralTarget: courts, legal aid and trade
// unions are in the register as places to signpost: no channel needed, shown
// to the public with signpost_only, and a referral to one is refused.
func TestSignpostOnlyBodyIsNotAReferralTarget(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ada := s.Login("admin@example.org")
	r := s.Do(req{Method: "POST", Path: "/api/v1/admin/bodies", Token: ada, Body: map[string]any{
		"slug": "legal-aid-es", "name": "Servicio de Orientación Jurídica (demo)", "type": "legal_aid",
		"jurisdiction": "ES", "legal_bases": []string{"Ley 1/1996 de asistencia jurídica gratuita"},
		"website": "https://example.org/legal-aid"}})
	if r.Status != 201 || r.JSON(t)["signpost_only"] != true {
		t.Fatalf("a legal aid body without a channel: %d %s", r.Status, r.Body)
	}
	// Another type without a channel still needs one, unless it is signpost only.
	if r := s.Do(req{Method: "POST", Path: "/api/v1/admin/bodies", Token: ada, Body: map[string]any{
		"slug": "ombuds-x", "name": "Ombudsman X", "type": "ombudsman", "jurisdiction": "ES",
		"legal_bases": []string{"Ley 3/1981"}}}); r.Status != 422 || !strings.Contains(string(r.Body), "no_channel") {
		t.Errorf("an ombudsman without a channel: %d %s", r.Status, r.Body)
	}
	aid := bodyID(t, s, "legal-aid-es")
	for _, b := range s.Do(req{Method: "GET", Path: "/api/v1/bodies"}).JSON(t)["items"].([]any) {
		if m := b.(map[string]any); m["id"] == aid && (m["signpost_only"] != true || len(m["receives"].([]any)) != 0) {
			t.Errorf("the register's entry: %v", m)
		}
	}
	f := s.File(teststack.NamedCase())
	r = s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: s.ComplainantToken(f), Body: map[string]any{
		"body_id": aid, "consent_scope": "identity_withheld"}})
	if r.Status != 409 || r.JSON(t)["code"] != "signpost_only" || !strings.Contains(r.JSON(t)["detail"].(string), "Servicio de Orientación") {
		t.Errorf("a referral to a signpost-only body: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/escalations", Token: s.Login("supervisor@example.org"),
		Body: map[string]any{"body_id": aid, "consent_scope": "anonymous", "reason": "Legal help.", "legal_basis": "none"}}); r.Status != 409 {
		t.Errorf("staff referral to a signpost-only body: %d %s", r.Status, r.Body)
	}
	var n int64
	s.Core.DB.Raw(`SELECT count(*) FROM referrals WHERE body_id = ?`, aid).Scan(&n)
	if n != 0 {
		t.Errorf("%d referrals written to a signpost-only body", n)
	}
}

// TestSystemicIssueReferredAsAWhole: a systemic issue goes to a body with
// its cases' summary, which names no one (no reference, no complainant's
// words, dates to the month); only that body's users read it; a second
// referral to the same body, or one to a signpost-only body, is refused.
func TestSystemicIssueReferredAsAWhole(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	sam := s.Login("supervisor@example.org")
	sched := systemIDs(t, s)["shift-scheduler"]
	var ids []string
	var refs []string
	for i := range 3 {
		f := fileAbout(t, s, sched, i)
		ids, refs = append(ids, f.ID), append(refs, f.Reference)
	}
	r := s.Do(req{Method: "POST", Path: "/api/v1/systemic-issues", Token: sam, Body: map[string]any{"ai_system_id": sched,
		"mechanism": "biased_output", "title": "Sick leave read as low availability", "case_ids": ids}})
	if r.Status != 201 {
		t.Fatalf("issue: %d %s", r.Status, r.Body)
	}
	issue := r.JSON(t)["id"].(string)
	path := "/api/v1/systemic-issues/" + issue + "/referrals"
	dpa := bodyID(t, s, "demo-dpa")
	if r := s.Do(req{Method: "POST", Path: path, Token: sam, Body: map[string]any{"body_id": dpa}}); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"field":"reason"`) || !strings.Contains(string(r.Body), `"field":"legal_basis"`) {
		t.Errorf("without a reason and legal basis: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path, Token: s.Reviewer(), Body: map[string]any{"body_id": dpa, "reason": "x",
		"legal_basis": "GDPR art. 77"}}); r.Status != 403 {
		t.Errorf("a reviewer refers an issue: %d", r.Status)
	}
	body := map[string]any{"body_id": dpa, "reason": "Three workers' hours were cut after sick leave by the same model.",
		"legal_basis": "GDPR art. 57(1)(f)"}
	r = s.Do(req{Method: "POST", Path: path, Token: sam, Body: body})
	if r.Status != 201 {
		t.Fatalf("refer the issue: %d %s", r.Status, r.Body)
	}
	id := r.JSON(t)["id"].(string)
	if r := s.Do(req{Method: "POST", Path: path, Token: sam, Body: body}); r.Status != 409 || r.JSON(t)["code"] != "already_referred" {
		t.Errorf("referred twice: %d %s", r.Status, r.Body)
	}
	regina := s.Login("regulator@example.org")
	got := s.Do(req{Method: "GET", Path: "/api/v1/systemic-referrals/" + id, Token: regina})
	if got.Status != 200 {
		t.Fatalf("the body reads it: %d %s", got.Status, got.Body)
	}
	sum := got.JSON(t)["summary"].(map[string]any)
	if cases := sum["cases"].([]any); len(cases) != 3 || sum["ai_system"] == "" || got.JSON(t)["case_count"] != float64(3) {
		t.Errorf("the summary: %s", got.Body)
	}
	for _, secret := range append(refs, "rota cut my hours", "Maria", ids[0]) {
		if strings.Contains(string(got.Body), secret) {
			t.Errorf("the body's summary holds %q: %s", secret, got.Body)
		}
	}
	if !strings.Contains(string(got.Body), `"filed_in":"`+time.Now().UTC().Format("2006-01")+`"`) {
		t.Errorf("dates are not to the month: %s", got.Body)
	}
	if list := s.Do(req{Method: "GET", Path: "/api/v1/systemic-referrals", Token: regina}).JSON(t)["items"].([]any); len(list) != 1 {
		t.Errorf("the body's list: %v", list)
	}
	other := s.Login("surveillance@example.org")
	if r := s.Do(req{Method: "GET", Path: "/api/v1/systemic-referrals/" + id, Token: other}); r.Status != 404 {
		t.Errorf("another body reads it: %d", r.Status)
	}
	// Each case's record notes it.
	var n int64
	s.Core.DB.Raw(`SELECT count(*) FROM audit_entries WHERE action = 'systemic.referred' AND case_id::text IN ?`, ids).Scan(&n)
	if n != 3 {
		t.Errorf("%d case records note the systemic referral, want 3", n)
	}
}

// TestBodyMessageToComplainantEmailsThem: a complainant who chose email is
// told of a body's message addressed to them (the email says there is news;
// the words stay behind their sign-in), and of no other message of the body.
func TestBodyMessageToComplainantEmailsThem(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	f := s.File(teststack.NamedCase()) // preferred_channel: email
	r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: s.ComplainantToken(f),
		Body: map[string]any{"body_id": bodyID(t, s, "demo-dpa"), "consent_scope": "identity_withheld"}})
	if r.Status != 201 {
		t.Fatalf("escalate: %d %s", r.Status, r.Body)
	}
	ref := r.JSON(t)["id"].(string)
	regina := s.Login("regulator@example.org")
	const words = "Please tell us when your hours were restored."
	for _, m := range []map[string]any{{"body": "For the organisation only."}, {"body": words, "to_complainant": true}} {
		if r := s.Do(req{Method: "POST", Path: "/api/v1/referrals/" + ref + "/messages", Token: regina, Body: m}); r.Status != 201 {
			t.Fatalf("body message: %d %s", r.Status, r.Body)
		}
	}
	type ev struct {
		ID uuid.UUID
		To bool
	}
	var evs []ev
	s.Core.DB.Raw(`SELECT id, coalesce((payload->'data'->>'to_complainant')::boolean, false) AS "to" FROM outbox
		WHERE subject = ? AND payload->>'case_id' = ?`, events.ReferralMessage, f.ID).Scan(&evs)
	if len(evs) != 2 {
		t.Fatalf("referral message events: %v", evs)
	}
	testenv.Eventually(t, 30*time.Second, "the complainant's consumer handles both messages", func() bool {
		var n int
		s.Core.DB.Raw(`SELECT count(*) FROM processed_events WHERE consumer = ? AND event_id IN ?`, notify.ConsumerComplainant,
			[]uuid.UUID{evs[0].ID, evs[1].ID}).Scan(&n)
		return n == 2
	})
	for _, e := range evs {
		var rows []struct{ Data string }
		s.Core.DB.Raw(`SELECT data::text AS data FROM notifications_sent WHERE event_id = ? AND recipient_kind = 'complainant'`, e.ID).
			Scan(&rows)
		switch {
		case e.To && len(rows) != 1:
			t.Errorf("the message to the complainant owes them %d emails, want 1", len(rows))
		case !e.To && len(rows) != 0:
			t.Errorf("a message to the organisation only emails the complainant: %v", rows)
		case len(rows) == 1 && strings.Contains(rows[0].Data, "hours were restored"):
			t.Errorf("the email carries the body's words: %s", rows[0].Data)
		}
	}
}
