package frontend_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/api/middleware"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

func TestSignInSetsAHardenedCookieAndChecksCSRF(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	c := newClient(t, s.URL)

	p := c.get("/login")
	if p.Status != 200 || !strings.Contains(p.Body, `<html lang="en" dir="ltr">`) {
		t.Fatalf("GET /login: %d %s", p.Status, p.Body)
	}
	if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("CSP: %q", csp)
	}

	// No token, a wrong token, a cross-site post: 403 and no session.
	for name, form := range map[string]url.Values{
		"no token":    {"email": {"reviewer@example.org"}, "password": {teststack.DemoPassword}},
		"wrong token": {"email": {"reviewer@example.org"}, "password": {teststack.DemoPassword}, "_csrf": {"x" + c.csrf()}},
	} {
		if p := c.do(http.MethodPost, "/login", form); p.Status != 403 || c.cookies["redress_staff"] != nil {
			t.Errorf("%s: %d, session %v", name, p.Status, c.cookies["redress_staff"] != nil)
		}
	}
	c.header.Set("Sec-Fetch-Site", "cross-site")
	if p := c.post("/login", url.Values{"email": {"reviewer@example.org"}, "password": {teststack.DemoPassword}}); p.Status != 403 {
		t.Errorf("cross-site post: %d", p.Status)
	}
	c.header.Del("Sec-Fetch-Site")

	// Missing fields are named, in a summary linked to the fields.
	p = c.post("/login", url.Values{"email": {""}, "password": {""}})
	if p.Status != 422 || !strings.Contains(p.Body, `href="#f-email"`) || !strings.Contains(p.Body, `id="f-email" name="email" type="email" autocomplete="username" required value="" aria-invalid="true"`) {
		t.Errorf("empty form: %d %s", p.Status, p.Body)
	}
	// A wrong password says so, and keeps the email but never the password.
	p = c.post("/login", url.Values{"email": {"reviewer@example.org"}, "password": {"wrong password"}})
	if p.Status != 401 || !strings.Contains(p.Body, "The email address or password is not right.") ||
		!strings.Contains(p.Body, `value="reviewer@example.org"`) || strings.Contains(p.Body, "wrong password") {
		t.Errorf("wrong password: %d %s", p.Status, p.Body)
	}

	// Each role lands where its work is: admins on /admin, supervisors on the dashboard.
	for email, home := range map[string]string{"admin@example.org": "/admin", "supervisor@example.org": "/dashboard"} {
		if loc := newClient(t, s.URL).signIn(email, teststack.DemoPassword).Header.Get("Location"); loc != home {
			t.Errorf("%s lands on %q, want %s", email, loc, home)
		}
	}
	p = c.signIn("reviewer@example.org", teststack.DemoPassword)
	if loc := p.Header.Get("Location"); loc != "/queue" {
		t.Errorf("reviewer lands on %q", loc)
	}
	var session string
	for _, h := range p.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, "redress_staff=") {
			session = h
		}
	}
	for _, attr := range []string{"HttpOnly", "secure", "SameSite=Lax", "path=/"} {
		if !strings.Contains(strings.ToLower(session), strings.ToLower(attr)) {
			t.Errorf("session cookie lacks %s: %s", attr, session)
		}
	}
	// The next page says who is signed in; signing out ends it.
	if p := c.get("/login"); p.Status != 303 {
		t.Errorf("signed-in /login: %d", p.Status)
	}
	if p := c.post("/logout", url.Values{}); p.Status != 303 || c.cookies["redress_staff"] != nil {
		t.Errorf("logout: %d, session kept %v", p.Status, c.cookies["redress_staff"] != nil)
	}
}

func TestLanguageIsNegotiatedAndSwitchable(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	c := newClient(t, s.URL)
	c.header.Set("Accept-Language", "ar-EG,ar;q=0.9,en;q=0.5")
	if p := c.get("/login"); !strings.Contains(p.Body, `<html lang="ar" dir="rtl">`) || !strings.Contains(p.Body, "تسجيل الدخول") {
		t.Fatalf("Accept-Language ar: %s", p.Body)
	}
	p := c.get("/lang/fr?next=/login")
	if p.Status != 303 || p.Header.Get("Location") != "/login" {
		t.Fatalf("switch: %d %v", p.Status, p.Header)
	}
	if p := c.get("/login"); !strings.Contains(p.Body, `<html lang="fr" dir="ltr">`) || !strings.Contains(p.Body, "Se connecter") {
		t.Errorf("after switching to fr: %s", p.Body)
	}
	// next never leaves the site.
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example"} {
		if p := c.get("/lang/es?next=" + url.QueryEscape(next)); p.Header.Get("Location") != "/" {
			t.Errorf("next %q went to %q", next, p.Header.Get("Location"))
		}
	}
	if p := c.get("/lang/xx"); p.Status != 404 {
		t.Errorf("unknown language: %d", p.Status)
	}
}

func TestStaticFilesCarryTheirHash(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	c := newClient(t, s.URL)
	body := c.get("/login").Body
	m := regexp.MustCompile(`href="(/static/app\.[0-9a-f]{10}\.css)"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no hashed stylesheet in %s", body)
	}
	p := c.get(m[1])
	if p.Status != 200 || !strings.Contains(p.Header.Get("Cache-Control"), "immutable") || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/css") {
		t.Errorf("%s: %d %v", m[1], p.Status, p.Header)
	}
	if p := c.get("/static/app.css"); p.Status != 404 {
		t.Errorf("unhashed name: %d", p.Status)
	}
}

// The pages' sign-in form and the API's token route count together: five
// failures in all, however they are split, back the source off on both;
// the page says so in the form, keeps the email and sets Retry-After.
func TestSignInThrottleIsSharedWithTheAPI(t *testing.T) {
	s := teststack.New(t, teststack.Options{Throttle: func(o *middleware.ThrottleOptions) { o.Base = time.Minute }})
	c := newClient(t, s.URL)
	wrong := url.Values{"email": {"reviewer2@example.org"}, "password": {"not the password"}}
	for i := 0; i < 3; i++ {
		if p := c.post("/login", wrong); p.Status != 401 {
			t.Fatalf("attempt %d on the page: %d", i+1, p.Status)
		}
	}
	for i := 0; i < 2; i++ {
		if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/auth/token",
			Body: map[string]string{"email": "reviewer2@example.org", "password": "not the password"}}); r.Status != 401 {
			t.Fatalf("attempt %d on the API: %d", i+4, r.Status)
		}
	}
	p := c.post("/login", url.Values{"email": {"reviewer2@example.org"}, "password": {teststack.DemoPassword}})
	if p.Status != 429 || !strings.Contains(p.Body, "Too many failed sign-in attempts") ||
		!strings.Contains(p.Body, `value="reviewer2@example.org"`) || !strings.Contains(p.Body, `id="f-password"`) ||
		p.Header.Get("Retry-After") == "" {
		t.Errorf("the 6th attempt, on the page: %d %v", p.Status, p.Header)
	}
	if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/auth/token",
		Body: map[string]string{"email": "reviewer2@example.org", "password": teststack.DemoPassword}}); r.Status != 429 {
		t.Errorf("the 7th attempt, on the API: %d", r.Status)
	}
}
