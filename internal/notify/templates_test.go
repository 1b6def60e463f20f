package notify

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// Every language has every template English has, and no template English lacks.
func TestEveryLanguageHasEveryTemplate(t *testing.T) {
	tpl := MustTemplates()
	want := tpl.Names(FallbackLanguage)
	all := []string{TemplateComplainantNews, TemplateStaffNewCase, TemplateStaffAssigned, TemplateStaffReply, TemplateStaffSLAWarning,
		TemplateStaffSLABreach, TemplateSystemicAlert, TemplateStaffRemedyAnswered, TemplateStaffEvidence,
		TemplateStaffReferral, TemplateBodyReferral, TemplateStaffBreakGlass, TemplateProviderRequest}
	slices.Sort(all)
	if !slices.Equal(want, all) {
		t.Fatalf("English templates %v, want %v", want, all)
	}
	langs := tpl.Languages()
	for _, l := range []string{"en", "fr", "es", "ar"} {
		if !slices.Contains(langs, l) {
			t.Errorf("no %s templates", l)
		}
	}
	for _, l := range langs {
		if got := tpl.Names(l); !slices.Equal(got, want) {
			t.Errorf("%s has templates %v, English has %v", l, got, want)
		}
	}
}

// The check above fails when a language lacks one: shown on a copy with a file missing.
func TestMissingTemplateIsNoticed(t *testing.T) {
	fsys := fstest.MapFS{
		"templates/en/a.txt": {Data: []byte("Subject {{.Reference}}\n\nBody")},
		"templates/en/b.txt": {Data: []byte("Subject\n\nBody")},
		"templates/fr/a.txt": {Data: []byte("Sujet\n\nCorps")},
	}
	tpl, err := ParseTemplates(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Equal(tpl.Names("fr"), tpl.Names("en")) {
		t.Fatal("a language missing a template looks complete")
	}
	// Rendering the missing one falls back to English.
	used, subject, _, err := tpl.Render("fr", "b", View{})
	if err != nil || used != "en" || subject != "Subject" {
		t.Errorf("fallback: %q %q %v", used, subject, err)
	}
}

func TestBadTemplatesAreRefused(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"no body":       {"templates/en/a.txt": {Data: []byte("Subject only")}},
		"empty":         {"templates/en/a.txt": {Data: []byte("")}},
		"syntax":        {"templates/en/a.txt": {Data: []byte("Subject {{.Reference\n\nBody")}},
		"no english":    {"templates/fr/a.txt": {Data: []byte("Sujet\n\nCorps")}},
		"blank subject": {"templates/en/a.txt": {Data: []byte("  \nBody")}},
	} {
		if _, err := ParseTemplates(fsys); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	// A field a View does not have fails at render time, not silently.
	tpl, err := ParseTemplates(fstest.MapFS{"templates/en/a.txt": {Data: []byte("S\n\n{{.Description}}")}})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := tpl.Render("en", "a", View{}); err == nil {
		t.Error("a template showing a field views do not have rendered")
	}
}

// Every template renders in every language with what it is given, and
// nothing else: a view has no field for a description, a message or a name.
func TestTemplatesRenderInEveryLanguage(t *testing.T) {
	tpl := MustTemplates()
	due := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	n := New(Options{PublicURL: "https://redress.example.org"})
	v := n.view("8d0e6f7a-1b2c-4d3e-9f80-1a2b3c4d5e6f", mailData{Reference: "RD-483-920-175", Kind: "contest_decision",
		Priority: "P1", Queue: "Employment decisions", Clock: "acknowledge", DueAt: &due,
		Rule: "EU Whistleblowing Directive 2019/1937 art. 9(1)(b), 7 days", Percent: 75,
		AISystem: "ShiftWise scheduling", CaseCount: 17, Threshold: 13, WindowHours: 719})
	for _, lang := range tpl.Languages() {
		for _, name := range tpl.Names(lang) {
			used, subject, body, err := tpl.Render(lang, name, v)
			if err != nil {
				t.Errorf("%s/%s: %v", lang, name, err)
				continue
			}
			if used != lang {
				t.Errorf("%s/%s rendered in %s", lang, name, used)
			}
			if subject == "" || strings.ContainsAny(subject, "\r\n") || !strings.Contains(subject, v.Reference) {
				t.Errorf("%s/%s subject %q", lang, name, subject)
			}
			if !strings.Contains(body, v.Reference) {
				t.Errorf("%s/%s body lacks the reference:\n%s", lang, name, body)
			}
			if strings.Contains(body, "<no value>") || strings.Contains(subject, "<no value>") {
				t.Errorf("%s/%s shows a missing value:\n%s", lang, name, body)
			}
			switch name {
			case TemplateComplainantNews:
				if !strings.Contains(body, "https://redress.example.org/follow-up") || strings.Contains(body, v.CaseURL) {
					t.Errorf("%s/%s: the complainant gets the follow-up link, never the staff page:\n%s", lang, name, body)
				}
				for _, staffOnly := range []string{v.Queue, v.Kind, v.Priority} {
					if strings.Contains(body, staffOnly) {
						t.Errorf("%s/%s shows %q to the complainant", lang, name, staffOnly)
					}
				}
			case TemplateBodyReferral:
				// A body's people get the referral in their portal, never the organisation's case page.
				if !strings.Contains(body, "/referrals/") || strings.Contains(body, v.CaseURL) {
					t.Errorf("%s/%s: a body gets the portal link, never the staff page:\n%s", lang, name, body)
				}
			case TemplateProviderRequest:
				// An AI system's provider is outside the organisation: no link into it, nothing of the case but its reference.
				if strings.Contains(body, v.CaseURL) || strings.Contains(body, "redress.example.org") {
					t.Errorf("%s/%s: the provider gets no link into the organisation:\n%s", lang, name, body)
				}
				for _, staffOnly := range []string{v.Queue, v.Kind, v.Priority} {
					if strings.Contains(body, staffOnly) {
						t.Errorf("%s/%s shows %q to the provider", lang, name, staffOnly)
					}
				}
			default:
				if !strings.Contains(body, "https://redress.example.org/cases/8d0e6f7a-1b2c-4d3e-9f80-1a2b3c4d5e6f") {
					t.Errorf("%s/%s lacks the case link:\n%s", lang, name, body)
				}
			}
			if name == TemplateStaffSLAWarning || name == TemplateStaffSLABreach {
				for _, want := range []string{"2026-12-01 09:30 UTC", v.Rule, "acknowledge"} {
					if !strings.Contains(body+subject, want) {
						t.Errorf("%s/%s lacks %q:\n%s", lang, name, want, body)
					}
				}
			}
			if name == TemplateStaffSLAWarning && !strings.Contains(body, "75") {
				t.Errorf("%s/%s lacks the share of time used:\n%s", lang, name, body)
			}
			if name == TemplateSystemicAlert {
				for _, want := range []string{"ShiftWise scheduling", "17", "13", "719"} {
					if !strings.Contains(body, want) {
						t.Errorf("%s/%s lacks %q:\n%s", lang, name, want, body)
					}
				}
				if !strings.Contains(subject, "ShiftWise scheduling") || !strings.Contains(subject, "17") {
					t.Errorf("%s/%s subject %q lacks the system or the count", lang, name, subject)
				}
			}
			if name == TemplateStaffNewCase && !strings.Contains(body, v.Queue) {
				t.Errorf("%s/%s lacks the queue:\n%s", lang, name, body)
			}
		}
	}
}

func TestSubjectIsOneLine(t *testing.T) {
	tpl, err := ParseTemplates(fstest.MapFS{"templates/en/a.txt": {Data: []byte("New {{.Queue}}\n\nBody")}})
	if err != nil {
		t.Fatal(err)
	}
	_, subject, _, err := tpl.Render("en", "a", View{Queue: "a\r\nBcc: someone@example.org"})
	if err != nil || strings.ContainsAny(subject, "\r\n") {
		t.Errorf("subject %q, %v", subject, err)
	}
}

func TestPickLanguage(t *testing.T) {
	tpl := MustTemplates()
	for _, c := range []struct {
		in   []string
		want string
	}{
		{[]string{"fr"}, "fr"}, {[]string{"FR-be"}, "fr"}, {[]string{"es-419"}, "es"}, {[]string{"ar"}, "ar"},
		{[]string{"de"}, "en"}, {nil, "en"}, {[]string{""}, "en"}, {[]string{"de", "es"}, "es"},
		{[]string{" pt-BR ", "fr"}, "fr"},
	} {
		if got := tpl.Pick(c.in...); got != c.want {
			t.Errorf("Pick(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}
