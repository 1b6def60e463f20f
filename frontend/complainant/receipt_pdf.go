package complainant

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/signintech/gopdf"

	"github.com/redresshq/redress/internal/platform/pdftext"
)

// codeSheet is what the one-page PDF of a complainant's code says.
type codeSheet struct {
	Title, Code, CodeLabel, Purpose, Secret, Where, URL, Reference, AckBy, Lost string
	Created                                                                     time.Time
}

// renderCodeSheet draws the sheet on one A4 page with the PDF library the
// dossiers use (gopdf) and the DejaVu fonts compiled in
// (internal/platform/pdftext): the code large, in a monospaced face, in its
// four groups; what it is for; where to use it. Arabic is shaped and its
// lines laid out from the right.
func renderCodeSheet(s codeSheet) ([]byte, error) {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	if err := pdftext.AddFaces(pdf, pdftext.Regular, pdftext.Bold, pdftext.Mono); err != nil {
		return nil, fmt.Errorf("frontend: code sheet: %w", err)
	}
	pdf.SetInfo(gopdf.PdfInfo{Title: pdftext.InfoText(s.Title), Subject: pdftext.InfoText(s.CodeLabel + " " + s.Code),
		Creator: "Redress", CreationDate: s.Created.UTC()})
	pdf.AddPage()
	const left, width = 56.0, 483.0
	y := 64.0
	var firstErr error
	note := func(err error) {
		if err != nil && firstErr == nil {
			firstErr = err
		}
	}
	line := func(f *pdftext.Face, size float64, text string, gap float64) {
		text = pdftext.Clean(text, f)
		note(pdf.SetFont(f.Name, "", size))
		lines, err := pdf.SplitTextWithWordWrap(text, width)
		if err != nil {
			lines = []string{text}
		}
		for _, l := range lines {
			note(pdftext.Use(pdf, f, size, l))
			x := left
			if pdftext.RightToLeft(l) {
				w, err := pdf.MeasureTextWidth(l)
				note(err)
				x = left + width - w
			}
			pdf.SetXY(x, y)
			note(pdf.Cell(nil, pdftext.Visual(l)))
			y += size * 1.35
		}
		y += gap
	}
	regular, bold, mono := pdftext.Regular, pdftext.Bold, pdftext.Mono
	line(bold, 20, s.Title, 16)
	line(regular, 12, s.CodeLabel, 6)
	pdf.SetLineWidth(1.2)
	pdf.SetStrokeColor(0, 0, 0)
	pdf.RectFromUpperLeftWithStyle(left-8, y-8, width+16, 62, "D")
	y += 4
	line(mono, 30, strings.ReplaceAll(s.Code, "-", " "), 26)
	line(bold, 12, s.Purpose, 4)
	line(regular, 12, s.Secret, 14)
	line(bold, 12, s.Where, 4)
	line(mono, 13, s.URL, 14)
	if s.AckBy != "" {
		line(regular, 12, s.AckBy, 10)
	}
	line(regular, 11, s.Reference, 10)
	line(regular, 11, s.Lost, 0)
	if firstErr != nil {
		return nil, fmt.Errorf("frontend: code sheet: %w", firstErr)
	}
	var buf bytes.Buffer
	if _, err := pdf.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("frontend: code sheet: %w", err)
	}
	return buf.Bytes(), nil
}
