package pdftext

import "testing"

// TestShape: letters take their contextual forms, lam-alef is one glyph,
// and text without Arabic is left as it is.
func TestShape(t *testing.T) {
	for _, tc := range []struct{ in, shaped string }{
		{"بشرية", "\uFE91\uFEB8\uFEAE\uFEF3\uFE94"},
		{"لا", "\uFEFB"},
		{"السلام", "\uFE8D\uFEDF\uFEB4\uFEFC\uFEE1"},
		{"نسخة", "\uFEE7\uFEB4\uFEA8\uFE94"},
		{"abc", "abc"},
	} {
		if got := Shape(tc.in); got != tc.shaped {
			t.Errorf("Shape(%q) = %q, want %q", tc.in, got, tc.shaped)
		}
	}
}

// TestVisualAndLogical: a right-to-left line is drawn turned round, Latin
// in it keeps its order, and Logical reads the drawn line back as written.
func TestVisualAndLogical(t *testing.T) {
	if got := Visual("رقم ABC-12"); got != "ABC-12 مقر" {
		t.Errorf("Visual = %q", got)
	}
	if got := Visual("Name: سلام here"); got != "Name: مالس here" {
		t.Errorf("Visual = %q", got)
	}
	for _, line := range []string{"نسخة من شكواك (الكاملة)", "تم رفض طلبي", "التي أُرسلت إليها", "Reference RD-123",
		"رقم ABC-12 (مرتين) فقط", "Name: سلام here", "قُدّم في 2026", "\u064F", "a\u064F"} {
		if got := Logical(Visual(Shape(line))); got != line {
			t.Errorf("read back %q, want %q", got, line)
		}
	}
	// A mark is drawn just before its letter in a right-to-left run.
	if got := Visual("قُد"); got != "د\u064Fق" {
		t.Errorf("Visual(قُد) = %q", got)
	}
	if !RightToLeft("  «نسخة» RD") || RightToLeft("RD نسخة") {
		t.Error("RightToLeft goes by the first strong letter")
	}
}

// TestCompanions: DejaVu's medial beh nests its dot two deep (a composite
// of a composite); its companions name the rune whose glyph is that dot,
// and Latin needs none.
func TestCompanions(t *testing.T) {
	f, err := NewFont(DejaVuSans)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Companions("\uFE92"); got == "" {
		t.Error("the medial beh has no companions")
	}
	if got := f.Companions("Reference RD-123"); got != "" {
		t.Errorf("Latin has companions %q", got)
	}
	if f.Glyphs() < 1000 || !f.Empty(f.Glyphs()+1) {
		t.Errorf("glyphs: %d", f.Glyphs())
	}
}
