package frontend_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// englishPhrases are the English catalogue's sentences (placeholders cut
// out), long enough to be English and not a name, that the other language
// does not also use: any of them on a fr, es or ar page is English left
// untranslated.
func englishPhrases(t *testing.T, lang string) []string {
	t.Helper()
	read := func(l string) map[string]string {
		out := map[string]string{}
		files, err := filepath.Glob(filepath.Join("locales", l, "*.json"))
		if err != nil || len(files) == 0 {
			t.Fatalf("catalogues of %s: %v", l, err)
		}
		for _, f := range files {
			buf, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(buf, &m); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			for k, v := range m {
				switch x := v.(type) {
				case string:
					out[k] = x
				case map[string]any:
					for form, s := range x {
						out[k+"#"+form], _ = s.(string)
					}
				}
			}
		}
		return out
	}
	en, other := read("en"), read(lang)
	theirs := strings.Join(func() []string {
		var v []string
		for _, s := range other {
			v = append(v, s)
		}
		return v
	}(), "\n")
	placeholder := regexp.MustCompile(`\{\{[^}]*\}\}`)
	seen := map[string]bool{}
	var out []string
	for _, s := range en {
		for _, frag := range placeholder.Split(s, -1) {
			frag = strings.TrimSpace(strings.Trim(frag, " .:,;()—-"))
			// Three words or more: a phrase, not a name or a code.
			if len(strings.Fields(frag)) < 3 || len(frag) < 16 || seen[frag] || strings.Contains(theirs, frag) {
				continue
			}
			seen[frag] = true
			out = append(out, frag)
		}
	}
	sort.Strings(out)
	if len(out) < 200 {
		t.Fatalf("only %d English phrases: the scan is broken", len(out))
	}
	return out
}

var isoDate = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)

// wordsCheck fails when the page shows an English phrase of the catalogues,
// or a date as ISO (outside a date input's hint, which shows the format to
// type).
func wordsCheck(t *testing.T, ctx context.Context, name string, phrases []string) {
	t.Helper()
	text, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
		const body = document.body.cloneNode(true);
		for (const h of body.querySelectorAll(".hint")) {
			const input = document.getElementById(h.id.replace(/-hint$/, ""));
			if (input && input.type === "date") h.remove();
		}
		document.documentElement.appendChild(body);
		const text = body.innerText;
		body.remove();
		return text;
	})()`))
	if err != nil {
		t.Fatalf("%s: read the page: %v", name, err)
	}
	var found []string
	for _, p := range phrases {
		if strings.Contains(text, p) {
			found = append(found, p)
		}
	}
	if len(found) > 0 {
		t.Errorf("%s: English on the page: %q", name, found)
	}
	if m := isoDate.FindAllString(text, -1); len(m) > 0 {
		t.Errorf("%s: dates shown as ISO: %q", name, m)
	}
}

// typedIsolated reports whether every element showing text exactly sits in
// an element isolated for direction (<bdi> or dir="auto").
func typedIsolated(t *testing.T, ctx context.Context, text string) (found, isolated int) {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]int](`(() => {
		const want = `+jsonString(text)+`;
		let found = 0, isolated = 0;
		const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n = walk.nextNode(); n; n = walk.nextNode()) {
			if (!n.nodeValue.includes(want)) continue;
			found++;
			if (n.parentElement.closest('bdi, [dir="auto"]')) isolated++;
		}
		return [found, isolated];
	})()`))
	if err != nil || len(got) != 2 {
		t.Fatalf("look for %q: %v", text, err)
	}
	return got[0], got[1]
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// On French, Spanish and Arabic pages, a complainant reads no English other
// than what people typed: no catalogue phrase left in English, dates in
// words of their language (Arabic month names and digits) inside <time>,
// the deadlines as "we will … by <date>" with the rule behind "why this
// date", and what they typed (here in Arabic) isolated for direction. At
// 320 px with JavaScript off and at 1280 px with it on; zero axe
// violations.
func TestBrowserPlainWordsInEveryLanguage(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	base := s.WebURL

	body := teststack.ValidCase()
	// What the complainant typed, in Arabic, ending in punctuation that
	// lands on the wrong side unless isolated.
	typed := "تطبيق الجدولة في مستودعي!"
	body["ai_system_other"] = typed
	f := s.File(body)

	views := []struct {
		name string
		opts []browser.TabOption
	}{
		{"320px-nojs", []browser.TabOption{browser.Viewport(320, 640), browser.NoJavaScript()}},
		{"1280px-js", []browser.TabOption{browser.Viewport(1280, 900)}},
	}
	months := map[string]*regexp.Regexp{
		"fr": regexp.MustCompile(`\d{1,2} (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre) \d{4}`),
		"es": regexp.MustCompile(`\d{1,2} de (enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre) de \d{4}`),
		"ar": regexp.MustCompile(`[٠-٩]{1,2} (يناير|فبراير|مارس|أبريل|مايو|يونيو|يوليو|أغسطس|سبتمبر|أكتوبر|نوفمبر|ديسمبر) [٠-٩]{4}`),
	}
	// The demo register in the reader's language (internal/demo translations).
	systemName := map[string]string{"fr": "Planification ShiftWise", "es": "Planificación de turnos ShiftWise",
		"ar": "نظام ShiftWise لجدولة المناوبات"}
	whyDate := map[string]string{"fr": "Pourquoi cette date ?", "es": "¿Por qué esta fecha?", "ar": "لماذا هذا الموعد؟"}
	for _, lang := range []string{"fr", "es", "ar"} {
		phrases := englishPhrases(t, lang)
		for _, view := range views {
			name := lang + " " + view.name
			t.Run(lang+"-"+view.name, func(t *testing.T) {
				tab := b.Tab(t, append([]browser.TabOption{browser.AcceptLanguage(lang)}, view.opts...)...)
				for _, p := range []string{"/", "/procedure", "/ai-systems", "/bodies", "/complaints/new", "/follow-up"} {
					visit(t, tab, base, p, http.StatusOK, name+" "+p)
					wordsCheck(t, tab, name+" "+p, phrases)
				}
				// The bodies' page never starts a sentence with "Or".
				if text := browser.Text(t, tab, "main"); strings.Contains(text, "Or ask us") {
					t.Errorf("%s /bodies: %q", name, text)
				}
				browser.Navigate(t, tab, base+"/ai-systems")
				if text := browser.Text(t, tab, "main"); !strings.Contains(text, systemName[lang]) {
					t.Errorf("%s /ai-systems: the register is not in the language: %s", name, text)
				}

				// The complainant opens their case.
				openInBrowser(t, tab, base, f.Code)
				audit(t, tab, name+" case")
				wordsCheck(t, tab, name+" case", phrases)
				text := browser.Text(t, tab, "main")
				if !months[lang].MatchString(text) {
					t.Errorf("%s case: no date in words of the language: %s", name, text)
				}
				if !browser.Exists(t, tab, `main time[datetime]`) {
					t.Errorf("%s case: no <time datetime>", name)
				}
				if !strings.Contains(text, whyDate[lang]) || !browser.Exists(t, tab, `main details summary`) {
					t.Errorf("%s case: the dates do not say why behind a disclosure: %s", name, text)
				}
				if found, isolated := typedIsolated(t, tab, typed); found == 0 || isolated != found {
					t.Errorf("%s case: the typed AI system shown %d times, isolated %d times", name, found, isolated)
				}
				if lang == "ar" && view.name == "1280px-js" {
					browser.Screenshot(t, tab, "followup-dates-ar")
				}
			})
		}
	}
}
