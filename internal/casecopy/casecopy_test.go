package casecopy

import (
	"errors"
	"testing"

	"github.com/redresshq/redress/internal/platform/fault"
)

// TestLanguageOf: a copy is in the case's language when the site speaks
// it, its base language for a regional tag, else English.
func TestLanguageOf(t *testing.T) {
	for tag, want := range map[string]string{"ar": "ar", "fr": "fr", "es-MX": "es", "AR": "ar", "pt-BR": "en", "de": "en", "": "en"} {
		if got := LanguageOf(tag); got != want {
			t.Errorf("LanguageOf(%q) = %q, want %q", tag, got, want)
		}
	}
}

// TestCheck: the format is json or pdf, the language one of the site's or
// none; each wrong one is a 422 naming it.
func TestCheck(t *testing.T) {
	for _, ok := range [][2]string{{"json", ""}, {"pdf", "ar"}, {"json", "es"}} {
		if err := Check(ok[0], ok[1]); err != nil {
			t.Errorf("Check(%q, %q) = %v", ok[0], ok[1], err)
		}
	}
	for _, bad := range [][3]string{{"", "", "format"}, {"xml", "en", "format"}, {"PDF", "", "format"}, {"pdf", "de", "lang"}} {
		err := Check(bad[0], bad[1])
		var fe *fault.Error
		if !errors.As(err, &fe) || fe.Kind != fault.Invalid || len(fe.Fields) != 1 || fe.Fields[0].Field != bad[2] {
			t.Errorf("Check(%q, %q) = %v, want a 422 naming %s", bad[0], bad[1], err, bad[2])
		}
	}
}
