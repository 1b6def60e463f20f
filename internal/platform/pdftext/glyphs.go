package pdftext

import (
	"encoding/binary"
	"errors"
	"strings"
	"sync"

	"golang.org/x/image/font/sfnt"
)

// Whole glyphs. gopdf (v0.33) embeds a subset of each font: the glyphs of
// the runes drawn or measured, and the components of those that are
// composite, but not the components of those components. DejaVu draws
// many Arabic presentation forms as composites of composites — the letter's
// body and a composite of its dots — so an Arabic letter drawn alone in a
// mostly Latin document could lose its dots. Font.Companions names, for a
// text, the runes whose glyphs are those deeper components; measuring them
// with the same font (GoPdf.MeasureTextWidth adds what it measures to the
// subset) makes every drawn glyph whole.

// Font is a TrueType font's composite glyphs, read once.
type Font struct {
	sfnt    *sfnt.Font
	ttf     []byte
	loca    func(g int) (start, end uint32)
	glyf    uint32
	numGlys int
	once    sync.Once
	runeOf  map[uint16]rune // a glyph's rune, for the glyphs that are deeper components
	mu      sync.Mutex
	extra   map[rune]string // the companions of each rune asked about
}

// NewFont reads ttf's glyph table (and its cmap, for Companions).
func NewFont(ttf []byte) (*Font, error) {
	be := binary.BigEndian
	if len(ttf) < 12 {
		return nil, errors.New("pdftext: not a TrueType font")
	}
	tables := map[string][2]uint32{}
	for i := range int(be.Uint16(ttf[4:])) {
		at := 12 + 16*i
		if at+16 > len(ttf) {
			return nil, errors.New("pdftext: truncated table directory")
		}
		r := ttf[at:]
		tables[string(r[:4])] = [2]uint32{be.Uint32(r[8:]), be.Uint32(r[12:])}
	}
	head, loca, glyf := tables["head"], tables["loca"], tables["glyf"]
	if head[1] < 54 || loca[1] == 0 || glyf[1] == 0 {
		return nil, errors.New("pdftext: no glyf table")
	}
	long := be.Uint16(ttf[head[0]+50:]) == 1
	// sfnt maps runes to glyphs (Companions); a font it cannot read (such
	// as a PDF's subset, whose cmap it refuses) still has its glyphs read.
	sf, _ := sfnt.Parse(ttf)
	f := &Font{sfnt: sf, ttf: ttf, glyf: glyf[0], extra: map[rune]string{}}
	if long {
		f.numGlys = int(loca[1]/4) - 1
		f.loca = func(g int) (uint32, uint32) {
			return be.Uint32(ttf[loca[0]+uint32(4*g):]), be.Uint32(ttf[loca[0]+uint32(4*g+4):])
		}
	} else {
		f.numGlys = int(loca[1]/2) - 1
		f.loca = func(g int) (uint32, uint32) {
			return 2 * uint32(be.Uint16(ttf[loca[0]+uint32(2*g):])), 2 * uint32(be.Uint16(ttf[loca[0]+uint32(2*g+2):]))
		}
	}
	return f, nil
}

// Components are the glyphs a composite glyph g is made of (none for a
// simple or empty one).
func (f *Font) Components(g int) []int {
	if g < 0 || g >= f.numGlys {
		return nil
	}
	start, end := f.loca(g)
	if end <= start || int(f.glyf+end) > len(f.ttf) {
		return nil
	}
	be := binary.BigEndian
	p := f.glyf + start
	if int16(be.Uint16(f.ttf[p:])) >= 0 {
		return nil
	}
	p += 10
	var out []int
	for int(p+4) <= len(f.ttf) {
		flags, c := be.Uint16(f.ttf[p:]), int(be.Uint16(f.ttf[p+2:]))
		out = append(out, c)
		if flags&0x20 == 0 { // MORE_COMPONENTS
			break
		}
		n := uint32(2)
		if flags&0x01 != 0 { // ARG_1_AND_2_ARE_WORDS
			n = 4
		}
		switch {
		case flags&0x08 != 0: // WE_HAVE_A_SCALE
			n += 2
		case flags&0x40 != 0: // WE_HAVE_AN_X_AND_Y_SCALE
			n += 4
		case flags&0x80 != 0: // WE_HAVE_A_TWO_BY_TWO
			n += 8
		}
		p += 4 + n
	}
	return out
}

// Glyphs is the number of glyphs in the font.
func (f *Font) Glyphs() int { return f.numGlys }

// Empty reports whether glyph g has no outline (a space, or a glyph a
// subset left out).
func (f *Font) Empty(g int) bool {
	if g < 0 || g >= f.numGlys {
		return true
	}
	start, end := f.loca(g)
	return end <= start
}

// deep are the components of the components of glyph g, at any depth.
func (f *Font) deep(g int) []int {
	var out []int
	var walk func(g, depth int)
	walk = func(g, depth int) {
		if depth > 8 {
			return
		}
		for _, c := range f.Components(g) {
			if depth > 0 {
				out = append(out, c)
			}
			walk(c, depth+1)
		}
	}
	walk(g, 0)
	return out
}

// Companions is the runes to measure with text, in this font, so that
// every glyph of text is embedded whole; empty for text with no glyph
// nested two deep (most of everything but Arabic). A deeper component that
// no rune maps to cannot be added this way.
func (f *Font) Companions(text string) string {
	if f.sfnt == nil {
		return ""
	}
	var b strings.Builder
	var buf sfnt.Buffer
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range text {
		extra, ok := f.extra[r]
		if !ok {
			var e strings.Builder
			if g, err := f.sfnt.GlyphIndex(&buf, r); err == nil && g != 0 {
				for _, c := range f.deep(int(g)) {
					if cr, ok := f.runes()[uint16(c)]; ok {
						e.WriteRune(cr)
					}
				}
			}
			extra = e.String()
			f.extra[r] = extra
		}
		b.WriteString(extra)
	}
	return b.String()
}

// runes maps the glyphs of the Basic Multilingual Plane back to a rune.
func (f *Font) runes() map[uint16]rune {
	f.once.Do(func() {
		f.runeOf = map[uint16]rune{}
		var buf sfnt.Buffer
		for r := rune(0x20); r < 0x10000; r++ {
			if g, err := f.sfnt.GlyphIndex(&buf, r); err == nil && g != 0 {
				if _, ok := f.runeOf[uint16(g)]; !ok {
					f.runeOf[uint16(g)] = r
				}
			}
		}
	})
	return f.runeOf
}
