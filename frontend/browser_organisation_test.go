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

// TestComplaintFormAsksTheCountry (issue 16, item 5): the form's "who" step
// asks the country (optional), in the reader's language; a bad one is named
// on that step; the one chosen is kept with the case, shown in the summary,
// and the complainant's follow-up page offers that country's bodies first.
func TestComplaintFormAsksTheCountry(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	if err := s.Core.DB.Exec(`INSERT INTO bodies (slug, name, type, jurisdiction, legal_bases, portal)
		VALUES ('es-aepd', 'Agencia Española de Protección de Datos', 'data_protection_authority', 'ES', '{"GDPR art. 77"}', true)`).Error; err != nil {
		t.Fatal(err)
	}
	c := newClient(t, s.URL)
	p := c.get("/complaints/new")
	key := cpIdemKey.FindStringSubmatch(p.Body)[1]
	answers := cpForm(key)
	p = cpStep(c, 3, "next", answers)
	if p.Status != 200 || !strings.Contains(p.Body, `<select id="f-country" name="country" autocomplete="country"`) ||
		!strings.Contains(p.Body, `<option value="ES">Spain</option>`) {
		t.Fatalf("step 4 does not ask the country: %d %s", p.Status, p.Body)
	}
	answers.Set("country", "XX")
	if p := cpStep(c, 4, "next", answers); p.Status != 422 || !strings.Contains(p.Body, `href="#f-country"`) {
		t.Errorf("a bad country: %d", p.Status)
	}
	answers.Set("country", "ES")
	if p := cpStep(c, 4, "next", answers); p.Status != 200 || !strings.Contains(p.Body, "Spain") {
		t.Errorf("the summary lacks the country: %d", p.Status)
	}
	if p := cpSend(c, c.csrf(), answers, nil); p.Status != 303 {
		t.Fatalf("send: %d %s", p.Status, p.Body)
	}
	var country string
	if err := s.Core.DB.Raw(`SELECT complainant_country FROM cases`).Scan(&country).Error; err != nil || country != "ES" {
		t.Fatalf("the case's country: %q %v", country, err)
	}
	p = c.get("/follow-up")
	spain, eu := strings.Index(p.Body, "Agencia Española de Protección de Datos"), strings.Index(p.Body, "Data Protection Authority (demo)")
	if p.Status != 200 || spain < 0 || eu < 0 || spain > eu {
		t.Errorf("the follow-up page's bodies: Spain's at %d, the EU's at %d", spain, eu)
	}
	// In French, the countries are named in French.
	fr := newClient(t, s.URL)
	fr.get("/lang/fr")
	if p := cpStep(fr, 3, "next", cpForm(key)); !strings.Contains(p.Body, `<option value="ES">Espagne</option>`) {
		t.Errorf("the countries in French: %d", p.Status)
	}
}
