package frontend_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// A body's message to the complainant reaches them in full (issue 16, item
// 4): before, it was a bare timeline entry with no text. The complainant,
// without JavaScript on a small screen, reads the body's words on their
// follow-up page (not the body's messages meant for the organisation only),
// answers from the page, and the body reads the answer in its portal.
func TestBrowserBodyMessageReachesComplainant(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	base := s.WebURL
	f := s.File(teststack.NamedCase())
	me := s.ComplainantToken(f)
	var dpa string
	s.Core.DB.Raw(`SELECT id::text FROM bodies WHERE slug = 'demo-dpa'`).Scan(&dpa)
	r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: me,
		Body: map[string]any{"body_id": dpa, "consent_scope": "identity_withheld"}})
	if r.Status != 201 {
		t.Fatalf("escalate: %d %s", r.Status, r.Body)
	}
	ref := r.JSON(t)["id"].(string)
	regina := s.Login("regulator@example.org")
	const toThem = "Were your hours restored after 1 December? Please also tell us if anyone spoke to you about this complaint."
	const internal = "To the organisation only: send us the scheduler's threshold configuration."
	for _, m := range []map[string]any{{"body": internal}, {"body": toThem, "to_complainant": true}} {
		if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/referrals/" + ref + "/messages", Token: regina, Body: m}); r.Status != 201 {
			t.Fatalf("body message: %d %s", r.Status, r.Body)
		}
	}

	tab := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 720))
	openCase(t, tab, base, f)
	audit(t, tab, "follow-up, a body's message")
	got := browser.Text(t, tab, "#referral-"+ref)
	if !strings.Contains(got, toThem) || !strings.Contains(got, "Data Protection Authority (demo)") {
		t.Fatalf("the referral does not show the body's message in full: %q", got)
	}
	if strings.Contains(browser.Text(t, tab, "main"), internal) {
		t.Error("the complainant reads a message the body meant for the organisation only")
	}
	form := `form[action="/follow-up/referrals/` + ref + `/messages"]`
	// An empty answer is refused with its field named, and nothing is sent.
	if code := browser.Click(t, tab, form+` button[type=submit]`); code != http.StatusUnprocessableEntity {
		t.Errorf("an empty answer: %d", code)
	}
	audit(t, tab, "follow-up, empty answer")
	if !strings.Contains(browser.Text(t, tab, "#error-summary"), "Your answer to the body") {
		t.Errorf("the error summary: %q", browser.Text(t, tab, "#error-summary"))
	}
	const answer = "My hours came back on 3 December, but the missing weeks were never paid."
	browser.Fill(t, tab, form+` textarea`, answer)
	if code := browser.Click(t, tab, form+` button[type=submit]`); code != http.StatusOK {
		t.Fatalf("answering: %d", code)
	}
	audit(t, tab, "follow-up, answered the body")
	if got := browser.Text(t, tab, "#referral-"+ref); !strings.Contains(got, answer) || !strings.Contains(got, "You") {
		t.Errorf("after answering, the referral reads %q", got)
	}
	if got := browser.Text(t, tab, "#timeline"); !strings.Contains(got, "You answered the independent body") {
		t.Errorf("the timeline: %q", got)
	}

	// The body reads the answer, as the complainant's.
	body := s.Do(teststack.Request{Method: "GET", Path: "/api/v1/referrals/" + ref, Token: regina}).JSON(t)
	found := false
	for _, m := range body["messages"].([]any) {
		msg := m.(map[string]any)
		if msg["author_kind"] == "complainant" && msg["body"] == answer && msg["author_id"] == nil {
			found = true
		}
	}
	if !found {
		t.Errorf("the body does not read the complainant's answer: %v", body["messages"])
	}
	// The organisation cannot write as if to the complainant through a body's channel.
	if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/referrals/" + ref + "/messages",
		Token: s.Login("supervisor@example.org"), Body: map[string]any{"body": "Hello", "to_complainant": true}}); r.Status != 422 {
		t.Errorf("staff addressing a body's message to the complainant: %d %s", r.Status, r.Body)
	}
}

// The body's orders are on the complainant's page and the workspace, with
// their deadline and where each stands (the evidence for staff only).
func TestBodyItemsOnTheCasePages(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	f := s.File(teststack.NamedCase())
	var dpa string
	s.Core.DB.Raw(`SELECT id::text FROM bodies WHERE slug = 'demo-dpa'`).Scan(&dpa)
	r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: s.ComplainantToken(f),
		Body: map[string]any{"body_id": dpa, "consent_scope": "identity_withheld"}})
	if r.Status != 201 {
		t.Fatalf("escalate: %d %s", r.Status, r.Body)
	}
	ref := r.JSON(t)["id"].(string)
	due := time.Now().Add(30 * 24 * time.Hour).UTC()
	r = s.Do(teststack.Request{Method: "POST", Path: "/api/v1/referrals/" + ref + "/status", Token: s.Login("regulator@example.org"),
		Body: map[string]any{"status": "closed", "outcome": "We order the organisation to reinstate hours.", "items": []any{
			map[string]any{"kind": "order", "text": "Reinstate the worker's hours.", "due_at": due}}}})
	if r.Status != 200 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	item := r.JSON(t)["items"].([]any)[0].(map[string]any)["id"].(string)
	sam := s.Login("supervisor@example.org")
	if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/referrals/" + ref + "/items/" + item + "/compliance",
		Token: sam, Body: map[string]any{"evidence": "Payroll record HR-77 shows the hours restored."}}); r.Status != 200 {
		t.Fatalf("compliance: %d %s", r.Status, r.Body)
	}
	me := openFollowUp(t, s, f).get("/follow-up")
	for _, want := range []string{"Reinstate the worker&#39;s hours.", "done, being checked"} {
		if !strings.Contains(me.Body, want) {
			t.Errorf("the follow-up page lacks %q", want)
		}
	}
	if strings.Contains(me.Body, "HR-77") || strings.Contains(me.Body, "⟦") {
		t.Error("the complainant's page shows the evidence, or a missing message")
	}
	c := newClient(t, s.URL)
	c.signIn("supervisor@example.org", teststack.DemoPassword)
	ws := c.get("/cases/" + f.ID + "/escalation")
	for _, want := range []string{"Reinstate the worker&#39;s hours.", "awaiting verification", "HR-77"} {
		if !strings.Contains(ws.Body, want) {
			t.Errorf("the workspace (%d) lacks %q", ws.Status, want)
		}
	}
	if strings.Contains(ws.Body, "⟦") {
		t.Error("the workspace shows a missing message")
	}
}
