package frontend_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The whole path in a real browser: a complainant files anonymously with
// JavaScript off, a reviewer claims the case and decides with a remedy, the
// complainant accepts it and escalates, and the body's user sees the
// referral. Every page on the way is audited (axe-core, catalogues, reflow)
// and the main ones are photographed for the README.
func TestBrowserComplaintToReferral(t *testing.T) {
	s := teststack.New(t, teststack.Options{Worker: true})
	b := browser.New(t)
	base := s.WebURL
	var system, dpa string
	s.Core.DB.Raw(`SELECT id::text FROM ai_systems WHERE slug = 'shift-scheduler'`).Scan(&system)
	s.Core.DB.Raw(`SELECT id::text FROM bodies WHERE slug = 'demo-dpa'`).Scan(&dpa)

	// The complainant: JavaScript off, from the start page to the receipt.
	me := b.Tab(t, browser.NoJavaScript())
	for _, p := range []string{"/", "/procedure", "/ai-systems", "/bodies"} {
		visit(t, me, base, p, http.StatusOK, "public "+p)
	}
	browser.Screenshot(t, me, "bodies")
	browser.Navigate(t, me, base+"/")
	browser.Screenshot(t, me, "start")
	visit(t, me, base, "/complaints/new", http.StatusOK, "complaint form")
	if got := browser.Click(t, me, `#cp-continue`); got != http.StatusUnprocessableEntity {
		t.Fatalf("an empty first step: %d", got)
	}
	if !browser.Exists(t, me, `#error-summary a[href="#f-description"]`) {
		t.Errorf("the error summary does not link to the description")
	}
	audit(t, me, "complaint form with errors")
	// Step 1, what happened.
	browser.Check(t, me, `input[name=kind][value=contest_decision]`)
	browser.Fill(t, me, `#f-description`, "My hours were cut to zero by the scheduling system the week after I took sick leave.")
	browser.Fill(t, me, `#f-decision-date`, "2026-11-02")
	browser.Fill(t, me, `#f-decision-reference`, "SHIFT-2026-11-0042")
	browser.Screenshot(t, me, "complaint-form")
	formStep(t, me, `#cp-continue`, http.StatusOK, 2)
	// Step 2, which AI system.
	browser.Select(t, me, `select[name=ai_system]`, system)
	browser.Check(t, me, `input[name=informed_of_ai][value=no]`)
	formStep(t, me, `#cp-continue`, http.StatusOK, 3)
	// Step 3, what they want.
	browser.Fill(t, me, `#f-desired-outcome`, "Give me my hours back and pay the shifts I lost.")
	browser.Check(t, me, `input[name=rights][value=work]`)
	browser.Check(t, me, `input[name=harm_types][value=financial]`)
	formStep(t, me, `#cp-continue`, http.StatusOK, 4)
	// Step 4, who they are: anonymous.
	browser.Check(t, me, `input[name=anonymous][value=true]`)
	formStep(t, me, `#cp-continue`, http.StatusOK, 5)
	// Step 5, check and send.
	if got := browser.Click(t, me, `#cp-send`); got != http.StatusOK {
		t.Fatalf("filing: %d", got)
	}
	if loc := browser.Location(t, me); !strings.HasSuffix(loc, "/complaints/receipt") {
		t.Fatalf("after filing: %s", loc)
	}
	audit(t, me, "receipt")
	browser.Screenshot(t, me, "receipt")
	reference := strings.TrimSpace(browser.Text(t, me, "#cp-reference"))
	var caseID string
	var anonymous bool
	row := s.Core.DB.Raw(`SELECT id::text, anonymous FROM cases WHERE reference = ?`, reference).Row()
	if err := row.Scan(&caseID, &anonymous); err != nil || !anonymous {
		t.Fatalf("case %s: %v, anonymous %v", reference, err, anonymous)
	}
	visit(t, me, base, "/follow-up", http.StatusOK, "follow-up, submitted")

	// The worker routes the case to the employment queue.
	var queue string
	testenv.Eventually(t, 30*time.Second, "the case is routed", func() bool {
		s.Core.DB.Raw(`SELECT coalesce(queue_id::text, '') FROM cases WHERE id = ?`, caseID).Scan(&queue)
		return queue != ""
	})

	// The reviewer claims it and decides with a remedy.
	rev := b.Tab(t)
	signIn(t, rev, base, "reviewer@example.org")
	visit(t, rev, base, "/queue", http.StatusOK, "queue")
	browser.Screenshot(t, rev, "queue")
	browser.Click(t, rev, `form[action="/queue/`+queue+`/claim"] button`)
	if loc := browser.Location(t, rev); !strings.HasSuffix(loc, "/cases/"+caseID) {
		t.Fatalf("claim next opened %s", loc)
	}
	audit(t, rev, "workspace, claimed")
	browser.Click(t, rev, `#acknowledge`)
	browser.Navigate(t, rev, base+"/cases/"+caseID+"/actions")
	browser.Select(t, rev, `#f-move-to`, "in_review")
	browser.Fill(t, rev, `#f-move-reason`, "Reading the rota data.")
	browser.Click(t, rev, `form[action$="/transition"] button`)
	s.RecordAIDecision(s.Reviewer(), caseID)
	browser.Navigate(t, rev, base+"/cases/"+caseID+"/decision")
	fillDecision(t, rev, "decision_overturned", "The rota data show the cut followed the sick-leave flag, not demand.", "contributed")
	browser.Click(t, rev, `#decide`)
	if st := caseStatus(t, s, caseID); st == "pending_approval" {
		sup := b.Tab(t)
		signIn(t, sup, base, "supervisor@example.org")
		visit(t, sup, base, "/cases/"+caseID+"/decision", http.StatusOK, "workspace, approval")
		browser.Check(t, sup, `input[name=approve][value=yes]`)
		browser.Click(t, sup, `#approve-decision`)
	}
	if st := caseStatus(t, s, caseID); st != "decided" {
		t.Fatalf("after deciding: %s", st)
	}
	browser.Navigate(t, rev, base+"/cases/"+caseID+"/remedies")
	browser.Select(t, rev, `#f-remedies-components-0-form`, "compensation")
	browser.Select(t, rev, `#f-remedies-components-0-subtype`, "financial_loss")
	browser.Fill(t, rev, `#f-remedies-components-0-description`, "Pay the wages of the lost shifts.")
	browser.Select(t, rev, `#f-remedies-components-0-responsible`, "deployer")
	browser.Fill(t, rev, `#f-remedies-components-0-amount`, "1250.50")
	browser.Fill(t, rev, `#f-remedies-components-0-currency`, "EUR")
	browser.Fill(t, rev, `#f-remedies-components-0-due-at`, time.Now().AddDate(0, 1, 0).Format(time.DateOnly))
	browser.Check(t, rev, `#f-remedies-offer`)
	browser.Click(t, rev, `#propose-remedies`)
	audit(t, rev, "workspace, remedy offered")
	browser.Screenshot(t, rev, "workspace")
	if offered := countOf(t, s, remediesIn, caseID, "offered"); offered != 1 {
		t.Fatalf("%d remedies offered: %s", offered, browser.Text(t, rev, "#remedies"))
	}

	// The complainant accepts the offer and escalates, identity withheld.
	visit(t, me, base, "/follow-up", http.StatusOK, "follow-up, offer")
	browser.Check(t, me, `form[action^="/follow-up/remedies/"] input[name=accept][value=true]`)
	if got := browser.Click(t, me, `form[action^="/follow-up/remedies/"] button[type=submit]`); got != http.StatusOK {
		t.Fatalf("accepting the offer: %d", got)
	}
	if countOf(t, s, remediesIn, caseID, "accepted") != 1 {
		t.Fatalf("the offer was not accepted")
	}
	browser.Select(t, me, `#f-escalation-body-id`, dpa)
	browser.Check(t, me, `input[name=consent_scope][value=identity_withheld]`)
	browser.Fill(t, me, `#f-escalation-reason`, "I want the data protection authority to look at how my data were used.")
	if got := browser.Click(t, me, `form[action="/follow-up/escalations"] button[type=submit]`); got != http.StatusOK {
		t.Fatalf("escalating: %d", got)
	}
	audit(t, me, "follow-up, escalated")
	browser.Screenshot(t, me, "follow-up")
	var referral string
	s.Core.DB.Raw(`SELECT id::text FROM referrals WHERE case_id = ?`, caseID).Scan(&referral)
	if referral == "" {
		t.Fatal("no referral")
	}

	// The body's user sees it in the portal.
	dpaUser := b.Tab(t)
	signIn(t, dpaUser, base, "regulator@example.org")
	visit(t, dpaUser, base, "/referrals", http.StatusOK, "referrals")
	if !strings.Contains(browser.Text(t, dpaUser, "main"), reference) {
		t.Errorf("the body's list does not show %s", reference)
	}
	browser.Screenshot(t, dpaUser, "referrals")
	browser.Click(t, dpaUser, `a[href="/referrals/`+referral+`"]`)
	audit(t, dpaUser, "referral")
	browser.Screenshot(t, dpaUser, "referral")
}

// remediesIn counts a case's remedy components in a status.
const remediesIn = `SELECT count(*) FROM remedy_components rc JOIN remedy_bundles b ON b.id = rc.bundle_id
	WHERE b.case_id = ? AND rc.status = ?`

// signIn signs a demo user in through the form.
func signIn(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	browser.Navigate(t, ctx, base+"/login")
	browser.Fill(t, ctx, "#f-email", email)
	browser.Fill(t, ctx, "#f-password", teststack.DemoPassword)
	if got := browser.Click(t, ctx, `form[action="/login"] button[type=submit]`); got != http.StatusOK {
		t.Fatalf("sign in %s: %d", email, got)
	}
}
