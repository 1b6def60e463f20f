package notify

import (
	"strings"
	"testing"
	"time"
)

// The supervisors of a queue read who opened a case by break-glass, why, until
// when, and where the case is, in their own language.
func TestBreakGlassEmailInEveryLanguage(t *testing.T) {
	tpl := MustTemplates()
	until := time.Date(2026, 12, 5, 21, 40, 0, 0, time.UTC)
	n := New(Options{PublicURL: "https://redress.example.org"})
	v := n.view("8d0e6f7a-1b2c-4d3e-9f80-1a2b3c4d5e6f", mailData{Reference: "RD-483-920-175", Queue: "Employment decisions",
		Admin: "Ada Admin", Reason: "The regulator asked for the file today; the queue's staff are all away.", Until: &until})
	for _, lang := range tpl.Languages() {
		used, subject, body, err := tpl.Render(lang, TemplateStaffBreakGlass, v)
		if err != nil || used != lang {
			t.Fatalf("%s: rendered in %s: %v", lang, used, err)
		}
		for _, want := range []string{"RD-483-920-175", "Ada Admin"} {
			if !strings.Contains(subject, want) {
				t.Errorf("%s: subject %q lacks %q", lang, subject, want)
			}
		}
		for _, want := range []string{"RD-483-920-175", "Ada Admin", v.Reason, "2026-12-05 21:40 UTC", "Employment decisions",
			"https://redress.example.org/cases/8d0e6f7a-1b2c-4d3e-9f80-1a2b3c4d5e6f"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: body lacks %q:\n%s", lang, want, body)
			}
		}
		if strings.Contains(subject, v.Reason) {
			t.Errorf("%s: the reason is in the subject: %q", lang, subject)
		}
	}
}
