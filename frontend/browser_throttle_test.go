package frontend_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/api/middleware"
	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// Five wrong passwords back the browser's source off: the sixth try, even
// with the right password, is the sign-in form again (429) saying so in the
// reader's language, the email kept, the password not, and no axe violation
// — with JavaScript off, in English and in Arabic.
func TestBrowserSignInThrottleSaysSo(t *testing.T) {
	s := teststack.New(t, teststack.Options{Throttle: func(o *middleware.ThrottleOptions) { o.Base = time.Minute }})
	b := browser.New(t)
	for _, tc := range []struct {
		lang, want string
		email      string
	}{
		{"en", "Too many failed sign-in attempts", "reviewer@example.org"},
		{"ar", "محاولات دخول فاشلة كثيرة جدًا", "supervisor@example.org"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			ctx := b.Tab(t, browser.NoJavaScript(), browser.AcceptLanguage(tc.lang))
			try := func(password string) int {
				browser.Navigate(t, ctx, s.WebURL+"/login")
				browser.Fill(t, ctx, "#f-email", tc.email)
				browser.Fill(t, ctx, "#f-password", password)
				return browser.Click(t, ctx, "form.form button[type=submit]")
			}
			if tc.lang == "en" { // the source's count is shared by both subtests
				for i := range middleware.DefaultThreshold {
					if got := try("not the password"); got != http.StatusUnauthorized {
						t.Fatalf("wrong password %d: %d", i+1, got)
					}
				}
			}
			if got := try(teststack.DemoPassword); got != http.StatusTooManyRequests {
				t.Fatalf("the right password from a source backing off: %d", got)
			}
			if text := browser.Text(t, ctx, "#error-summary"); !strings.Contains(text, tc.want) {
				t.Errorf("the form says %q, want %q", text, tc.want)
			}
			if !browser.Exists(t, ctx, `#f-email[value="`+tc.email+`"]`) || browser.Exists(t, ctx, `#f-password[value]`) {
				t.Error("the email should be kept and the password not")
			}
			if loc := browser.Location(t, ctx); !strings.HasSuffix(loc, "/login") {
				t.Errorf("a throttled sign-in went to %s", loc)
			}
			audit(t, ctx, "sign-in throttled "+tc.lang)
		})
	}
}
