package frontend_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// An admin outside every queue, at 320 px with JavaScript off, finds
// break-glass in the administration, is told the reason is too short,
// gives one, lands on the case and reads that they opened it by break-glass
// until when, that its supervisors were told, and the entry in the case
// record. Every page passes axe-core.
func TestBrowserBreakGlass(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	base := s.WebURL
	msg := messagesOf(t, "en", "admin.json", "staff.json", "common.json")
	f := staffCase(t, s, "general", nil)
	s.Outsider("bg-page-admin@example.org", auth.RoleAdmin)

	tab := b.Tab(t, browser.Viewport(320, 640), browser.NoJavaScript())
	signIn(t, tab, base, "bg-page-admin@example.org")
	// Outside every queue, the case does not exist for them.
	visit(t, tab, base, "/cases/"+f.ID, http.StatusNotFound, "the case before break-glass")

	visit(t, tab, base, "/admin", http.StatusOK, "administration")
	if got := browser.Click(t, tab, `main a[href="/admin/break-glass"]`); got != http.StatusOK {
		t.Fatalf("the break-glass link: %d", got)
	}
	audit(t, tab, "break-glass form")
	if got := browser.Text(t, tab, "h1"); got != msg["adm.bg.title"] {
		t.Errorf("the form's heading reads %q", got)
	}
	if got := browser.Text(t, tab, "#f-reason-hint"); !strings.Contains(got, "At least 20 characters") {
		t.Errorf("the reason's hint reads %q", got)
	}

	// A reference no case has: the same answer as a case one is recused from.
	unknown, err := auth.NewReference()
	if err != nil {
		t.Fatal(err)
	}
	browser.Fill(t, tab, "#f-reference", unknown)
	browser.Fill(t, tab, "#f-reason", "The regulator asked for this file today.")
	if got := browser.Click(t, tab, `#form-break-glass button[type=submit]`); got != http.StatusNotFound {
		t.Fatalf("an unknown reference: %d", got)
	}
	audit(t, tab, "break-glass form, unknown reference")
	if got := browser.Text(t, tab, "#f-reference-error"); got != msg["error.code.break_glass_no_case"] {
		t.Errorf("the reference's error reads %q", got)
	}

	// Too short a reason: the form again, the reason named, the reference kept.
	browser.Fill(t, tab, "#f-reference", f.Reference)
	browser.Fill(t, tab, "#f-reason", "Need to check this")
	if got := browser.Click(t, tab, `#form-break-glass button[type=submit]`); got != http.StatusUnprocessableEntity {
		t.Fatalf("a short reason: %d", got)
	}
	audit(t, tab, "break-glass form, short reason")
	if got := browser.Text(t, tab, "#error-summary"); !strings.Contains(got, msg["adm.bg.field.reason"]) {
		t.Errorf("the error summary reads %q", got)
	}
	if got := browser.Text(t, tab, "#f-reason-error"); got != msg["error.code.too_short"] {
		t.Errorf("the reason's error reads %q", got)
	}

	browser.Fill(t, tab, "#f-reason", "The regulator asked for this file today; its queue's staff are all away.")
	if got := browser.Click(t, tab, `#form-break-glass button[type=submit]`); got != http.StatusOK {
		t.Fatalf("break-glass: %d: %s", got, browser.Text(t, tab, "main"))
	}
	if loc := browser.Location(t, tab); !strings.HasSuffix(loc, "/cases/"+f.ID) {
		t.Fatalf("break-glass landed on %s", loc)
	}
	audit(t, tab, "the case by break-glass")
	if got := browser.Text(t, tab, "main .flash"); got != msg["adm.bg.opened"] {
		t.Errorf("the message after break-glass reads %q", got)
	}
	banner := browser.Text(t, tab, "#break-glass")
	before, after, _ := strings.Cut(msg["cw.break_glass.banner"], "{{.Until}}")
	if !strings.HasPrefix(banner, before) || !strings.HasSuffix(banner, after) || len(banner) <= len(before)+len(after) {
		t.Errorf("the banner reads %q", banner)
	}
	if !strings.Contains(banner, "GMT") && !strings.Contains(banner, "UTC") {
		t.Errorf("the banner's time names no zone: %q", banner)
	}

	// Break-glass only reads: no form acts on the case (issue 15), and a
	// forged message is refused, saying why.
	visit(t, tab, base, "/cases/"+f.ID+"/messages", http.StatusOK, "the messages by break-glass")
	if n := workForms(t, tab, f.ID); n != 0 {
		t.Errorf("%d forms that act on the case, by break-glass", n)
	}
	bg := signedIn(t, s, "bg-page-admin@example.org")
	bg.get("/cases/" + f.ID + "/messages")
	if p := bg.post("/cases/"+f.ID+"/messages", url.Values{"body": {"A note from the admin."}, "visibility": {"internal"}}); p.Status != http.StatusForbidden ||
		!strings.Contains(p.Body, msg["error.code.not_your_case"]) {
		t.Errorf("a message by break-glass: %d\n%s", p.Status, p.Body)
	}

	// Only admins, and only outside their reach: a supervisor is refused the
	// page and its post; the demo admin, a member of every queue, is told
	// to open the case without break-glass, and nothing is granted.
	sup := signedIn(t, s, "supervisor@example.org")
	if p := sup.get("/admin/break-glass"); p.Status != http.StatusForbidden {
		t.Errorf("a supervisor opens the break-glass page: %d", p.Status)
	}
	form := func() url.Values {
		return url.Values{"reference": {f.Reference}, "reason": {"The regulator asked for this file today."}}
	}
	if p := sup.post("/admin/break-glass", form()); p.Status != http.StatusForbidden {
		t.Errorf("a supervisor posts a break-glass: %d", p.Status)
	}
	demo := signedIn(t, s, "admin@example.org")
	demo.get("/admin/break-glass")
	if p := demo.post("/admin/break-glass", form()); p.Status != http.StatusConflict ||
		!strings.Contains(p.Body, msg["error.code.within_reach"]) {
		t.Errorf("an admin of the case's queue breaks the glass: %d\n%s", p.Status, p.Body)
	}
	if n := countOf(t, s, `SELECT count(*) FROM break_glass`); n != 1 {
		t.Errorf("%d grants, want the one", n)
	}

	// The case record names the opening in words.
	visit(t, tab, base, "/cases/"+f.ID+"/record", http.StatusOK, "the case record by break-glass")
	if got := browser.Text(t, tab, "main"); !strings.Contains(got, msg["cw.action.case.break_glass"]) {
		t.Errorf("the case record lacks %q", msg["cw.action.case.break_glass"])
	}
}
