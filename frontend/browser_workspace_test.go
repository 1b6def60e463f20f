package frontend_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// A reviewer works a case across the workspace's pages as a person would:
// in English and in Arabic, at 1280 px with JavaScript and at 320 px
// without it. After every action the page is the action's own tab and the message
// saying what happened is in the window, read in the person's language.
// Every tab of the fully worked case (decided, a remedy offered, a
// referral) has every message and fits the window in all four views, passes
// axe-core in two of them (as TestBrowserJourneys' steps: en 1280 js and
// ar 320 no-js have each language, each width and JavaScript on and off; an
// audit is most of a page's cost), and at 1280 px none is taller than
// 3,000 px. TestBrowserEveryPageInEveryRole audits every tab in English,
// Arabic and at 320 px without JavaScript.
func TestBrowserWorkspaceAcrossSections(t *testing.T) {
	t.Parallel() // the longest of the package: run beside each other, not one after the other
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	base := s.WebURL
	dpa := idOf(t, s, `SELECT id::text FROM bodies WHERE slug = 'demo-dpa'`)
	general := queueID(t, s, "general")

	for _, view := range []struct {
		name, lang string
		js, axe    bool
		opts       []browser.TabOption
	}{
		{"en 1280 js", "en", true, true, []browser.TabOption{browser.Viewport(1280, 900)}},
		{"ar 320 no-js", "ar", false, true, []browser.TabOption{browser.AcceptLanguage("ar"), browser.Viewport(320, 640), browser.NoJavaScript()}},
		{"ar 1280 js", "ar", true, false, []browser.TabOption{browser.AcceptLanguage("ar"), browser.Viewport(1280, 900)}},
		{"en 320 no-js", "en", false, false, []browser.TabOption{browser.Viewport(320, 640), browser.NoJavaScript()}},
	} {
		t.Run(view.name, func(t *testing.T) {
			msg := messagesOf(t, view.lang, "staff.json", "common.json")
			f := staffCase(t, s, "general", nil)
			if err := s.Core.DB.Exec(`UPDATE cases SET priority = 'P3' WHERE id = ?`, f.ID).Error; err != nil {
				t.Fatal(err)
			}
			path := "/cases/" + f.ID
			rev := b.Tab(t, view.opts...)
			signIn(t, rev, base, "reviewer@example.org")

			// Search by reference: typed loosely, the case opens; a wrong one says so.
			visitAuditing(t, rev, base, "/queue", http.StatusOK, view.name+" queue", view.axe)
			browser.Fill(t, rev, "#f-reference", "rd-123-456")
			browser.Click(t, rev, "#find-case")
			if got := browser.Text(t, rev, "#f-reference-error"); !strings.Contains(got, "rd-123-456") {
				t.Errorf("a wrong reference reads %q", got)
			}
			auditing(t, rev, view.name+" queue, no such reference", view.axe)
			browser.Fill(t, rev, "#f-reference", strings.ToLower(strings.ReplaceAll(f.Reference, "-", " ")))
			browser.Click(t, rev, "#find-case")
			if loc := browser.Location(t, rev); !strings.HasSuffix(loc, path) {
				t.Fatalf("the search opened %s", loc)
			}

			// act submits a form and checks where the person lands and what they read there.
			act := func(submit, tab, flash string) {
				t.Helper()
				if got := browser.Click(t, rev, submit); got != http.StatusOK {
					t.Fatalf("%s: %d: %s", submit, got, browser.Text(t, rev, "main"))
				}
				if loc := browser.Location(t, rev); !strings.HasSuffix(loc, path+tab) {
					t.Fatalf("%s landed on %s, want %s", submit, loc, path+tab)
				}
				flashInView(t, rev, msg[flash])
				if tab != "" {
					if cur := browser.Text(t, rev, `nav.cw-tabs a[aria-current="page"]`); strings.TrimSpace(cur) == "" {
						t.Errorf("%s: no current tab", submit)
					}
				}
			}
			// open follows the tab navigation's link to tab.
			open := func(tab string) {
				t.Helper()
				if got := browser.Click(t, rev, `nav.cw-tabs a[href="`+path+tab+`"]`); got != http.StatusOK {
					t.Fatalf("tab %s: %d", tab, got)
				}
			}

			browser.Navigate(t, rev, base+"/queue")
			act(`form[action="/queue/`+general+`/claim"] button`, "", "queue.flash.claimed")
			if got := browser.Text(t, rev, "#next-step"); got != msg["cw.next.submitted"] {
				t.Errorf("what to do next reads %q", got)
			}
			act("#acknowledge", "", "cw.flash.acknowledged")

			open("/actions")
			browser.Select(t, rev, "#f-move-to", "in_review")
			browser.Fill(t, rev, "#f-move-reason", "Reading the rota data.")
			act(`form[action$="/transition"] button`, "/actions", "cw.flash.moved")

			open("/triage")
			browser.Check(t, rev, "#f-triage-scale-1")
			browser.Fill(t, rev, "#f-triage-scale-rationale", "Her income went down by a third.")
			browser.Check(t, rev, "#f-triage-scope-0")
			browser.Fill(t, rev, "#f-triage-scope-rationale", "One worker so far.")
			browser.Check(t, rev, "#f-triage-irremediability-0")
			browser.Fill(t, rev, "#f-triage-irremediability-rationale", "Back pay can fix it.")
			browser.Check(t, rev, `input[name=rights][value=work]`)
			browser.Check(t, rev, `input[name=harm_types][value=financial]`)
			browser.Check(t, rev, `input[name=mechanisms][value=biased_output]`)
			browser.Check(t, rev, `input[name=harm_status][value=occurred]`)
			act("#triage-submit", "/triage", "cw.flash.triaged_raised")

			open("/messages")
			browser.Fill(t, rev, "#f-messages-body", "Which shifts were removed, and when?")
			act(`form[action$="/messages"] button[type=submit]`, "/messages", "cw.flash.message_sent")
			if got := browser.Text(t, rev, "#messages"); !strings.Contains(got, "Which shifts were removed, and when?") {
				t.Errorf("the message is not shown: %s", got)
			}

			open("/ai-decision")
			browser.Fill(t, rev, "#f-ai-decision-system-version", "ShiftPlanner 4.2.1")
			browser.Fill(t, rev, "#f-ai-decision-inputs", "attendance records\nsick-leave flag")
			browser.Fill(t, rev, "#f-ai-decision-output", "Hours set to zero.")
			browser.Check(t, rev, `input[name=solely_automated][value=true]`)
			browser.Check(t, rev, `input[name=human_oversight][value=none]`)
			browser.Check(t, rev, `input[name=person_informed][value=no]`)
			act(`form[action$="/ai-decision"] button[type=submit]`, "/ai-decision", "cw.flash.ai_decision")

			open("/decision")
			fillDecision(t, rev, "decision_overturned", "The rota data show the cut followed the sick-leave flag, not demand.", "contributed")
			act("#decide", "/decision", "cw.flash.decided")

			open("/remedies")
			browser.Select(t, rev, "#f-remedies-components-0-form", "compensation")
			if view.js {
				// The kinds follow the form: only compensation's are offered.
				offered := evaluate[[]string](t, rev, `(() => {
					const sel = document.querySelector("#f-remedies-components-0-form");
					sel.dispatchEvent(new Event("change"));
					return Array.from(document.querySelectorAll("#f-remedies-components-0-subtype optgroup"))
						.filter(g => !g.hidden && !g.disabled).map(g => g.dataset.form);
				})()`)
				if len(offered) != 1 || offered[0] != "compensation" {
					t.Errorf("with the form compensation chosen, the kinds offered are those of %v", offered)
				}
			} else if n := evaluate[int](t, rev, `document.querySelectorAll("#f-remedies-components-0-subtype optgroup").length`); n != 5 {
				t.Errorf("without JavaScript, %d groups of kinds are offered, want all 5", n)
			}
			browser.Select(t, rev, "#f-remedies-components-0-subtype", "financial_loss")
			browser.Fill(t, rev, "#f-remedies-components-0-description", "Pay the wages of the lost shifts.")
			browser.Select(t, rev, "#f-remedies-components-0-responsible", "deployer")
			browser.Fill(t, rev, "#f-remedies-components-0-amount", "1250.50")
			browser.Fill(t, rev, "#f-remedies-components-0-currency", "EUR")
			browser.Fill(t, rev, "#f-remedies-components-0-due-at", time.Now().AddDate(0, 1, 0).Format(time.DateOnly))
			browser.Check(t, rev, "#f-remedies-offer")
			act("#propose-remedies", "/remedies", "cw.flash.remedies_offered")

			open("/escalation")
			browser.Select(t, rev, "#f-escalate-body-id", dpa)
			browser.Check(t, rev, `input[name=consent_scope][value=identity_withheld]`)
			browser.Fill(t, rev, "#f-escalate-legal-basis", "GDPR art. 77")
			browser.Fill(t, rev, "#f-escalate-reason", "The complainant's data were used beyond the rota's purpose.")
			act("#refer", "/escalation", "cw.flash.referred")

			// Every tab of the worked case: audited, and short.
			for _, tab := range []string{"", "/messages", "/triage", "/ai-decision", "/points-of-view", "/evidence", "/decision",
				"/remedies", "/escalation", "/actions", "/timeline", "/record"} {
				visitAuditing(t, rev, base, path+tab, http.StatusOK, view.name+" workspace "+tab, view.axe)
				if view.js {
					if h := evaluate[int](t, rev, `document.documentElement.scrollHeight`); h > 3000 {
						t.Errorf("%s: the tab %q is %d px tall at 1280 px, more than 3,000", view.name, tab, h)
					} else {
						t.Logf("%s: the tab %q is %d px tall", view.name, tab, h)
					}
				}
			}
			browser.Screenshot(t, rev, "workspace-record-"+view.lang)
		})
	}
}

// flashInView fails unless the page's one-time message reads want and is
// inside the window.
func flashInView(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	got := evaluate[string](t, ctx, `(() => {
		const el = document.querySelector("main .flash");
		if (!el) return "none:";
		const r = el.getBoundingClientRect();
		return (r.top >= 0 && r.bottom <= window.innerHeight ? "in:" : "out:") + el.innerText.trim();
	})()`)
	if got != "in:"+want {
		t.Errorf("the message after the action: got %q, want %q in the window", got, want)
	}
}
