package frontend_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// namedCase files a named complainant's case, routed to the general queue.
func namedCase(t *testing.T, s *teststack.Stack) teststack.Filed {
	t.Helper()
	return staffCase(t, s, "general", func(m map[string]any) {
		m["anonymous"] = false
		m["contact"] = map[string]any{"name": "Maria Lopez-Garcia", "email": "maria.lopez@example.net",
			"phone": "+34 612 345 678", "preferred_channel": "email"}
	})
}

// userName is a demo user's name.
func userName(t *testing.T, s *teststack.Stack, email string) string {
	t.Helper()
	var name string
	if err := s.Core.DB.Raw(`SELECT name FROM users WHERE email = ?`, email).Scan(&name).Error; err != nil || name == "" {
		t.Fatalf("the name of %s: %v", email, err)
	}
	return name
}

// The look, seen: a supervisor clicks "Show contact details" (JavaScript
// on, 1280 px) and reads the complainant's name; the Access tab lists that
// look with the supervisor's name, what they opened and on which ground.
// The complainant then signs in with their code (JavaScript off, 320 px)
// and reads "A supervisor opened your contact details on <today>", with no
// staff name anywhere on the page. An admin finds the look in the access
// log's search, without JavaScript at 320 px. Every page passes axe-core.
func TestBrowserAccessLogSeen(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	base := s.WebURL
	f := namedCase(t, s)
	path := "/cases/" + f.ID
	staff := messagesOf(t, "en", "staff.json", "common.json")
	supName := userName(t, s, "supervisor@example.org")

	sup := b.Tab(t, browser.Viewport(1280, 900))
	signIn(t, sup, base, "supervisor@example.org")
	visit(t, sup, base, path, http.StatusOK, "workspace, contact sealed")
	if browser.Exists(t, sup, "#contact-details") {
		t.Fatal("the contact details show before anyone asked for them")
	}
	if got := browser.Click(t, sup, "#show-contact"); got != http.StatusOK {
		t.Fatalf("show contact details: %d", got)
	}
	if got := browser.Text(t, sup, "#contact-details"); !strings.Contains(got, "Maria Lopez-Garcia") ||
		!strings.Contains(got, "maria.lopez@example.net") {
		t.Fatalf("the contact details read %q", got)
	}
	audit(t, sup, "workspace, contact shown")

	// The Access tab, for a supervisor of the case's queue.
	if got := browser.Click(t, sup, `nav.cw-tabs a[href="`+path+`/access"]`); got != http.StatusOK {
		t.Fatalf("the Access tab: %d", got)
	}
	if cur := browser.Text(t, sup, `nav.cw-tabs a[aria-current="page"]`); strings.TrimSpace(cur) != staff["cw.access.title"] {
		t.Errorf("the current tab reads %q", cur)
	}
	first := browser.Text(t, sup, "#access-log tbody tr:first-child")
	for _, want := range []string{supName, staff["role.supervisor"], staff["access.what.identity"],
		staff["access.ground.supervisor"], "POST /cases/:id/contact"} {
		if !strings.Contains(first, want) {
			t.Errorf("the newest look reads %q, without %q", first, want)
		}
	}
	if got := browser.Text(t, sup, "#access-log"); !strings.Contains(got, staff["access.what.content"]) {
		t.Errorf("the workspace's own reads of the complaint are not in the log: %q", got)
	}
	audit(t, sup, "workspace, access tab")
	// The same tab in Arabic, 320 px wide, without JavaScript.
	arStaff := messagesOf(t, "ar", "staff.json", "common.json")
	supAr := b.Tab(t, browser.AcceptLanguage("ar"), browser.Viewport(320, 640), browser.NoJavaScript())
	signIn(t, supAr, base, "supervisor@example.org")
	visit(t, supAr, base, path+"/access", http.StatusOK, "workspace, access tab, ar 320 no-js")
	if got := browser.Text(t, supAr, "#access-log tbody tr:first-child"); !strings.Contains(got, arStaff["access.ground.supervisor"]) {
		t.Errorf("the newest look in Arabic reads %q", got)
	}

	// The complainant, on a small screen without JavaScript.
	cp := messagesOf(t, "en", "complainant.json", "common.json")
	me := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 720))
	openInBrowser(t, me, base, f.Code)
	today := time.Now().In(s.Core.Config.TimeZone).Format("2 January 2006")
	want := strings.ReplaceAll(cp["followup.access.supervisor.identity"], "{{.Date}}", today)
	looks := browser.Text(t, me, "#access-looks")
	if !strings.Contains(looks, want) {
		t.Errorf("the complainant reads %q, want %q", looks, want)
	}
	if !strings.Contains(looks, strings.ReplaceAll(cp["followup.access.supervisor.content"], "{{.Date}}", today)) {
		t.Errorf("the complainant does not read that a supervisor read the complaint: %q", looks)
	}
	if page := browser.Text(t, me, "body"); strings.Contains(page, supName) || strings.Contains(page, "supervisor@example.org") {
		t.Errorf("the complainant's page names the supervisor: %q", page)
	}
	if got := browser.Text(t, me, "#access-title"); got != cp["followup.access_title"] {
		t.Errorf("the section is titled %q", got)
	}
	audit(t, me, "follow-up, who has opened your details")
	// In Arabic, with JavaScript, at 1280 px: the same line in Arabic words.
	cpAr := messagesOf(t, "ar", "complainant.json")
	meAr := b.Tab(t, browser.AcceptLanguage("ar"), browser.Viewport(1280, 900))
	openInBrowser(t, meAr, base, f.Code)
	prefix, _, _ := strings.Cut(cpAr["followup.access.supervisor.identity"], "{{.Date}}")
	if got := browser.Text(t, meAr, "#access-looks"); !strings.Contains(got, strings.TrimSpace(prefix)) {
		t.Errorf("the Arabic page reads %q, without %q", got, prefix)
	}
	audit(t, meAr, "follow-up, who has opened your details, ar")

	// An admin searches the log by the case's reference, typed loosely.
	adm := messagesOf(t, "en", "admin.json", "common.json")
	admin := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 720))
	signIn(t, admin, base, "admin@example.org")
	visit(t, admin, base, "/admin", http.StatusOK, "admin index")
	if got := browser.Click(t, admin, `a[href="/admin/access-log"]`); got != http.StatusOK {
		t.Fatalf("the access log: %d", got)
	}
	audit(t, admin, "admin access log")
	browser.Fill(t, admin, "#f-case-reference", "rd-00")
	if got := browser.Click(t, admin, "#access-search"); got != http.StatusUnprocessableEntity {
		t.Errorf("a malformed reference answered %d", got)
	}
	if got := browser.Text(t, admin, "#f-case-reference-error"); got != adm["error.field.case_reference.invalid"] {
		t.Errorf("a malformed reference reads %q", got)
	}
	audit(t, admin, "admin access log, bad reference")
	browser.Fill(t, admin, "#f-case-reference", strings.ToLower(strings.ReplaceAll(f.Reference, "-", " ")))
	browser.Select(t, admin, "#f-what", "identity")
	if got := browser.Click(t, admin, "#access-search"); got != http.StatusOK {
		t.Fatalf("search: %d", got)
	}
	rows := browser.Text(t, admin, "#access-log tbody")
	if !strings.Contains(rows, f.Reference) || !strings.Contains(rows, supName) || !strings.Contains(rows, "supervisor@example.org") ||
		strings.Contains(rows, adm["access.what.content"]) {
		t.Errorf("the search by reference and what finds %q", rows)
	}
	audit(t, admin, "admin access log, found")
}

// The access log's pages, without a browser: a reviewer who may see a case
// is not shown its Access tab and is refused it (403); whoever may not see
// the case gets 404; reading the log is not itself a look; the admins'
// search names every bad filter (422) and pages through the log with its
// filters kept.
func TestAccessLogPages(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	f := namedCase(t, s)
	path := "/cases/" + f.ID

	rev := signedIn(t, s, "reviewer@example.org")
	if p := rev.get(path); p.Status != http.StatusOK || strings.Contains(p.Body, `href="`+path+`/access"`) {
		t.Errorf("the reviewer's workspace: %d, Access tab shown: %v", p.Status, strings.Contains(p.Body, path+"/access"))
	}
	if p := rev.get(path + "/access"); p.Status != http.StatusForbidden {
		t.Errorf("a reviewer opening the Access tab: %d", p.Status)
	}
	s.Outsider("nowhere@example.org", "supervisor")
	out := signedIn(t, s, "nowhere@example.org")
	if p := out.get(path + "/access"); p.Status != http.StatusNotFound {
		t.Errorf("a supervisor of no queue opening the Access tab: %d", p.Status)
	}

	sup := signedIn(t, s, "supervisor@example.org")
	count := func() int {
		var n int
		if err := s.Core.Access.Flush(context.Background()); err != nil { // the reads' looks, written in a batch
			t.Fatal(err)
		}
		s.Core.DB.Raw(`SELECT count(*) FROM access_log WHERE case_id = ?`, f.ID).Scan(&n)
		return n
	}
	if p := sup.get(path); p.Status != http.StatusOK || !strings.Contains(p.Body, `href="`+path+`/access"`) {
		t.Fatalf("the supervisor's workspace: %d, Access tab shown: %v", p.Status, strings.Contains(p.Body, path+"/access"))
	}
	n := count()
	p := sup.get(path + "/access")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, `id="access-log"`) {
		t.Fatalf("the Access tab: %d", p.Status)
	}
	if count() != n {
		t.Errorf("reading the access log wrote %d looks", count()-n)
	}
	if p := sup.get(path + "/access?cursor=nonsense"); p.Status != http.StatusNotFound {
		t.Errorf("a cursor no page gave: %d", p.Status)
	}

	admin := signedIn(t, s, "admin@example.org")
	if p := sup.get("/admin/access-log"); p.Status != http.StatusForbidden {
		t.Errorf("a supervisor opening the admins' access log: %d", p.Status)
	}
	// A control character is refused by the input gate (issue 15) before
	// the page reads its filters: the 422 page names the field.
	if p := admin.get("/admin/access-log?" + url.Values{"user_email": {"x\x01y"}}.Encode()); p.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.Body, "contains a character that cannot be accepted") {
		t.Errorf("a control character in a filter: %d", p.Status)
	}
	p = admin.get("/admin/access-log?" + url.Values{"case_reference": {"RD-1"}, "ground": {"friend"}, "what": {"all"},
		"from": {"yesterday"}}.Encode())
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad filters: %d", p.Status)
	}
	for _, id := range []string{"f-case-reference-error", "f-ground-error", "f-what-error", "f-from-error"} {
		if !strings.Contains(p.Body, `id="`+id+`"`) {
			t.Errorf("bad filters: no %s", id)
		}
	}
	p = admin.get("/admin/access-log?from=2027-03-05&to=2027-03-01")
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, `id="f-to-error"`) {
		t.Errorf("to before from: %d", p.Status)
	}

	// Three more looks at the identity, and 55 at the complaint: the search
	// by what finds the three, and pages through the 55 with its filters kept.
	for i := 0; i < 3; i++ {
		if p := sup.post(path+"/contact", url.Values{}); p.Status != http.StatusOK {
			t.Fatalf("show contact details: %d", p.Status)
		}
	}
	today := time.Now().In(s.Core.Config.TimeZone).Format(time.DateOnly)
	q := url.Values{"case_reference": {f.Reference}, "what": {"identity"}, "from": {today}, "to": {today},
		"user_email": {"supervisor@example.org"}, "ground": {"supervisor"}}
	p = admin.get("/admin/access-log?" + q.Encode())
	if got := strings.Count(p.Body, "POST /cases/:id/contact"); p.Status != http.StatusOK || got != 3 || strings.Contains(p.Body, `id="access-older"`) {
		t.Errorf("the search for the identity looks: %d, %d found", p.Status, got)
	}
	if err := s.Core.DB.Exec(`INSERT INTO access_log (case_id, user_id, role, what, route, ground)
		SELECT ?, id, 'supervisor', 'content', 'GET /api/v1/cases/:id', 'supervisor' FROM users, generate_series(1, 55)
		 WHERE email = 'supervisor@example.org'`, f.ID).Error; err != nil {
		t.Fatal(err)
	}
	older := regexp.MustCompile(`href="([^"]+)" rel="next" id="access-older"`)
	q = url.Values{"case_reference": {f.Reference}, "what": {"content"}, "user_email": {"supervisor@example.org"}}
	seen, pages := 0, 0
	for next := "/admin/access-log?" + q.Encode(); next != "" && pages < 5; pages++ {
		p := admin.get(next)
		if p.Status != http.StatusOK {
			t.Fatalf("%s: %d", next, p.Status)
		}
		seen += strings.Count(p.Body, "GET /api/v1/cases/:id<")
		next = ""
		if m := older.FindStringSubmatch(p.Body); m != nil {
			next = html.UnescapeString(m[1])
			if !strings.Contains(next, "what=content") || !strings.Contains(next, "cursor=") {
				t.Errorf("the next page's address loses the filters: %s", next)
			}
		}
	}
	if seen != 55 || pages != 2 {
		t.Errorf("paging found %d looks at the complaint in %d pages, want 55 in 2", seen, pages)
	}
}
