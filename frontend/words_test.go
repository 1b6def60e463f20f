package frontend_test

import (
	"encoding/json"
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The register and the bodies read in the reader's language where an admin
// translated them, and in the original where not: on the public pages, in
// the API (?lang or Accept-Language) and on the admins' edit pages, which
// write every language's words, or nothing when one is wrong.
func TestRegisterAndBodiesInTheReadersLanguage(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	system := idOf(t, s, `SELECT id::text FROM ai_systems WHERE slug = 'shift-scheduler'`)
	body := idOf(t, s, `SELECT id::text FROM bodies WHERE slug = 'demo-dpa'`)

	type item struct{ ID, Name, Purpose, Description string }
	list := func(path, acceptLanguage, wantLang string) map[string]item {
		t.Helper()
		c := newClient(t, s.URL)
		if acceptLanguage != "" {
			c.header.Set("Accept-Language", acceptLanguage)
		}
		p := c.get(path)
		if p.Status != 200 || p.Header.Get("Content-Language") != wantLang {
			t.Fatalf("GET %s (%s): %d, Content-Language %q, want %q", path, acceptLanguage, p.Status,
				p.Header.Get("Content-Language"), wantLang)
		}
		var out struct{ Items []item }
		if err := json.Unmarshal([]byte(p.Body), &out); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		m := map[string]item{}
		for _, it := range out.Items {
			m[it.ID] = it
		}
		return m
	}
	// The demo data, in each language.
	if got := list("/api/v1/ai-systems", "", "en")[system].Purpose; !strings.HasPrefix(got, "Assigns shifts and hours") {
		t.Errorf("en purpose: %q", got)
	}
	if got := list("/api/v1/ai-systems?lang=fr", "ar", "fr")[system].Purpose; !strings.HasPrefix(got, "Attribue les créneaux") {
		t.Errorf("?lang=fr purpose: %q", got)
	}
	if got := list("/api/v1/ai-systems", "ar,en;q=0.5", "ar")[system].Name; got != "نظام ShiftWise لجدولة المناوبات" {
		t.Errorf("ar name: %q", got)
	}
	if got := list("/api/v1/bodies", "es-MX", "es")[body].Name; got != "Autoridad de protección de datos (demo)" {
		t.Errorf("es body name: %q", got)
	}
	if got := list("/api/v1/bodies", "de", "en")[body].Name; got != "Data Protection Authority (demo)" {
		t.Errorf("a language the site does not speak: %q", got)
	}
	// ?lang= names one of the site's languages; anything else is a 422 on
	// lang, never a silent fallback.
	for _, path := range []string{"/api/v1/bodies?lang=de", "/api/v1/ai-systems?lang=%00", "/api/v1/ai-systems?lang=english"} {
		if p := newClient(t, s.URL).get(path); p.Status != 422 || !strings.Contains(p.Body, `"field":"lang"`) {
			t.Errorf("GET %s: %d %s", path, p.Status, p.Body)
		}
	}

	// An admin gives the system's purpose in French, and no Spanish name.
	admin := signedIn(t, s, "admin@example.org")
	form := url.Values{"slug": {"shift-scheduler"}, "name": {"ShiftWise scheduling"}, "provider": {"ShiftWise Inc."},
		"version": {"7.1"}, "purpose": {"Assigns shifts and hours to warehouse workers."}, "active": {"on"},
		"translations.fr.purpose": {"Attribue les horaires aux employés d’entrepôt."}, "translations.es.name": {""}}
	// A text too long: 422 naming the field in words, and nothing written.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("translations.ar.purpose", strings.Repeat("ا", 4001))
	p := admin.post("/admin/ai-systems/"+system, bad)
	wantInvalid(t, "too long a translation", p, "f-translations-ar-purpose")
	if !strings.Contains(html.UnescapeString(p.Body), "العربية: Purpose") {
		t.Errorf("the error summary does not name the language and the field")
	}
	if n := countOf(t, s, `SELECT count(*) FROM ai_systems WHERE id = ? AND version = '7.1'`, system); n != 0 {
		t.Error("a refused form wrote the system")
	}
	wantRedirect(t, "translations", admin.post("/admin/ai-systems/"+system, form), "/admin/ai-systems/"+system)
	if n := countOf(t, s, `SELECT count(*) FROM translations WHERE entity = 'ai_system' AND entity_id = ?
		AND lang = 'fr' AND field = 'purpose' AND text = 'Attribue les horaires aux employés d’entrepôt.'`, system); n != 1 {
		t.Error("the French purpose was not saved")
	}
	if n := countOf(t, s, `SELECT count(*) FROM translations WHERE entity = 'ai_system' AND entity_id = ? AND lang = 'es'`, system); n != 0 {
		t.Errorf("%d Spanish texts left after the form sent none", n)
	}
	if p := admin.get("/admin/ai-systems/" + system); !strings.Contains(html.UnescapeString(p.Body), `value="Attribue les horaires aux employés d’entrepôt."`) &&
		!strings.Contains(html.UnescapeString(p.Body), `>Attribue les horaires aux employés d’entrepôt.</textarea>`) {
		t.Error("the edit page does not show the French purpose")
	}

	// The public register: French where translated, the original where not
	// (the form sent every language's words: the French name is gone).
	read := func(lang, path string) string {
		c := newClient(t, s.URL)
		c.header.Set("Accept-Language", lang)
		p := c.get(path)
		if p.Status != 200 {
			t.Fatalf("%s %s: %d", lang, path, p.Status)
		}
		return html.UnescapeString(p.Body)
	}
	if b := read("fr", "/ai-systems"); !strings.Contains(b, "Attribue les horaires aux employés d’entrepôt.") ||
		!strings.Contains(b, "ShiftWise scheduling") || strings.Contains(b, "Planification ShiftWise") {
		t.Error("/ai-systems in French lacks the French purpose or the original name")
	}
	if b := read("es", "/ai-systems"); !strings.Contains(b, "Assigns shifts and hours to warehouse workers.") ||
		!strings.Contains(b, "ShiftWise scheduling") {
		t.Error("/ai-systems in Spanish does not fall back to the original")
	}
	// The form's second step lists the systems.
	ar := newClient(t, s.URL)
	ar.header.Set("Accept-Language", "ar")
	ar.get("/complaints/new")
	if p := cpStep(ar, 1, "step-2", url.Values{}); p.Status != 200 ||
		!strings.Contains(html.UnescapeString(p.Body), "أداة TalentSift لفرز طلبات التوظيف") {
		t.Errorf("the complaint form's list of systems is not in Arabic: %d", p.Status)
	}
	if b := read("ar", "/bodies"); !strings.Contains(b, "هيئة حماية البيانات (تجريبية)") {
		t.Error("/bodies in Arabic lacks the body's Arabic name")
	}

	// A body's edit page carries its translations and saves them.
	if p := admin.get("/admin/bodies/" + body); !strings.Contains(p.Body, `name="translations.ar.description"`) ||
		!strings.Contains(html.UnescapeString(p.Body), "تنظر في الشكاوى المتعلقة باستخدام البيانات الشخصية") {
		t.Error("the body's edit page lacks its Arabic description")
	}
}
