package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// AxeTags are the axe-core rule tags Axe runs: WCAG 2.0, 2.1 and 2.2 at levels
// A and AA, and axe's best practices.
var AxeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"}

// Violation is one axe-core rule that the page breaks.
type Violation struct {
	ID      string          `json:"id"`     // the rule, e.g. "image-alt"
	Impact  string          `json:"impact"` // minor, moderate, serious or critical
	Help    string          `json:"help"`
	HelpURL string          `json:"helpUrl"`
	Nodes   []ViolationNode `json:"nodes"`
}

// ViolationNode is one element that breaks a rule.
type ViolationNode struct {
	Target  string `json:"target"` // a CSS selector for the element
	HTML    string `json:"html"`   // the start of its markup
	Summary string `json:"summary"`
}

// Axe runs axe-core (AxeTags) on the page in the tab and fails t with a
// readable report, the page's URL and a screenshot if it finds any violation.
// name says which page it is in the report. The test goes on after a failed
// check (t.Errorf), so one run reports every page's problems.
func Axe(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	vs := AxeViolations(t, ctx)
	if len(vs) == 0 {
		return
	}
	t.Errorf("browser: axe-core found %d accessibility violation(s) on %q:\n%s%s",
		len(vs), name, FormatViolations(vs), describe(t, ctx, name+"-axe"))
}

// AxeViolations runs axe-core (AxeTags) on the page in the tab and returns
// what it finds, without failing t for them. It fails t if axe-core cannot be
// installed or run.
//
// It works in a tab with NoJavaScript without reloading the page (some pages,
// like a receipt, are shown once). What was found with Chromium 156: with
// Emulation.setScriptExecutionDisabled(true), Runtime.evaluate still runs
// synchronous code and settles promises (microtasks), so injecting axe-core
// works, but timers never fire, and axe.run, which schedules its work with
// setTimeout, never finishes. So AxeViolations turns script execution back on
// for the duration of axe.run and off again afterwards. The page's own
// scripts do not run in between: inline and external scripts were skipped
// when the page was parsed and are not run later.
func AxeViolations(t testing.TB, ctx context.Context) []Violation {
	t.Helper()
	src, err := axeSource()
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	if tabOf(ctx).noJS {
		if _, err := run(ctx, call(emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false})); err != nil {
			fatalf(t, ctx, "axe: enable scripts for axe-core: %v", err)
		}
		defer func() {
			// Even when the test has failed or its context has ended: the
			// tab must not be left running the page's scripts.
			if _, err := run(context.WithoutCancel(ctx), call(emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})); err != nil {
				t.Errorf("browser: axe: disable scripts again: %v", err)
			}
		}()
	}
	loaded, err := run(ctx, chromedp.Evaluate[bool](`typeof window.axe === "object"`))
	if err != nil {
		fatalf(t, ctx, "axe: %v", err)
	}
	if !loaded {
		if err := loadAxeInto(ctx, src); err != nil {
			fatalf(t, ctx, "axe: %v", err)
		}
	}
	tags, _ := json.Marshal(AxeTags)
	js := `axe.run(document, {
		runOnly: {type: "tag", values: ` + string(tags) + `},
		resultTypes: ["violations"],
		iframes: false,
	}).then(r => r.violations.map(v => ({
		id: v.id, impact: v.impact || "", help: v.help, helpUrl: v.helpUrl,
		nodes: v.nodes.map(n => ({
			target: n.target.map(s => Array.isArray(s) ? s.join(" >>> ") : s).join(" | "),
			html: n.html,
			summary: n.failureSummary || "",
		})),
	})))`
	raw, err := run(ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if errors.Is(err, context.DeadlineExceeded) {
		fatalf(t, ctx, "axe: axe-core did not finish within %s (it needs timers, so script execution must be on while it runs): %v", Timeout, err)
	}
	if err != nil {
		fatalf(t, ctx, "axe: run axe-core: %v", err)
	}
	var vs []Violation
	if err := json.Unmarshal(raw, &vs); err != nil {
		fatalf(t, ctx, "axe: decode the results: %v", err)
	}
	return vs
}

// htmlLen is how much of an offending element's markup a report shows.
const htmlLen = 200

// FormatViolations writes violations as a readable list.
func FormatViolations(vs []Violation) string {
	var b strings.Builder
	for _, v := range vs {
		fmt.Fprintf(&b, "- %s (%s): %s\n  %s\n", v.ID, v.Impact, v.Help, v.HelpURL)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "  * %s\n    %s\n", n.Target, truncate(strings.Join(strings.Fields(n.HTML), " "), htmlLen))
			if n.Summary != "" {
				fmt.Fprintf(&b, "    %s\n", strings.ReplaceAll(strings.TrimSpace(n.Summary), "\n", "\n    "))
			}
		}
	}
	return b.String()
}

// axe-core comes from the npm registry: the folder axe next to this file is a
// tiny npm project whose package-lock.json pins it. The first Axe of a test
// process runs `npm ci` there unless the pinned version is installed already.
// `go test ./...` runs several test processes at once, so an exclusive lock
// on a file in that folder lets one of them install while the others wait.
var axe struct {
	once sync.Once
	src  string
	err  error
}

// npmTimeout bounds `npm ci`.
const npmTimeout = 5 * time.Minute

func axeSource() (string, error) {
	axe.once.Do(func() { axe.src, axe.err = loadAxe() })
	return axe.src, axe.err
}

func loadAxe() (string, error) {
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "internal", "testenv", "browser", "axe")
	lock, err := os.OpenFile(filepath.Join(dir, ".install.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", fmt.Errorf("axe: lock the install: %w", err)
	}
	defer lock.Close() // closing it releases the lock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("axe: lock the install: %w", err)
	}

	want, err := pinnedAxe(dir)
	if err != nil {
		return "", err
	}
	if installedAxe(dir) != want {
		if err := npmCI(dir); err != nil {
			return "", err
		}
		if got := installedAxe(dir); got != want {
			return "", fmt.Errorf("axe: npm ci in %s installed axe-core %q, want %q", dir, got, want)
		}
	}
	src, err := os.ReadFile(filepath.Join(dir, "node_modules", "axe-core", "axe.min.js"))
	if err != nil {
		return "", fmt.Errorf("axe: %w", err)
	}
	return string(src), nil
}

// pinnedAxe is the axe-core version that package-lock.json pins.
func pinnedAxe(dir string) (string, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return "", fmt.Errorf("axe: %w", err)
	}
	var lock struct {
		Packages map[string]struct {
			Version string `json:"version"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(raw, &lock); err != nil {
		return "", fmt.Errorf("axe: read package-lock.json: %w", err)
	}
	v := lock.Packages["node_modules/axe-core"].Version
	if v == "" {
		return "", errors.New("axe: package-lock.json pins no axe-core")
	}
	return v, nil
}

// installedAxe is the version of axe-core in node_modules, "" if none.
func installedAxe(dir string) string {
	raw, err := os.ReadFile(filepath.Join(dir, "node_modules", "axe-core", "package.json"))
	if err != nil {
		return ""
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(raw, &pkg) != nil {
		return ""
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "axe-core", "axe.min.js")); err != nil {
		return ""
	}
	return pkg.Version
}

func npmCI(dir string) error {
	npm, err := exec.LookPath("npm")
	if err != nil {
		return errors.New("axe: npm not found, and it installs axe-core for the browser tests: install Node.js and npm (apt-get install nodejs npm); .ci/run does this")
	}
	ctx, cancel := context.WithTimeout(context.Background(), npmTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("axe: `npm ci` in %s failed (%w); it installs axe-core from the npm registry:\n%s", dir, err, tail(string(out), 3000))
	}
	return nil
}

// tail is the end of s, at most n bytes.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// How axe-core reaches a page. Sending its 650 kB source with
// Runtime.evaluate on every audit cost about 0.15 s (half of it the race
// detector's, encoding the message in Go): a third of an audit. So the page
// loads it instead, from axePath on its own origin, which its
// Content-Security-Policy allows as the application's pages allow their own
// scripts (script-src 'self'), and the tab itself answers that address
// (the Fetch domain), with a response Chromium's cache keeps: the source
// crosses the protocol once per tab, not once per page. A page that does not
// run the script (a policy without 'self' for scripts, a sandbox) gets the
// source sent as before.

// axePath is the address, on every origin, that a tab answers with axe-core.
const axePath = "/__redress-test/axe-core.min.js"

// axeLoader adds a script element for axePath to the page and resolves
// whether axe-core then runs there. The element is removed once it has run, so
// the audited document is the page's own.
var axeLoader = `new Promise(done => {
	const s = document.createElement("script");
	const end = ok => { s.remove(); done(ok && typeof window.axe === "object"); };
	s.src = ` + jsString(axePath) + `;
	s.onload = () => end(true);
	s.onerror = () => end(false);
	(document.head || document.documentElement).appendChild(s);
})`

// axeDelivery is how a tab has had axe-core.
type axeDelivery struct {
	once sync.Once
	err  error        // from setting up the tab's answer to axePath
	sent atomic.Int32 // times the source crossed the protocol: an answer, or a page that got it sent
}

// loadAxeInto makes axe-core run in the tab's page.
func loadAxeInto(ctx context.Context, src string) error {
	tb := tabOf(ctx)
	if tb.ctx == nil {
		return injectAxe(ctx, tb, src) // not a tab of Browser.Tab
	}
	tb.axe.once.Do(func() { tb.axe.err = serveAxe(tb, src) })
	if tb.axe.err != nil {
		return fmt.Errorf("answer %s in the tab: %w", axePath, tb.axe.err)
	}
	ok, err := run(ctx, chromedp.Evaluate[bool](axeLoader, chromedp.EvalAwaitPromise))
	if err != nil {
		return fmt.Errorf("load axe-core from %s: %w", axePath, err)
	}
	if !ok {
		return injectAxe(ctx, tb, src)
	}
	return nil
}

// injectAxe sends axe-core's source to the page.
func injectAxe(ctx context.Context, tb *tab, src string) error {
	tb.axe.sent.Add(1)
	if _, err := run(ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
		return fmt.Errorf("inject axe-core: %w", err)
	}
	return nil
}

// serveAxe makes the tab answer axePath, on any origin, with axe-core, until
// the tab closes.
func serveAxe(tb *tab, src string) error {
	c := chromedp.FromContext(tb.ctx)
	if c == nil || c.Target == nil {
		return errors.New("the tab has no target")
	}
	target, body := c.Target, []byte(src)
	paused := cdp.Events(tb.ctx, target, fetch.RequestPaused) // buffered from here on
	go func() {
		for ev, err := range paused {
			if err != nil {
				return // the tab has closed
			}
			tb.axe.sent.Add(1)
			_, err := cdp.Call(tb.ctx, target, fetch.FulfillRequest, fetch.FulfillRequestParams{
				RequestID:    ev.RequestID,
				ResponseCode: http.StatusOK,
				ResponseHeaders: []*fetch.HeaderEntry{
					{Name: "Content-Type", Value: "text/javascript; charset=utf-8"},
					{Name: "Cache-Control", Value: "private, max-age=86400, immutable"},
				},
				Body: body,
			})
			if err != nil {
				// The script fails to load, and the loader sends the
				// source instead.
				_, _ = cdp.Call(tb.ctx, target, fetch.FailRequest, fetch.FailRequestParams{
					RequestID: ev.RequestID, ErrorReason: network.ErrorReasonFailed,
				})
			}
		}
	}()
	_, err := cdp.Call(tb.ctx, target, fetch.Enable, fetch.EnableParams{
		Patterns: []*fetch.RequestPattern{{URLPattern: "*" + axePath}},
	})
	return err
}
