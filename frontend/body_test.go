package frontend_test

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// refBody is the id of a demo body, from the public register.
func refBody(t *testing.T, s *teststack.Stack, slug string) string {
	t.Helper()
	r := s.Do(teststack.Request{Method: "GET", Path: "/api/v1/bodies"})
	for _, b := range r.JSON(t)["items"].([]any) {
		if m := b.(map[string]any); m["slug"] == slug {
			return m["id"].(string)
		}
	}
	t.Fatalf("no body %s", slug)
	return ""
}

// refEscalate files teststack.NamedCase and has the complainant ask for a referral
// to the body with consent; it returns the case and the referral's id.
func refEscalate(t *testing.T, s *teststack.Stack, slug, consent string) (teststack.Filed, string) {
	t.Helper()
	f := s.File(teststack.NamedCase())
	r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: s.ComplainantToken(f),
		Body: map[string]any{"body_id": refBody(t, s, slug), "consent_scope": consent,
			"reason": "Maria Lopez-Garcia wants the authority to look at this."}})
	if r.Status != 201 {
		t.Fatalf("escalate: %d %s", r.Status, r.Body)
	}
	return f, r.JSON(t)["id"].(string)
}

// refVerify checks a download's Redress-Signature over its exact bytes with
// the key published at the well-known URL, and its Repr-Digest.
func refVerify(t *testing.T, s *teststack.Stack, p page) {
	t.Helper()
	var keys struct{ Keys []escalation.PublicKey }
	s.Do(teststack.Request{Method: "GET", Path: "/.well-known/redress-signing-key"}).Decode(t, &keys)
	h := p.Header.Get("Redress-Signature")
	var kid, sig string
	for _, part := range strings.Split(h, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch v = strings.Trim(v, `"`); k {
		case "keyid":
			kid = v
		case "sig":
			sig = v
		}
	}
	sum := sha256.Sum256([]byte(p.Body))
	if want := "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":"; p.Header.Get("Repr-Digest") != want {
		t.Errorf("Repr-Digest %q, want %q", p.Header.Get("Repr-Digest"), want)
	}
	for _, k := range keys.Keys {
		if k.KID != kid {
			continue
		}
		pub, _ := base64.RawURLEncoding.DecodeString(k.X)
		raw, _ := base64.StdEncoding.DecodeString(sig)
		if !ed25519.Verify(pub, []byte(p.Body), raw) {
			t.Fatalf("the signature %q does not verify", h)
		}
		tampered := []byte(p.Body)
		tampered[len(tampered)/2] ^= 1
		if ed25519.Verify(pub, tampered, raw) {
			t.Fatal("a tampered download verifies")
		}
		return
	}
	t.Fatalf("no published key %q (header %q)", kid, h)
}

func refStatus(t *testing.T, s *teststack.Stack, id string) string {
	t.Helper()
	var st string
	if err := s.Core.DB.Raw(`SELECT status FROM referrals WHERE id = ?`, id).Scan(&st).Error; err != nil {
		t.Fatal(err)
	}
	return st
}

func refMessages(t *testing.T, s *teststack.Stack, id string) int {
	t.Helper()
	var n int
	if err := s.Core.DB.Raw(`SELECT count(*) FROM referral_messages WHERE referral_id = ?`, id).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

var refSecrets = []string{"Maria", "Lopez", "maria.lopez", "612 345 678", "612345678", "SHIFT-2026-11-0042"}

// TestRefPortalShowsTheReferralWithoutTheIdentity: a body's user finds the
// referral in their list and opens it; with identity_withheld the page
// holds nothing that identifies the complainant, the dossier is readable,
// and both downloads are the exact signed files.
func TestRefPortalShowsTheReferralWithoutTheIdentity(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f, id := refEscalate(t, s, "demo-dpa", "identity_withheld")

	c := newClient(t, s.URL)
	if p := c.signIn("regulator@example.org", teststack.DemoPassword); p.Header.Get("Location") != "/referrals" {
		t.Errorf("a body's user lands on %q", p.Header.Get("Location"))
	}
	list := c.get("/referrals")
	if list.Status != 200 {
		t.Fatalf("GET /referrals: %d %s", list.Status, list.Body)
	}
	// The complainant's own words for the system stay out of the list
	// without identity consent; the referral shows them masked.
	if strings.Contains(list.Body, "The scheduling app at my warehouse") {
		t.Error("the list shows the complainant's words for the system without consent")
	}
	for _, want := range []string{`href="/referrals/` + id + `"`, f.Reference, "Sent, not yet received", "Identity withheld",
		"you see the case but not who the complainant is", "The complainant asked for it",
		"Named by the complainant: open the referral to read it, masked", "Not opened yet", `<caption id="ref-list-caption">`} {
		if !strings.Contains(list.Body, want) {
			t.Errorf("the list lacks %q", want)
		}
	}

	p := c.get("/referrals/" + id)
	if p.Status != 200 {
		t.Fatalf("GET /referrals/%s: %d %s", id, p.Status, p.Body)
	}
	if n := strings.Count(p.Body, "<h1"); n != 1 {
		t.Errorf("%d h1 elements", n)
	}
	for _, want := range []string{"Referral " + f.Reference, "Data Protection Authority (demo)", "Identity withheld",
		"The case", "The contested decision", "Classification and severity", "Chronology", "Deadlines",
		"Internal handling and outcome", "Remedies", "Evidence", "Redaction log", "Case filed",
		"Work", "Non-discrimination", "Withheld: the complainant did not agree to share their identity",
		escalation.MaskedName, escalation.MaskedPhone, "<code>complainant.name</code>", "The complainant did not agree to share their identity.",
		"EU Whistleblowing Directive 2019/1937 art. 9(1)(b)", "Referral made and the signed dossier sent",
		`href="/referrals/` + id + `/dossier.json"`, `href="/referrals/` + id + `/dossier.pdf"`,
		`id="ref-status-form"`, `id="ref-message-form"`, `name="_csrf"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the referral page lacks %q", want)
		}
	}
	for _, secret := range refSecrets {
		if strings.Contains(strings.ToLower(p.Body), strings.ToLower(secret)) {
			t.Errorf("the body's page shows %q", secret)
		}
	}
	if strings.Contains(p.Body, "⟦") {
		t.Errorf("a message id is missing: %s", regexp.MustCompile(`⟦[^⟧]*⟧`).FindAllString(p.Body, -1))
	}
	// Opening it is on the record, and in its history.
	if p := c.get("/referrals/" + id); !strings.Contains(p.Body, "Opened by your body for the first time") {
		t.Error("the history lacks the first opening")
	}
	if list := c.get("/referrals"); strings.Contains(list.Body, "Not opened yet") {
		t.Error("an opened referral is still new")
	}

	// Both downloads are the API's exact signed bytes, with its headers.
	token := s.Login("regulator@example.org")
	for _, d := range []struct{ page, api, typ, name string }{
		{"/dossier.json", "/dossier", "application/json", f.Reference + "-dossier.json"},
		{"/dossier.pdf", "/dossier.pdf", "application/pdf", f.Reference + "-dossier.pdf"},
	} {
		got := c.get("/referrals/" + id + d.page)
		if got.Status != 200 || got.Header.Get("Content-Type") != d.typ ||
			got.Header.Get("Content-Disposition") != `attachment; filename="`+d.name+`"` ||
			got.Header.Get("X-Content-Type-Options") != "nosniff" || got.Header.Get("Cache-Control") != "private, no-store" {
			t.Fatalf("%s: %d %v", d.page, got.Status, got.Header)
		}
		refVerify(t, s, got)
		api := s.Do(teststack.Request{Method: "GET", Path: "/api/v1/referrals/" + id + d.api, Token: token})
		if string(api.Body) != got.Body || api.Header.Get("Redress-Signature") != got.Header.Get("Redress-Signature") ||
			api.Header.Get("Repr-Digest") != got.Header.Get("Repr-Digest") {
			t.Errorf("%s differs from the API's download", d.page)
		}
		for _, secret := range refSecrets {
			if strings.Contains(got.Body, secret) {
				t.Errorf("%s holds %q", d.page, secret)
			}
		}
	}
	var doc escalation.Dossier
	if err := json.Unmarshal([]byte(c.get("/referrals/"+id+"/dossier.json").Body), &doc); err != nil || doc.Case.Reference != f.Reference {
		t.Errorf("the JSON download: %v %+v", err, doc.Case)
	}

	// Not a referral id, or no referral: the 404 page.
	for _, path := range []string{"/referrals/not-a-uuid", "/referrals/00000000-0000-0000-0000-000000000000",
		"/referrals/00000000-0000-0000-0000-000000000000/dossier.pdf"} {
		if p := c.get(path); p.Status != 404 || !strings.Contains(p.Body, "Page not found") {
			t.Errorf("%s: %d", path, p.Status)
		}
	}
}

// TestRefPortalIsOnlyTheBodys: another body's user sees an empty list and
// a 404 for the page, both downloads and both forms; staff are refused and
// visitors sent to sign in.
func TestRefPortalIsOnlyTheBodys(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f, id := refEscalate(t, s, "demo-dpa", "identity_withheld")

	other := newClient(t, s.URL)
	other.signIn("surveillance@example.org", teststack.DemoPassword)
	list := other.get("/referrals")
	if list.Status != 200 || !strings.Contains(list.Body, "No case has been referred to your body yet.") ||
		strings.Contains(list.Body, f.Reference) || strings.Contains(list.Body, id) {
		t.Errorf("another body's list: %d %s", list.Status, list.Body)
	}
	for _, path := range []string{"", "/dossier.json", "/dossier.pdf"} {
		p := other.get("/referrals/" + id + path)
		if p.Status != 404 || strings.Contains(p.Body, f.Reference) || strings.Contains(p.Body, "%PDF") {
			t.Errorf("another body's user GET %s: %d", path, p.Status)
		}
	}
	if p := other.post("/referrals/"+id+"/status", url.Values{"status": {"received"}}); p.Status != 404 || strings.Contains(p.Body, f.Reference) {
		t.Errorf("another body's user sets the status: %d", p.Status)
	}
	if p := other.post("/referrals/"+id+"/messages", url.Values{"body": {"Hello from elsewhere"}}); p.Status != 404 {
		t.Errorf("another body's user writes: %d", p.Status)
	}
	if refStatus(t, s, id) != "sent" || refMessages(t, s, id) != 0 {
		t.Error("another body's user changed the referral")
	}

	staff := newClient(t, s.URL)
	staff.signIn("supervisor@example.org", teststack.DemoPassword)
	for _, path := range []string{"/referrals", "/referrals/" + id, "/referrals/" + id + "/dossier.json", "/referrals/" + id + "/dossier.pdf"} {
		if p := staff.get(path); p.Status != 403 || strings.Contains(p.Body, f.Reference) {
			t.Errorf("staff GET %s: %d", path, p.Status)
		}
	}
	if p := staff.post("/referrals/"+id+"/status", url.Values{"status": {"received"}}); p.Status != 403 {
		t.Errorf("staff set the status: %d", p.Status)
	}

	anon := newClient(t, s.URL)
	for _, path := range []string{"/referrals", "/referrals/" + id, "/referrals/" + id + "/dossier.json"} {
		p := anon.get(path)
		if p.Status != 303 || p.Header.Get("Location") != "/login?next="+url.QueryEscape(path) {
			t.Errorf("a visitor GET %s: %d %q", path, p.Status, p.Header.Get("Location"))
		}
	}
	if p := anon.post("/referrals/"+id+"/status", url.Values{"status": {"received"}}); p.Status != 303 ||
		!strings.HasPrefix(p.Header.Get("Location"), "/login") {
		t.Errorf("a visitor posts a status: %d", p.Status)
	}
	if refStatus(t, s, id) != "sent" {
		t.Error("the status changed")
	}
}

// TestRefPortalStatusAndMessages: the body moves the referral as the
// domain allows, a refused move says why, bad input names its field and
// writes nothing, and a message reaches the case.
func TestRefPortalStatusAndMessages(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f, id := refEscalate(t, s, "demo-dpa", "identity_withheld")
	c := newClient(t, s.URL)
	c.signIn("regulator@example.org", teststack.DemoPassword)
	path := "/referrals/" + id

	// Only the moves the referral allows are offered.
	p := c.get(path)
	for _, s := range []string{"received", "investigating", "information_requested", "closed"} {
		if !strings.Contains(p.Body, `name="status" value="`+s+`"`) {
			t.Errorf("a sent referral does not offer %s", s)
		}
	}
	if strings.Contains(p.Body, `name="status" value="sent"`) {
		t.Error("sent is offered")
	}

	// Bad input: named, with the summary linked to the field, and nothing written.
	p = c.post(path+"/status", url.Values{"status": {""}})
	if p.Status != 422 || !strings.Contains(p.Body, `href="#f-status"`) || !strings.Contains(p.Body, "New status: This is required.") ||
		!strings.Contains(p.Body, `id="f-status-error"`) {
		t.Errorf("no status: %d %s", p.Status, p.Body)
	}
	p = c.post(path+"/status", url.Values{"status": {"closed"}, "outcome": {"  "}})
	if p.Status != 422 || !strings.Contains(p.Body, `href="#f-outcome"`) ||
		!regexp.MustCompile(`<textarea id="f-outcome"[^>]*aria-invalid="true"`).MatchString(p.Body) ||
		!regexp.MustCompile(`value="closed"[^>]*checked`).MatchString(p.Body) {
		t.Errorf("closing without an outcome: %d %s", p.Status, p.Body)
	}
	if refStatus(t, s, id) != "sent" {
		t.Fatal("a refused form changed the status")
	}

	// A move: 303 back to the status, with a flash, on the record.
	p = c.post(path+"/status", url.Values{"status": {"received"}})
	if p.Status != 303 || p.Header.Get("Location") != path+"#status" {
		t.Fatalf("received: %d %v %s", p.Status, p.Header, p.Body)
	}
	p = c.get(path)
	if !strings.Contains(p.Body, "The referral&#39;s status is saved.") || !strings.Contains(p.Body, `id="ref-current-status">Received<`) ||
		!strings.Contains(p.Body, "Marked as received") {
		t.Errorf("after received: %s", p.Body)
	}
	if refStatus(t, s, id) != "received" {
		t.Error("the status is not saved")
	}
	if strings.Contains(p.Body, `name="status" value="received"`) {
		t.Error("received is offered again")
	}

	// A move the domain refuses: 409, with the reason and the moves allowed.
	p = c.post(path+"/status", url.Values{"status": {"received"}})
	if p.Status != 409 || !strings.Contains(p.Body, "A referral that is “Received” cannot become “Received”. From here it can become: Under investigation · Information requested · Closed.") {
		t.Errorf("received twice: %d %s", p.Status, p.Body)
	}

	p = c.post(path+"/status", url.Values{"status": {"investigating"}})
	if p.Status != 303 {
		t.Fatalf("investigating: %d %s", p.Status, p.Body)
	}
	p = c.post(path+"/status", url.Values{"status": {"closed"}, "outcome": {"The authority found the profiling unlawful."}})
	if p.Status != 303 || refStatus(t, s, id) != "closed" {
		t.Fatalf("closed: %d %s", p.Status, p.Body)
	}
	p = c.get(path)
	if !strings.Contains(p.Body, "The authority found the profiling unlawful.") || !strings.Contains(p.Body, `id="ref-no-moves"`) ||
		strings.Contains(p.Body, `id="ref-status-form"`) {
		t.Errorf("a closed referral: %s", p.Body)
	}
	p = c.post(path+"/status", url.Values{"status": {"investigating"}})
	if p.Status != 409 || !strings.Contains(p.Body, "This referral is “Closed”: its status can no longer change.") {
		t.Errorf("reopened: %d %s", p.Status, p.Body)
	}
	if list := c.get("/referrals?status=closed"); !strings.Contains(list.Body, f.Reference) || !strings.Contains(list.Body, "The authority found the profiling unlawful.") {
		t.Errorf("the closed list: %s", list.Body)
	}
	if list := c.get("/referrals?status=investigating"); strings.Contains(list.Body, f.Reference) {
		t.Error("the filter does not filter")
	}

	// The complainant sees the body's outcome.
	view := s.Do(teststack.Request{Method: "GET", Path: "/api/v1/complainant/case", Token: s.ComplainantToken(f)}).JSON(t)
	if refs := view["referrals"].([]any); len(refs) != 1 || refs[0].(map[string]any)["status"] != "closed" {
		t.Errorf("the complainant's referrals: %v", view["referrals"])
	}

	// Messages: empty is named; a message reaches the case.
	p = c.post(path+"/messages", url.Values{"body": {"   "}})
	if p.Status != 422 || !strings.Contains(p.Body, `href="#f-body"`) || !strings.Contains(p.Body, "Your message: This is required.") ||
		!regexp.MustCompile(`<textarea id="f-body"[^>]*aria-invalid="true"`).MatchString(p.Body) {
		t.Errorf("an empty message: %d %s", p.Status, p.Body)
	}
	if refMessages(t, s, id) != 0 {
		t.Fatal("an empty message was written")
	}
	p = c.post(path+"/messages", url.Values{"body": {"Please send the screening logs."}})
	if p.Status != 303 || p.Header.Get("Location") != path+"#messages" {
		t.Fatalf("message: %d %s", p.Status, p.Body)
	}
	if p := c.get(path); !strings.Contains(p.Body, "Your message was sent to the organisation.") ||
		!strings.Contains(p.Body, "Please send the screening logs.") || !strings.Contains(p.Body, "<strong>You</strong>") {
		t.Errorf("the thread: %s", p.Body)
	}
	refs := s.Do(teststack.Request{Method: "GET", Path: "/api/v1/cases/" + f.ID + "/referrals", Token: s.Login("supervisor@example.org")}).JSON(t)
	msgs := refs["items"].([]any)[0].(map[string]any)["messages"].([]any)
	if len(msgs) != 1 || msgs[0].(map[string]any)["body"] != "Please send the screening logs." ||
		msgs[0].(map[string]any)["author_kind"] != "body" {
		t.Errorf("the case's referral messages: %v", msgs)
	}
	// The organisation's answer shows in the thread.
	if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/referrals/" + id + "/messages",
		Token: s.Login("supervisor@example.org"), Body: map[string]any{"body": "The logs are attached to the case."}}); r.Status != 201 {
		t.Fatalf("organisation message: %d %s", r.Status, r.Body)
	}
	if p := c.get(path); !strings.Contains(p.Body, "The logs are attached to the case.") || !strings.Contains(p.Body, "The organisation") {
		t.Error("the organisation's message is not in the thread")
	}
}

// TestRefPortalPagesAndDisclosure: the list pages newest first by keyset;
// an identity disclosed later shows in its signed addendum.
func TestRefPortalPagesAndDisclosure(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	older, olderID := refEscalate(t, s, "demo-dpa", "anonymous")
	newer, id := refEscalate(t, s, "demo-dpa", "identity_withheld")
	// An anonymous referral goes by its own reference, never the case's
	// (issue 16, item 7).
	olderRef := "A-" + strings.ToUpper(olderID[:8])
	c := newClient(t, s.URL)
	c.signIn("regulator@example.org", teststack.DemoPassword)

	first := c.get("/referrals?limit=1")
	m := regexp.MustCompile(`href="(/referrals\?[^"]*cursor=[^"]+)"`).FindStringSubmatch(first.Body)
	if first.Status != 200 || !strings.Contains(first.Body, newer.Reference) || strings.Contains(first.Body, olderRef) || m == nil {
		t.Fatalf("first page: %d %s", first.Status, first.Body)
	}
	second := c.get(strings.ReplaceAll(m[1], "&amp;", "&"))
	if strings.Contains(first.Body+second.Body, older.Reference) {
		t.Error("the anonymous referral's case reference reached the body")
	}
	if second.Status != 200 || !strings.Contains(second.Body, olderRef) || strings.Contains(second.Body, newer.Reference) ||
		strings.Contains(second.Body, `id="ref-next"`) || !strings.Contains(second.Body, "First page") {
		t.Errorf("second page: %d %s", second.Status, second.Body)
	}
	if p := c.get("/referrals?cursor=nonsense"); p.Status != 422 {
		t.Errorf("a bad cursor: %d", p.Status)
	}
	if p := c.get("/referrals?status=everything"); p.Status != 422 {
		t.Errorf("a bad status: %d", p.Status)
	}

	// A disclosure: asked for with a legal basis, approved by a second person.
	sam, ada := s.Login("supervisor@example.org"), s.Login("admin@example.org")
	dpath := "/api/v1/cases/" + newer.ID + "/referrals/" + id + "/identity-disclosures"
	r := s.Do(teststack.Request{Method: "POST", Path: dpath, Token: sam, Body: map[string]any{
		"legal_basis": "Directive 2019/1937 art. 16(2)", "reason": "The authority must hear the worker."}})
	if r.Status != 201 {
		t.Fatalf("disclosure: %d %s", r.Status, r.Body)
	}
	if p := c.get("/referrals/" + id); strings.Contains(p.Body, "Maria") || strings.Contains(p.Body, `id="disclosures"`) {
		t.Error("the identity shows before approval")
	}
	if r := s.Do(teststack.Request{Method: "POST", Path: dpath + "/" + r.JSON(t)["id"].(string) + "/approve", Token: ada}); r.Status != 200 {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	p := c.get("/referrals/" + id)
	for _, want := range []string{`<h2 id="disclosures">`, "Directive 2019/1937 art. 16(2)", "Maria Lopez-Garcia", "maria.lopez@example.net",
		"The complainant&#39;s identity was disclosed in a signed addendum"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the disclosure lacks %q", want)
		}
	}
	if n := strings.Count(p.Body, "<h1"); n != 1 || p.Status != http.StatusOK {
		t.Errorf("%d: %d h1", p.Status, n)
	}
}
