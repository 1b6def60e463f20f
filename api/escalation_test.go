package api_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/notify"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// bodyID is the id of a demo body, read from the public register.
func bodyID(t *testing.T, s *teststack.Stack, slug string) string {
	t.Helper()
	r := s.Do(req{Method: "GET", Path: "/api/v1/bodies"})
	if r.Status != 200 {
		t.Fatalf("bodies: %d %s", r.Status, r.Body)
	}
	for _, b := range r.JSON(t)["items"].([]any) {
		m := b.(map[string]any)
		if _, leaked := m["email"]; leaked {
			t.Errorf("the public register shows a body's email: %v", m)
		}
		if m["slug"] == slug {
			return m["id"].(string)
		}
	}
	t.Fatalf("no body %s in the register", slug)
	return ""
}

// publishedKeys fetches the signing keys from the well-known URL.
func publishedKeys(t *testing.T, s *teststack.Stack) []escalation.PublicKey {
	t.Helper()
	r := s.Do(req{Method: "GET", Path: "/.well-known/redress-signing-key"})
	if r.Status != 200 {
		t.Fatalf("signing key: %d %s", r.Status, r.Body)
	}
	var v struct{ Keys []escalation.PublicKey }
	r.Decode(t, &v)
	if len(v.Keys) == 0 || v.Keys[0].Crv != "Ed25519" || !strings.Contains(v.Keys[0].PEM, "PUBLIC KEY") {
		t.Fatalf("published keys: %s", r.Body)
	}
	return v.Keys
}

// verifyHeader checks a download's Redress-Signature with the published key,
// as a body would: Ed25519 over the exact bytes.
func verifyHeader(t *testing.T, keys []escalation.PublicKey, r *teststack.Response) {
	t.Helper()
	h := r.Header.Get("Redress-Signature")
	var kid, sig string
	for _, part := range strings.Split(h, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		v = strings.Trim(v, `"`)
		switch k {
		case "keyid":
			kid = v
		case "sig":
			sig = v
		}
	}
	for _, k := range keys {
		if k.KID != kid {
			continue
		}
		pub, _ := base64.RawURLEncoding.DecodeString(k.X)
		raw, _ := base64.StdEncoding.DecodeString(sig)
		if !ed25519.Verify(pub, r.Body, raw) {
			t.Fatalf("the signature %q does not verify with key %s", h, kid)
		}
		tampered := append([]byte{}, r.Body...)
		tampered[len(tampered)/2] ^= 1
		if ed25519.Verify(pub, tampered, raw) {
			t.Fatal("a tampered document verifies")
		}
		return
	}
	t.Fatalf("no published key %q (header %q)", kid, h)
}

// TestComplainantEscalatesWithIdentityWithheld is issue #5's first
// scenario: the complainant asks for a referral with their identity
// withheld; the body's user finds the dossier with no identifying field,
// verifies both signatures with the published key; a user of another body
// gets 404; the body's statuses reach the complainant's view.
func TestComplainantEscalatesWithIdentityWithheld(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	f := s.File(teststack.NamedCase())
	me := s.ComplainantToken(f)
	dpa := bodyID(t, s, "demo-dpa")

	// Bad requests name their field, and nothing is written.
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"consent_scope": "identity_withheld"}, "body_id"},
		{map[string]any{"body_id": "nope", "consent_scope": "identity_withheld"}, "body_id"},
		{map[string]any{"body_id": uuid.NewString(), "consent_scope": "identity_withheld"}, "body_id"},
		{map[string]any{"body_id": dpa, "consent_scope": "everything"}, "consent_scope"},
		{map[string]any{"body_id": dpa, "consent_scope": "anonymous", "legal_basis": "my own"}, "legal_basis"},
	} {
		r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: me, Body: bad.body})
		if r.Status != 422 || !strings.Contains(string(r.Body), `"field":"`+bad.field+`"`) {
			t.Errorf("%v: %d %s", bad.body, r.Status, r.Body)
		}
	}
	r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: me, Body: map[string]any{
		"body_id": dpa, "consent_scope": "identity_withheld", "reason": "Maria Lopez-Garcia wants the authority to look at this."}})
	if r.Status != 201 {
		t.Fatalf("escalate: %d %s", r.Status, r.Body)
	}
	refID := r.JSON(t)["id"].(string)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: me, Body: map[string]any{
		"body_id": dpa, "consent_scope": "anonymous"}}); r.Status != 409 || r.JSON(t)["code"] != "already_referred" {
		t.Errorf("a second referral to the same body: %d %s", r.Status, r.Body)
	}

	// The body's user sees it, with nothing that identifies Maria.
	regina := s.Login("regulator@example.org")
	list := s.Do(req{Method: "GET", Path: "/api/v1/referrals", Token: regina}).JSON(t)["items"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != refID {
		t.Fatalf("the body's list: %v", list)
	}
	got := s.Do(req{Method: "GET", Path: "/api/v1/referrals/" + refID, Token: regina})
	if got.Status != 200 {
		t.Fatalf("referral: %d %s", got.Status, got.Body)
	}
	for _, secret := range []string{"Maria", "Lopez", "maria.lopez", "612 345 678", "612345678", "SHIFT-2026-11-0042"} {
		if strings.Contains(strings.ToLower(string(got.Body)), strings.ToLower(secret)) {
			t.Errorf("the body sees %q", secret)
		}
	}
	ref := got.JSON(t)
	dossier := ref["dossier"].(map[string]any)
	if dossier["complainant"] != nil || dossier["schema"] != escalation.Schema ||
		dossier["case"].(map[string]any)["reference"] != f.Reference {
		t.Errorf("dossier: %v", dossier)
	}
	if !strings.Contains(dossier["case"].(map[string]any)["description"].(string), escalation.MaskedName) {
		t.Errorf("the description is not masked: %v", dossier["case"])
	}
	raw, _ := json.Marshal(ref["redaction_log"])
	var log []escalation.Redaction
	_ = json.Unmarshal(raw, &log)
	for _, want := range []escalation.Redaction{{Field: "complainant.name", Action: "withheld"},
		{Field: "case.description", Action: "masked"}, {Field: "contested_decision.decision_reference", Action: "withheld"}} {
		if !slices.ContainsFunc(log, func(r escalation.Redaction) bool { return r.Field == want.Field && r.Action == want.Action }) {
			t.Errorf("redaction log lacks %s %s: %s", want.Field, want.Action, raw)
		}
	}

	// Both documents verify with the key published at the well-known URL.
	keys := publishedKeys(t, s)
	doc := s.Do(req{Method: "GET", Path: "/api/v1/referrals/" + refID + "/dossier", Token: regina})
	if doc.Status != 200 || !json.Valid(doc.Body) {
		t.Fatalf("dossier download: %d", doc.Status)
	}
	verifyHeader(t, keys, doc)
	pdf := s.Do(req{Method: "GET", Path: "/api/v1/referrals/" + refID + "/dossier.pdf", Token: regina})
	if pdf.Status != 200 || !strings.HasPrefix(string(pdf.Body), "%PDF-") || pdf.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("pdf download: %d %s", pdf.Status, pdf.Header.Get("Content-Type"))
	}
	verifyHeader(t, keys, pdf)
	// At rest, sealed: the dossier's bytes are not in the table.
	if inClear(t, s, "referrals", "dossier_enc", f.Reference) > 0 || inClear(t, s, "referrals", "pdf_enc", "%PDF") > 0 {
		t.Error("the dossier is stored in clear")
	}

	// A user of another body: 404, and an empty list.
	sid := s.Login("surveillance@example.org")
	for _, p := range []string{"", "/dossier", "/dossier.pdf"} {
		if r := s.Do(req{Method: "GET", Path: "/api/v1/referrals/" + refID + p, Token: sid}); r.Status != 404 {
			t.Errorf("another body's user GET %s: %d", p, r.Status)
		}
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/referrals/" + refID + "/status", Token: sid,
		Body: map[string]any{"status": "received"}}); r.Status != 404 {
		t.Errorf("another body's user sets the status: %d", r.Status)
	}
	if items := s.Do(req{Method: "GET", Path: "/api/v1/referrals", Token: sid}).JSON(t)["items"].([]any); len(items) != 0 {
		t.Errorf("another body's list: %v", items)
	}
	// Staff are not bodies.
	if r := s.Do(req{Method: "GET", Path: "/api/v1/referrals/" + refID, Token: s.Reviewer()}); r.Status != 403 {
		t.Errorf("a reviewer in the bodies' portal: %d", r.Status)
	}

	// The body works the referral; each step is on the complainant's view.
	for _, step := range []struct {
		body   map[string]any
		status int
		code   string
	}{
		{map[string]any{"status": "received"}, 200, ""},
		{map[string]any{"status": "received"}, 409, "illegal_transition"},
		{map[string]any{"status": "sent"}, 422, ""},
		{map[string]any{"status": "investigating"}, 200, ""},
		{map[string]any{"status": "closed"}, 422, ""},
		{map[string]any{"status": "closed", "outcome": "The authority found the profiling unlawful and ordered a human review."}, 200, ""},
		{map[string]any{"status": "investigating"}, 409, "illegal_transition"},
	} {
		r := s.Do(req{Method: "POST", Path: "/api/v1/referrals/" + refID + "/status", Token: regina, Body: step.body})
		if r.Status != step.status || (step.code != "" && r.JSON(t)["code"] != step.code) {
			t.Errorf("status %v: %d %s", step.body, r.Status, r.Body)
		}
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/referrals/" + refID + "/messages", Token: regina,
		Body: map[string]any{"body": "Please send the screening logs."}}); r.Status != 201 {
		t.Errorf("body message: %d %s", r.Status, r.Body)
	}
	view := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	refs := view["referrals"].([]any)
	if len(refs) != 1 {
		t.Fatalf("complainant's referrals: %v", view["referrals"])
	}
	mine := refs[0].(map[string]any)
	if mine["status"] != "closed" || !strings.Contains(mine["outcome"].(string), "unlawful") ||
		mine["body"].(map[string]any)["name"] != "Data Protection Authority (demo)" {
		t.Errorf("the complainant's referral: %v", mine)
	}
	timeline, _ := json.Marshal(view["timeline"])
	for _, action := range []string{"referral.made", "referral.opened", "referral.received", "referral.investigating",
		"referral.closed", "referral.message"} {
		if !strings.Contains(string(timeline), `"`+action+`"`) {
			t.Errorf("the complainant's timeline lacks %s: %s", action, timeline)
		}
	}
	// The case record holds it all, and its chain verifies.
	audit := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.ID + "/audit", Token: s.Login("supervisor@example.org")}).JSON(t)
	if audit["verification"].(map[string]any)["verified"] != true {
		t.Errorf("audit: %v", audit)
	}
}

// TestStaffReferralAndIdentityDisclosure: staff cannot share an identity
// the complainant did not; a later disclosure needs a legal basis, notice
// to the complainant first, and a second approver; the body gets a signed
// addendum with the identity.
func TestStaffReferralAndIdentityDisclosure(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	f := s.File(teststack.NamedCase())
	me := s.ComplainantToken(f)
	sam, ada := s.Login("supervisor@example.org"), s.Login("admin@example.org")
	msa := bodyID(t, s, "demo-msa")
	path := "/api/v1/cases/" + f.ID
	base := map[string]any{"body_id": msa, "reason": "The scheduler may breach AI Act obligations.",
		"legal_basis": "AI Act (Regulation 2024/1689) art. 85"}
	shared := map[string]any{"consent_scope": "identity_shared"}
	for k, v := range base {
		shared[k] = v
	}
	if r := s.Do(req{Method: "POST", Path: path + "/escalations", Token: sam, Body: shared}); r.Status != 422 ||
		!strings.Contains(string(r.Body), "consent_required") {
		t.Errorf("staff sharing an identity: %d %s", r.Status, r.Body)
	}
	// A reviewer who does not hold the case may not refer it at all (issue 15).
	if r := s.Do(req{Method: "POST", Path: path + "/escalations", Token: s.Reviewer(), Body: shared}); r.Status != 403 ||
		r.JSON(t)["code"] != "not_your_case" {
		t.Errorf("a reviewer, shared: %d %s", r.Status, r.Body)
	}
	base["consent_scope"] = "identity_withheld"
	if r := s.Do(req{Method: "POST", Path: path + "/escalations", Token: s.StaffUser("rex@example.org", "reviewer"), Body: base}); r.Status != 403 {
		t.Errorf("a reviewer who does not hold the case refers it: %d %s", r.Status, r.Body)
	}
	escalated := map[string]any{"to": "escalated", "reason": "With the market surveillance authority."}
	if r := s.Do(req{Method: "POST", Path: path + "/transitions", Token: sam, Body: escalated}); r.Status != 409 ||
		r.JSON(t)["code"] != "no_referral" {
		t.Errorf("escalated before any referral: %d %s", r.Status, r.Body)
	}
	r := s.Do(req{Method: "POST", Path: path + "/escalations", Token: sam, Body: base})
	if r.Status != 201 {
		t.Fatalf("refer: %d %s", r.Status, r.Body)
	}
	refID := r.JSON(t)["id"].(string)
	// Staff read what was sent under its own case only.
	if r := s.Do(req{Method: "GET", Path: path + "/referrals/" + refID + "/dossier", Token: sam}); r.Status != 200 {
		t.Errorf("the dossier under its case: %d", r.Status)
	}
	other := s.File(teststack.ValidCase())
	if r := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + other.ID + "/referrals/" + refID + "/dossier", Token: sam}); r.Status != 404 {
		t.Errorf("the dossier under another case: %d", r.Status)
	}
	// The case may now be moved to escalated; before a referral it could not.
	if r := s.Do(req{Method: "POST", Path: path + "/transitions", Token: sam, Body: escalated}); r.Status != 200 {
		t.Errorf("escalated: %d %s", r.Status, r.Body)
	}

	// Disclosure: asked for, the complainant told, approved by someone else.
	dpath := path + "/referrals/" + refID + "/identity-disclosures"
	if r := s.Do(req{Method: "POST", Path: dpath, Token: sam, Body: map[string]any{"reason": "x"}}); r.Status != 422 {
		t.Errorf("disclosure without a legal basis: %d", r.Status)
	}
	r = s.Do(req{Method: "POST", Path: dpath, Token: sam, Body: map[string]any{
		"legal_basis": "Directive 2019/1937 art. 16(2): required by the authority's investigation",
		"reason":      "The authority must hear the worker as a witness."}})
	if r.Status != 201 || r.JSON(t)["status"] != "awaiting_approval" {
		t.Fatalf("disclosure: %d %s", r.Status, r.Body)
	}
	did := r.JSON(t)["id"].(string)
	sid := s.Login("surveillance@example.org")
	if body := s.Do(req{Method: "GET", Path: "/api/v1/referrals/" + refID, Token: sid}).Body; strings.Contains(string(body), "Maria") {
		t.Error("the identity reached the body before approval")
	}
	view := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	tl, _ := json.Marshal(view["timeline"])
	if !strings.Contains(string(tl), "identity.disclosure_requested") || strings.Contains(string(tl), "identity.disclosed") {
		t.Errorf("the complainant is not told first: %s", tl)
	}
	if r := s.Do(req{Method: "POST", Path: dpath + "/" + did + "/approve", Token: sam}); r.Status != 403 || r.JSON(t)["code"] != "four_eyes" {
		t.Errorf("self-approval: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: dpath + "/" + did + "/approve", Token: ada}); r.Status != 200 || r.JSON(t)["status"] != "disclosed" {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: dpath + "/" + did + "/approve", Token: ada}); r.Status != 409 {
		t.Errorf("approved twice: %d", r.Status)
	}
	got := s.Do(req{Method: "GET", Path: "/api/v1/referrals/" + refID, Token: sid}).JSON(t)
	ds := got["identity_disclosures"].([]any)
	if len(ds) != 1 {
		t.Fatalf("the body's disclosures: %v", got["identity_disclosures"])
	}
	d := ds[0].(map[string]any)
	raw, _ := base64.StdEncoding.DecodeString(d["addendum_base64"].(string))
	var add escalation.Addendum
	if err := json.Unmarshal(raw, &add); err != nil || add.Complainant.Name != "Maria Lopez-Garcia" || add.NoticeAt.After(add.ApprovedAt) {
		t.Errorf("addendum: %s (%v)", raw, err)
	}
	var sig escalation.Signature
	sraw, _ := json.Marshal(d["addendum_signature"])
	_ = json.Unmarshal(sraw, &sig)
	if err := escalation.Verify(publishedKeys(t, s), raw, sig); err != nil {
		t.Errorf("the addendum's signature: %v", err)
	}
}

// TestMissedStatutoryDeadlineOpensEscalation: the default policy refers a
// case whose GDPR art. 12(3) deadline passed to a data protection
// authority, anonymously; a P0 incident goes to market surveillance.
func TestMissedStatutoryDeadlineOpensEscalation(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	s.Core.Config.SweepEvery = 50 * time.Millisecond
	f := s.File(teststack.NamedCase())
	if err := s.Core.DB.Exec(`UPDATE cases SET submitted_at = submitted_at - interval '40 days' WHERE id = ?`, f.ID).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Core.Clocks.Recompute(context.Background(), uuid.MustParse(f.ID)); err != nil {
		t.Fatal(err)
	}
	s.StartWorker()
	var ref struct {
		BodySlug, Source, ConsentScope, LegalBasis string
	}
	testenv.Eventually(t, 20*time.Second, "the policy refers the case", func() bool {
		s.Core.DB.Raw(`SELECT b.slug AS body_slug, r.source, r.consent_scope, r.legal_basis FROM referrals r
			JOIN bodies b ON b.id = r.body_id WHERE r.case_id = ? AND b.slug = 'demo-dpa'`, f.ID).Scan(&ref)
		return ref.BodySlug != ""
	})
	if ref.Source != "sla_breach" || ref.ConsentScope != "anonymous" || ref.LegalBasis != "GDPR art. 12(3)" {
		t.Errorf("policy referral: %+v", ref)
	}
	var open int
	s.Core.DB.Raw(`SELECT count(*) FROM escalation_requests WHERE case_id = ? AND clock = 'gdpr_reply' AND status = 'referred'
		AND referral_id IS NOT NULL`, f.ID).Scan(&open)
	if open != 1 {
		t.Errorf("the request is not marked referred")
	}
	// The acknowledgement deadline (whistleblowing) has no body of its type: it waits, on the record.
	testenv.Eventually(t, 10*time.Second, "the request with no body of its type waits", func() bool {
		var noBody int
		s.Core.DB.Raw(`SELECT count(*) FROM escalation_requests WHERE case_id = ? AND clock = 'acknowledge' AND status = 'open'
			AND body_type = 'external_whistleblowing_channel'`, f.ID).Scan(&noBody)
		return noBody == 1
	})
	regina := s.Login("regulator@example.org")
	items := s.Do(req{Method: "GET", Path: "/api/v1/referrals", Token: regina}).JSON(t)["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("the DPA's referrals: %v", items)
	}
	body := s.Do(req{Method: "GET", Path: "/api/v1/referrals/" + items[0].(map[string]any)["id"].(string), Token: regina}).Body
	if strings.Contains(string(body), "Maria") || strings.Contains(string(body), "SHIFT-2026") {
		t.Error("an anonymous policy referral carries identifying data")
	}

	// A possible serious incident triaged P0 goes to market surveillance.
	inc := teststack.ValidCase()
	inc["kind"] = "incident"
	g := s.File(inc)
	sam := s.Login("supervisor@example.org")
	testenv.Eventually(t, 10*time.Second, "the incident is routed", func() bool {
		var q string
		s.Core.DB.Raw(`SELECT coalesce(queue_id::text, '') FROM cases WHERE id = ?`, g.ID).Scan(&q)
		return q != ""
	})
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + g.ID + "/assign", Token: sam,
		Body: map[string]any{"user_id": userID(t, s, "supervisor@example.org")}}); r.Status != 200 {
		t.Fatalf("assign: %d %s", r.Status, r.Body)
	}
	tr := map[string]any{"scale": 4, "scope": 4, "irremediability": 4, "rationale": "Payments to thousands stopped at once.",
		"rights": []string{"social_security"}, "harm_types": []string{"financial"}, "mechanisms": []string{"erroneous_output"},
		"harm_status": "ongoing", "scale_rationale": "Every claimant of the benefit.", "scope_rationale": "Thousands of households.",
		"irremediability_rationale": "Rent and food cannot wait for back pay."}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + g.ID + "/triage", Token: sam, Body: tr}); r.Status != 200 ||
		r.JSON(t)["case"].(map[string]any)["priority"] != "P0" {
		t.Fatalf("triage: %d %s", r.Status, r.Body)
	}

	testenv.Eventually(t, 20*time.Second, "the P0 incident is reported", func() bool {
		var n int
		s.Core.DB.Raw(`SELECT count(*) FROM referrals r JOIN bodies b ON b.id = r.body_id
			WHERE r.case_id = ? AND b.slug = 'demo-msa' AND r.source = 'incident' AND r.consent_scope = 'anonymous'`, g.ID).Scan(&n)
		return n == 1
	})
}

// TestBodyWebhookSurvivesDowntime: a body receives referrals on a signed
// webhook; while the receiver is down, the delivery is retried with
// back-off and logged, and it lands once the receiver is back.
func TestBodyWebhookSurvivesDowntime(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got [][]byte
	var sigs []string
	var calls atomic.Int32
	const down = 3
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= down {
			http.Error(w, "maintenance", http.StatusServiceUnavailable)
			return
		}
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, sigs = append(got, b), append(sigs, r.Header.Get(notify.HeaderSignature))
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	s := teststack.New(t, teststack.Options{Worker: true, Notify: func(o *notify.Options) {
		o.Backoff = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond, 300 * time.Millisecond, time.Second}
		o.Poll = 50 * time.Millisecond
	}})
	ada, sam := s.Login("admin@example.org"), s.Login("supervisor@example.org")
	r := s.Do(req{Method: "POST", Path: "/api/v1/admin/bodies", Token: ada, Body: map[string]any{
		"slug": "equality-hook", "name": "Equality Body with a webhook", "type": "equality_body", "jurisdiction": "ES",
		"legal_bases": []string{"Ley 15/2022 art. 40"}, "webhook_url": srv.URL + "/referrals"}})
	if r.Status != 201 {
		t.Fatalf("body: %d %s", r.Status, r.Body)
	}
	b := r.JSON(t)
	secret, _ := b["webhook_secret"].(string)
	if secret == "" || b["webhook_url"] != srv.URL+"/referrals" {
		t.Fatalf("the body's webhook: %v", b)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/admin/bodies", Token: ada, Body: map[string]any{
		"slug": "Bad Slug", "type": "regulator", "jurisdiction": "Spain", "legal_bases": []string{}}}); r.Status != 422 {
		t.Errorf("a bad body: %d", r.Status)
	} else {
		for _, field := range []string{"slug", "name", "type", "jurisdiction", "legal_bases", "portal"} {
			if !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
				t.Errorf("a bad body does not name %s: %s", field, r.Body)
			}
		}
	}
	users := "/api/v1/admin/bodies/" + b["id"].(string) + "/users"
	for _, taken := range []string{"reviewer@example.org", "regulator@example.org"} { // staff, and another body's user
		if r := s.Do(req{Method: "POST", Path: users, Token: ada, Body: map[string]any{"email": taken, "name": "X",
			"password": teststack.DemoPassword}}); r.Status != 409 || r.JSON(t)["code"] != "email_taken" {
			t.Errorf("adding %s to a body: %d %s", taken, r.Status, r.Body)
		}
	}
	var kept struct{ Role, Body string }
	if err := s.Core.DB.Raw(`SELECT role, coalesce(body_id::text, '') AS body FROM users WHERE email = 'reviewer@example.org'`).
		Scan(&kept).Error; err != nil || kept.Role != "reviewer" || kept.Body != "" {
		t.Errorf("a refused portal user changed the staff account: %+v %v", kept, err)
	}
	if r := s.Do(req{Method: "POST", Path: users, Token: ada, Body: map[string]any{"email": "ines@igualdad.example",
		"name": "Inés", "password": "short"}}); r.Status != 422 || !strings.Contains(string(r.Body), `"field":"password"`) {
		t.Errorf("a short password: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: users, Token: ada, Body: map[string]any{"email": "ines@igualdad.example",
		"name": "Inés", "password": teststack.DemoPassword}}); r.Status != 201 || r.JSON(t)["body_id"] != b["id"] {
		t.Fatalf("a body user: %d %s", r.Status, r.Body)
	}
	ines := s.Login("ines@igualdad.example")
	f := s.File(teststack.NamedCase())
	r = s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/escalations", Token: sam, Body: map[string]any{
		"body_id": b["id"], "consent_scope": "anonymous", "reason": "Discrimination by an automated scheduler.",
		"legal_basis": "Ley 15/2022 art. 40"}})
	if r.Status != 201 {
		t.Fatalf("refer: %d %s", r.Status, r.Body)
	}
	refID := r.JSON(t)["id"].(string)
	if items := s.Do(req{Method: "GET", Path: "/api/v1/referrals", Token: ines}).JSON(t)["items"].([]any); len(items) != 1 {
		t.Errorf("the new body user's referrals: %v", items)
	}
	testenv.Eventually(t, 30*time.Second, "the dossier lands after the receiver is back", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) > 0
	})
	mu.Lock()
	payload, header := got[0], sigs[0]
	mu.Unlock()
	if err := notify.Verify([]byte(secret), header, payload, time.Minute); err != nil {
		t.Errorf("the webhook's HMAC: %v", err)
	}
	var p escalation.Package
	if err := json.Unmarshal(payload, &p); err != nil || p.Document != "dossier" || p.ReferralID.String() != refID {
		t.Fatalf("package: %v %s", err, payload)
	}
	doc, _ := base64.StdEncoding.DecodeString(p.Content)
	if err := escalation.Verify(publishedKeys(t, s), doc, p.Signature); err != nil {
		t.Errorf("the dossier in the webhook: %v", err)
	}
	pdf, _ := base64.StdEncoding.DecodeString(p.PDF)
	if err := escalation.Verify(publishedKeys(t, s), pdf, *p.PDFSignature); err != nil {
		t.Errorf("the PDF in the webhook: %v", err)
	}
	// The delivery log, in the case's referrals.
	testenv.Eventually(t, 10*time.Second, "the delivery is logged as delivered", func() bool {
		refs := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.ID + "/referrals", Token: sam}).JSON(t)["items"].([]any)
		ds := refs[0].(map[string]any)["deliveries"].([]any)
		if len(ds) != 1 {
			return false
		}
		d := ds[0].(map[string]any)
		return d["channel"] == "webhook" && d["status"] == "delivered" && d["attempts"].(float64) == down+1
	})
	// The organisation's own endpoints never see bodies' deliveries, and the
	// body's endpoint never gets the organisation's events.
	var other int
	s.Core.DB.Raw(`SELECT count(*) FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
		WHERE e.body_id IS NOT NULL AND d.referral_id IS NULL`).Scan(&other)
	if other != 0 {
		t.Errorf("%d organisation events went to a body's webhook", other)
	}
}

// Someone who complained anonymously has no identity to share: the API
// refuses identity_shared for their case, as the page does (one rule, in
// the domain), and writes nothing.
func TestAnonymousComplainantCannotShareAnIdentity(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := s.File(teststack.ValidCase())
	me := s.ComplainantToken(f)
	r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: me, Body: map[string]any{
		"body_id": bodyID(t, s, "demo-dpa"), "consent_scope": "identity_shared"}})
	if r.Status != 422 || !strings.Contains(string(r.Body), `"field":"consent_scope"`) ||
		!strings.Contains(string(r.Body), `"code":"anonymous_case"`) {
		t.Fatalf("identity_shared on an anonymous case: %d %s", r.Status, r.Body)
	}
	var n int64
	if err := s.Core.DB.Raw(`SELECT count(*) FROM referrals WHERE case_id = ?`, f.ID).Scan(&n).Error; err != nil || n != 0 {
		t.Fatalf("referrals written: %d %v", n, err)
	}
}
