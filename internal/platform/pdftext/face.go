package pdftext

import (
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/sfnt"
)

// Face is a font the PDFs draw with: its name in the document and its
// TrueType data, parsed once for coverage and advance widths (Sfnt) and for
// whole glyphs (Font.Companions).
type Face struct {
	Name string
	ttf  []byte

	once  sync.Once
	sfnt  *sfnt.Font
	whole *Font
	err   error
}

// The faces: DejaVu Sans, its bold and its monospaced cut.
var (
	Regular = &Face{Name: "DejaVuSans", ttf: DejaVuSans}
	Bold    = &Face{Name: "DejaVuSans-Bold", ttf: DejaVuSansBold}
	Mono    = &Face{Name: "DejaVuSansMono", ttf: DejaVuSansMono}
)

func (f *Face) load() error {
	f.once.Do(func() {
		if f.sfnt, f.err = sfnt.Parse(f.ttf); f.err != nil {
			f.err = fmt.Errorf("pdftext: parse %s: %w", f.Name, f.err)
			return
		}
		f.whole, f.err = NewFont(f.ttf)
	})
	return f.err
}

// Sfnt is the face parsed, for glyph coverage and advance widths; it is
// safe for concurrent use with one sfnt.Buffer per caller.
func (f *Face) Sfnt() (*sfnt.Font, error) {
	err := f.load()
	return f.sfnt, err
}

// AddFaces registers faces in pdf. A rune a face lacks draws as '?' (Clean
// already replaces them; this is the backstop should gopdf's reading of the
// font's cmap disagree with sfnt's).
func AddFaces(pdf *gopdf.GoPdf, faces ...*Face) error {
	for _, f := range faces {
		opt := gopdf.TtfOption{OnGlyphNotFoundSubstitute: func(rune) rune { return '?' }}
		if err := pdf.AddTTFFontDataWithOption(f.Name, f.ttf, opt); err != nil {
			return fmt.Errorf("pdftext: add %s: %w", f.Name, err)
		}
	}
	return nil
}

// Use makes f at size the font pdf draws text with, and puts into the
// font's subset every glyph text's glyphs are built from (gopdf embeds a
// glyph's components only one level deep: without this an Arabic letter
// may lose its dots).
func Use(pdf *gopdf.GoPdf, f *Face, size float64, text string) error {
	if err := pdf.SetFont(f.Name, "", size); err != nil {
		return err
	}
	if err := f.load(); err != nil {
		return err
	}
	if extra := f.whole.Companions(text); extra != "" {
		if _, err := pdf.MeasureTextWidth(extra); err != nil {
			return err
		}
	}
	return nil
}

// Clean makes text drawable in every one of faces: Arabic takes its
// contextual forms (Shape), control characters other than a newline go (a
// tab becomes four spaces, \r\n a newline), and a rune some face lacks
// becomes '?'. Lines are put in visual order (Visual) only when drawn: the
// order does not change their width.
func Clean(s string, faces ...*Face) string {
	s = Shape(s)
	fonts := make([]*sfnt.Font, 0, len(faces))
	for _, f := range faces {
		sf, err := f.Sfnt()
		if err != nil {
			return s
		}
		fonts = append(fonts, sf)
	}
	var buf sfnt.Buffer
	covered := func(r rune) bool {
		for _, f := range fonts {
			if i, err := f.GlyphIndex(&buf, r); err != nil || i == 0 {
				return false
			}
		}
		return true
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ReplaceAll(s, "\r\n", "\n") {
		switch {
		case r == '\n':
			b.WriteRune(r)
		case r == '\t':
			b.WriteString("    ")
		case unicode.IsControl(r):
		case r == utf8.RuneError || !covered(r):
			b.WriteRune('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// InfoText is s fit for the document information dictionary, which gopdf
// writes as UTF-16 without surrogate pairs: no font is involved, so every
// script stays, but a newline or tab becomes a space, other control
// characters go, and a rune beyond the BMP becomes '?'.
func InfoText(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return ' '
		case unicode.IsControl(r):
			return -1
		case r > 0xFFFF:
			return '?'
		}
		return r
	}, s)
}
