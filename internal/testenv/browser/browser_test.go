package browser

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// page wraps a body in a small accessible HTML document.
func page(title, body string) string {
	return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>` + title + `</title></head><body><main>` + body + `</main></body></html>`
}

// site is the test pages' server.
type site struct {
	base string // named localhost, not 127.0.0.1, so that Chromium treats it as a secure context and keeps Secure cookies

	mu     sync.Mutex
	posted url.Values // the last form posted to /submit
}

func (s *site) lastPosted() url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.posted
}

// server serves the test pages.
func server(t *testing.T) *site {
	t.Helper()
	s := &site{}
	mux := http.NewServeMux()
	html := func(pattern, doc string, headers ...string) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			for i := 0; i+1 < len(headers); i += 2 {
				w.Header().Set(headers[i], headers[i+1])
			}
			fmt.Fprint(w, doc)
		})
	}
	// An accessible page under a strict Content-Security-Policy, as the
	// application's pages will have.
	html("GET /good", page("Good", `<h1>A good page</h1>
<img src="/dot.png" alt="A dot" width="10" height="10">
<form method="post" action="/submit"><label for="q">Your name</label> <input id="q" name="q"> <button>Send</button></form>
<p><a href="/bad">Another page</a></p>`),
		"Content-Security-Policy", "default-src 'none'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	// The same page under the application's policy for scripts: its own
	// origin's only.
	html("GET /strict", page("Strict", `<h1>A page of the application</h1>
<img src="/dot.png" alt="A dot" width="10" height="10">`),
		"Content-Security-Policy", "default-src 'none'; script-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
	html("GET /bad", page("Bad", `<h1>A bad page</h1>
<img src="/dot.png" width="10" height="10">
<form method="post" action="/submit"><input id="q" name="q" type="text"> <button>Send</button></form>`))
	html("GET /script", page("Script", `<h1 id="h">static</h1>
<script>document.getElementById("h").textContent = "js ran"; window.ran = true;</script>`))
	html("GET /tall", page("Tall", `<h1>Tall</h1><div style="height: 2400px">tall content</div><p>end</p>`))
	html("GET /form", page("Form", `<h1>Complaint</h1>
<style>.vh { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%); white-space: nowrap; }</style>
<form method="post" action="/submit">
<p><label for="name">Name</label> <input id="name" name="name" maxlength="20"></p>
<p><label for="desc">What happened</label> <textarea id="desc" name="desc"></textarea></p>
<p><label for="sector">Sector</label> <select id="sector" name="sector"><option value="">Choose</option><option value="mining">Mining</option><option value="farming">Farming</option></select></p>
<fieldset><legend>Contact</legend>
<input class="vh" type="radio" id="c-mail" name="contact" value="mail"><label for="c-mail">By mail</label>
<input type="radio" id="c-none" name="contact" value="none"><label for="c-none">Not at all</label>
</fieldset>
<p><input type="checkbox" id="consent" name="consent" value="yes"> <label for="consent">I agree</label></p>
<p><button type="submit">Send</button></p>
</form>`))
	mux.HandleFunc("POST /submit", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		s.posted = r.PostForm
		s.mu.Unlock()
		http.Redirect(w, r, "/done?case=42", http.StatusSeeOther)
	})
	html("GET /done", page("Done", `<h1>Received</h1><p id="result">Your case number is 42.</p>`))
	mux.HandleFunc("GET /set", func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: "s3cret", Path: "/", HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page("Set", `<h1>Signed in</h1>`))
	})
	mux.HandleFunc("GET /show", func(w http.ResponseWriter, r *http.Request) {
		v := "none"
		if c, err := r.Cookie("sid"); err == nil {
			v = c.Value
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page("Show", `<h1>Cookie</h1><p id="sid">`+v+`</p>`))
	})
	mux.HandleFunc("GET /lang", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, page("Lang", `<h1>Language</h1><p id="lang">`+r.Header.Get("Accept-Language")+`</p>`))
	})
	mux.HandleFunc("GET /dot.png", func(w http.ResponseWriter, r *http.Request) {
		img := image.NewRGBA(image.Rect(0, 0, 10, 10))
		img.Set(5, 5, color.Black)
		w.Header().Set("Content-Type", "image/png")
		_ = png.Encode(w, img)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s.base = "http://localhost:" + port
	return s
}

// recorder stands in for a test to show that a helper fails it: it records
// the failures, and Fatal ends the goroutine as testing's does.
type recorder struct {
	testing.TB
	mu       sync.Mutex
	errors   []string
	cleanups []func()
}

func (r *recorder) Helper() {}

// Cleanup keeps f for runCleanups, as the end of a test would run it.
func (r *recorder) Cleanup(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cleanups = append(r.cleanups, f)
}

// runCleanups runs what Cleanup kept, last first.
func (r *recorder) runCleanups() {
	r.mu.Lock()
	fs := r.cleanups
	r.cleanups = nil
	r.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

func (r *recorder) Failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.errors) > 0
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *recorder) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }

// failures runs f with a recorder in its own goroutine and returns what
// failed, joined.
func failures(t *testing.T, f func(tb testing.TB)) string {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	r.runCleanups() // what f opened (a browser, a tab) closes, as at the end of a test
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.errors, "\n")
}

func violationIDs(vs []Violation) []string {
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.ID)
	}
	return ids
}

// TestBrowser shares one Chromium across its subtests, as the web pages'
// tests will.
func TestBrowser(t *testing.T) {
	site := server(t)
	base := site.base
	b := New(t)

	t.Run("flags", func(t *testing.T) {
		proc := chromedp.FromContext(b.ctx).Browser.Process()
		if proc == nil {
			t.Fatal("no browser process")
		}
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", proc.Pid))
		if err != nil {
			t.Fatal(err)
		}
		args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		for _, want := range []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
			"--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"} {
			if !slices.Contains(args, want) {
				t.Errorf("Chromium runs without %s: %q", want, args)
			}
		}
		i := slices.IndexFunc(args, func(a string) bool { return strings.HasPrefix(a, "--user-data-dir=") })
		if i < 0 {
			t.Fatalf("Chromium runs without --user-data-dir: %q", args)
		}
		if dir := strings.TrimPrefix(args[i], "--user-data-dir="); !strings.HasPrefix(dir, os.TempDir()) {
			t.Errorf("user data dir %s is not a temporary directory", dir)
		}
	})

	t.Run("accessible page has no violations", func(t *testing.T) {
		for _, js := range []bool{true, false} {
			var opts []TabOption
			if !js {
				opts = append(opts, NoJavaScript())
			}
			tab := b.Tab(t, opts...)
			if code := Navigate(t, tab, base+"/good"); code != http.StatusOK {
				t.Fatalf("status %d", code)
			}
			if vs := AxeViolations(t, tab); len(vs) != 0 {
				t.Errorf("JavaScript %v: violations on an accessible page:\n%s", js, FormatViolations(vs))
			}
			Axe(t, tab, "good")
		}
	})

	t.Run("axe-core crosses the protocol once per tab", func(t *testing.T) {
		for _, js := range []bool{true, false} {
			var opts []TabOption
			if !js {
				opts = append(opts, NoJavaScript())
			}
			tab := b.Tab(t, opts...)
			for _, p := range []string{"/strict", "/bad", "/strict", "/tall"} {
				Navigate(t, tab, base+p)
				ids := violationIDs(AxeViolations(t, tab))
				if bad := p == "/bad"; bad != slices.Contains(ids, "image-alt") {
					t.Errorf("JavaScript %v: %s: violations %v", js, p, ids)
				}
				if n, _ := run(tab, chromedp.Evaluate[int](`document.scripts.length`)); n != 0 {
					t.Errorf("JavaScript %v: %s: the page keeps %d script element(s) after the audit", js, p, n)
				}
			}
			if n := tabOf(tab).axe.sent.Load(); n != 1 {
				t.Errorf("JavaScript %v: axe-core crossed the protocol %d times for 4 pages, want once", js, n)
			}
			// A page whose policy forbids even its own origin's scripts
			// gets the source sent, and is audited all the same.
			Navigate(t, tab, base+"/good")
			if vs := AxeViolations(t, tab); len(vs) != 0 {
				t.Errorf("JavaScript %v: /good: %s", js, FormatViolations(vs))
			}
			if n := tabOf(tab).axe.sent.Load(); n != 2 {
				t.Errorf("JavaScript %v: after a page that refuses the script, axe-core crossed the protocol %d times, want 2", js, n)
			}
		}
	})

	t.Run("violations are found and reported", func(t *testing.T) {
		tab := b.Tab(t, NoJavaScript())
		Navigate(t, tab, base+"/bad")
		vs := AxeViolations(t, tab)
		ids := violationIDs(vs)
		for _, want := range []string{"image-alt", "label"} {
			if !slices.Contains(ids, want) {
				t.Errorf("no %s violation among %v", want, ids)
			}
		}
		for _, v := range vs {
			if v.ID == "image-alt" && (len(v.Nodes) != 1 || !strings.Contains(v.Nodes[0].HTML, "<img")) {
				t.Errorf("image-alt names the wrong elements: %+v", v.Nodes)
			}
		}
		t.Setenv("REDRESS_ARTIFACTS", t.TempDir())
		report := failures(t, func(tb testing.TB) { Axe(tb, tab, "bad") })
		for _, want := range []string{`on "bad"`, "image-alt (critical)", "- label (", "https://dequeuniversity.com/rules/axe/",
			`<img src="/dot.png"`, `input`, "page: " + base + "/bad", "screenshot: "} {
			if !strings.Contains(report, want) {
				t.Errorf("the report lacks %q:\n%s", want, report)
			}
		}
	})

	t.Run("no JavaScript", func(t *testing.T) {
		// The control: with JavaScript the page's script runs.
		js := b.Tab(t)
		Navigate(t, js, base+"/script")
		if got := Text(t, js, "#h"); got != "js ran" {
			t.Fatalf("with JavaScript: %q", got)
		}

		tab := b.Tab(t, NoJavaScript())
		Navigate(t, tab, base+"/script")
		if got := Text(t, tab, "#h"); got != "static" {
			t.Errorf("without JavaScript the page's script ran: %q", got)
		}
		Axe(t, tab, "script")
		if got := Text(t, tab, "#h"); got != "static" {
			t.Errorf("the page's script ran during Axe: %q", got)
		}
		// Axe turned scripts off again: the next page's script does not run either.
		Navigate(t, tab, base+"/script")
		if got := Text(t, tab, "#h"); got != "static" {
			t.Errorf("after Axe the next page's script ran: %q", got)
		}
	})

	t.Run("cookies", func(t *testing.T) {
		staff := b.Tab(t)
		Navigate(t, staff, base+"/set")
		Navigate(t, staff, base+"/show")
		if got := Text(t, staff, "#sid"); got != "s3cret" {
			t.Errorf("the cookie did not persist within the tab: %q", got)
		}
		same := b.Tab(t, ShareCookies(staff))
		Navigate(t, same, base+"/show")
		if got := Text(t, same, "#sid"); got != "s3cret" {
			t.Errorf("a tab sharing cookies does not see the cookie: %q", got)
		}
		other := b.Tab(t, NoJavaScript())
		Navigate(t, other, base+"/show")
		if got := Text(t, other, "#sid"); got != "none" {
			t.Errorf("a tab in another browser context sees the cookie: %q", got)
		}
	})

	t.Run("accept language", func(t *testing.T) {
		const want = "fr-CH, fr;q=0.9, en;q=0.5"
		tab := b.Tab(t, AcceptLanguage(want))
		Navigate(t, tab, base+"/lang")
		if got := Text(t, tab, "#lang"); got != want {
			t.Errorf("Accept-Language %q, want %q", got, want)
		}
		plain := b.Tab(t)
		Navigate(t, plain, base+"/lang")
		if got := Text(t, plain, "#lang"); got == want {
			t.Errorf("a tab without the option sends %q too", got)
		}
	})

	t.Run("form without JavaScript on a small screen", func(t *testing.T) {
		tab := b.Tab(t, NoJavaScript(), Viewport(320, 640))
		Navigate(t, tab, base+"/form")
		Axe(t, tab, "form")
		Fill(t, tab, "#name", "Amina")
		Fill(t, tab, "#desc", "The river turned red.\nFish died.")
		Select(t, tab, "#sector", "Farming") // by visible text
		Check(t, tab, "#c-mail")             // visually hidden: its label is clicked
		Check(t, tab, "#consent")
		Check(t, tab, "#consent") // already checked: stays checked
		if !Exists(t, tab, "button[type=submit]") || Exists(t, tab, "#nothing") {
			t.Error("Exists is wrong")
		}
		if code := Click(t, tab, "button[type=submit]"); code != http.StatusOK {
			t.Errorf("status %d after submitting", code)
		}
		if loc := Location(t, tab); loc != base+"/done?case=42" {
			t.Errorf("location %s after the redirect", loc)
		}
		if got := Text(t, tab, "#result"); got != "Your case number is 42." {
			t.Errorf("result %q", got)
		}
		want := url.Values{"name": {"Amina"}, "desc": {"The river turned red.\r\nFish died."},
			"sector": {"farming"}, "contact": {"mail"}, "consent": {"yes"}}
		if got := site.lastPosted(); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("the server received %v, want %v", got, want)
		}
	})

	t.Run("helpers fail with the page's URL and text", func(t *testing.T) {
		t.Setenv("REDRESS_ARTIFACTS", t.TempDir())
		t.Setenv(ScreenshotsEnv, "") // a failure's screenshot is saved even when none are asked for
		tab := b.Tab(t, NoJavaScript())
		Navigate(t, tab, base+"/form")
		for name, tc := range map[string]struct {
			f    func(tb testing.TB)
			want string
		}{
			"missing":   {func(tb testing.TB) { Text(tb, tab, "#missing") }, `"#missing": no element matches it`},
			"maxlength": {func(tb testing.TB) { Fill(tb, tab, "#name", strings.Repeat("x", 21)) }, "more than its maxlength 20"},
			"not text":  {func(tb testing.TB) { Fill(tb, tab, "#sector", "x") }, "not a text field"},
			"no option": {func(tb testing.TB) { Select(tb, tab, "#sector", "Fishing") }, `no option "Fishing"`},
			"no box":    {func(tb testing.TB) { Check(tb, tab, "#name") }, "not a checkbox or a radio button"},
			"selector":  {func(tb testing.TB) { Exists(tb, tab, "[[") }, "[["},
		} {
			got := failures(t, tc.f)
			for _, want := range []string{tc.want, "page: " + base + "/form", `text: "Complaint Name`, "screenshot: "} {
				if !strings.Contains(got, want) {
					t.Errorf("%s: the failure lacks %q:\n%s", name, want, got)
				}
			}
			if _, after, ok := strings.Cut(got, "screenshot: "); ok {
				shot, _, _ := strings.Cut(after, "\n")
				if _, err := os.Stat(shot); err != nil {
					t.Errorf("%s: the failure's screenshot was not saved: %v", name, err)
				}
			}
		}
	})

	t.Run("a failed test leaves a picture of each tab", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("REDRESS_ARTIFACTS", dir)
		t.Setenv(ScreenshotsEnv, "")
		for _, failed := range []bool{false, true} {
			r := &recorder{TB: t}
			for _, p := range []string{"/tall", "/form"} {
				Navigate(r, b.Tab(r, NoJavaScript()), base+p)
			}
			if failed {
				r.Errorf("a check of the test failed")
			}
			r.runCleanups()
			files, _ := os.ReadDir(dir)
			if want := map[bool]int{false: 0, true: 2}[failed]; len(files) != want {
				t.Errorf("failed %v: %d picture(s) left, want %d", failed, len(files), want)
			}
		}
	})

	t.Run("screenshot only when asked for", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("REDRESS_ARTIFACTS", dir)
		t.Setenv(ScreenshotsEnv, "")
		tab := b.Tab(t, NoJavaScript())
		Navigate(t, tab, base+"/tall")
		if path := Screenshot(t, tab, "unasked"); path != "" {
			t.Errorf("Screenshot without %s=1 saved %s", ScreenshotsEnv, path)
		}
		if files, _ := os.ReadDir(dir); len(files) != 0 {
			t.Errorf("Screenshot without %s=1 wrote %d file(s)", ScreenshotsEnv, len(files))
		}
	})

	t.Run("screenshot", func(t *testing.T) {
		dir := t.TempDir()
		t.Setenv("REDRESS_ARTIFACTS", dir)
		t.Setenv(ScreenshotsEnv, "1")
		for _, width := range []int{320, DesktopWidth} {
			tab := b.Tab(t, Viewport(width, 600), NoJavaScript())
			Navigate(t, tab, base+"/tall")
			path := Screenshot(t, tab, fmt.Sprintf("tall-%d", width))
			if filepath.Dir(path) != dir {
				t.Errorf("screenshot at %s, not in %s", path, dir)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			img, err := png.Decode(bytes.NewReader(raw))
			if err != nil {
				t.Fatalf("not a PNG: %v", err)
			}
			// The whole page, not only the 600 pixels of the viewport.
			if size := img.Bounds().Size(); size.X != width || size.Y < 2400 {
				t.Errorf("screenshot %v, want %d wide and the whole page tall", size, width)
			}
		}
	})
}

func TestBrowserChromiumMissing(t *testing.T) {
	t.Setenv("REDRESS_CHROMIUM", "/nonexistent/chromium")
	got := failures(t, func(tb testing.TB) { New(tb) })
	for _, want := range []string{"Chromium not found at /nonexistent/chromium", "apt-get install chromium-headless-shell", ".ci/run"} {
		if !strings.Contains(got, want) {
			t.Errorf("the failure lacks %q: %q", want, got)
		}
	}
}

// A Chromium that dies while it starts is started again, and one that never
// starts fails the test after startAttempts tries, naming the binary.
func TestBrowserStartIsRetried(t *testing.T) {
	real := os.Getenv("REDRESS_CHROMIUM")
	if real == "" {
		real = DefaultChromium
	}
	dir := t.TempDir()
	count := filepath.Join(dir, "starts")
	// The first start dies as a crashing Chromium does; later ones run the real browser.
	flaky := filepath.Join(dir, "flaky-chromium")
	script := "#!/bin/sh\necho x >> " + count + "\n" +
		"if [ \"$(wc -l < " + count + ")\" -eq 1 ]; then echo 'crashed while starting' >&2; exit 1; fi\n" +
		"exec " + real + " \"$@\"\n"
	if err := os.WriteFile(flaky, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("REDRESS_CHROMIUM", flaky)
	b := New(t)
	tab := b.Tab(t)
	if _, err := chromedp.Run(tab, chromedp.Evaluate[int]("1 + 1")); err != nil {
		t.Fatalf("the browser started on the second attempt does not answer: %v", err)
	}
	if raw, _ := os.ReadFile(count); strings.Count(string(raw), "x") != 2 {
		t.Errorf("Chromium was started %d times, want 2", strings.Count(string(raw), "x"))
	}

	never := filepath.Join(dir, "broken-chromium")
	if err := os.WriteFile(never, []byte("#!/bin/sh\necho y >> "+count+"\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.Remove(count)
	t.Setenv("REDRESS_CHROMIUM", never)
	got := failures(t, func(tb testing.TB) { New(tb) })
	if !strings.Contains(got, "start Chromium ("+never+")") {
		t.Errorf("the failure does not name the binary: %q", got)
	}
	if raw, _ := os.ReadFile(count); strings.Count(string(raw), "y") != startAttempts {
		t.Errorf("a Chromium that never starts was tried %d times, want %d", strings.Count(string(raw), "y"), startAttempts)
	}
}

// Under the race detector, New refuses a test whose name `make test`'s
// browser run does not select; without it, any name does.
func TestOnlyBrowserTestsStartChromiumUnderRace(t *testing.T) {
	for _, c := range []struct {
		test string
		race bool
		ok   bool
	}{
		{"TestBrowserJourneys", true, true},
		{"TestBrowserJourneys/en_320", true, true},
		{"TestBrowser", true, true},
		{"TestJourneys", true, false},
		{"TestPagesInABrowser/en", true, false},
		{"TestJourneys", false, true},
	} {
		err := checkName(c.test, c.race)
		if (err == nil) != c.ok {
			t.Errorf("checkName(%q, race %v) = %v, want ok %v", c.test, c.race, err, c.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "name it TestBrowser…") {
			t.Errorf("the refusal does not say what to do: %v", err)
		}
	}
	if raceEnabled {
		// This very test is not one of them: New refuses it, before Chromium starts.
		t.Setenv("REDRESS_CHROMIUM", "/nonexistent/chromium")
		if got := failures(t, func(tb testing.TB) { New(tb) }); !strings.Contains(got, "name it TestBrowser…") {
			t.Errorf("New under the race detector in %s: %q", t.Name(), got)
		}
	}
}

func TestNPMMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := npmCI(t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "npm not found") || !strings.Contains(err.Error(), "apt-get install nodejs npm") {
		t.Errorf("npmCI without npm: %v", err)
	}
}

func TestArtifactDir(t *testing.T) {
	t.Setenv("REDRESS_ARTIFACTS", "")
	dir, err := artifactDir()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "..", "..", "go.mod")); err != nil || !strings.HasSuffix(dir, filepath.Join("artifacts", "screenshots")) {
		t.Errorf("artifact dir %s is not artifacts/screenshots at the repository's root", dir)
	}
	t.Setenv("REDRESS_ARTIFACTS", "/tmp/elsewhere")
	if dir, _ := artifactDir(); dir != "/tmp/elsewhere" {
		t.Errorf("REDRESS_ARTIFACTS is ignored: %s", dir)
	}
}

// In a binary whose TestMain runs Main, the tests share one Chromium: the
// second test's New returns the first's, still running after the first test
// ended; its tabs still have cookie jars of their own; a Chromium that died
// is replaced by the next New; and Main's end closes the last one.
func TestBrowserSharedByTheBinary(t *testing.T) {
	site := server(t)
	shared.Lock()
	shared.on = true
	shared.Unlock()
	t.Cleanup(func() {
		closeShared(t.Logf)
		shared.Lock()
		shared.on = false
		shared.Unlock()
	})
	pid := func(b *Browser) int {
		t.Helper()
		proc := chromedp.FromContext(b.ctx).Browser.Process()
		if proc == nil {
			t.Fatal("no browser process")
		}
		return proc.Pid
	}
	var first *Browser
	t.Run("first", func(t *testing.T) {
		first = New(t)
		tab := first.Tab(t)
		Navigate(t, tab, site.base+"/")
		if _, err := chromedp.Run(tab, chromedp.Evaluate[chromedp.Void](`document.cookie = "who=first; path=/"`)); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("second", func(t *testing.T) {
		b := New(t)
		if b != first {
			t.Fatal("the second test started a Chromium of its own")
		}
		tab := b.Tab(t)
		Navigate(t, tab, site.base+"/")
		if got, _ := chromedp.Run(tab, chromedp.Evaluate[string](`document.cookie`)); got != "" {
			t.Errorf("a tab of the second test sees the first's cookie %q", got)
		}
	})
	if t.Failed() {
		return
	}
	old := pid(first)
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(Timeout)
	for first.ctx.Err() == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	t.Run("after a crash", func(t *testing.T) {
		b := New(t)
		if b == first || pid(b) == old {
			t.Fatal("New returned the Chromium that died")
		}
		Navigate(t, b.Tab(t), site.base+"/")
	})
	last := shared.b
	closeShared(t.Logf)
	if last == nil || last.ctx.Err() == nil {
		t.Error("closeShared left the shared Chromium running")
	}
}
