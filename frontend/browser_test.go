package frontend_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/redresshq/redress/internal/testenv/browser"
)

// audit checks the page a tab shows: every message found in the
// catalogues, zero axe-core violations (WCAG 2.0–2.2 A and AA, and best
// practice), and nothing wider than the window (reflow at 320 px and at
// 200% zoom; a wide table scrolls in its own region).
func audit(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	auditWordsAndReflow(t, ctx, name)
	browser.Axe(t, ctx, name)
}

// auditWordsAndReflow is audit without axe-core, which is most of an audit's
// cost: every message found in the catalogues, nothing wider than the window.
func auditWordsAndReflow(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if text := browser.Text(t, ctx, "body"); strings.Contains(text, "⟦") {
		t.Errorf("%s: a message is missing from the catalogues: %s", name, text)
	}
	fits, err := chromedp.Run(ctx, chromedp.Evaluate[bool](
		`document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1`))
	if err != nil {
		t.Fatalf("%s: measure the page: %v", name, err)
	}
	if !fits {
		wide, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`(() => {
			const w = document.documentElement.clientWidth, out = [];
			for (const el of document.querySelectorAll("body *")) {
				if (el.closest(".table-scroll") && !el.matches(".table-scroll") && getComputedStyle(el).position !== "absolute") continue;
				const r = el.getBoundingClientRect();
				if (r.right > w + 1 || r.left < -1) out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
					(el.className ? "." + String(el.className).split(" ").join(".") : "") + " " + Math.round(r.left) + ".." + Math.round(r.right));
				if (out.length >= 8) break;
			}
			// Text that overflows a box that itself fits (a long word).
			const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
			for (let n = walk.nextNode(); n && out.length < 8; n = walk.nextNode()) {
				if (!n.textContent.trim() || (n.parentElement && n.parentElement.closest(".table-scroll"))) continue;
				const range = document.createRange(); range.selectNodeContents(n);
				const r = range.getBoundingClientRect();
				if (r.width && (r.right > w + 1 || r.left < -1)) out.push("text " + JSON.stringify(n.textContent.trim().slice(0, 40)) +
					" in " + n.parentElement.tagName.toLowerCase() + " " + Math.round(r.left) + ".." + Math.round(r.right));
			}
			if (!out.length) {
				// Nothing sticks out of the window: name the boxes whose content is wider than they are.
				out.push("page " + document.documentElement.scrollWidth + " > " + w);
				for (const el of document.querySelectorAll("body *")) {
					if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === "visible" && el.clientWidth) {
						out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className ? "." + String(el.className).split(" ").join(".") : "") +
							" " + el.clientWidth + "<" + el.scrollWidth);
						if (out.length >= 8) break;
					}
				}
			}
			return out;
		})()`))
		t.Errorf("%s: the page is wider than the window (%v) at %s", name, wide, browser.Location(t, ctx))
	}
}

// visit opens path and audits it; the page must answer want.
func visit(t *testing.T, ctx context.Context, base, path string, want int, name string) {
	t.Helper()
	visitAuditing(t, ctx, base, path, want, name, true)
}

// visitAuditing is visit, with axe-core only when axe is true (the words
// and the reflow are checked either way).
func visitAuditing(t *testing.T, ctx context.Context, base, path string, want int, name string, axe bool) {
	t.Helper()
	if got := browser.Navigate(t, ctx, base+path); got != want {
		t.Errorf("%s: GET %s answered %d, want %d", name, path, got, want)
	}
	auditing(t, ctx, name, axe)
}

// auditing is audit, or auditWordsAndReflow when axe is false.
func auditing(t *testing.T, ctx context.Context, name string, axe bool) {
	t.Helper()
	if axe {
		audit(t, ctx, name)
	} else {
		auditWordsAndReflow(t, ctx, name)
	}
}

// jsQuote is s as a JavaScript string literal, for selectors and texts put
// into evaluated scripts.
func jsQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// messagesOf reads files of a language's catalogue (complainant.json,
// staff.json…), so a test asserts what a person reads in their language.
// Messages with plural forms are left out.
func messagesOf(t *testing.T, lang string, files ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, file := range files {
		raw, err := os.ReadFile(filepath.Join("locales", lang, file))
		if err != nil {
			t.Fatal(err)
		}
		var all map[string]any
		if err := json.Unmarshal(raw, &all); err != nil {
			t.Fatalf("%s/%s: %v", lang, file, err)
		}
		for k, v := range all {
			if s, ok := v.(string); ok {
				out[k] = s
			}
		}
	}
	return out
}

// openInBrowser opens a complaint on /follow-up as its complainant does:
// the one code typed in its field, then "Open". It fails the test unless
// the case page opens.
func openInBrowser(t *testing.T, tab context.Context, base, code string) {
	t.Helper()
	browser.Navigate(t, tab, base+"/follow-up")
	browser.Fill(t, tab, "#f-code", code)
	if got := browser.Click(t, tab, `form[action="/follow-up"] button[type=submit]`); got != http.StatusOK {
		t.Fatalf("opening the case with its code: %d: %s", got, browser.Text(t, tab, "main"))
	}
	if !browser.Exists(t, tab, "#status") {
		t.Fatalf("the case did not open: %s", browser.Text(t, tab, "main"))
	}
}

// fillDecision fills the workspace's decision form as a reviewer does: the
// outcome (the option with that value), the reasons, the deployer's
// involvement (caused), the provider's, and both attestations. The caller
// presses "Decide".
func fillDecision(t *testing.T, tab context.Context, outcome, rationale, provider string) {
	t.Helper()
	browser.Check(t, tab, `input[name=outcome][value="`+outcome+`"]`)
	browser.Fill(t, tab, `#f-decision-rationale`, rationale)
	browser.Select(t, tab, `#f-decision-involvement-deployer`, "caused")
	browser.Select(t, tab, `#f-decision-involvement-provider`, provider)
	browser.Check(t, tab, `#f-decision-attestation-had-authority`)
	browser.Check(t, tab, `#f-decision-attestation-not-a-model-rerun`)
	// The explanation: a contested AI decision is never decided without it
	// (the burden of proof, issue 16).
	browser.Select(t, tab, `#f-decision-explanation-ai-role`, "decisive")
	browser.Fill(t, tab, `#f-decision-explanation-main-factors`, "sick-leave days in the last 90 days\nshift coverage forecast")
	browser.Fill(t, tab, `#f-decision-explanation-inputs`, "attendance records\nshift history")
	browser.Fill(t, tab, `#f-decision-explanation-how-to-contest`, "Appeal within 30 days on the follow-up page, or go to the labour inspectorate.")
}

// evaluate runs a JavaScript expression in the tab and returns its value.
func evaluate[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// fieldValue is the current value of a form field, or "(no such field)".
func fieldValue(t *testing.T, tab context.Context, selector string) string {
	t.Helper()
	return evaluate[string](t, tab, `(() => { const el = document.querySelector(`+jsQuote(selector)+
		`); return el ? el.value : "(no such field)"; })()`)
}
