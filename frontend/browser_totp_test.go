package frontend_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// TestBrowserTOTPEnrolAndSignOutEverywhere: with JavaScript off and 320 px
// wide, an admin whose role now requires a second factor is held on the
// two-factor page, enrols by typing the secret the page shows, sees the
// recovery codes, signs out, signs in again with password and code, finds
// the session listed and signs out everywhere.
func TestBrowserTOTPEnrolAndSignOutEverywhere(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)

	// The new pages in Arabic (right to left), before the requirement is
	// on: enrolment, the sessions, the policy; then sign out.
	ar := b.Tab(t, browser.AcceptLanguage("ar"))
	signIn(t, ar, s.WebURL, "admin@example.org")
	for _, p := range []string{"/account/two-factor", "/account/sessions", "/admin/sign-in"} {
		visit(t, ar, s.WebURL, p, http.StatusOK, "ar "+p)
	}
	browser.Click(t, ar, "form.signout button")

	if _, err := s.Core.SignIn.SetPolicies(context.Background(), map[auth.Role]bool{auth.RoleAdmin: true}); err != nil {
		t.Fatal(err)
	}
	ctx := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 640))
	flash := func() string { return browser.Text(t, ctx, ".flash") }
	signIn := func() {
		browser.Navigate(t, ctx, s.WebURL+"/login")
		browser.Fill(t, ctx, "#f-email", "admin@example.org")
		browser.Fill(t, ctx, "#f-password", teststack.DemoPassword)
		browser.Click(t, ctx, "form.form button[type=submit]")
	}

	// The password alone opens only the two-factor page.
	signIn()
	if loc := browser.Location(t, ctx); !strings.HasSuffix(loc, "/account/two-factor") {
		t.Fatalf("a held admin lands on %s", loc)
	}
	if got := flash(); !strings.Contains(got, "Your role signs in in two steps") {
		t.Errorf("flash: %q", got)
	}
	if got := browser.Text(t, ctx, "#tf-status"); !strings.Contains(got, "Until you turn it on, you can only use this page") {
		t.Errorf("status: %q", got)
	}
	if !browser.Exists(t, ctx, ".qr svg[role=img] title") {
		t.Error("no QR code drawn on the page")
	}
	audit(t, ctx, "two-factor enrolment")
	browser.Navigate(t, ctx, s.WebURL+"/admin")
	if loc := browser.Location(t, ctx); !strings.HasSuffix(loc, "/account/two-factor") {
		t.Errorf("a held admin opened %s", loc)
	}

	// Enrol: the secret as the page shows it, typed into "the app" (the test).
	secret := strings.TrimSpace(browser.Text(t, ctx, "#totp-secret"))
	if len(strings.ReplaceAll(secret, " ", "")) != 32 || !strings.Contains(secret, " ") {
		t.Fatalf("secret shown as %q", secret)
	}
	now := time.Now()
	code, err := auth.TOTPAt(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	browser.Fill(t, ctx, "#f-code", "000000")
	if got := browser.Click(t, ctx, "form[action$='/confirm'] button"); got != http.StatusUnauthorized {
		t.Errorf("a wrong first code: %d", got)
	}
	if got := browser.Text(t, ctx, "#error-summary"); !strings.Contains(got, "The code is not right, or has been used already.") {
		t.Errorf("wrong code summary: %q", got)
	}
	browser.Fill(t, ctx, "#f-code", code)
	if got := browser.Click(t, ctx, "form[action$='/confirm'] button"); got != http.StatusOK {
		t.Fatalf("confirm: %d", got)
	}
	if got := browser.Text(t, ctx, "#rc-title"); got != "Your recovery codes" {
		t.Errorf("recovery codes heading: %q", got)
	}
	codes := strings.Fields(browser.Text(t, ctx, "#recovery-codes"))
	if len(codes) != 10 || len(codes[0]) != 11 || codes[0][5] != '-' {
		t.Fatalf("recovery codes read: %q", codes)
	}
	if got := flash(); got != "Two-step sign-in is on." {
		t.Errorf("flash after confirm: %q", got)
	}
	audit(t, ctx, "recovery codes")

	// Sign out, and in again: password, then a code (the one used to
	// confirm is refused as a replay).
	browser.Click(t, ctx, "form.signout button")
	if got := flash(); got != "You have signed out." {
		t.Errorf("flash after sign-out: %q", got)
	}
	signIn()
	if loc := browser.Location(t, ctx); !strings.HasSuffix(loc, "/login/code") {
		t.Fatalf("after the password: %s", loc)
	}
	if got := browser.Text(t, ctx, "h1"); got != "Enter your sign-in code" {
		t.Errorf("second step heading: %q", got)
	}
	audit(t, ctx, "second step")
	browser.Fill(t, ctx, "#f-code", code)
	if got := browser.Click(t, ctx, "form.form button[type=submit]"); got != http.StatusUnauthorized {
		t.Errorf("a replayed code: %d", got)
	}
	if got := browser.Text(t, ctx, "#error-summary"); !strings.Contains(got, "The code is not right, or has been used already.") {
		t.Errorf("replay summary: %q", got)
	}
	next, _ := auth.TOTPAt(secret, now.Add(auth.TOTPPeriod))
	browser.Fill(t, ctx, "#f-code", next)
	browser.Click(t, ctx, "form.form button[type=submit]")
	if loc := browser.Location(t, ctx); !strings.HasSuffix(loc, "/admin") {
		t.Fatalf("signed in with a code, lands on %s", loc)
	}
	if got := flash(); got != "You are signed in." {
		t.Errorf("flash after sign-in: %q", got)
	}

	visit(t, ctx, s.WebURL, "/account/two-factor", http.StatusOK, "two-factor on")
	if got := browser.Text(t, ctx, "#tf-status"); !strings.Contains(got, "Two-step sign-in is on for your account.") {
		t.Errorf("status when on: %q", got)
	}
	if got := browser.Text(t, ctx, "main"); !strings.Contains(got, "Recovery codes not yet used: 10.") ||
		!strings.Contains(got, "Your role must sign in in two steps, so it cannot be turned off.") {
		t.Errorf("two-factor page when on: %q", got)
	}
	visit(t, ctx, s.WebURL, "/admin/sign-in", http.StatusOK, "sign-in policy")
	if !browser.Exists(t, ctx, "#f-required-admin:checked") || browser.Exists(t, ctx, "#f-required-reviewer:checked") {
		t.Error("the policy page does not show the policy")
	}

	// The sessions page lists this browser's session, marked.
	visit(t, ctx, s.WebURL, "/account/sessions", http.StatusOK, "sessions")
	table := browser.Text(t, ctx, "#table-sessions tbody")
	if !strings.Contains(table, "Web browser") || !strings.Contains(table, "this session") || strings.Count(table, "Web browser") != 1 {
		t.Errorf("sessions table: %q", table)
	}
	browser.Click(t, ctx, "form[action='/account/sessions/revoke'] button")
	if loc := browser.Location(t, ctx); !strings.HasSuffix(loc, "/login") {
		t.Errorf("after signing out everywhere: %s", loc)
	}
	if got := flash(); got != "You have signed out everywhere." {
		t.Errorf("flash after sign-out everywhere: %q", got)
	}
	browser.Navigate(t, ctx, s.WebURL+"/admin")
	if loc := browser.Location(t, ctx); !strings.Contains(loc, "/login?next=") {
		t.Errorf("after signing out everywhere /admin opens %s", loc)
	}
}
