package api_test

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/platform/config"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// publicPage is the home page's text as a visitor reads it.
func publicPage(t *testing.T, s *teststack.Stack) string {
	t.Helper()
	resp, err := http.Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("home page: %d", resp.StatusCode)
	}
	return html.UnescapeString(string(b))
}

// TestOrganisationHasAName (issue 16, item 5): the configuration names the
// organisation; the public page and the API say who runs the mechanism;
// an admin's settings replace the configuration's (bad ones refused field
// by field, nothing written; a reviewer refused), each change logged; a
// dossier made afterwards names the organisation in its JSON and its PDF.
func TestOrganisationHasAName(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Config: func(c *config.Config) {
		c.Organisation = config.Organisation{LegalName: "Config Cargo GmbH", Address: "Hafenstraße 1, 20457 Hamburg",
			Jurisdiction: "DE", Contact: "beschwerden@config-cargo.example"}
	}})
	// The demo seeds its own organisation; without it, the configuration's.
	if err := s.Core.DB.Exec(`DELETE FROM organisation_profile`).Error; err != nil {
		t.Fatal(err)
	}
	r := s.Do(req{Method: "GET", Path: "/api/v1/organisation"})
	if m := r.JSON(t); r.Status != 200 || m["legal_name"] != "Config Cargo GmbH" || m["jurisdiction"] != "DE" ||
		m["source"] != "config" || m["contact"] != "beschwerden@config-cargo.example" {
		t.Fatalf("the configuration's organisation: %d %s", r.Status, r.Body)
	}
	if page := publicPage(t, s); !strings.Contains(page, "This mechanism is run by Config Cargo GmbH.") ||
		!strings.Contains(page, "beschwerden@config-cargo.example") || !strings.Contains(page, "Hafenstraße 1") {
		t.Errorf("the public page does not say who runs the mechanism:\n%s", page)
	}

	ada := s.Login("admin@example.org")
	for _, bad := range []struct {
		body   map[string]any
		fields []string
	}{
		{map[string]any{"legal_name": "", "jurisdiction": "Germany", "contact": "x@y.example"}, []string{"legal_name", "jurisdiction"}},
		{map[string]any{"legal_name": "Acme", "jurisdiction": "ZZ", "contact": ""}, []string{"jurisdiction", "contact"}},
		{map[string]any{"legal_name": strings.Repeat("a", 201), "jurisdiction": "fr", "contact": "c"}, []string{"legal_name"}},
	} {
		r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/organisation", Token: ada, Body: bad.body})
		if r.Status != 422 {
			t.Errorf("%v: %d %s", bad.body, r.Status, r.Body)
		}
		for _, f := range bad.fields {
			if !strings.Contains(string(r.Body), `"field":"`+f+`"`) {
				t.Errorf("%v: %s is not named: %s", bad.body, f, r.Body)
			}
		}
	}
	good := map[string]any{"legal_name": "Acme Logistique SA", "address": "3 quai des Chartrons, 33000 Bordeaux",
		"jurisdiction": "fr", "contact": "reclamations@acme.example"}
	if r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/organisation", Token: s.Reviewer(), Body: good}); r.Status != 403 {
		t.Errorf("a reviewer sets the organisation: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "GET", Path: "/api/v1/admin/organisation", Token: ada}); r.Status != 200 ||
		len(r.JSON(t)["changes"].([]any)) != 0 || r.JSON(t)["profile"].(map[string]any)["source"] != "config" {
		t.Errorf("refused settings were written: %s", r.Body)
	}
	r = s.Do(req{Method: "PUT", Path: "/api/v1/admin/organisation", Token: ada, Body: good})
	if m := r.JSON(t); r.Status != 200 || m["legal_name"] != "Acme Logistique SA" || m["jurisdiction"] != "FR" || m["source"] != "admin" {
		t.Fatalf("set: %d %s", r.Status, r.Body)
	}
	log := s.Do(req{Method: "GET", Path: "/api/v1/admin/organisation", Token: ada}).JSON(t)["changes"].([]any)
	if len(log) != 1 || log[0].(map[string]any)["by"] != userID(t, s, "admin@example.org") ||
		log[0].(map[string]any)["before"] != nil || log[0].(map[string]any)["after"].(map[string]any)["legal_name"] != "Acme Logistique SA" {
		t.Errorf("the change log: %v", log)
	}
	if page := publicPage(t, s); !strings.Contains(page, "This mechanism is run by Acme Logistique SA.") || strings.Contains(page, "Config Cargo") {
		t.Errorf("the public page after the admin's change:\n%s", page)
	}

	// A dossier made now names the organisation, JSON and PDF.
	f := s.File(teststack.NamedCase())
	me := s.ComplainantToken(f)
	r = s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: me, Body: map[string]any{
		"body_id": bodyID(t, s, "demo-dpa"), "consent_scope": "identity_withheld", "reason": "Please look at this."}})
	if r.Status != 201 {
		t.Fatalf("escalate: %d %s", r.Status, r.Body)
	}
	refID := r.JSON(t)["id"].(string)
	regina := s.Login("regulator@example.org")
	doc := s.Do(req{Method: "GET", Path: "/api/v1/referrals/" + refID + "/dossier", Token: regina})
	var d escalation.Dossier
	if err := json.Unmarshal(doc.Body, &d); err != nil {
		t.Fatalf("dossier: %v %s", err, doc.Body)
	}
	if o := d.OrganisationDetails; d.Organisation != "Acme Logistique SA" || o == nil || o.Jurisdiction != "FR" ||
		o.Address != "3 quai des Chartrons, 33000 Bordeaux" || o.Contact != "reclamations@acme.example" {
		t.Errorf("the dossier's organisation: %q %+v", d.Organisation, o)
	}
	pdf := s.Do(req{Method: "GET", Path: "/api/v1/referrals/" + refID + "/dossier.pdf", Token: regina})
	// The drawn text is glyph ids; the document's author is the name.
	if pdf.Status != 200 || !strings.Contains(string(pdf.Body), "/Author <FEFF"+utf16HexOf("Acme Logistique SA")+">") {
		t.Errorf("the PDF does not name the organisation (%d)", pdf.Status)
	}
}

// utf16HexOf is s as the PDF's information dictionary writes it.
func utf16HexOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, "%04X", r)
	}
	return b.String()
}

// TestCountryShapesBodySuggestions (issue 16, item 5): the complainant's
// country, optional on intake, puts that country's bodies first, then the
// organisation's jurisdiction's, then the EU's; a code that is not a
// country is refused, naming the field.
func TestCountryShapesBodySuggestions(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ada := s.Login("admin@example.org")
	for _, b := range []map[string]any{
		{"slug": "es-aepd", "name": "Agencia Española de Protección de Datos", "jurisdiction": "ES"},
		{"slug": "fr-cnil", "name": "Commission nationale de l'informatique et des libertés", "jurisdiction": "FR"},
		{"slug": "de-by-dpa", "name": "Bayerisches Landesamt für Datenschutzaufsicht", "jurisdiction": "DE-BY"},
	} {
		b["type"], b["legal_bases"], b["portal"] = "data_protection_authority", []string{"GDPR art. 77"}, true
		if r := s.Do(req{Method: "POST", Path: "/api/v1/admin/bodies", Token: ada, Body: b}); r.Status != 201 {
			t.Fatalf("body %v: %d %s", b["slug"], r.Status, r.Body)
		}
	}
	bad := teststack.ValidCase()
	bad["country"] = "Spain"
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases", Body: bad}); r.Status != 422 || !strings.Contains(string(r.Body), `"field":"country"`) {
		t.Errorf("a country that is not a code: %d %s", r.Status, r.Body)
	}
	first := func(country any) []string {
		body := teststack.ValidCase()
		if country != nil {
			body["country"] = country
		}
		f := s.File(body)
		list, err := s.Core.Escalation.CaseBodies(t.Context(), uuid.MustParse(f.ID))
		if err != nil {
			t.Fatal(err)
		}
		out := []string{}
		for _, b := range list[:3] {
			out = append(out, b.Jurisdiction)
		}
		return out
	}
	// The demo organisation is in France.
	if got := first("es"); got[0] != "ES" || got[1] != "FR" || got[2] != "EU" {
		t.Errorf("a complainant in Spain is offered %v first", got)
	}
	if got := first("DE"); got[0] != "DE-BY" || got[1] != "FR" {
		t.Errorf("a complainant in Germany is offered %v first", got)
	}
	if got := first(nil); got[0] != "FR" || got[1] != "EU" {
		t.Errorf("no country: %v first", got)
	}
}
