package casecopy

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/signintech/gopdf"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/platform/pdftext"
	"github.com/redresshq/redress/internal/remedy"
)

// RenderPDF lays the copy out for reading and printing: A4 pages, a
// heading per part, labels and values in the copy's language (w), times
// in tz, and the reference with "page N of M" at the foot of each page.
// Arabic is shaped and each line put in visual order (internal/platform/
// pdftext), and an Arabic copy's lines start from the right. The same copy
// gives the same bytes: the document's date is c.GeneratedAt.
func RenderPDF(c *Copy, w Words, tz *time.Location) ([]byte, error) {
	return renderPDF(c, w, tz, false)
}

// renderPDF is RenderPDF; uncompressed leaves the content streams in clear.
func renderPDF(c *Copy, w Words, tz *time.Location, uncompressed bool) ([]byte, error) {
	if c == nil || c.Case == nil || c.Case.ComplainantView == nil || w == nil {
		return nil, fmt.Errorf("casecopy: render pdf: no copy")
	}
	if tz == nil {
		tz = time.UTC
	}
	d := &doc{pdf: &gopdf.GoPdf{}, w: w, tz: tz, rtl: c.Language == "ar"}
	d.pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	if uncompressed {
		d.pdf.SetNoCompression()
	}
	if err := pdftext.AddFaces(d.pdf, faces[:]...); err != nil {
		return nil, fmt.Errorf("casecopy: render pdf: %w", err)
	}
	title := w.T("copy.title")
	d.pdf.SetInfo(gopdf.PdfInfo{Title: pdftext.InfoText(title + " " + c.Case.Reference), Subject: pdftext.InfoText(title),
		Creator: "Redress", CreationDate: c.GeneratedAt.UTC()})
	d.newPage()
	d.write(c)
	d.footers(c.Case.Reference)
	if d.err != nil {
		return nil, fmt.Errorf("casecopy: render pdf: %w", d.err)
	}
	var buf bytes.Buffer
	if _, err := d.pdf.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("casecopy: render pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// write draws the copy's parts in the order of its JSON.
func (d *doc) write(c *Copy) {
	v, w := c.Case.ComplainantView, d.w
	d.title(w.T("copy.title"))
	d.paragraph(w.T("copy.intro", "Date", d.stamp(c.GeneratedAt), "Zone", d.tz.String()), small)

	d.heading(w.T("copy.case_title"))
	d.field(w.T("copy.reference"), v.Reference)
	d.field(w.T("followup.kind"), d.label("cp.kind.", v.Kind))
	d.field(w.T("followup.status_title"), d.label("cp.stage.", v.Stage.Code))
	d.field(w.T("followup.submitted"), d.stamp(v.SubmittedAt))
	d.field(w.T("followup.ai_system"), v.AISystem)
	if v.ClosedAt != nil {
		d.field(w.T("copy.closed"), d.stamp(*v.ClosedAt))
	}

	f := v.Filing
	d.heading(w.T("copy.filing_title"))
	d.field(w.T("copy.description"), f.Description)
	d.field(w.T("copy.desired_outcome"), f.DesiredOutcome)
	d.field(w.T("copy.decision_reference"), deref(f.DecisionReference))
	d.field(w.T("copy.decision_date"), deref(f.DecisionDate))
	d.field(w.T("copy.informed_of_ai"), d.label("cp.informed.", f.InformedOfAI))
	d.field(w.T("copy.language"), f.Language)
	d.field(w.T("copy.country"), deref(f.Country))

	d.heading(w.T("copy.contact_title"))
	switch {
	case v.Anonymous && f.Contact == nil:
		d.paragraph(w.T("followup.anonymous"), body)
	case f.Contact != nil:
		d.field(w.T("copy.name"), f.Contact.Name)
		d.field(w.T("copy.email"), f.Contact.Email)
		d.field(w.T("copy.phone"), f.Contact.Phone)
		d.field(w.T("copy.address"), f.Contact.Address)
		d.field(w.T("copy.customer_number"), f.Contact.CustomerNumber)
	}
	if f.PreferredChannel != nil {
		d.field(w.T("copy.channel"), d.label("cp.channel.", *f.PreferredChannel))
	}
	if r := f.Representative; r != nil {
		d.field(w.T("copy.representative"), strings.Join(nonEmpty(r.Name, r.Organisation, r.Email), ", "))
		d.field(w.T("copy.mandate"), r.Mandate)
	}
	for _, u := range f.Unreadable {
		d.paragraph(u, body)
	}

	d.heading(w.T("followup.timeline_title"))
	if len(v.Timeline) == 0 {
		d.none()
	}
	for _, e := range v.Timeline {
		d.field(d.stamp(e.At), actionLabel(w, e.Action, e.Actor))
	}

	d.heading(w.T("followup.messages_title"))
	if len(v.Messages) == 0 {
		d.none()
	}
	for _, m := range v.Messages {
		d.field(d.stamp(m.CreatedAt)+" · "+d.label("cp.author.", string(m.AuthorKind)), m.Body)
	}

	d.heading(w.T("followup.decision_title"))
	if v.Decision == nil {
		d.none()
	} else {
		dv := v.Decision
		d.field(w.T("followup.outcome"), d.label("cp.outcome.", string(dv.Outcome)))
		at := dv.CreatedAt
		if dv.FinalAt != nil {
			at = *dv.FinalAt
		}
		d.field(w.T("followup.decided_on"), d.stamp(at))
		d.field(w.T("followup.reasons"), dv.Rationale)
		if x := dv.Explanation; x != nil {
			d.field(w.T("followup.explanation"), x.AIRole)
			d.field(w.T("followup.main_factors"), bullets(x.MainFactors))
			d.field(w.T("followup.inputs"), bullets(x.Inputs))
			d.field(w.T("followup.how_to_contest"), x.HowToContest)
		}
		for _, a := range dv.Answers {
			d.field(w.T("followup.answers"), a.Answer)
		}
		if dv.Signposting != "" {
			d.field(w.T("followup.signposting"), dv.Signposting)
		}
	}

	d.heading(w.T("followup.remedies_title"))
	n := 0
	for _, r := range v.Remedies {
		if r.Status == remedy.Proposed { // not yet offered: the page does not show it either
			continue
		}
		n++
		d.subheading(d.label("cp.remedy_form.", string(r.Form)))
		d.field(w.T("copy.what"), r.Description)
		if r.Amount != nil {
			d.field(w.T("followup.remedy_amount"), strings.TrimSpace(*r.Amount+" "+deref(r.Currency)))
		}
		d.field(w.T("followup.remedy_status"), d.label("cp.remedy_status.", string(r.Status)))
		d.field(w.T("followup.remedy_due"), d.stamp(r.DueAt))
		if r.RespondedAt != nil {
			d.field(w.T("copy.answered"), d.stamp(*r.RespondedAt))
		}
		d.field(w.T("followup.remedy_your_comment"), r.Comment)
		if r.Reason != "" {
			d.field(w.T("followup.remedy_reason"), r.Reason)
		}
	}
	if n == 0 {
		d.none()
	}

	d.heading(w.T("followup.appeal_title"))
	if a := v.Appeal; a.AppealedAt == nil {
		d.none()
	} else {
		d.field(w.T("copy.appealed"), d.stamp(*a.AppealedAt))
		d.field(w.T("followup.appeal_your_reason"), a.Reason)
	}

	d.heading(w.T("followup.referrals_title"))
	if len(c.Case.Referrals) == 0 {
		d.none()
	}
	for _, r := range c.Case.Referrals {
		d.subheading(r.Body.Name)
		d.field(w.T("copy.sent"), d.stamp(r.CreatedAt))
		d.field(w.T("followup.remedy_status"), d.label("cp.referral_status.", string(r.Status)))
		d.field(w.T("followup.referral_outcome"), deref(r.Outcome))
		for _, it := range r.Items {
			d.field(d.label("cp.item_kind.", string(it.Kind))+" · "+d.label("cp.item_status.", string(it.Status)), it.Text)
		}
		for _, m := range r.Messages {
			from := w.T("cp.author.body")
			if m.From == "complainant" {
				from = w.T("cp.author.complainant")
			}
			d.field(d.stamp(m.CreatedAt)+" · "+from, m.Body)
		}
	}

	d.heading(w.T("copy.feedback_title"))
	if fb := v.Feedback; !fb.Given {
		d.none()
	} else {
		if fb.Satisfaction != nil {
			d.field(w.T("copy.satisfaction"), d.label("cp.satisfaction.", strconv.Itoa(*fb.Satisfaction)))
		}
		d.field(w.T("followup.remedy_your_comment"), fb.Comment)
		if fb.GivenAt != nil {
			d.field(w.T("copy.given"), d.stamp(*fb.GivenAt))
		}
	}

	d.heading(w.T("followup.evidence_title"))
	if len(v.Evidence) == 0 {
		d.none()
	}
	for _, e := range v.Evidence {
		d.subheading(e.Filename)
		d.field(w.T("copy.added"), d.stamp(e.CreatedAt))
		d.field(w.T("copy.size"), w.T("copy.size_bytes", "Size", e.SizeBytes))
		d.field("SHA-256", e.SHA256)
		d.field(w.T("copy.what"), e.Description)
	}

	d.heading(w.T("followup.access_title"))
	if len(c.Case.Access) == 0 {
		d.paragraph(w.T("followup.access_none"), body)
	}
	for _, l := range c.Case.Access {
		d.paragraph(lookText(w, l), body)
	}
}

// actionLabel is a timeline entry in words, as the follow-up page says it
// ("cp.action.<action>.<actor>", else "cp.action.<action>", else an update).
func actionLabel(w Words, action, actor string) string {
	id := "cp.action." + strings.ReplaceAll(action, ".", "_")
	if by := id + "." + actor; w.Has(by) {
		return w.T(by)
	}
	if w.Has(id) {
		return w.T(id)
	}
	return w.T("cp.action.other")
}

func lookText(w Words, l access.ComplainantLook) string {
	return w.T("followup.access."+string(l.Role)+"."+string(l.What), "Date", l.Day.Format(time.DateOnly))
}

// label is a code in words ("<prefix><code>"), or the code itself when the
// catalogues have no words for it.
func (d *doc) label(prefix, code string) string {
	if code == "" {
		return ""
	}
	if id := prefix + code; d.w.Has(id) {
		return d.w.T(id)
	}
	return code
}

func (d *doc) stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(d.tz).Format("2006-01-02 15:04 MST")
}

func (d *doc) none() { d.paragraph(d.w.T("copy.none"), body) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	return out
}

func bullets(items []string) string {
	var b strings.Builder
	for i, s := range items {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("• " + s)
	}
	return b.String()
}

// ---- layout ----

// faces are the fonts by face (internal/platform/pdftext).
var faces = [...]*pdftext.Face{pdftext.Regular, pdftext.Bold}

type face int

const (
	regular face = iota
	bold
)

type style struct {
	face face
	size float64
}

var (
	titleStyle   = style{bold, 18}
	headingStyle = style{bold, 13}
	subStyle     = style{bold, 10.5}
	labelStyle   = style{bold, 9}
	body         = style{regular, 10}
	small        = style{regular, 8.5}
	footerStyle  = style{regular, 8}
)

func (s style) lineHeight() float64 { return s.size * 1.4 }

// A4 in points and the margins; the footer sits below bottom.
const (
	pageH   = 841.89
	marginX = 56.0
	top     = 56.0
	bottom  = pageH - 64
	footerY = pageH - 42
	contW   = 595.28 - 2*marginX
)

// doc is a cursor down the page: it wraps, breaks pages, draws right to
// left for Arabic, and keeps the first error.
type doc struct {
	pdf *gopdf.GoPdf
	w   Words
	tz  *time.Location
	rtl bool
	y   float64
	err error
}

func (d *doc) fail(err error) {
	if err != nil && d.err == nil {
		d.err = err
	}
}

func (d *doc) newPage() {
	d.pdf.AddPage()
	d.y = top
}

func (d *doc) ensure(h float64) {
	if d.y+h > bottom {
		d.newPage()
	}
}

// line draws one wrapped line (shaped, in logical order) at the cursor,
// from the right margin in a right-to-left copy.
func (d *doc) line(s style, text string) {
	d.ensure(s.lineHeight())
	if text != "" {
		d.fail(pdftext.Use(d.pdf, faces[s.face], s.size, text))
		x := marginX
		if d.rtl {
			x = marginX + contW - d.width(s, text)
		}
		d.pdf.SetXY(x, d.y)
		d.fail(d.pdf.Cell(nil, pdftext.Visual(text)))
	}
	d.y += s.lineHeight()
}

func (d *doc) lines(s style, text string) {
	for _, l := range d.wrap(s, text) {
		d.line(s, l)
	}
}

func (d *doc) title(text string) {
	d.lines(titleStyle, text)
	d.y += 6
}

func (d *doc) heading(text string) {
	d.ensure(headingStyle.lineHeight() + 14 + 3*body.lineHeight())
	d.y += 14
	d.lines(headingStyle, text)
	d.pdf.SetLineWidth(0.6)
	d.pdf.SetGrayStroke(0.5)
	d.pdf.Line(marginX, d.y, marginX+contW, d.y)
	d.y += 6
}

func (d *doc) subheading(text string) {
	d.ensure(subStyle.lineHeight() + 2*body.lineHeight())
	d.y += 4
	d.lines(subStyle, text)
}

func (d *doc) paragraph(text string, s style) {
	d.lines(s, text)
	d.y += 3
}

// field is a label over its value; an empty value is left out.
func (d *doc) field(label, value string) {
	if strings.TrimSpace(value) == "" {
		return
	}
	d.ensure(labelStyle.lineHeight() + body.lineHeight())
	d.lines(labelStyle, label)
	d.lines(body, value)
	d.y += 4
}

// footers draw the reference and "page N of M" on every page, last.
func (d *doc) footers(reference string) {
	total := d.pdf.GetNumberOfPages()
	for p := 1; p <= total; p++ {
		d.fail(d.pdf.SetPage(p))
		d.pdf.SetLineWidth(0.4)
		d.pdf.SetGrayStroke(0.6)
		d.pdf.Line(marginX, footerY-4, marginX+contW, footerY-4)
		d.y = footerY
		d.line(footerStyle, clean(reference+" · "+d.w.T("copy.page", "N", p, "M", total)))
	}
}

// wrap cleans and shapes text and breaks it into lines that fit the page:
// at newlines, between words, and inside a word too long for a line.
func (d *doc) wrap(s style, text string) []string {
	var out []string
	for _, para := range strings.Split(clean(text), "\n") {
		line := ""
		for _, word := range strings.Split(para, " ") {
			try := word
			if line != "" {
				try = line + " " + word
			}
			if d.width(s, try) <= contW {
				line = try
				continue
			}
			if line != "" {
				out = append(out, line)
			}
			line = word
			for d.width(s, line) > contW {
				head, rest := d.cut(s, line)
				out = append(out, head)
				line = rest
			}
		}
		out = append(out, line)
	}
	return out
}

// cut splits text after as many runes as fit on a line (at least one).
func (d *doc) cut(s style, text string) (string, string) {
	used := 0.0
	for i, r := range text {
		used += d.width(s, string(r))
		if i > 0 && used > contW {
			return text[:i], text[i:]
		}
	}
	return text, ""
}

func (d *doc) width(s style, text string) float64 {
	d.fail(d.pdf.SetFont(faces[s.face].Name, "", s.size))
	w, err := d.pdf.MeasureTextWidth(text)
	d.fail(err)
	return w
}

// clean makes text drawable in both faces (pdftext.Clean): Arabic shaped,
// control characters gone, what no font draws a '?'.
func clean(s string) string { return pdftext.Clean(s, faces[:]...) }
