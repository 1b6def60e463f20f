// Package browser drives Debian's headless Chromium for tests of the web pages,
// with github.com/chromedp/chromedp.
//
// Tests that start Chromium are named TestBrowser… (BrowserTests): `make
// test` runs them without the race detector.
//
// New starts one Chromium for a test; Tab opens a tab in it, each in its own
// browser context (its own cookie jar) unless ShareCookies says otherwise, so
// subtests share one browser cheaply and a reviewer and a complainant can be
// signed in at once. Tabs can run with JavaScript disabled (the complainant's
// pages must work without it), with a small viewport and with an
// Accept-Language header.
//
// The helpers (Navigate, Fill, Select, Check, Click, Text, Location, Exists)
// fail the test at once with the current URL and a snippet of the page's text;
// Axe runs axe-core on the page and fails the test on any violation;
// Screenshot saves a full-page PNG under the artifact folder.
//
// Chromium treats http://localhost and http://127.0.0.1 as secure contexts,
// so it keeps Secure cookies over plain HTTP on them (the pages' tests sign
// in at both).
//
// Chromium is never downloaded: the tests need
// /usr/bin/chromium-headless-shell (Debian's chromium-headless-shell package:
// Chromium's own headless build, the same Blink and V8 as the chromium package
// without its desktop browser; REDRESS_CHROMIUM names another binary, such as
// /usr/bin/chromium) and npm, and fail, never skip, without them. .ci/run
// installs both. The headless shell is what Playwright runs headless tests in;
// here it runs the pages' tests with about a quarter less CPU than the full
// browser (BENCHMARKS.md, eleventh session).
//
//	func TestPages(t *testing.T) {
//		b := browser.New(t)
//		t.Run("form", func(t *testing.T) {
//			tab := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 720))
//			browser.Navigate(t, tab, base+"/complaints/new") // base: http://localhost:PORT
//			browser.Fill(t, tab, "#description", "…")
//			browser.Click(t, tab, "button[type=submit]")
//			browser.Axe(t, tab, "receipt")
//		})
//	}
package browser

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// DefaultChromium is the browser binary unless REDRESS_CHROMIUM names another.
const DefaultChromium = "/usr/bin/chromium-headless-shell"

// Timeout bounds each browser action. It is generous because the machines
// that run the tests are shared and slow.
const Timeout = 60 * time.Second

// The default viewport is a desktop window.
const (
	DesktopWidth  = 1280
	DesktopHeight = 900
)

// Browser is one running Chromium. Open tabs with Tab; the browser closes when
// the test that started it ends, or, in a binary whose TestMain runs Main,
// after its last test.
type Browser struct {
	ctx  context.Context // the browser's chromedp context; tabs are its children
	tabs atomic.Int32    // tabs opened, to name their pictures
}

// New starts a headless Chromium for t and closes it when t ends. Share it
// across subtests: each Tab is a new tab of this one browser. In a test
// binary whose TestMain runs Main, every test's New returns the same
// Chromium instead, started by the first.
func New(t testing.TB) *Browser {
	t.Helper()
	path := os.Getenv("REDRESS_CHROMIUM")
	if path == "" {
		path = DefaultChromium
	}
	if err := checkName(t.Name(), raceEnabled); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(path); err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		t.Fatalf("browser: Chromium not found at %s: install Debian's chromium-headless-shell (apt-get install chromium-headless-shell); .ci/run does this", path)
	}
	if b := sharedBrowser(t, path); b != nil {
		return b
	}
	b, closeBrowser := launch(t, path)
	t.Cleanup(func() { closeBrowser(t.Logf) })
	return b
}

// shared is the one Chromium of a test binary whose TestMain runs Main.
var shared struct {
	sync.Mutex
	on    bool   // Main runs the tests
	path  string // the binary b runs
	b     *Browser
	close func(logf func(format string, args ...any))
}

// Main runs a package's tests (run is what its TestMain would run, such as
// testenv.Main) with one Chromium for all of them: every New of the binary
// returns that browser, started by the first New, and it closes after the
// last test. Tests still share no state through it: each tab has a browser
// context of its own (its own cookies, storage and cache) unless ShareCookies
// says otherwise. Starting a Chromium costs about a CPU-second; the
// frontend's tests started 27.
//
//	func TestMain(m *testing.M) { os.Exit(browser.Main(m, testenv.Main)) }
func Main(m *testing.M, run func(*testing.M) int) int {
	shared.Lock()
	shared.on = true
	shared.Unlock()
	code := run(m)
	closeShared(func(format string, args ...any) { fmt.Fprintf(os.Stderr, format+"\n", args...) })
	return code
}

// closeShared closes the shared Chromium, if one runs.
func closeShared(logf func(format string, args ...any)) {
	shared.Lock()
	defer shared.Unlock()
	if shared.close != nil {
		shared.close(logf)
		shared.b, shared.close = nil, nil
	}
}

// sharedBrowser is the binary's one Chromium, started if need be, or nil when
// its TestMain does not run Main or t asks for another Chromium binary
// (REDRESS_CHROMIUM) than the one running.
func sharedBrowser(t testing.TB, path string) *Browser {
	t.Helper()
	shared.Lock()
	defer shared.Unlock()
	if !shared.on || (shared.b != nil && shared.path != path) {
		return nil
	}
	if shared.b != nil {
		if shared.b.ctx.Err() == nil {
			return shared.b
		}
		t.Logf("browser: the shared Chromium has ended (%v); starting another", context.Cause(shared.b.ctx))
		shared.close(func(string, ...any) {}) // its context has ended: only the leftovers go
		shared.b, shared.close = nil, nil
	}
	shared.b, shared.close = launch(t, path)
	shared.path = path
	return shared.b
}

// launch starts Chromium (path) and returns it with the function that closes
// it; it fails t if Chromium does not start.
func launch(t testing.TB, path string) (*Browser, func(logf func(format string, args ...any))) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root
		chromedp.NoFirstRun,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		// Without these Chromium keeps trying to reach Google's servers,
		// and the closed network refuses its connections.
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// No user-data-dir flag: chromedp then gives each browser a fresh
		// temporary --user-data-dir, kills Chromium's leftover children and
		// removes the directory when the browser ends.
	)
	// Chromium now and then dies while it starts on a loaded machine (its
	// crash handler reports "no stack mapping" and chromedp "chrome failed
	// to start"); a fresh one then starts. Only the start is tried again,
	// and each failure is logged.
	var err error
	for attempt := 1; attempt <= startAttempts; attempt++ {
		var b *Browser
		var closeBrowser func(logf func(format string, args ...any))
		if b, closeBrowser, err = start(opts); err == nil {
			return b, closeBrowser
		}
		if attempt < startAttempts {
			t.Logf("browser: start Chromium (%s), attempt %d of %d: %v", path, attempt, startAttempts, err)
		}
	}
	t.Fatalf("browser: start Chromium (%s): %v", path, err)
	return nil, nil
}

// BrowserTests is how the tests that start Chromium are named: `make test`
// runs them (-run '^TestBrowser') without the race detector, and every other
// test with it (-skip '^TestBrowser'). Under the race detector they spent a
// fifth more CPU, most of it on the Go side, which mostly waits on Chromium.
const BrowserTests = "TestBrowser"

// checkName refuses a browser in a test not named BrowserTests… when the
// binary runs with the race detector: `make test` would run that test in its
// race run, at the cost BrowserTests avoids.
func checkName(test string, race bool) error {
	if race && !strings.HasPrefix(test, BrowserTests) {
		return fmt.Errorf("browser: %s starts Chromium under the race detector: name it %s… so that `make test` runs it in the browser tests' run, without the race detector (see the Makefile)", test, BrowserTests)
	}
	return nil
}

// startAttempts is how many times New tries to start Chromium.
const startAttempts = 3

// start starts one Chromium with opts and returns it with the function that
// closes it, or closes it at once if it does not start.
func start(opts []chromedp.ExecAllocatorOption) (*Browser, func(logf func(format string, args ...any)), error) {
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelBrowser := chromedp.NewContext(allocCtx)
	// The first run starts Chromium and ties its life to ctx, so it cannot
	// carry a timeout of its own: a watchdog cancels it instead.
	if err := startWithin(ctx, cancelBrowser, Timeout); err != nil {
		cancelBrowser()
		cancelAlloc()
		return nil, nil, err
	}
	closeBrowser := func(logf func(format string, args ...any)) {
		// Close Chromium gracefully, then kill whatever is left.
		cctx, cancel := context.WithTimeout(ctx, Timeout)
		defer cancel()
		if err := chromedp.Cancel(cctx); err != nil {
			logf("browser: closing Chromium: %v", err)
		}
		cancelBrowser()
		cancelAlloc()
	}
	return &Browser{ctx: ctx}, closeBrowser, nil
}

// startWithin runs the first action on a chromedp context (which starts the
// browser or opens the tab and binds it to ctx) and cancels it if that takes
// longer than d.
func startWithin(ctx context.Context, cancel context.CancelFunc, d time.Duration, steps ...chromedp.Action[chromedp.Void]) error {
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx, steps...) }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		cancel()
		<-done
		return fmt.Errorf("no answer after %s", d)
	}
}

// tab is what the helpers need to know about a tab; it rides in the tab's context.
type tab struct {
	noJS bool
	ctx  context.Context // the tab itself, without the value that carries this
	axe  axeDelivery
}

type tabKey struct{}

func tabOf(ctx context.Context) *tab {
	if tb, ok := ctx.Value(tabKey{}).(*tab); ok {
		return tb
	}
	return &tab{}
}

type tabConfig struct {
	noJS           bool
	width, height  int
	acceptLanguage string
	cookiesFrom    context.Context
}

// TabOption configures a tab.
type TabOption func(*tabConfig)

// NoJavaScript disables the page's JavaScript in the tab, as a browser with
// JavaScript switched off would (the helpers and Axe still work).
func NoJavaScript() TabOption { return func(c *tabConfig) { c.noJS = true } }

// Viewport sets the tab's viewport in CSS pixels (for example 320 wide to check
// small screens); the default is DesktopWidth x DesktopHeight.
func Viewport(width, height int) TabOption {
	return func(c *tabConfig) { c.width, c.height = width, height }
}

// AcceptLanguage sends this Accept-Language header with every request of the
// tab, for example "fr-CH, fr;q=0.9, en;q=0.5".
func AcceptLanguage(value string) TabOption {
	return func(c *tabConfig) { c.acceptLanguage = value }
}

// ShareCookies opens the tab in the browser context of another tab, so the two
// share cookies. By default every tab has a cookie jar of its own.
func ShareCookies(other context.Context) TabOption {
	return func(c *tabConfig) { c.cookiesFrom = other }
}

// Tab opens a new tab in b for t and closes it when t ends. The returned
// context is the tab: pass it to the helpers of this package or to chromedp.
// Cookies persist across the tab's navigations; unless ShareCookies says
// otherwise, no other tab sees them.
func (b *Browser) Tab(t testing.TB, opts ...TabOption) context.Context {
	t.Helper()
	cfg := tabConfig{width: DesktopWidth, height: DesktopHeight}
	for _, o := range opts {
		o(&cfg)
	}

	var ctxOpt chromedp.ContextOption
	if cfg.cookiesFrom != nil {
		c := chromedp.FromContext(cfg.cookiesFrom)
		if c == nil || c.BrowserContextID == "" {
			t.Fatal("browser: ShareCookies needs a tab made by Browser.Tab")
		}
		ctxOpt = chromedp.WithExistingBrowserContext(c.BrowserContextID)
	} else {
		ctxOpt = chromedp.WithNewBrowserContext()
	}
	ctx, cancel := chromedp.NewContext(b.ctx, ctxOpt)
	t.Cleanup(cancel)

	steps := []chromedp.Action[chromedp.Void]{
		chromedp.EmulateViewport(int64(cfg.width), int64(cfg.height)),
		call(emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: cfg.noJS}),
	}
	if cfg.acceptLanguage != "" {
		steps = append(steps, call(network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{
			Headers: network.Headers{"Accept-Language": cfg.acceptLanguage},
		}))
	}
	if err := startWithin(ctx, cancel, Timeout, steps...); err != nil {
		t.Fatalf("browser: open a tab: %v", err)
	}
	// A test that failed leaves a picture of where each of its tabs stood,
	// whether or not screenshots were asked for, and whatever check failed
	// (the helpers of this package also save one at the failing moment).
	// Registered after cancel, it runs before the tab closes.
	n := b.tabs.Add(1)
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		if path, err := saveScreenshot(t, ctx, fmt.Sprintf("failed-tab-%d", n)); err != nil {
			t.Logf("browser: picture of tab %d after the failure: %v", n, err)
		} else {
			t.Logf("browser: tab %d after the failure: %s", n, path)
		}
	})
	return context.WithValue(ctx, tabKey{}, &tab{noJS: cfg.noJS, ctx: ctx})
}
