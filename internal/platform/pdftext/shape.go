package pdftext

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// Arabic in a PDF. gopdf draws one glyph per rune, left to right, with
// no shaping engine; so the PDFs (the dossier, the complainant's copy) shape
// Arabic themselves, the way
// older renderers did: each letter becomes its contextual form from the
// Arabic Presentation Forms-B block (isolated, final, initial, medial),
// lam-alef becomes its ligature, and each drawn line is put in visual
// order (a simple bidi: runs of right-to-left text are reversed, and a
// line whose first strong letter is right-to-left is laid out right to
// left). The DejaVu fonts carry every presentation form. Text extracted
// from the PDF gives the presentation forms in visual order; NFKC and a
// reversal give the original words back (Logical does).

// arabicForms are the presentation forms of each letter: isolated, final,
// initial, medial; 0 where the letter has no such form (it does not join
// to the next letter).
var arabicForms = map[rune][4]rune{
	0x0621: {0xFE80, 0, 0, 0},
	0x0622: {0xFE81, 0xFE82, 0, 0},
	0x0623: {0xFE83, 0xFE84, 0, 0},
	0x0624: {0xFE85, 0xFE86, 0, 0},
	0x0625: {0xFE87, 0xFE88, 0, 0},
	0x0626: {0xFE89, 0xFE8A, 0xFE8B, 0xFE8C},
	0x0627: {0xFE8D, 0xFE8E, 0, 0},
	0x0628: {0xFE8F, 0xFE90, 0xFE91, 0xFE92},
	0x0629: {0xFE93, 0xFE94, 0, 0},
	0x062A: {0xFE95, 0xFE96, 0xFE97, 0xFE98},
	0x062B: {0xFE99, 0xFE9A, 0xFE9B, 0xFE9C},
	0x062C: {0xFE9D, 0xFE9E, 0xFE9F, 0xFEA0},
	0x062D: {0xFEA1, 0xFEA2, 0xFEA3, 0xFEA4},
	0x062E: {0xFEA5, 0xFEA6, 0xFEA7, 0xFEA8},
	0x062F: {0xFEA9, 0xFEAA, 0, 0},
	0x0630: {0xFEAB, 0xFEAC, 0, 0},
	0x0631: {0xFEAD, 0xFEAE, 0, 0},
	0x0632: {0xFEAF, 0xFEB0, 0, 0},
	0x0633: {0xFEB1, 0xFEB2, 0xFEB3, 0xFEB4},
	0x0634: {0xFEB5, 0xFEB6, 0xFEB7, 0xFEB8},
	0x0635: {0xFEB9, 0xFEBA, 0xFEBB, 0xFEBC},
	0x0636: {0xFEBD, 0xFEBE, 0xFEBF, 0xFEC0},
	0x0637: {0xFEC1, 0xFEC2, 0xFEC3, 0xFEC4},
	0x0638: {0xFEC5, 0xFEC6, 0xFEC7, 0xFEC8},
	0x0639: {0xFEC9, 0xFECA, 0xFECB, 0xFECC},
	0x063A: {0xFECD, 0xFECE, 0xFECF, 0xFED0},
	0x0640: {0x0640, 0x0640, 0x0640, 0x0640}, // tatweel joins both ways
	0x0641: {0xFED1, 0xFED2, 0xFED3, 0xFED4},
	0x0642: {0xFED5, 0xFED6, 0xFED7, 0xFED8},
	0x0643: {0xFED9, 0xFEDA, 0xFEDB, 0xFEDC},
	0x0644: {0xFEDD, 0xFEDE, 0xFEDF, 0xFEE0},
	0x0645: {0xFEE1, 0xFEE2, 0xFEE3, 0xFEE4},
	0x0646: {0xFEE5, 0xFEE6, 0xFEE7, 0xFEE8},
	0x0647: {0xFEE9, 0xFEEA, 0xFEEB, 0xFEEC},
	0x0648: {0xFEED, 0xFEEE, 0, 0},
	0x0649: {0xFEEF, 0xFEF0, 0, 0},
	0x064A: {0xFEF1, 0xFEF2, 0xFEF3, 0xFEF4},
}

// lamAlef are the lam-alef ligatures, isolated and final, by the alef.
var lamAlef = map[rune][2]rune{
	0x0622: {0xFEF5, 0xFEF6},
	0x0623: {0xFEF7, 0xFEF8},
	0x0625: {0xFEF9, 0xFEFA},
	0x0627: {0xFEFB, 0xFEFC},
}

// transparent marks (harakat and the like) sit on a letter and do not
// break its joining.
func transparent(r rune) bool { return unicode.Is(unicode.Mn, r) }

// joinsNext reports whether r connects to the letter after it.
func joinsNext(r rune) bool { f, ok := arabicForms[r]; return ok && f[2] != 0 }

// joinsPrev reports whether r connects to the letter before it.
func joinsPrev(r rune) bool { f, ok := arabicForms[r]; return ok && f[1] != 0 }

// Shape replaces each Arabic letter of s by its contextual form, and
// lam followed by alef by their ligature. Text with no Arabic letter is
// returned as it is.
func Shape(s string) string {
	if !strings.ContainsFunc(s, func(r rune) bool { _, ok := arabicForms[r]; return ok }) {
		return s
	}
	rs := []rune(s)
	// neighbour finds the next letter from i in direction d, over marks.
	neighbour := func(i, d int) rune {
		for j := i + d; j >= 0 && j < len(rs); j += d {
			if !transparent(rs[j]) {
				return rs[j]
			}
		}
		return 0
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		forms, ok := arabicForms[r]
		if !ok {
			b.WriteRune(r)
			continue
		}
		prev := joinsNext(neighbour(i, -1))
		if r == 0x0644 && i+1 < len(rs) {
			if lig, ok := lamAlef[rs[i+1]]; ok {
				if prev {
					b.WriteRune(lig[1])
				} else {
					b.WriteRune(lig[0])
				}
				i++
				continue
			}
		}
		next := forms[2] != 0 && joinsPrev(neighbour(i, +1))
		switch {
		case prev && next && forms[3] != 0:
			b.WriteRune(forms[3])
		case prev && forms[1] != 0:
			b.WriteRune(forms[1])
		case next:
			b.WriteRune(forms[2])
		default:
			b.WriteRune(forms[0])
		}
	}
	return b.String()
}

// Class is a rune's direction for visual ordering: right-to-left
// letters, left-to-right letters and digits, and neutrals (spaces,
// punctuation) that take the direction around them.
type Class int

const (
	Neutral Class = iota
	LTR
	RTL
)

// ClassOf is r's direction.
func ClassOf(r rune) Class {
	switch {
	case unicode.In(r, unicode.Arabic, unicode.Hebrew, unicode.Syriac, unicode.Thaana) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r):
		return RTL
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		return LTR
	}
	return Neutral
}

// Mirrored are the paired marks that turn round in right-to-left text.
var Mirrored = map[rune]rune{'(': ')', ')': '(', '[': ']', ']': '[', '{': '}', '}': '{', '<': '>', '>': '<', '«': '»', '»': '«'}

// Visual puts one line in the order its glyphs are drawn left to right.
// A line with no right-to-left letter is returned as it is. In a
// right-to-left run the marks on a letter (harakat, shadda) are drawn just
// before it: the fonts place a zero-width mark over the glyph drawn after
// it.
func Visual(line string) string {
	if !strings.ContainsFunc(line, func(r rune) bool { return ClassOf(r) == RTL }) {
		return line
	}
	// clusters: a rune and the marks on it stay together.
	var clusters [][]rune
	for _, r := range line {
		if unicode.Is(unicode.Mn, r) && len(clusters) > 0 {
			clusters[len(clusters)-1] = append(clusters[len(clusters)-1], r)
			continue
		}
		clusters = append(clusters, []rune{r})
	}
	var b strings.Builder
	b.Grow(len(line))
	for _, r := range ordered(clusters, firstStrong(clusters, false)) {
		if r.d != RTL {
			for _, c := range r.cs {
				b.WriteString(string(c))
			}
			continue
		}
		for i := len(r.cs) - 1; i >= 0; i-- {
			c := r.cs[i]
			b.WriteString(string(c[1:]))
			if m, ok := Mirrored[c[0]]; ok {
				b.WriteRune(m)
			} else {
				b.WriteRune(c[0])
			}
		}
	}
	return b.String()
}

// run is a run of clusters of one direction.
type run struct {
	d  Class
	cs [][]rune
}

// firstStrong is the direction of the first strong letter of clusters, or
// of the last one.
func firstStrong(clusters [][]rune, last bool) Class {
	for i := range clusters {
		if last {
			i = len(clusters) - 1 - i
		}
		if d := ClassOf(clusters[i][0]); d != Neutral {
			return d
		}
	}
	return Neutral
}

// ordered splits a line's clusters into runs of one direction, a neutral
// between two runs of one direction taking it and any other the line's
// (base), and puts the runs of a right-to-left line in the other order. It
// is its own inverse on the runs, so Logical uses it too.
func ordered(clusters [][]rune, base Class) []run {
	dir := make([]Class, len(clusters))
	for i, c := range clusters {
		dir[i] = ClassOf(c[0])
	}
	for i := 0; i < len(dir); {
		if dir[i] != Neutral {
			i++
			continue
		}
		j := i
		for j < len(dir) && dir[j] == Neutral {
			j++
		}
		before, after := base, base
		if i > 0 {
			before = dir[i-1]
		}
		if j < len(dir) {
			after = dir[j]
		}
		d := base
		if before == after {
			d = before
		}
		for k := i; k < j; k++ {
			dir[k] = d
		}
		i = j
	}
	var runs []run
	for i, c := range clusters {
		if len(runs) == 0 || runs[len(runs)-1].d != dir[i] {
			runs = append(runs, run{d: dir[i]})
		}
		runs[len(runs)-1].cs = append(runs[len(runs)-1].cs, c)
	}
	if base == RTL {
		slices.Reverse(runs)
	}
	return runs
}

// RightToLeft reports whether line's first strong letter is right to left:
// such a line is laid out from the right margin.
func RightToLeft(line string) bool {
	for _, r := range line {
		if c := ClassOf(r); c != Neutral {
			return c == RTL
		}
	}
	return false
}

// Logical is a drawn line (Visual of Shape) read back as text: the runs of
// a right-to-left line turned round, each right-to-left run turned round
// with its marks after their letters and its paired marks turned back, and
// the presentation forms normalised (NFKC) to the letters they stand for.
// Text extracted from a PDF reads as written through it. A drawn line with
// right-to-left letters on its right is taken for a right-to-left line: a
// left-to-right line that ends in Arabic reads back with its runes swapped.
func Logical(line string) string {
	if !strings.ContainsFunc(line, func(r rune) bool { return ClassOf(r) == RTL }) {
		return norm.NFKC.String(line)
	}
	// clusters as drawn: in a right-to-left run the marks come before
	// their letter; elsewhere after it.
	rs := []rune(line)
	var clusters [][]rune
	for i := 0; i < len(rs); i++ {
		j := i
		for j < len(rs) && unicode.Is(unicode.Mn, rs[j]) {
			j++
		}
		switch {
		case j > i && j < len(rs) && ClassOf(rs[j]) == RTL:
			clusters = append(clusters, append([]rune{rs[j]}, rs[i:j]...))
			i = j
		case j > i && len(clusters) > 0:
			last := len(clusters) - 1
			clusters[last] = append(clusters[last], rs[i:j]...)
			i = j - 1
		case j > i:
			clusters = append(clusters, slices.Clone(rs[i:j]))
			i = j - 1
		default:
			clusters = append(clusters, []rune{rs[i]})
		}
	}
	var b strings.Builder
	// Drawn, the line's first strong letter is its last one on the right
	// of a right-to-left line and its first one on the left of another.
	base := firstStrong(clusters, true)
	if base != RTL {
		base = firstStrong(clusters, false)
	}
	for _, r := range ordered(clusters, base) {
		if r.d != RTL {
			for _, c := range r.cs {
				b.WriteString(string(c))
			}
			continue
		}
		for i := len(r.cs) - 1; i >= 0; i-- {
			c := r.cs[i]
			if m, ok := Mirrored[c[0]]; ok {
				b.WriteRune(m)
			} else {
				b.WriteRune(c[0])
			}
			b.WriteString(string(c[1:]))
		}
	}
	return norm.NFKC.String(b.String())
}
