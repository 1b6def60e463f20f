package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// The helpers take CSS selectors and look the element up once, without
// waiting: the pages are rendered on the server, so an element missing after
// the page has loaded is missing. Each helper fails the test at once, with the
// current URL, a snippet of the page's text and a screenshot.

// Navigate loads url in the tab, waits until the page has loaded and returns
// the HTTP status of the document (after any redirects).
func Navigate(t testing.TB, ctx context.Context, url string) int {
	t.Helper()
	resp, err := run(ctx, chromedp.NavigateResponse(url))
	if err != nil {
		fatalf(t, ctx, "navigate to %s: %v", url, err)
	}
	return statusOf(resp)
}

// Click clicks the element, as a person would with the mouse, waits for the
// page that loads next (a link followed, a form submitted) and returns its
// HTTP status. A click that loads no page fails after Timeout; for those, use
// chromedp.Click directly.
func Click(t testing.TB, ctx context.Context, selector string) int {
	t.Helper()
	onElement(t, ctx, selector, `if (el.getClientRects().length === 0) return "it is not rendered (hidden?)";
		if (el.disabled) return "it is disabled";`)
	actx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	resp, err := chromedp.RunResponse(actx, chromedp.Click(chromedp.CSS(selector)))
	if err != nil {
		fatalf(t, ctx, "click %q and wait for the next page: %v", selector, err)
	}
	return statusOf(resp)
}

// Fill sets the value of a text field (input or textarea). It refuses a value
// longer than the field's maxlength, which a person could not type.
func Fill(t testing.TB, ctx context.Context, selector, value string) {
	t.Helper()
	onElement(t, ctx, selector, `if (!(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement)) return "it is a <" + el.localName + ">, not a text field";
		if (el.disabled) return "it is disabled";
		if (el.readOnly) return "it is read-only";
		const v = `+jsString(value)+`;
		if (el.maxLength >= 0 && v.length > el.maxLength) return "the value has " + v.length + " characters, more than its maxlength " + el.maxLength;
		el.value = v;`)
}

// Select chooses the option of a <select> whose value or visible text is option.
func Select(t testing.TB, ctx context.Context, selector, option string) {
	t.Helper()
	onElement(t, ctx, selector, `if (!(el instanceof HTMLSelectElement)) return "it is a <" + el.localName + ">, not a <select>";
		if (el.disabled) return "it is disabled";
		const want = `+jsString(option)+`;
		const opt = Array.from(el.options).find(o => o.value === want || o.text.trim() === want);
		if (!opt) return "it has no option " + JSON.stringify(want) + "; it has " + Array.from(el.options).map(o => JSON.stringify(o.value) + " (" + o.text.trim() + ")").join(", ");
		if (opt.disabled) return "its option " + JSON.stringify(want) + " is disabled";
		opt.selected = true;`)
}

// Check ticks a checkbox or chooses a radio button by clicking it (or its
// label, when the input itself is visually hidden), and fails unless it is
// checked afterwards. A checked box is left as it is.
func Check(t testing.TB, ctx context.Context, selector string) {
	t.Helper()
	sel := "document.querySelector(" + jsString(selector) + ")"
	target := onElement(t, ctx, selector, `if (!(el instanceof HTMLInputElement) || (el.type !== "checkbox" && el.type !== "radio")) return "it is not a checkbox or a radio button";
		if (el.disabled) return "it is disabled";
		if (el.checked) return "=checked";
		const r = el.getBoundingClientRect();
		if (r.width >= 4 && r.height >= 4) return "=input";
		if (el.labels.length > 0 && el.labels[0].getClientRects().length > 0) return "=label";
		return "it is not rendered and has no visible label";`)
	var click chromedp.JSPath
	switch target {
	case "checked":
		return
	case "input":
		click = chromedp.JSPath(sel)
	case "label":
		click = chromedp.JSPath(sel + ".labels[0]")
	}
	if _, err := run(ctx, chromedp.Click(click)); err != nil {
		fatalf(t, ctx, "check %q: click: %v", selector, err)
	}
	checked, err := run(ctx, chromedp.Evaluate[bool](sel+".checked"))
	if err != nil {
		fatalf(t, ctx, "check %q: %v", selector, err)
	}
	if !checked {
		fatalf(t, ctx, "check %q: clicking the %s did not check it (is another element on top?)", selector, target)
	}
}

// Text returns the rendered text of the element (innerText).
func Text(t testing.TB, ctx context.Context, selector string) string {
	t.Helper()
	return onElement(t, ctx, selector, `return "=" + el.innerText;`)
}

// Location returns the URL of the page in the tab.
func Location(t testing.TB, ctx context.Context) string {
	t.Helper()
	loc, err := run(ctx, chromedp.Location())
	if err != nil {
		fatalf(t, ctx, "read the location: %v", err)
	}
	return loc
}

// Exists reports whether an element matches the selector now.
func Exists(t testing.TB, ctx context.Context, selector string) bool {
	t.Helper()
	found, err := run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%s) !== null`, jsString(selector))))
	if err != nil {
		fatalf(t, ctx, "look for %q: %v", selector, err)
	}
	return found
}

// onElement runs body, a JavaScript function body, with el bound to the first
// element matching selector. The body returns nothing on success, "=" and a
// result, or the reason why it cannot act on el. onElement fails t when there
// is no such element or the body gives a reason, and returns the result.
//
// Runtime.evaluate runs this synchronous code even in a tab with JavaScript
// disabled (see Axe).
func onElement(t testing.TB, ctx context.Context, selector, body string) string {
	t.Helper()
	js := fmt.Sprintf(`(() => {
		const el = document.querySelector(%s);
		if (el === null) return "no element matches it";
		%s
		return "=";
	})()`, jsString(selector), body)
	res, err := run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		fatalf(t, ctx, "%q: %v", selector, err)
	}
	if v, ok := strings.CutPrefix(res, "="); ok {
		return v
	}
	fatalf(t, ctx, "%q: %s", selector, res)
	return ""
}

// run runs one action on the tab within Timeout. The tab outlives the
// action's context (see chromedp.NewContext).
func run[T any](ctx context.Context, a chromedp.Action[T]) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	return chromedp.Run(ctx, a)
}

// call makes an action of one DevTools protocol command.
func call[P, R any](cmd cdp.Command[P, R], params P) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, cmd, params)
		return err
	})
}

// fatalf fails t with the message, the tab's URL, a snippet of its text and a
// screenshot.
func fatalf(t testing.TB, ctx context.Context, format string, args ...any) {
	t.Helper()
	t.Fatalf("browser: %s\n%s", fmt.Sprintf(format, args...), describe(t, ctx, "failure"))
}

// snippetLen is how much of the page's text a failure shows.
const snippetLen = 400

// describe tells where the tab is: its URL, the start of its text and a
// screenshot, as far as the tab still answers.
func describe(t testing.TB, ctx context.Context, shot string) string {
	loc, err := run(ctx, chromedp.Location())
	if err != nil {
		return fmt.Sprintf("  page: (unknown: %v)\n", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "  page: %s\n", loc)
	text, err := run(ctx, chromedp.Evaluate[string](`(document.body ? document.body.innerText : document.documentElement.textContent) || ""`))
	if err == nil {
		fmt.Fprintf(&b, "  text: %q\n", truncate(strings.Join(strings.Fields(text), " "), snippetLen))
	}
	if path, err := saveScreenshot(t, ctx, shot); err == nil {
		fmt.Fprintf(&b, "  screenshot: %s\n", path)
	} else {
		fmt.Fprintf(&b, "  screenshot: %v\n", err)
	}
	return b.String()
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err) // a string always marshals
	}
	return string(b)
}

// statusOf is the HTTP status of a document's response, 0 when there was
// none (about:blank, a jump within the page).
func statusOf(resp *network.Response) int {
	if resp == nil {
		return 0
	}
	return int(resp.Status)
}
