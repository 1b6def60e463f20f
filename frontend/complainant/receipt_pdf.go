package complainant

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
)

// codeSheet is what the one-page PDF of a complainant's code says.
type codeSheet struct {
	Title, Code, CodeLabel, Purpose, Secret, Where, URL, Reference, AckBy, Lost string
	Created                                                                     time.Time
}

// renderCodeSheet draws the sheet on one A4 page with the PDF library the
// dossiers use (gopdf) and the Go fonts compiled in: the code large, in a
// monospaced face, in its four groups; what it is for; where to use it.
// The Go fonts have no Arabic, so an Arabic reader's sheet is written in
// English (the page itself is in Arabic).
func renderCodeSheet(s codeSheet) ([]byte, error) {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	for name, ttf := range map[string][]byte{"regular": goregular.TTF, "bold": gobold.TTF, "mono": gomono.TTF} {
		if err := pdf.AddTTFFontDataWithOption(name, ttf, gopdf.TtfOption{OnGlyphNotFoundSubstitute: func(rune) rune { return '?' }}); err != nil {
			return nil, fmt.Errorf("frontend: code sheet: %w", err)
		}
	}
	pdf.SetInfo(gopdf.PdfInfo{Title: s.Title, Subject: s.CodeLabel + " " + s.Code, Creator: "Redress",
		CreationDate: s.Created.UTC()})
	pdf.AddPage()
	const left, width = 56.0, 483.0
	y := 64.0
	var firstErr error
	line := func(font string, size float64, text string, gap float64) {
		if err := pdf.SetFont(font, "", size); err != nil && firstErr == nil {
			firstErr = err
		}
		lines, err := pdf.SplitTextWithWordWrap(text, width)
		if err != nil {
			lines = []string{text}
		}
		for _, l := range lines {
			pdf.SetXY(left, y)
			if err := pdf.Cell(nil, l); err != nil && firstErr == nil {
				firstErr = err
			}
			y += size * 1.35
		}
		y += gap
	}
	line("bold", 20, s.Title, 16)
	line("regular", 12, s.CodeLabel, 6)
	pdf.SetLineWidth(1.2)
	pdf.SetStrokeColor(0, 0, 0)
	pdf.RectFromUpperLeftWithStyle(left-8, y-8, width+16, 62, "D")
	y += 4
	line("mono", 30, strings.ReplaceAll(s.Code, "-", " "), 26)
	line("bold", 12, s.Purpose, 4)
	line("regular", 12, s.Secret, 14)
	line("bold", 12, s.Where, 4)
	line("mono", 13, s.URL, 14)
	if s.AckBy != "" {
		line("regular", 12, s.AckBy, 10)
	}
	line("regular", 11, s.Reference, 10)
	line("regular", 11, s.Lost, 0)
	if firstErr != nil {
		return nil, fmt.Errorf("frontend: code sheet: %w", firstErr)
	}
	var buf bytes.Buffer
	if _, err := pdf.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("frontend: code sheet: %w", err)
	}
	return buf.Bytes(), nil
}
