package frontend_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/platform/config"
	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// Sessions you can end, CSRF bound to the session (issue 15, item 6).

const csrfRefused = "This form has expired or did not come from this site."

// formToken is the CSRF token of the forms on path as c sees it now.
func formToken(t *testing.T, c *client, path string) string {
	t.Helper()
	p := c.get(path)
	m := csrfInput.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no CSRF token on %s: %d", path, p.Status)
	}
	return m[1]
}

// signedInAt reports whether c's staff session still opens path.
func signedInAt(c *client, path string) bool {
	p := c.get(path)
	return p.Status == http.StatusOK
}

// wantRefused: the answer is the CSRF refusal a person reads.
func wantRefused(t *testing.T, what string, p page) {
	t.Helper()
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, csrfRefused) {
		t.Errorf("%s: %d, want the CSRF refusal; %.300s", what, p.Status, p.Body)
	}
}

// TestCSRFBoundToTheSession: a token is good for the nonce AND the session
// it was given with. A token taken before sign-in is refused after it; a
// token of another browser, even with its nonce planted in this one, is
// refused; sign-in and sign-out give a new nonce.
func TestCSRFBoundToTheSession(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})

	// Before sign-in: the anonymous token and nonce.
	v := newClient(t, s.URL)
	before := formToken(t, v, "/login")
	nonceBefore := v.cookies["redress_csrf"].Value
	v.signIn("supervisor@example.org", teststack.DemoPassword)
	if v.cookies["redress_csrf"] == nil || v.cookies["redress_csrf"].Value == nonceBefore {
		t.Error("sign-in did not give a new CSRF nonce")
	}
	if !signedInAt(v, "/dashboard") {
		t.Fatal("not signed in")
	}
	// The token of before sign-in: refused, with the new nonce or the old one.
	wantRefused(t, "the token of before sign-in", v.do(http.MethodPost, "/logout", url.Values{"_csrf": {before}}))
	fresh := v.cookies["redress_csrf"]
	v.cookies["redress_csrf"] = &http.Cookie{Name: "redress_csrf", Value: nonceBefore}
	wantRefused(t, "the token and nonce of before sign-in", v.do(http.MethodPost, "/logout", url.Values{"_csrf": {before}}))
	v.cookies["redress_csrf"] = fresh
	if !signedInAt(v, "/dashboard") {
		t.Fatal("a refused sign-out signed out")
	}

	// An attacker's own token and nonce (from their own browser, signed in
	// or not), the nonce planted in the victim's browser (a cookie set by a
	// sibling subdomain, or over plain http): refused for the victim's session.
	for _, who := range []string{"", "reviewer@example.org"} {
		x := newClient(t, s.URL)
		if who != "" {
			x.signIn(who, teststack.DemoPassword)
		}
		path := "/procedure"
		if who == "" {
			path = "/login"
		}
		xTok := formToken(t, x, path)
		planted := &client{t: v.t, base: v.base, header: v.header, cookies: map[string]*http.Cookie{}}
		for k, ck := range v.cookies {
			planted.cookies[k] = ck
		}
		planted.cookies["redress_csrf"] = x.cookies["redress_csrf"]
		wantRefused(t, "an attacker's token and planted nonce ("+who+")",
			planted.do(http.MethodPost, "/logout", url.Values{"_csrf": {xTok}}))
	}
	if !signedInAt(v, "/dashboard") {
		t.Fatal("a forged sign-out signed out")
	}

	// The page's own token works: sign-out, which gives a new nonce again.
	during := formToken(t, v, "/dashboard")
	nonceDuring := v.cookies["redress_csrf"].Value
	if p := v.do(http.MethodPost, "/logout", url.Values{"_csrf": {during}}); p.Status != http.StatusSeeOther ||
		p.Header.Get("Location") != "/login" {
		t.Fatalf("sign-out: %d %s", p.Status, p.Header.Get("Location"))
	}
	if v.cookies["redress_csrf"] == nil || v.cookies["redress_csrf"].Value == nonceDuring {
		t.Error("sign-out did not give a new CSRF nonce")
	}
	// The signed-in token is refused after sign-out, even with its nonce.
	form := url.Values{"email": {"supervisor@example.org"}, "password": {teststack.DemoPassword}, "_csrf": {during}}
	wantRefused(t, "the signed-in token after sign-out", v.do(http.MethodPost, "/login", form))
	v.cookies["redress_csrf"] = &http.Cookie{Name: "redress_csrf", Value: nonceDuring}
	wantRefused(t, "the signed-in token and nonce after sign-out", v.do(http.MethodPost, "/login", form))

	// A complainant: the token is bound to their case token.
	f := s.File(teststack.ValidCase())
	cp := newClient(t, s.URL)
	anon := formToken(t, cp, "/follow-up")
	if p := cp.do(http.MethodPost, "/follow-up", url.Values{"code": {f.Code}, "_csrf": {anon}}); p.Status != http.StatusSeeOther {
		t.Fatalf("complainant sign-in: %d %.300s", p.Status, p.Body)
	}
	messages := func() int {
		return countOf(t, s, `SELECT count(*) FROM messages WHERE case_id = ?`, f.ID)
	}
	n := messages()
	wantRefused(t, "a complainant's token of before sign-in", cp.do(http.MethodPost, "/follow-up/messages",
		url.Values{"body": {"forged"}, "_csrf": {anon}}))
	// Another complainant's token (their own case), nonce planted.
	other := newClient(t, s.URL)
	other.cookies["redress_case"] = &http.Cookie{Name: "redress_case", Value: s.ComplainantToken(s.File(teststack.ValidCase()))}
	otherTok := formToken(t, other, "/follow-up")
	planted := newClient(t, s.URL)
	planted.cookies["redress_case"] = cp.cookies["redress_case"]
	planted.cookies["redress_csrf"] = other.cookies["redress_csrf"]
	wantRefused(t, "another complainant's token", planted.do(http.MethodPost, "/follow-up/messages",
		url.Values{"body": {"forged"}, "_csrf": {otherTok}}))
	if got := messages(); got != n {
		t.Errorf("a refused message was written: %d → %d", n, got)
	}
	if p := cp.do(http.MethodPost, "/follow-up/messages", url.Values{"body": {"mine"}, "_csrf": {formToken(t, cp, "/follow-up")}}); p.Status != http.StatusSeeOther {
		t.Errorf("the complainant's own message: %d %.300s", p.Status, p.Body)
	}
	if got := messages(); got != n+1 {
		t.Errorf("the complainant's message: %d → %d", n, got)
	}
}

// TestCSRFOriginAndFetchSite: a browser's word that a form comes from
// elsewhere refuses it, even with a right token; this site's own origin
// (the request's host, or the configured public URL) passes.
func TestCSRFOriginAndFetchSite(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Config: func(c *config.Config) { c.PublicURL = "https://redress.example" }})
	v := newClient(t, s.URL)
	v.signIn("supervisor@example.org", teststack.DemoPassword)
	host := strings.TrimPrefix(s.URL, "http://")

	for _, h := range []map[string]string{
		{"Origin": "https://evil.example"},
		{"Origin": "null", "Sec-Fetch-Site": "cross-site"}, // a sandboxed frame elsewhere
		{"Origin": "http://redress.example"},               // the public host, another scheme
		{"Origin": "https://redress.example.evil.io"},      // a prefix is not the origin
		{"Origin": "https://" + host},                      // the host, but not the scheme it came over
		{"Sec-Fetch-Site": "cross-site"},
		{"Sec-Fetch-Site": "same-site"},
		{"Sec-Fetch-Site": "cross-site", "Origin": s.URL},
		{"Sec-Fetch-Site": "same-origin", "Origin": "https://evil.example"},
	} {
		tok := formToken(t, v, "/dashboard")
		for k, val := range h {
			v.header.Set(k, val)
		}
		wantRefused(t, "sign-out with "+fmtHeaders(h),
			v.do(http.MethodPost, "/logout", url.Values{"_csrf": {tok}}))
		// The multipart forms (checked by their handler) too.
		wantRefused(t, "an upload with "+fmtHeaders(h), v.multipart("/complaints/send", [2]string{"_csrf", tok}))
		v.header = http.Header{}
	}
	if !signedInAt(v, "/dashboard") {
		t.Fatal("a refused sign-out signed out")
	}
	// Allowed: no headers (not a browser), the request's own origin, the
	// public URL's, with same-origin or none.
	for _, h := range []map[string]string{
		{"Origin": s.URL, "Sec-Fetch-Site": "same-origin"},
		{"Origin": "https://redress.example", "Sec-Fetch-Site": "same-origin"},
		{"Origin": "https://" + host, "X-Forwarded-Proto": "https"}, // behind a TLS proxy
		{"Sec-Fetch-Site": "none"},
		// This site's own pages say Referrer-Policy: no-referrer, so
		// Chromium sends Origin: null for their forms (and same-origin).
		{"Origin": "null", "Sec-Fetch-Site": "same-origin"},
	} {
		tok := formToken(t, v, "/dashboard")
		for k, val := range h {
			v.header.Set(k, val)
		}
		// A form with no email: the CSRF check passes, the handler answers 422.
		if p := v.do(http.MethodPost, "/login", url.Values{"_csrf": {tok}}); p.Status != http.StatusUnprocessableEntity {
			t.Errorf("a form from this site with %s: %d %.200s", fmtHeaders(h), p.Status, p.Body)
		}
		v.header = http.Header{}
	}
}

func fmtHeaders(h map[string]string) string {
	var parts []string
	for k, v := range h {
		parts = append(parts, k+": "+v)
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// TestHostPrefixedCookiesOverHTTPS: served as https (REDRESS_PUBLIC_URL),
// the session and CSRF cookies are __Host- cookies (Secure, Path=/, no
// Domain), the narrower ones __Secure-; a plain-named cookie (planted from
// a subdomain or over http) is not read. Over http the names stay plain.
func TestHostPrefixedCookiesOverHTTPS(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Config: func(c *config.Config) { c.PublicURL = "https://redress.example" }})

	p := s.Do(teststack.Request{Method: "GET", Path: "/login"})
	set := (&http.Response{Header: p.Header}).Cookies()
	if len(set) == 0 {
		t.Fatal("no cookie set")
	}
	for _, ck := range set {
		if !strings.HasPrefix(ck.Name, "__Host-") || !ck.Secure || ck.Path != "/" || ck.Domain != "" || !ck.HttpOnly {
			t.Errorf("cookie %s: Secure %t, Path %q, Domain %q, HttpOnly %t", ck.Name, ck.Secure, ck.Path, ck.Domain, ck.HttpOnly)
		}
	}

	c := newClient(t, s.URL)
	c.signIn("supervisor@example.org", teststack.DemoPassword)
	staff := c.cookies["__Host-redress_staff"]
	if staff == nil || c.cookies["__Host-redress_csrf"] == nil || c.cookies["redress_staff"] != nil {
		t.Fatalf("after sign-in: cookies %v", names(c.cookies))
	}
	if !signedInAt(c, "/dashboard") {
		t.Fatal("the __Host- session does not open the dashboard")
	}
	// The same session under the plain name is not a session here.
	plain := newClient(t, s.URL)
	plain.cookies["redress_staff"] = &http.Cookie{Name: "redress_staff", Value: staff.Value}
	if p := plain.get("/dashboard"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login") {
		t.Errorf("a plain-named session cookie over https: %d %s", p.Status, p.Header.Get("Location"))
	}
	// A planted plain nonce beside the real one changes nothing.
	c.cookies["redress_csrf"] = &http.Cookie{Name: "redress_csrf", Value: strings.Repeat("A", 43)}
	if p := c.post("/logout", url.Values{}); p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/login" {
		t.Errorf("sign-out over https: %d %s", p.Status, p.Header.Get("Location"))
	}
	if c.cookies["__Host-redress_staff"] != nil || signedInAt(c, "/dashboard") {
		t.Error("still signed in after sign-out")
	}

	// A complaint filed through the form: its receipt cookie is __Secure-
	// (it has a narrower path), the case cookie __Host-.
	f := s.File(teststack.ValidCase())
	cp := newClient(t, s.URL)
	if p := cp.post("/follow-up", url.Values{"code": {f.Code}}); p.Status != http.StatusSeeOther {
		t.Fatalf("complainant sign-in: %d", p.Status)
	}
	if cp.cookies["__Host-redress_case"] == nil || cp.cookies["redress_case"] != nil {
		t.Errorf("complainant cookies: %v", names(cp.cookies))
	}

	// Over http (the default public URL, make run): plain names.
	h := teststack.New(t, teststack.Options{})
	for _, ck := range (&http.Response{Header: h.Do(teststack.Request{Method: "GET", Path: "/login"}).Header}).Cookies() {
		if strings.HasPrefix(ck.Name, "__") {
			t.Errorf("over http, cookie %s", ck.Name)
		}
	}
	hc := newClient(t, h.URL)
	hc.signIn("supervisor@example.org", teststack.DemoPassword)
	if hc.cookies["redress_staff"] == nil || hc.cookies["redress_csrf"] == nil {
		t.Errorf("over http after sign-in: %v", names(hc.cookies))
	}
}

func names(m map[string]*http.Cookie) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestPageSessionEndsAtOnce: sign-out, deactivation and a change of role
// end a page session at once: the very cookie the browser had (replayed
// by whoever kept it) is refused on the next request, by the pages and by
// the API (the same session, as a bearer token).
func TestPageSessionEndsAtOnce(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := t.Context()
	replay := func(cookie string) page {
		r := newClient(t, s.URL)
		r.cookies["redress_staff"] = &http.Cookie{Name: "redress_staff", Value: cookie}
		return r.get("/dashboard")
	}
	ended := func(what, cookie string) {
		t.Helper()
		if p := replay(cookie); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login") {
			t.Errorf("%s: the old cookie opens /dashboard: %d %s", what, p.Status, p.Header.Get("Location"))
		}
		if r := s.Do(teststack.Request{Method: "GET", Path: "/api/v1/me", Token: cookie}); r.Status != http.StatusUnauthorized {
			t.Errorf("%s: the old session as a bearer token: %d", what, r.Status)
		}
	}

	s.StaffUser("gone@example.org", "supervisor")
	s.StaffUser("moved@example.org", "supervisor")
	for _, tc := range []struct {
		what, email string
		end         func(c *client, id string)
	}{
		{"sign-out", "supervisor@example.org", func(c *client, _ string) {
			if p := c.post("/logout", url.Values{}); p.Status != http.StatusSeeOther {
				t.Fatalf("sign-out: %d", p.Status)
			}
		}},
		{"deactivation", "gone@example.org", func(_ *client, id string) {
			admin := newClient(t, s.URL)
			admin.signIn("admin@example.org", teststack.DemoPassword)
			if p := admin.post("/admin/users/"+id+"/active", url.Values{"active": {"false"}}); p.Status != http.StatusSeeOther {
				t.Fatalf("deactivate: %d %.300s", p.Status, p.Body)
			}
		}},
		{"change of role", "moved@example.org", func(_ *client, id string) {
			admin := newClient(t, s.URL)
			admin.signIn("admin@example.org", teststack.DemoPassword)
			if p := admin.post("/admin/users/"+id+"/role", url.Values{"role": {"reviewer"}}); p.Status != http.StatusSeeOther {
				t.Fatalf("change role: %d %.300s", p.Status, p.Body)
			}
		}},
	} {
		c := newClient(t, s.URL)
		c.signIn(tc.email, teststack.DemoPassword)
		cookie := c.cookies["redress_staff"].Value
		if p := replay(cookie); p.Status != http.StatusOK {
			t.Fatalf("%s: the fresh cookie: %d", tc.what, p.Status)
		}
		var id string
		if err := s.Core.DB.WithContext(ctx).Raw(`SELECT id::text FROM users WHERE email = ?`, tc.email).Scan(&id).Error; err != nil {
			t.Fatal(err)
		}
		tc.end(c, id)
		ended(tc.what, cookie)
	}
}

// TestBrowserSignInThenFormPost: in a real browser (which sends Origin and
// Sec-Fetch-Site), signing in and then posting a form works, with the
// session-bound token the page carries; with JavaScript off.
func TestBrowserSignInThenFormPost(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	ctx := b.Tab(t, browser.NoJavaScript())
	browser.Navigate(t, ctx, s.WebURL+"/login")
	browser.Fill(t, ctx, "#f-email", "supervisor@example.org")
	browser.Fill(t, ctx, "#f-password", teststack.DemoPassword)
	browser.Click(t, ctx, "form.form button[type=submit]")
	if loc := browser.Location(t, ctx); !strings.HasSuffix(loc, "/dashboard") {
		t.Fatalf("signed in, on %s", loc)
	}
	// A form post of the signed-in page: sign out everywhere (the account page).
	browser.Navigate(t, ctx, s.WebURL+"/account/sessions")
	audit(t, ctx, "sessions, signed in")
	if got := browser.Click(t, ctx, "form.signout button[type=submit]"); got != http.StatusOK {
		t.Errorf("sign-out from the page: %d", got)
	}
	if loc := browser.Location(t, ctx); !strings.HasSuffix(loc, "/login") {
		t.Errorf("signed out, on %s", loc)
	}
	if txt := browser.Text(t, ctx, "main"); strings.Contains(txt, "did not come from this site") {
		t.Errorf("the sign-out was refused: %s", txt)
	}
	// And signing in again works with the token the sign-in page now has.
	browser.Fill(t, ctx, "#f-email", "supervisor@example.org")
	browser.Fill(t, ctx, "#f-password", teststack.DemoPassword)
	browser.Click(t, ctx, "form.form button[type=submit]")
	if loc := browser.Location(t, ctx); !strings.HasSuffix(loc, "/dashboard") {
		t.Errorf("signed in again, on %s", loc)
	}
}
