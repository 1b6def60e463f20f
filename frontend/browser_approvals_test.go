package frontend_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// A remedy withdrawal in the staff pages with JavaScript off (issue 16): the
// reviewer asks to withdraw an offer the complainant has seen, the remedies
// tab says it waits for a second person, the reviewer's own approval is
// refused in words, and a supervisor approves it. Every page passes axe.
func TestBrowserSecondPersonWithdrawal(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	f, ids := cpDecided(t, s)
	pay := ids[1]
	msg := catalogue(t, "en", "staff.json")
	b := browser.New(t)
	path := "/cases/" + f.ID + "/remedies"
	why := "The site closed in November; the wages were paid by the insolvency fund instead."
	approve := `form[action="/cases/` + f.ID + `/remedies/` + pay + `/withdrawal/approve"]`

	rev := b.Tab(t, browser.NoJavaScript(), browser.Viewport(1280, 900))
	signIn(t, rev, s.WebURL, "reviewer@example.org")
	visit(t, rev, s.WebURL, path, http.StatusOK, "remedies")
	// "Withdraw this offer" opens its form in place (a <details>, no script).
	if _, err := chromedp.Run(rev, chromedp.Click(chromedp.CSS(`article[aria-labelledby="remedy-`+pay+`"] details.cw-more summary`))); err != nil {
		t.Fatalf("open the withdrawal form: %v", err)
	}
	browser.Fill(t, rev, "#f-withdraw-"+pay+"-reason", why)
	if got := browser.Click(t, rev, `form[action="/cases/`+f.ID+`/remedies/`+pay+`/reason"] button[type="submit"]`); got != http.StatusOK {
		t.Fatalf("asking to withdraw: %d: %s", got, browser.Text(t, rev, "main"))
	}
	flashInView(t, rev, msg("cw.flash.remedy_reason"))
	if got := browser.Text(t, rev, "#waiting-withdrawal-"+pay); !strings.Contains(got, msg("cw.hold.waiting")) {
		t.Errorf("the remedies tab does not say the withdrawal waits: %q", got)
	}
	audit(t, rev, "a withdrawal waiting for a second person")

	browser.Check(t, rev, "#f-withdrawal-"+pay+"-approve-0")
	if got := browser.Click(t, rev, approve+` button[type="submit"]`); got != http.StatusForbidden {
		t.Fatalf("the asker's own approval answered %d", got)
	}
	if got := browser.Text(t, rev, "#error-summary"); !strings.Contains(got, msg("cw.error.four_eyes.withdrawal")) {
		t.Errorf("the four-eyes refusal reads %q", got)
	}
	audit(t, rev, "the asker's approval refused")

	sup := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 640))
	signIn(t, sup, s.WebURL, "supervisor@example.org")
	visit(t, sup, s.WebURL, path, http.StatusOK, "remedies (supervisor)")
	browser.Check(t, sup, "#f-withdrawal-"+pay+"-approve-0")
	if got := browser.Click(t, sup, approve+` button[type="submit"]`); got != http.StatusOK {
		t.Fatalf("the supervisor's approval: %d: %s", got, browser.Text(t, sup, "main"))
	}
	flashInView(t, sup, msg("cw.flash.withdrawal_approved"))
	card := browser.Text(t, sup, `article[aria-labelledby="remedy-`+pay+`"]`)
	if !strings.Contains(card, msg("cw.remedies.withdrawn")) || !strings.Contains(card, why) {
		t.Errorf("the withdrawn offer reads %q", card)
	}
	if browser.Exists(t, sup, approve) {
		t.Error("the approval form is still offered")
	}
	audit(t, sup, "the withdrawal approved, 320 px")
}
