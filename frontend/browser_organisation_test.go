package frontend_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/demo"
	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// TestBrowserOrganisationRunsTheMechanism (issue 16, item 5): a visitor
// reads on the public pages who runs the mechanism, with JavaScript off
// and in Arabic; an admin renames the organisation on its admin page (a
// bad jurisdiction named beside its field first) and the public page
// follows.
func TestBrowserOrganisationRunsTheMechanism(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	base := s.WebURL

	visitor := b.Tab(t, browser.NoJavaScript())
	for _, p := range []string{"/", "/complaints/new"} {
		visit(t, visitor, base, p, http.StatusOK, "public "+p)
		if got := browser.Text(t, visitor, "#run-by"); got != "This mechanism is run by "+demo.Organisation.LegalName+"." {
			t.Errorf("%s says %q", p, got)
		}
		if got := browser.Text(t, visitor, "footer address"); !strings.Contains(got, demo.Organisation.Contact) ||
			!strings.Contains(got, demo.Organisation.Address) {
			t.Errorf("%s: the contact point: %q", p, got)
		}
	}
	arabic := b.Tab(t, browser.AcceptLanguage("ar"))
	visit(t, arabic, base, "/", http.StatusOK, "public / in Arabic")
	if got := browser.Text(t, arabic, "#run-by"); !strings.Contains(got, "تدير هذه الآلية") || !strings.Contains(got, demo.Organisation.LegalName) {
		t.Errorf("in Arabic: %q", got)
	}

	admin := b.Tab(t)
	signIn(t, admin, base, "admin@example.org")
	visit(t, admin, base, "/admin/organisation", http.StatusOK, "admin organisation")
	if got := browser.Text(t, admin, "#org-source"); !strings.Contains(got, "administrator") {
		t.Errorf("the source of the demo's details: %q", got)
	}
	browser.Fill(t, admin, "#f-legal-name", "Acme Logistique SA")
	browser.Fill(t, admin, "#f-jurisdiction", "France")
	if got := browser.Click(t, admin, "#org-save"); got != http.StatusUnprocessableEntity {
		t.Errorf("a bad jurisdiction: %d", got)
	}
	audit(t, admin, "admin organisation with an error")
	if got := browser.Text(t, admin, ".error-summary"); !strings.Contains(got, "Jurisdiction") {
		t.Errorf("the error summary: %q", got)
	}
	browser.Fill(t, admin, "#f-jurisdiction", "FR")
	if got := browser.Click(t, admin, "#org-save"); got != http.StatusOK {
		t.Fatalf("save: %d %s", got, browser.Text(t, admin, "main"))
	}
	if got := browser.Text(t, admin, "#org-log"); !strings.Contains(got, "Acme Logistique SA") {
		t.Errorf("the change log: %q", got)
	}
	browser.Navigate(t, visitor, base+"/")
	if got := browser.Text(t, visitor, "#run-by"); got != "This mechanism is run by Acme Logistique SA." {
		t.Errorf("after the change: %q", got)
	}
}
