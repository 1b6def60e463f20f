package frontend_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// cpHasOneH1 checks a page's structure: exactly one <h1>, no id twice,
// no message missing from the catalogues.
func cpHasOneH1(t *testing.T, path string, p page) {
	t.Helper()
	if n := strings.Count(p.Body, "<h1"); n != 1 {
		t.Errorf("%s has %d <h1>", path, n)
	}
	seen := map[string]bool{}
	for _, m := range cpID.FindAllStringSubmatch(p.Body, -1) {
		if seen[m[1]] {
			t.Errorf("%s has the id %q twice", path, m[1])
		}
		seen[m[1]] = true
	}
	// Every label and description points at something on the page.
	for _, m := range cpRefs.FindAllStringSubmatch(p.Body, -1) {
		for _, id := range strings.Fields(m[2]) {
			if !seen[id] {
				t.Errorf("%s: %s points at %q, which is not on the page", path, m[1], id)
			}
		}
	}
	if strings.Contains(p.Body, "⟦") {
		t.Errorf("%s names a message no catalogue has: %s", path, p.Body[strings.Index(p.Body, "⟦"):][:80])
	}
}

var cpID = regexp.MustCompile(`\sid="([^"]+)"`)

var cpRefs = regexp.MustCompile(`\s(for|aria-describedby|aria-labelledby)="([^"]+)"`)

var cpIdemKey = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)

// cpForm is a valid anonymous complaint as the form's last step sends it,
// with the key the form carried.
func cpForm(key string) url.Values {
	return url.Values{
		"idempotency_key":    {key},
		"kind":               {"contest_decision"},
		"ai_system":          {"other"},
		"ai_system_other":    {"The rota app at the depot"},
		"decision_reference": {"ROTA-77"},
		"decision_date":      {"2026-01-12"},
		"informed_of_ai":     {"unsure"},
		"description":        {"The rota app gave me no shifts for three weeks after I asked for a day off."},
		"rights":             {"work", "due_process"},
		"harm_types":         {"financial"},
		"desired_outcome":    {"Give me my shifts back."},
		"anonymous":          {"true"},
		// Dropped: an anonymous complaint keeps no contact details.
		"contact.name":  {"Should Not Be Kept"},
		"contact.email": {"ignored@example.org"},
	}
}

// cpStep posts the answers in form from step n of the complaint form,
// pressing the button go ("next", "back" or "step-N").
func cpStep(c *client, n int, goTo string, form url.Values) page {
	c.t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	f.Set("step", strconv.Itoa(n))
	f.Set("go", goTo)
	return c.post("/complaints/new", f)
}

// cpSend sends the form's last step as the browser does: multipart, the
// CSRF token (csrf) among the answers, and the files (name → content).
func cpSend(c *client, csrf string, form url.Values, files map[string][]byte) page {
	c.t.Helper()
	var parts [][2]string
	if csrf != "" {
		parts = append(parts, [2]string{"_csrf", csrf})
	}
	parts = append(parts, [2]string{"step", "5"})
	for k, vs := range form {
		for _, v := range vs {
			parts = append(parts, [2]string{k, v})
		}
	}
	names := slices.Sorted(maps.Keys(files))
	for _, name := range names {
		parts = append(parts, [2]string{"file;" + name, string(files[name])})
	}
	if len(files) == 0 {
		parts = append(parts, [2]string{"file;", ""}) // the file input left empty
	}
	return c.multipart("/complaints/send", parts...)
}

func TestComplainantPublicPagesRender(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	if err := s.Core.DB.Exec(`UPDATE ai_systems SET suspended_at = now() WHERE slug = 'credit-scorer'`).Error; err != nil {
		t.Fatal(err)
	}
	en := newClient(t, s.URL)
	for path, wants := range map[string][]string{
		"/": {"Make a complaint", "Follow up a complaint", "You can stay anonymous.", "It is free.",
			// The time frames come from the default policy in the database; the
			// start page keeps the two a complainant cares about and links to
			// the procedure's full table (issue 13).
			"24 hours if urgent", `href="/procedure#times"`, "See every time limit and where it comes from.",
			"Data Protection Authority (demo)", "Ombudsman"},
		"/ai-systems": {"TalentSift hiring screener", "TalentSift B.V.", "Employment (AI Act Annex III 4(a))",
			"We have stopped using this system.", `href="/complaints/new?system=`},
		"/procedure": {"A person reviews it", "Appeal", "GDPR art. 12(3)", "EU Whistleblowing Directive 2019/1937 art. 9(1)(b)",
			"30 days from the decision", "<caption id=\"cp-tiers-caption\">",
			"Most urgent", "90 days from when we receive your complaint", "without your agreement", "encrypted",
			"10 days from when we learn of the incident (the death of a person)"},
		"/bodies": {"Equality Body (demo)", "Equality body", "Who was treated less favourably, how, and on what ground."},
		"/complaints/new": {`name="idempotency_key"`, `<legend>What is your complaint about?</legend>`, "Step 1 of 5",
			`<li aria-current="step">What happened</li>`, "use your own phone or computer and your own internet connection",
			"private or incognito window", "Staying anonymous means"},
		"/follow-up":          {`id="f-reference"`, `id="f-receipt"`, `action="/follow-up"`},
		"/complaints/receipt": {"Your code is no longer shown"},
	} {
		p := en.get(path)
		if p.Status != 200 {
			t.Errorf("%s: %d", path, p.Status)
			continue
		}
		cpHasOneH1(t, path, p)
		for _, w := range wants {
			if !strings.Contains(p.Body, w) {
				t.Errorf("%s lacks %q", path, w)
			}
		}
	}
	if p := en.get("/"); strings.Contains(p.Body, "GDPR art. 12(3)") || strings.Contains(p.Body, "Time you have to appeal") {
		t.Error("the start page still lists the legal time limits")
	}
	// The same pages in Arabic, right to left, with nothing untranslated.
	ar := newClient(t, s.URL)
	ar.header.Set("Accept-Language", "ar")
	for _, path := range []string{"/", "/ai-systems", "/procedure", "/bodies", "/complaints/new", "/follow-up", "/complaints/receipt"} {
		p := ar.get(path)
		if p.Status != 200 || !strings.Contains(p.Body, `<html lang="ar" dir="rtl">`) {
			t.Errorf("ar %s: %d %.200s", path, p.Status, p.Body)
		}
		cpHasOneH1(t, "ar "+path, p)
	}
	if p := ar.get("/"); !strings.Contains(p.Body, "الشكوى من قرار اتُّخذ بالذكاء الاصطناعي") {
		t.Errorf("the Arabic start page is not in Arabic: %.400s", p.Body)
	}
}

func TestComplainantFilesAnonymouslyThroughTheForm(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	c := newClient(t, s.URL)
	p := c.get("/complaints/new")
	m := cpIdemKey.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no idempotency key on the form: %s", p.Body)
	}
	key := m[1]
	// The first step asks only what happened: no contact, no rights, no files.
	for _, absent := range []string{`name="contact.name"`, `name="rights"`, `name="ai_system"`, `type="file"`} {
		if strings.Contains(p.Body, absent) {
			t.Errorf("step 1 asks %s", absent)
		}
	}

	// Bad input on a step: only that step's fields are checked, each error
	// is named with its field's label, in form order, linked and marked; nothing is written.
	bad := url.Values{"idempotency_key": {key}, "decision_date": {"12/01/2026"}}
	p = cpStep(c, 1, "next", bad)
	if p.Status != 422 {
		t.Fatalf("bad step: %d %s", p.Status, p.Body)
	}
	summary := p.Body[strings.Index(p.Body, `id="error-summary"`):]
	summary = summary[:strings.Index(summary, "</div>")]
	last := -1
	for _, want := range []string{`href="#f-kind"><span class="cp-error-label">What is your complaint about?</span> <span class="cp-error-message">Choose what your complaint is about.</span>`,
		`href="#f-description"><span class="cp-error-label">What happened?</span> <span class="cp-error-message">Tell us what happened.</span>`,
		`href="#f-decision-date"><span class="cp-error-label">Date of the decision (optional)</span>`} {
		i := strings.Index(summary, want)
		if i < 0 {
			t.Errorf("the error summary lacks %s: %s", want, summary)
		} else if i < last {
			t.Errorf("the error summary is not in form order: %s", summary)
		}
		last = i
	}
	if strings.Contains(summary, "f-rights") || strings.Contains(summary, "f-anonymous") || strings.Contains(summary, "f-ai-system-id") {
		t.Errorf("step 1 reports other steps' fields: %s", summary)
	}
	for _, want := range []string{`id="f-description-error"`, `aria-describedby="f-description-hint f-description-error" aria-invalid="true"`,
		`value="` + key + `"`, "Step 1 of 5"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("422 page lacks %s", want)
		}
	}
	cpHasOneH1(t, "the form with errors", p)
	if n := countOf(t, s, `SELECT count(*) FROM cases`); n != 0 {
		t.Fatalf("a refused form wrote %d cases", n)
	}

	// Step by step: each page carries the earlier answers in hidden fields.
	answers := cpForm(key)
	p = cpStep(c, 1, "next", answers)
	if p.Status != 200 || !strings.Contains(p.Body, "Step 2 of 5") || !strings.Contains(p.Body,
		`<input type="hidden" name="description" value="The rota app gave me no shifts for three weeks after I asked for a day off.">`) {
		t.Fatalf("step 2: %d %s", p.Status, p.Body)
	}
	cpHasOneH1(t, "step 2", p)
	// Back keeps the answers.
	if p := cpStep(c, 2, "back", answers); p.Status != 200 || !strings.Contains(p.Body, "Step 1 of 5") ||
		!strings.Contains(p.Body, ">The rota app gave me no shifts for three weeks after I asked for a day off.</textarea>") {
		t.Errorf("back to step 1: %d %s", p.Status, p.Body)
	}
	if p := cpStep(c, 3, "next", url.Values{"idempotency_key": {key}}); p.Status != 422 || !strings.Contains(p.Body, `href="#f-rights"`) {
		t.Errorf("step 3 without rights: %d", p.Status)
	}
	// Choosing to give one's name asks, on the same step, how to reach them.
	id := cpForm(key)
	id.Set("anonymous", "false")
	p = cpStep(c, 4, "next", id)
	if p.Status != 200 || !strings.Contains(p.Body, "Step 4 of 5") || !strings.Contains(p.Body, `autocomplete="email"`) ||
		strings.Contains(p.Body, "error-summary") {
		t.Errorf("identified, first press: %d %s", p.Status, p.Body)
	}
	id.Set("contact_shown", "1")
	id.Set("contact.preferred_channel", "phone")
	if p := cpStep(c, 4, "next", id); p.Status != 422 || !strings.Contains(p.Body, `href="#f-contact-phone"`) {
		t.Errorf("identified without a phone: %d", p.Status)
	}
	// Anonymous: straight to check and send, no contact kept.
	p = cpStep(c, 4, "next", answers)
	if p.Status != 200 || !strings.Contains(p.Body, "Step 5 of 5") || !strings.Contains(p.Body, `enctype="multipart/form-data"`) ||
		strings.Contains(p.Body, "Should Not Be Kept") || !strings.Contains(p.Body, "The rota app at the depot") {
		t.Fatalf("step 5: %d %s", p.Status, p.Body)
	}
	cpHasOneH1(t, "step 5", p)
	if p := cpStep(c, 5, "step-2", answers); p.Status != 200 || !strings.Contains(p.Body, "Step 2 of 5") ||
		!strings.Contains(p.Body, `value="The rota app at the depot"`) {
		t.Errorf("change step 2: %d %s", p.Status, p.Body)
	}
	// The last step checks its CSRF token from the multipart body.
	if p := cpSend(c, "", cpForm(key), nil); p.Status != 403 {
		t.Errorf("send without a CSRF token: %d", p.Status)
	}
	if n := countOf(t, s, `SELECT count(*) FROM cases`); n != 0 {
		t.Fatalf("a refused form wrote %d cases", n)
	}
	csrf := c.csrf()
	// Sending checks every step again: an answer missing sends the person back to its step.
	noRights := cpForm(key)
	noRights.Del("rights")
	if p := cpSend(c, csrf, noRights, nil); p.Status != 422 || !strings.Contains(p.Body, "Step 3 of 5") || !strings.Contains(p.Body, `href="#f-rights"`) {
		t.Errorf("send without rights: %d", p.Status)
	}
	// A bad file refuses the whole complaint, named on the last step.
	withNote := cpForm(key)
	withNote.Set("evidence_description", "The rota of November")
	if p := cpSend(c, csrf, withNote, map[string][]byte{"empty.txt": {}}); p.Status != 422 || !strings.Contains(p.Body, "Step 5 of 5") ||
		!strings.Contains(p.Body, ">The rota of November</textarea>") ||
		!strings.Contains(p.Body, `href="#f-evidence-file"`) || !strings.Contains(p.Body, "This file is empty.") {
		t.Errorf("send with an empty file: %d %s", p.Status, p.Body)
	}
	if n := countOf(t, s, `SELECT count(*) FROM cases`); n != 0 {
		t.Fatalf("a refused complaint wrote %d cases", n)
	}

	// Good input: 303 to the receipt, signed in to the case.
	rota := []byte("week 1: 0 shifts\nweek 2: 0 shifts\n")
	p = cpSend(c, csrf, cpForm(key), map[string][]byte{"rota.txt": rota})
	if p.Status != 303 || p.Header.Get("Location") != "/complaints/receipt" {
		t.Fatalf("file: %d %v %s", p.Status, p.Header, p.Body)
	}
	if c.cookies["redress_case"] == nil || c.cookies["redress_receipt"] == nil {
		t.Fatalf("cookies after filing: %v", c.cookies)
	}
	p = c.get("/complaints/receipt")
	ref := regexp.MustCompile(`id="cp-reference" dir="ltr">(RD-\d{3}-\d{3}-\d{3})<`).FindStringSubmatch(p.Body)
	rec := shownCode(p.Body) // the one code (rec[1]), in place of the receipt shown before
	if p.Status != 200 || ref == nil || rec == nil || !strings.Contains(p.Body, "data-copy=\"#cp-code\"") ||
		!strings.Contains(p.Body, "nobody can give it back") || !strings.Contains(p.Body, "data-print") ||
		!strings.Contains(p.Body, `href="/complaints/receipt/code.pdf"`) {
		t.Fatalf("receipt page: %d %s", p.Status, p.Body)
	}
	if cc := p.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("receipt Cache-Control %q", cc)
	}
	// A reload (or a change of language) shows it again; once the
	// complainant says it is saved, it is gone from this browser.
	if p := c.get("/complaints/receipt"); !strings.Contains(p.Body, rec[2]) || !strings.Contains(p.Body, ref[1]) {
		t.Errorf("reload lost the code: %d %s", p.Status, p.Body)
	}
	if p := c.post("/complaints/receipt/done", url.Values{}); p.Status != 303 || c.cookies["redress_receipt"] != nil {
		t.Errorf("done: %d, cookie kept %v", p.Status, c.cookies["redress_receipt"] != nil)
	}
	p = c.get("/complaints/receipt")
	if p.Status != 200 || !strings.Contains(p.Body, "no longer shown") || strings.Contains(p.Body, rec[2]) || strings.Contains(p.Body, ref[1]) {
		t.Errorf("after done: %d %s", p.Status, p.Body)
	}

	// The case: anonymous, no contact kept, the description sealed.
	var row struct {
		Anonymous  bool
		HasContact bool
		Clear      bool
		Language   string
	}
	if err := s.Core.DB.Raw(`SELECT anonymous, contact_enc IS NOT NULL AS has_contact, language,
		position(convert_to('three weeks after I asked', 'UTF8') in description_enc) > 0 AS clear
		FROM cases WHERE reference = ?`, ref[1]).Scan(&row).Error; err != nil {
		t.Fatal(err)
	}
	if !row.Anonymous || row.HasContact || row.Clear || row.Language != "en" {
		t.Errorf("stored case: %+v", row)
	}
	// The code opens it, as through the API.
	if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/complainant/session",
		Body: map[string]string{"code": rec[1]}}); r.Status != 201 {
		t.Errorf("the shown code does not open the case: %d %s", r.Status, r.Body)
	}
	// The follow-up page is the case, straight away, with the file filed with it.
	sum := sha256.Sum256(rota)
	if p := c.get("/follow-up"); p.Status != 200 || !strings.Contains(p.Body, ref[1]) || !strings.Contains(p.Body, "We have received your complaint.") ||
		!strings.Contains(p.Body, "rota.txt") || !strings.Contains(p.Body, hex.EncodeToString(sum[:])) {
		t.Errorf("follow-up after filing: %d %s", p.Status, p.Body)
	}
	if n := countOf(t, s, `SELECT count(*) FROM evidence e JOIN cases c ON c.id = e.case_id
		WHERE c.reference = ? AND e.source = 'complainant' AND e.added_by IS NULL AND e.sha256 = ?`, ref[1], sum[:]); n != 1 {
		t.Errorf("%d files stored with the case", n)
	}

	// A double submit (same key, same answers) files once and shows the same receipt.
	p = cpSend(c, csrf, cpForm(key), map[string][]byte{"rota.txt": rota})
	if p.Status != 303 {
		t.Fatalf("second submit: %d %s", p.Status, p.Body)
	}
	if p := c.get("/complaints/receipt"); !strings.Contains(p.Body, ref[1]) || !strings.Contains(p.Body, rec[2]) {
		t.Errorf("the replay shows another code: %s", p.Body)
	}
	if n := countOf(t, s, `SELECT count(*) FROM cases`); n != 1 {
		t.Errorf("a double submit filed %d cases", n)
	}
	if n := countOf(t, s, `SELECT count(*) FROM evidence`); n != 1 {
		t.Errorf("a double submit stored %d files", n)
	}
	// The same key and answers with another file is another complaint: refused.
	if p := cpSend(c, csrf, cpForm(key), map[string][]byte{"rota.txt": []byte("another rota")}); p.Status != 409 {
		t.Errorf("the same key with another file: %d", p.Status)
	}
	// The same key with other answers (the back button): a clear 409, a fresh key, nothing written.
	other := cpForm(key)
	other.Set("description", "Something else entirely happened to me at the depot.")
	p = cpSend(c, csrf, other, map[string][]byte{"rota.txt": rota})
	if p.Status != 409 || strings.Contains(p.Body, `value="`+key+`"`) || !strings.Contains(p.Body, "already sent") {
		t.Errorf("reused key: %d %s", p.Status, p.Body)
	}
	if n := countOf(t, s, `SELECT count(*) FROM cases`); n != 1 {
		t.Errorf("%d cases after a reused key", n)
	}
}

func TestComplainantFollowUpSignIn(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	f := s.File(teststack.ValidCase())
	c := newClient(t, s.URL)
	// Actions need the case: without it, back to the sign-in form.
	if p := c.post("/follow-up/messages", url.Values{"body": {"hello there"}}); p.Status != 303 || p.Header.Get("Location") != "/follow-up" {
		t.Errorf("action without a session: %d %v", p.Status, p.Header)
	}
	// Nothing typed asks for the code; half an older pair asks for the other half.
	p := c.post("/follow-up", url.Values{"code": {""}, "reference": {""}, "receipt": {""}})
	if p.Status != 422 || !strings.Contains(p.Body, `href="#f-code"`) {
		t.Errorf("empty: %d %s", p.Status, p.Body)
	}
	p = c.post("/follow-up", url.Values{"reference": {""}, "receipt": {"x"}})
	if p.Status != 422 || !strings.Contains(p.Body, `href="#f-reference"`) || !strings.Contains(p.Body, "<details id=\"older-pair\" open>") {
		t.Errorf("empty: %d %s", p.Status, p.Body)
	}
	for _, pair := range [][2]string{{f.Reference, "AAAAAAAAAAAAAAAAAAAAAAAA"}, {"RD-000-000-001", f.Receipt}, {"nonsense", "x"}} {
		p := c.post("/follow-up", url.Values{"reference": {pair[0]}, "receipt": {pair[1]}})
		if p.Status != 401 || !strings.Contains(p.Body, "do not match a complaint") || c.cookies["redress_case"] != nil ||
			strings.Contains(p.Body, pair[1]) && pair[1] != "x" {
			t.Errorf("wrong pair %v: %d %s", pair, p.Status, p.Body)
		}
	}
	p = c.post("/follow-up", url.Values{"reference": {f.Reference}, "receipt": {f.Receipt}})
	if p.Status != 303 || p.Header.Get("Location") != "/follow-up" || c.cookies["redress_case"] == nil {
		t.Fatalf("right pair: %d %v", p.Status, p.Header)
	}
	p = c.get("/follow-up")
	for _, want := range []string{f.Reference, "We have received your complaint.", "Your complaint is open.",
		"We will confirm that we have your complaint", "Why this date?",
		"<bdi>EU Whistleblowing Directive 2019/1937 art. 9(1)(b)</bdi>, 7 days from when we receive your complaint",
		"You sent your complaint", `action="/follow-up/messages"`} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("case page lacks %q", want)
		}
	}
	cpHasOneH1(t, "/follow-up (case)", p)
	// In Arabic too.
	c.header.Set("Accept-Language", "ar")
	if p := c.get("/follow-up"); !strings.Contains(p.Body, `dir="rtl"`) || strings.Contains(p.Body, "⟦") {
		t.Errorf("ar case page: %s", p.Body)
	}
	c.header.Del("Accept-Language")
	// Signing out leaves the case.
	if p := c.post("/logout", url.Values{}); p.Status != 303 || c.cookies["redress_case"] != nil {
		t.Errorf("sign out: %d", p.Status)
	}
}

// cpDecided files a case through the API, has the reviewer claim and decide
// it, and offer a remedy bundle (as api/remedies_test.go does); it returns
// the case and the remedy components' ids.
func cpDecided(t *testing.T, s *teststack.Stack) (teststack.Filed, []string) {
	t.Helper()
	rita := s.Reviewer()
	f := s.File(teststack.ValidCase())
	if _, err := s.Core.Routing.Route(context.Background(), uuid.MustParse(f.ID)); err != nil {
		t.Fatal(err)
	}
	var queue string
	s.Core.DB.Raw(`SELECT queue_id::text FROM cases WHERE id = ?`, f.ID).Scan(&queue)
	steps := []teststack.Request{
		{Method: "POST", Path: "/api/v1/queues/" + queue + "/claim"},
		{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/transitions", Body: map[string]string{"to": "in_review", "reason": "Looking at the rota data."}},
		{Method: "PUT", Path: "/api/v1/cases/" + f.ID + "/ai-decision", Body: teststack.AIDecisionRecord()},
		{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/decision", Body: teststack.Decision("decision_overturned")},
	}
	for _, r := range steps {
		r.Token = rita
		if resp := s.Do(r); resp.Status != 200 {
			t.Fatalf("%s: %d %s", r.Path, resp.Status, resp.Body)
		}
	}
	due := time.Now().AddDate(0, 1, 0).UTC().Format(time.DateOnly)
	r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/remedies", Token: rita,
		Body: map[string]any{"offer": true, "components": []map[string]any{
			{"form": "restitution", "subtype": "decision_reversed", "responsible": "deployer", "due_at": due,
				"description": "Restore the shifts the scheduler removed, from the next rota."},
			{"form": "compensation", "subtype": "financial_loss", "responsible": "deployer", "amount": 1250.5, "currency": "EUR",
				"due_at": due, "description": "Pay the wages lost for the shifts removed since 2 November."},
		}}})
	if r.Status != 201 {
		t.Fatalf("remedies: %d %s", r.Status, r.Body)
	}
	var ids []string
	for _, c := range r.JSON(t)["items"].([]any) {
		ids = append(ids, c.(map[string]any)["id"].(string))
	}
	return f, ids
}

func TestComplainantFollowUpActions(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	f, remedies := cpDecided(t, s)
	c := newClient(t, s.URL)
	if p := c.post("/follow-up", url.Values{"reference": {f.Reference}, "receipt": {f.Receipt}}); p.Status != 303 {
		t.Fatalf("open: %d %s", p.Status, p.Body)
	}
	p := c.get("/follow-up")
	for _, want := range []string{"The decision is reversed", "the rule is unlawful here", "Restore the shifts the scheduler removed",
		"1250.50 EUR", `action="/follow-up/remedies/` + remedies[0] + `/response"`, `id="f-remedy-` + remedies[0] + `-accept"`,
		`action="/follow-up/appeal"`, `action="/follow-up/feedback"`, `enctype="multipart/form-data"`, "They may read your complaint, but not who you are"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("decided case page lacks %q", want)
		}
	}
	cpHasOneH1(t, "decided case", p)
	me := s.ComplainantToken(f)
	view := func() map[string]any {
		t.Helper()
		r := s.Do(teststack.Request{Method: "GET", Path: "/api/v1/complainant/case", Token: me})
		if r.Status != 200 {
			t.Fatalf("view: %d %s", r.Status, r.Body)
		}
		return r.JSON(t)
	}
	status := func(id string) string {
		for _, rc := range view()["remedies"].([]any) {
			if m := rc.(map[string]any); m["id"] == id {
				return m["status"].(string)
			}
		}
		return ""
	}

	// A remedy answer without a choice: 422 beside that offer; nothing changes.
	p = c.post("/follow-up/remedies/"+remedies[0]+"/response", url.Values{"comment": {"Hmm."}})
	if p.Status != 422 || !strings.Contains(p.Body, `href="#f-remedy-`+remedies[0]+`-accept"`) ||
		!strings.Contains(p.Body, "Choose whether you accept or decline the offer.") || !strings.Contains(p.Body, ">Hmm.</textarea>") {
		t.Errorf("answer without a choice: %d %s", p.Status, p.Body)
	}
	cpHasOneH1(t, "the case page with an error", p)
	if st := status(remedies[0]); st != "offered" {
		t.Errorf("after a refused answer the offer is %s", st)
	}
	// Accept one, decline the other.
	p = c.post("/follow-up/remedies/"+remedies[0]+"/response", url.Values{"accept": {"true"}, "comment": {"Thank you."}})
	if p.Status != 303 || p.Header.Get("Location") != "/follow-up#remedies" {
		t.Errorf("accept: %d %v", p.Status, p.Header)
	}
	if p := c.get("/follow-up"); !strings.Contains(p.Body, "You accepted the offer.") {
		t.Error("no flash after accepting")
	}
	if p := c.post("/follow-up/remedies/"+remedies[1]+"/response", url.Values{"accept": {"false"}}); p.Status != 303 {
		t.Errorf("decline: %d", p.Status)
	}
	if a, d := status(remedies[0]), status(remedies[1]); a != "accepted" || d != "declined" {
		t.Errorf("offers are %s and %s", a, d)
	}
	// Answering again is a clear conflict.
	if p := c.post("/follow-up/remedies/"+remedies[0]+"/response", url.Values{"accept": {"false"}}); p.Status != 409 ||
		!strings.Contains(p.Body, "You have already answered this offer.") {
		t.Errorf("answer twice: %d", p.Status)
	}

	// A message.
	if p := c.post("/follow-up/messages", url.Values{"body": {""}}); p.Status != 422 || !strings.Contains(p.Body, `href="#f-message-body"`) {
		t.Errorf("empty message: %d", p.Status)
	}
	if p := c.post("/follow-up/messages", url.Values{"body": {"When will the shifts come back?"}}); p.Status != 303 {
		t.Errorf("message: %d %s", p.Status, p.Body)
	}
	msgs := view()["messages"].([]any)
	if len(msgs) != 1 || msgs[0].(map[string]any)["body"] != "When will the shifts come back?" {
		t.Errorf("messages: %v", msgs)
	}

	// Feedback: 1–5.
	if p := c.post("/follow-up/feedback", url.Values{"satisfaction": {"9"}}); p.Status != 422 || !strings.Contains(p.Body, `href="#f-feedback-satisfaction"`) {
		t.Errorf("feedback 9: %d", p.Status)
	}
	if p := c.post("/follow-up/feedback", url.Values{"satisfaction": {"4"}, "comment": {"Quick and clear."}}); p.Status != 303 {
		t.Errorf("feedback: %d %s", p.Status, p.Body)
	}
	if fb := view()["feedback"].(map[string]any); fb["satisfaction"] != float64(4) || fb["comment"] != "Quick and clear." {
		t.Errorf("feedback: %v", fb)
	}

	// Evidence, as a multipart upload.
	if p := c.upload("/follow-up/evidence", map[string]string{"description": "no file"}, "", nil); p.Status != 422 ||
		!strings.Contains(p.Body, `href="#f-evidence-file"`) {
		t.Errorf("evidence without a file: %d %s", p.Status, p.Body)
	}
	p = c.upload("/follow-up/evidence", map[string]string{"description": "My rota"}, "rota.txt", []byte("Week 45: 0 shifts. Week 44: 5 shifts."))
	if p.Status != 303 || p.Header.Get("Location") != "/follow-up#evidence" {
		t.Errorf("evidence: %d %s", p.Status, p.Body)
	}
	if ev := view()["evidence"].([]any); len(ev) != 1 || ev[0].(map[string]any)["filename"] != "rota.txt" {
		t.Errorf("evidence: %v", ev)
	}
	// A photo is larger than the JSON routes' body limit: the page's upload
	// gets the evidence limit, as the API's does, with the case's cookie.
	photo := bytes.Repeat([]byte{0xff, 0xd8, 0xff, 0xe0}, 1<<18) // 1 MiB
	if p := c.upload("/follow-up/evidence", map[string]string{"description": "The screen"}, "photo.jpg", photo); p.Status != 303 {
		t.Errorf("a 1 MiB photo: %d %s", p.Status, p.Body)
	}

	// Escalation, with the complainant's consent choice.
	var body string
	s.Core.DB.Raw(`SELECT id::text FROM bodies WHERE slug = 'demo-ombudsman'`).Scan(&body)
	if p := c.post("/follow-up/escalations", url.Values{"body_id": {body}}); p.Status != 422 || !strings.Contains(p.Body, `href="#f-escalation-consent-scope"`) {
		t.Errorf("escalation without consent: %d", p.Status)
	}
	if n := countOf(t, s, `SELECT count(*) FROM referrals`); n != 0 {
		t.Fatalf("a refused escalation wrote %d referrals", n)
	}
	p = c.post("/follow-up/escalations", url.Values{"body_id": {body}, "consent_scope": {"identity_withheld"}, "reason": {"I want an outside view."}})
	if p.Status != 303 {
		t.Fatalf("escalate: %d %s", p.Status, p.Body)
	}
	var ref struct{ ConsentScope, Source string }
	s.Core.DB.Raw(`SELECT consent_scope, source FROM referrals WHERE case_id = ?`, f.ID).Scan(&ref)
	if ref.ConsentScope != "identity_withheld" || ref.Source != "complainant" {
		t.Errorf("referral: %+v", ref)
	}
	if p := c.get("/follow-up"); !strings.Contains(p.Body, "Ombudsman (demo)") || !strings.Contains(p.Body, "They may read your complaint, but not who you are") {
		t.Errorf("the case page does not show the referral")
	}

	// Appeal: a reason of at least 10 characters, then once.
	if p := c.post("/follow-up/appeal", url.Values{"reason": {"No."}}); p.Status != 422 || !strings.Contains(p.Body, `href="#f-appeal-reason"`) ||
		!strings.Contains(p.Body, "at least 10 characters") {
		t.Errorf("short appeal: %d", p.Status)
	}
	if p := c.post("/follow-up/appeal", url.Values{"reason": {"The compensation leaves out my overtime."}}); p.Status != 303 {
		t.Fatalf("appeal: %d %s", p.Status, p.Body)
	}
	if v := view(); v["status"] != "appealed" {
		t.Errorf("after appealing the case is %v", v["status"])
	}
	if p := c.post("/follow-up/appeal", url.Values{"reason": {"And once more, please look again."}}); p.Status != 409 ||
		!strings.Contains(p.Body, "already being reviewed") {
		t.Errorf("second appeal: %d", p.Status)
	}
	if p := c.get("/follow-up"); !strings.Contains(p.Body, "Your appeal is being looked at by a different person.") {
		t.Error("the case page does not show the open appeal")
	}
}

// shownCode finds the one code on the receipt page: [1] canonical
// (XXXXX-XXXXX-XXXXX-XXXXX), [2] as the page's markup writes it.
func shownCode(body string) []string {
	m := regexp.MustCompile(`id="cp-code" dir="ltr">(.*?)</p>`).FindStringSubmatch(body)
	if m == nil {
		return nil
	}
	groups := regexp.MustCompile(`<span class="cp-code-group">([0-9A-Z]{5})-?</span>`).FindAllStringSubmatch(m[1], -1)
	if len(groups) != 4 {
		return nil
	}
	var g []string
	for _, x := range groups {
		g = append(g, x[1])
	}
	return []string{m[0], strings.Join(g, "-"), m[1]}
}
