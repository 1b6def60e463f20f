package frontend_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

func TestBrowserSignInAndErrorPages(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)

	for _, tc := range []struct {
		name string
		opts []browser.TabOption
	}{
		{"en", nil},
		{"ar", []browser.TabOption{browser.AcceptLanguage("ar")}},
		{"320px", []browser.TabOption{browser.Viewport(320, 640), browser.NoJavaScript()}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := b.Tab(t, tc.opts...)
			visit(t, ctx, s.WebURL, "/login", http.StatusOK, "login "+tc.name)
			visit(t, ctx, s.WebURL, "/no-such-page", http.StatusNotFound, "404 "+tc.name)
			// A form sent empty comes back with its errors, linked to the fields.
			browser.Navigate(t, ctx, s.WebURL+"/login")
			if got := browser.Click(t, ctx, "form.form button[type=submit]"); got != http.StatusUnprocessableEntity {
				t.Errorf("empty sign-in: %d", got)
			}
			if !browser.Exists(t, ctx, `#error-summary a[href="#f-email"]`) || !browser.Exists(t, ctx, `#f-email[aria-invalid=true]`) {
				t.Errorf("no linked error summary")
			}
			audit(t, ctx, "login errors "+tc.name)
		})
	}

	ctx := b.Tab(t, browser.NoJavaScript())
	browser.Navigate(t, ctx, s.WebURL+"/login")
	browser.Fill(t, ctx, "#f-email", "supervisor@example.org")
	browser.Fill(t, ctx, "#f-password", teststack.DemoPassword)
	browser.Click(t, ctx, "form.form button[type=submit]")
	if loc := browser.Location(t, ctx); !strings.HasSuffix(loc, "/dashboard") {
		t.Errorf("a supervisor lands on %s", loc)
	}
}
