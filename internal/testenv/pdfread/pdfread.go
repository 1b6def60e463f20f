// Package pdfread reads back, for tests, the PDFs Redress draws with
// internal/platform/pdftext (the signed dossier, the complainant's copy):
// their text as a reader's copy and paste would get it, and their embedded
// fonts.
//
// pdfcpu has no text extraction, and gopdf draws with subset TrueType fonts,
// so a page's content stream holds glyph ids, not characters: Pages decodes
// them through each font's ToUnicode CMap. gopdf writes text as
// "x y TD /Fn size Tf [<hex>] TJ" (no kerning, so one hex string a TJ),
// which is all this parser knows. Text that was not drawn, or drawn with
// glyphs that map back to something else, is missing from the result, so
// the checks on it can fail.
package pdfread

import (
	"bytes"
	"encoding/hex"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"

	"github.com/redresshq/redress/internal/platform/pdftext"
)

func init() { model.ConfigPath = "disable" } // pdfcpu writes no configuration file

// Run is one TJ of a page: where it starts, in which font, and what it says.
type Run struct {
	X, Y     float64
	Font     string // the font's resource name, F1…
	BaseFont string // the font's name, as pdftext.Face.Name
	Size     float64
	Text     string
}

var (
	cmapLine = regexp.MustCompile(`<([0-9A-F]{4})><([0-9A-F]{4})><([0-9A-F]+)>`)
	textOps  = regexp.MustCompile(`([-\d.]+) ([-\d.]+) TD|/(\S+) ([\d.]+) Tf|\[<([0-9A-F]*)>\] TJ`)
)

// Pages validates the PDF with pdfcpu (strict) and returns its text runs,
// page by page, in drawing order.
func Pages(t testing.TB, pdf []byte) [][]Run {
	t.Helper()
	conf := model.NewDefaultConfiguration()
	conf.ValidationMode = model.ValidationStrict
	ctx, err := api.ReadContext(bytes.NewReader(pdf), conf)
	if err != nil {
		t.Fatalf("pdfcpu read: %v", err)
	}
	if err := api.ValidateContext(ctx); err != nil {
		t.Fatalf("pdfcpu validate (strict): %v", err)
	}
	pages := make([][]Run, ctx.PageCount)
	for p := 1; p <= ctx.PageCount; p++ {
		pd, _, inh, err := ctx.PageDict(p, false)
		if err != nil {
			t.Fatalf("page %d: %v", p, err)
		}
		res := pd.DictEntry("Resources")
		if res == nil && inh != nil {
			res = inh.Resources
		}
		cmaps, bases := pageFonts(t, ctx, res)
		content, err := ctx.PageContent(pd)
		if err != nil {
			t.Fatalf("page %d content: %v", p, err)
		}
		var run Run
		for _, m := range textOps.FindAllStringSubmatch(string(content), -1) {
			switch {
			case m[1] != "":
				run.X, _ = strconv.ParseFloat(m[1], 64)
				run.Y, _ = strconv.ParseFloat(m[2], 64)
			case m[3] != "":
				run.Font, run.BaseFont = m[3], bases[m[3]]
				run.Size, _ = strconv.ParseFloat(m[4], 64)
			default:
				cmap, ok := cmaps[run.Font]
				if !ok {
					t.Fatalf("page %d: font %s has no ToUnicode map", p, run.Font)
				}
				run.Text = decodeGlyphs(t, m[5], cmap)
				pages[p-1] = append(pages[p-1], run)
			}
		}
	}
	return pages
}

// pageFonts reads the ToUnicode map and the name of each font in a page's
// resources.
func pageFonts(t testing.TB, ctx *model.Context, res types.Dict) (map[string]map[string]rune, map[string]string) {
	t.Helper()
	fonts, err := ctx.DereferenceDict(res["Font"])
	if err != nil || fonts == nil {
		t.Fatalf("page resources have no fonts: %v", err)
	}
	cmaps, bases := map[string]map[string]rune{}, map[string]string{}
	for name, ref := range fonts {
		fd, err := ctx.DereferenceDict(ref)
		if err != nil {
			t.Fatalf("font %s: %v", name, err)
		}
		if base := fd.NameEntry("BaseFont"); base != nil {
			bases[name] = strings.TrimPrefix(*base, "/")
		}
		sd, _, err := ctx.DereferenceStreamDict(fd["ToUnicode"])
		if err != nil || sd == nil {
			t.Fatalf("font %s: no ToUnicode: %v", name, err)
		}
		if err := sd.Decode(); err != nil {
			t.Fatalf("font %s: decode ToUnicode: %v", name, err)
		}
		cmap := map[string]rune{}
		for _, m := range cmapLine.FindAllStringSubmatch(string(sd.Content), -1) {
			u, _ := strconv.ParseUint(m[3], 16, 32)
			cmap[m[1]] = rune(u)
		}
		cmaps[name] = cmap
	}
	return cmaps, bases
}

func decodeGlyphs(t testing.TB, hexGlyphs string, cmap map[string]rune) string {
	t.Helper()
	if _, err := hex.DecodeString(hexGlyphs); err != nil || len(hexGlyphs)%4 != 0 {
		t.Fatalf("bad glyph string %q", hexGlyphs)
	}
	var b strings.Builder
	for i := 0; i < len(hexGlyphs); i += 4 {
		r, ok := cmap[hexGlyphs[i:i+4]]
		if !ok {
			t.Fatalf("glyph %s not in ToUnicode map", hexGlyphs[i:i+4])
		}
		b.WriteRune(r)
	}
	return b.String()
}

// CheckGlyphsWhole fails t unless the PDF embeds a font program and every
// glyph of each one has all its parts: a composite glyph (an Arabic letter
// with its dots, a letter with its vowel mark) whose components a font
// subset left out draws incomplete.
func CheckGlyphsWhole(t testing.TB, pdf []byte) {
	t.Helper()
	ctx, err := api.ReadContext(bytes.NewReader(pdf), model.NewDefaultConfiguration())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range ctx.Table {
		sd, ok := e.Object.(types.StreamDict)
		if !ok || sd.IntEntry("Length1") == nil { // a FontFile2
			continue
		}
		if err := sd.Decode(); err != nil {
			t.Fatal(err)
		}
		n++
		f, err := pdftext.NewFont(sd.Content)
		if err != nil {
			t.Fatalf("embedded font %d: %v", n, err)
		}
		var check func(g, depth int)
		check = func(g, depth int) {
			for _, c := range f.Components(g) {
				if f.Empty(c) {
					t.Errorf("embedded font %d: glyph %d lacks its part %d (depth %d)", n, g, c, depth+1)
				}
				check(c, depth+1)
			}
		}
		for g := range f.Glyphs() {
			if !f.Empty(g) {
				check(g, 0)
			}
		}
	}
	if n == 0 {
		t.Fatal("no font program found in the PDF")
	}
}
