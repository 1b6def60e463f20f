package frontend_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// workForms counts the forms of the page that would act on case id: every
// form posting to /cases/{id}/… but the one that shows the contact details.
func workForms(t *testing.T, ctx context.Context, id string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+
		jsQuote(`form[method=post][action^="/cases/`+id+`/"]:not([action$="/contact"])`)+`).length`))
	if err != nil {
		t.Fatalf("count the forms: %v", err)
	}
	return n
}

// Issue 15, item 2, in the pages: a reviewer of the queue opens an open case
// nobody holds (JavaScript off, 320 px): every section reads, none offers a
// form that acts on the case — they are told to claim it first — and a
// forged post is refused with the page's words, nothing written. The holder
// sees the forms; once Rita holds it, the case does not exist for the other
// reviewer. Every page passes axe-core.
func TestBrowserHeldCase(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	base := s.WebURL
	msg := messagesOf(t, "en", "staff.json", "common.json")
	f := staffCase(t, s, "general", nil)
	path := "/cases/" + f.ID

	tab := b.Tab(t, browser.Viewport(320, 640), browser.NoJavaScript())
	signIn(t, tab, base, "reviewer2@example.org")
	for _, sec := range []string{"", "/messages", "/triage", "/ai-decision", "/points-of-view", "/evidence",
		"/decision", "/escalation", "/actions"} {
		visit(t, tab, base, path+sec, http.StatusOK, "the open case by another reviewer "+sec)
		if n := workForms(t, tab, f.ID); n != 0 {
			t.Errorf("%s: %d forms that act on the case, for a reviewer who does not hold it", path+sec, n)
		}
	}
	visit(t, tab, base, path+"/actions", http.StatusOK, "the actions by another reviewer")
	if got := browser.Text(t, tab, "main"); !strings.Contains(got, msg["cw.actions.not_holder"]) {
		t.Errorf("the actions do not say to claim the case first: %q", got)
	}

	// A forged post: the refusal in the page's words, nothing written.
	rui := signedIn(t, s, "reviewer2@example.org")
	rui.get(path + "/messages")
	for _, forged := range []struct {
		path string
		form url.Values
	}{
		{"/messages", url.Values{"body": {"Forged by a reviewer who does not hold the case."}, "visibility": {"complainant"}}},
		{"/acknowledge", url.Values{}},
		{"/clocks/extension", url.Values{"clock": {"gdpr_reply"}, "reasons": {"Forged: we must consult the provider."}}},
		{"/release", url.Values{}},
	} {
		expect(t, "forged "+forged.path, rui.post(path+forged.path, forged.form), http.StatusForbidden, msg["error.code.not_your_case"])
	}
	if n := countOf(t, s, `SELECT count(*) FROM messages WHERE case_id = ?`, f.ID); n != 0 {
		t.Errorf("%d messages written by refused posts", n)
	}
	if n := countOf(t, s, `SELECT count(*) FROM cases WHERE id = ? AND status = 'submitted' AND assignee_id IS NULL`, f.ID); n != 1 {
		t.Error("a refused post changed the case")
	}

	// Rita claims it: she sees the forms; Rui no longer sees the case.
	var queue string
	s.Core.DB.Raw(`SELECT queue_id::text FROM cases WHERE id = ?`, f.ID).Scan(&queue)
	rita := signedIn(t, s, "reviewer@example.org")
	rita.get("/queue")
	if p := rita.post("/queue/"+queue+"/claim", url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("claim: %d\n%s", p.Status, p.Body)
	}
	holder := b.Tab(t, browser.Viewport(320, 640), browser.NoJavaScript())
	signIn(t, holder, base, "reviewer@example.org")
	visit(t, holder, base, path+"/messages", http.StatusOK, "the messages by the holder")
	if !browser.Exists(t, holder, `form[action="`+path+`/messages"]`) {
		t.Error("the holder has no message form")
	}
	visit(t, tab, base, path, http.StatusNotFound, "the held case by another reviewer")
}
