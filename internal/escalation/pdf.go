package escalation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/platform/pdftext"
	"github.com/redresshq/redress/internal/sla"
)

// RenderPDF renders the dossier as a PDF for the body to read and print:
// A4 pages, the sections in the order of the dossier's JSON, and a footer
// with the case reference and "Page N of M" on every page. It reads nothing
// from disk (the DejaVu fonts are compiled in) and the same dossier gives the
// same bytes: the document's creation date is d.GeneratedAt.
func RenderPDF(d *Dossier) ([]byte, error) {
	return renderPDF(d, false)
}

// renderPDF is RenderPDF; uncompressed leaves the content streams in clear,
// for tests and for looking at the output by eye.
func renderPDF(d *Dossier, uncompressed bool) ([]byte, error) {
	if d == nil {
		return nil, fmt.Errorf("escalation: render pdf: no dossier")
	}
	l, err := newLayout(uncompressed)
	if err != nil {
		return nil, fmt.Errorf("escalation: render pdf: %w", err)
	}
	l.pdf.SetInfo(gopdf.PdfInfo{
		Title:        pdftext.InfoText("Referral dossier " + d.Case.Reference),
		Subject:      pdftext.InfoText("Referral to " + d.Body.Name),
		Author:       pdftext.InfoText(d.Organisation),
		Creator:      "Redress",
		CreationDate: d.GeneratedAt.UTC(),
	})
	l.month = d.DatePrecision == PrecisionMonth
	l.newPage()
	renderTitle(l, d)
	for i, s := range sections {
		l.heading(fmt.Sprintf("%d. %s", i+1, s.title))
		s.render(l, d)
	}
	l.footers(footerText(d))
	if l.err != nil {
		return nil, fmt.Errorf("escalation: render pdf: %w", l.err)
	}
	var buf bytes.Buffer
	if _, err := l.pdf.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("escalation: render pdf: %w", err)
	}
	return buf.Bytes(), nil
}

// sections are the dossier's sections in the order the body reads them.
var sections = []struct {
	title  string
	render func(*layout, *Dossier)
}{
	{"Referral", renderReferral},
	{"Case", renderCase},
	{"AI system", renderAISystem},
	{"Contested decision", renderContested},
	{"Classification and severity", renderClassification},
	{"Deadlines", renderDeadlines},
	{"Chronology", renderChronology},
	{"Internal handling", renderHandling},
	{"Remedies", renderRemedies},
	{"Evidence", renderEvidence},
	{"Complainant", renderComplainant},
	{"Redaction log", renderRedactions},
}

func renderTitle(l *layout, d *Dossier) {
	l.title("Referral dossier")
	l.field("Case reference", d.Case.Reference)
	l.field("Addressed to", joinNonEmpty(", ", d.Body.Name, d.Body.Type, d.Body.Jurisdiction))
	l.field("Body id", d.Body.ID)
	l.field("Organisation", d.Organisation)
	if o := d.OrganisationDetails; o != nil {
		l.field("Organisation's address", o.Address)
		l.field("Jurisdiction", o.Jurisdiction)
		l.field("Contact point", o.Contact)
	}
	l.field("Generated at", l.stamp(d.GeneratedAt))
	l.field("Schema", d.Schema)
	l.field("Referral id", d.ReferralID)
	l.gap(4)
	l.paragraph("This dossier is the case as the organisation handled it. Identity and contact details "+
		"appear only as the complainant's consent allows; the redaction log at the end says what was "+
		"withheld or masked, and why. Times are UTC."+monthNote(d), small)
}

func monthNote(d *Dossier) string {
	if d.DatePrecision == PrecisionMonth {
		return " This referral is anonymous: every date is given to the month only."
	}
	return ""
}

func renderReferral(l *layout, d *Dossier) {
	r := d.Referral
	l.field("Source", string(r.Source))
	l.field("Requested by", r.RequestedBy)
	l.field("Reason", r.Reason)
	l.field("Legal basis", r.LegalBasis)
	l.field("Consent scope", string(r.ConsentScope))
}

func renderCase(l *layout, d *Dossier) {
	c := d.Case
	l.field("Reference", c.Reference)
	l.field("Kind", c.Kind)
	l.field("Status", c.Status)
	l.field("Priority", optStr(c.Priority))
	l.field("Language", c.Language)
	if c.FiledAnonymous != nil {
		l.field("Filed anonymously", yesNo(*c.FiledAnonymous))
	}
	l.field("Submitted", l.stamp(c.SubmittedAt))
	l.field("Acknowledged", l.optStamp(c.AcknowledgedAt))
	if c.IncidentAwareAt != nil {
		l.field("Incident awareness", l.optStamp(c.IncidentAwareAt))
	}
	if c.IncidentSubtype != nil {
		l.field("Incident subtype", optStr(c.IncidentSubtype))
	}
	l.field("Description", c.Description)
	l.field("Desired outcome", c.DesiredOutcome)
}

func renderAISystem(l *layout, d *Dossier) {
	s := d.AISystem
	if s == nil {
		l.paragraph("The AI system is not in the organisation's register.", body)
		l.field("Named by the complainant", optStr(d.Contested.SystemOther))
		return
	}
	l.field("Name", s.Name)
	l.field("Provider", s.Provider)
	l.field("Version", s.Version)
	l.field("Purpose", s.Purpose)
	l.field("Risk area", s.RiskArea)
	l.field("EU database id", s.EUDatabaseID)
	if d.Contested.SystemOther != nil {
		l.field("Named by the complainant", optStr(d.Contested.SystemOther))
	}
}

func renderContested(l *layout, d *Dossier) {
	c := d.Contested
	l.field("Decision reference", optStr(c.DecisionReference))
	l.field("Decision date", optStr(c.DecisionDate))
	l.field("Informed of AI", c.InformedOfAI)
	if c.SystemVersion == nil && c.Inputs == nil && c.Output == nil && c.SolelyAutomated == nil &&
		c.HumanOversight == nil && c.OversightDetail == nil && c.PersonInformed == nil {
		l.paragraph("No reviewer has recorded the AI decision.", body)
		return
	}
	l.subheading("As recorded by the reviewer")
	l.field("System version", optStr(c.SystemVersion))
	l.field("Inputs", bulletList(c.Inputs))
	l.field("Output", optStr(c.Output))
	l.field("Solely automated", optYesNo(c.SolelyAutomated))
	l.field("Human oversight", optStr(c.HumanOversight))
	l.field("Oversight detail", optStr(c.OversightDetail))
	l.field("Person informed", optStr(c.PersonInformed))
}

func renderClassification(l *layout, d *Dossier) {
	c := d.Classification
	l.field("Rights", commaList(c.Rights))
	l.field("Harm types", commaList(c.HarmTypes))
	l.field("Mechanisms", commaList(c.Mechanisms))
	l.field("Harm status", optStr(c.HarmStatus))
	l.field("Scale", severity(c.Scale))
	l.field("Why this scale", optStr(c.ScaleRationale))
	l.field("Scope", severity(c.Scope))
	l.field("Why this scope", optStr(c.ScopeRationale))
	l.field("Irremediability", severity(c.Irremediability))
	l.field("Why this irremediability", optStr(c.IrremediabilityRationale))
	l.field("Rationale", optStr(c.Rationale))
	l.field("Priority reasons", jsonText(c.PriorityReasons))
}

func renderDeadlines(l *layout, d *Dossier) {
	t := l.table(
		col{"Clock", 70, regular}, col{"Started", 95, regular}, col{"Due", 95, regular},
		col{"State", 95, regular}, col{"Rule", 0, regular})
	rows := make([][]string, len(d.Deadlines))
	for i, dl := range d.Deadlines {
		rows[i] = []string{string(dl.Clock), l.stamp(dl.StartedAt), l.optStamp(dl.DueAt), deadlineState(l, dl), ruleText(dl.Rule)}
	}
	t.rows(rows)
}

func renderChronology(l *layout, d *Dossier) {
	t := l.table(col{"Seq", 32, regular}, col{"Time", 100, regular}, col{"Actor", 75, regular},
		col{"Action", 0, regular})
	rows := make([][]string, len(d.Chronology))
	for i, e := range d.Chronology {
		rows[i] = []string{strconv.Itoa(e.Seq), l.stamp(e.At), e.Actor, e.Action}
	}
	t.rows(rows)
}

func renderHandling(l *layout, d *Dossier) {
	h := d.Handling
	l.subheading("Decisions")
	if len(h.Decisions) == 0 {
		l.paragraph("None", body)
	}
	for i, dec := range h.Decisions {
		l.subheading(fmt.Sprintf("Decision %d — stage: %s", i+1, orDash(dec.Stage)))
		l.field("Outcome", outcomeText(dec.Outcome))
		l.field("Status", dec.Status)
		l.field("Decided", l.stamp(dec.DecidedAt))
		l.field("Final", l.optStamp(dec.FinalAt))
		l.field("Rationale", dec.Rationale)
		if len(dec.Explanation) > 0 {
			l.field("Explanation", jsonText(dec.Explanation))
		}
		l.field("Signposting", dec.Signposting)
		l.field("Deployer involvement", dec.Deployer)
		l.field("Provider involvement", dec.Provider)
	}
	l.subheading("Appeal")
	if h.Appeal == nil {
		l.paragraph("None", body)
	} else {
		l.field("Appealed at", l.optStamp(h.Appeal.AppealedAt))
		l.field("State", optStr(h.Appeal.State))
	}
	l.subheading("Root cause and closure")
	l.field("Root cause", optStr(h.RootCause))
	l.field("Closed at", l.optStamp(h.ClosedAt))
	l.subheading("Messages with the complainant")
	t := l.table(col{"Time", 100, regular}, col{"Author", 75, regular}, col{"Message", 0, regular})
	rows := make([][]string, len(h.Messages))
	for i, m := range h.Messages {
		rows[i] = []string{l.stamp(m.At), m.Author, m.Body}
	}
	t.rows(rows)
}

func renderRemedies(l *layout, d *Dossier) {
	if len(d.Remedies) == 0 {
		l.paragraph("None", body)
	}
	for i, r := range d.Remedies {
		l.subheading(fmt.Sprintf("Remedy %d: %s", i+1, joinNonEmpty(" / ", string(r.Form), r.Subtype)))
		l.field("Form", string(r.Form))
		l.field("Subtype", r.Subtype)
		l.field("Description", r.Description)
		l.field("Responsible", r.Responsible)
		l.field("Amount", amount(r.Amount, r.Currency))
		l.field("Status", string(r.Status))
		l.field("Due", l.stamp(r.DueAt))
		l.field("Offered", l.optStamp(r.OfferedAt))
		l.field("Responded", l.optStamp(r.RespondedAt))
		l.field("Implemented", l.optStamp(r.ImplementedAt))
		l.field("Verified", l.optStamp(r.VerifiedAt))
		l.field("Reason", r.Reason)
		l.field("Systemic", yesNo(r.Systemic))
	}
}

func renderEvidence(l *layout, d *Dossier) {
	if len(d.Evidence) == 0 {
		l.paragraph("None", body)
	}
	for i, e := range d.Evidence {
		l.subheading(fmt.Sprintf("Evidence %d", i+1))
		l.field("Id", e.ID)
		l.fieldFace("SHA-256", e.SHA256, mono)
		l.field("Size", fmt.Sprintf("%d bytes", e.SizeBytes))
		l.field("Media type", e.MediaType)
		l.field("Source", string(e.Source))
		l.field("Added", l.stamp(e.AddedAt))
		l.field("Filename", withheld(e.Filename))
		l.field("Description", withheld(e.Description))
	}
}

func renderComplainant(l *layout, d *Dossier) {
	c := d.Complainant
	if c == nil {
		l.paragraph(fmt.Sprintf("Identity and contact details withheld (consent: %s)",
			orDash(string(d.Referral.ConsentScope))), body)
		return
	}
	l.field("Name", c.Name)
	l.field("Email", c.Email)
	l.field("Phone", c.Phone)
	l.field("Address", c.Address)
	l.field("Employee or customer number", c.CustomerNumber)
	l.field("Preferred channel", c.PreferredChannel)
	l.field("Representative", c.RepresentativeName)
	l.field("Representative organisation", c.RepresentativeOrg)
	l.field("Representative email", c.RepresentativeEmail)
	l.field("Representative mandate", c.RepresentativeMandate)
}

func renderRedactions(l *layout, d *Dossier) {
	t := l.table(col{"Field", 130, regular}, col{"Action", 65, regular}, col{"Reason", 0, regular},
		col{"Count", 45, regular})
	rows := make([][]string, len(d.Redactions))
	for i, r := range d.Redactions {
		count := ""
		if r.Count > 0 {
			count = strconv.Itoa(r.Count)
		}
		rows[i] = []string{r.Field, r.Action, r.Reason, count}
	}
	t.rows(rows)
}

func footerText(d *Dossier) string {
	return joinNonEmpty(" · ", "Referral dossier", "Case "+orDash(d.Case.Reference), d.Body.Name)
}

// ---- values as text ----

const dash = "—"

// outcomeText is a decision's outcome code and what it did to the AI's
// decision, so that no reader takes the code the wrong way round.
func outcomeText(code decision.Outcome) string {
	if m, ok := decision.OutcomeMeanings[decision.CurrentOutcome(code)]; ok {
		return string(code) + " (" + m + ")"
	}
	return orDash(string(code))
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return dash
	}
	return s
}

func optStr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (l *layout) stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if l.month {
		return t.UTC().Format("2006-01") // an anonymous referral's dates: to the month
	}
	return t.UTC().Format(time.RFC3339)
}

func (l *layout) optStamp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return l.stamp(*t)
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func optYesNo(b *bool) string {
	if b == nil {
		return ""
	}
	return yesNo(*b)
}

func severity(n *int) string {
	if n == nil {
		return ""
	}
	return fmt.Sprintf("%d of 4", *n)
}

func withheld(s *string) string {
	if s == nil {
		return "withheld"
	}
	return *s
}

func amount(a, cur *string) string {
	if a == nil {
		return ""
	}
	return joinNonEmpty(" ", *a, optStr(cur))
}

func commaList(xs []string) string {
	if len(xs) == 0 {
		return "None"
	}
	return strings.Join(xs, ", ")
}

func bulletList(xs []string) string {
	if len(xs) == 0 {
		return "None"
	}
	return "• " + strings.Join(xs, "\n• ")
}

func joinNonEmpty(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

func deadlineState(l *layout, d DeadlineFact) string {
	s := orDash(d.State)
	if d.Paused && d.State != "paused" {
		s += ", paused"
	}
	// When a time is the state's own (breached at, for a breached clock),
	// the time alone says it.
	for _, t := range []struct {
		what string
		at   *time.Time
	}{{"breached", d.BreachedAt}, {"satisfied", d.SatisfiedAt}} {
		switch {
		case t.at == nil:
		case t.what == d.State || (t.what == "satisfied" && d.State == "met"):
			s += "\n" + l.optStamp(t.at)
		default:
			s += "\n" + t.what + " " + l.optStamp(t.at)
		}
	}
	return s
}

// ruleText is the rule's source and period, or the rule as compact JSON
// when it has neither.
func ruleText(raw json.RawMessage) string {
	var r sla.Rule
	if json.Unmarshal(raw, &r) == nil && (r.Source != "" || r.Period != "") {
		return joinNonEmpty("\n", r.Source, r.Period)
	}
	return jsonText(raw)
}

// jsonText shows JSON compactly for a reader: an array one element a line,
// an object as "key: value" pairs, strings without quotes. Whatever does
// not parse is shown as it is.
func jsonText(raw json.RawMessage) string {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || string(trimmed) == "null" {
		return "None"
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil || dec.InputOffset() != int64(len(trimmed)) {
		return string(raw)
	}
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			return "None"
		}
		lines := make([]string, len(x))
		for i, e := range x {
			lines[i] = "• " + inlineJSON(e)
		}
		return strings.Join(lines, "\n")
	case map[string]any:
		keys := sortedKeys(x)
		lines := make([]string, len(keys))
		for i, k := range keys {
			lines[i] = k + ": " + inlineJSON(x[k])
		}
		return strings.Join(lines, "\n")
	}
	return inlineJSON(v)
}

func inlineJSON(v any) string {
	switch x := v.(type) {
	case nil:
		return dash
	case string:
		return x
	case map[string]any:
		keys := sortedKeys(x)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + ": " + inlineJSON(x[k])
		}
		return strings.Join(parts, ", ")
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = inlineJSON(e)
		}
		return "[" + strings.Join(parts, "; ") + "]"
	}
	return fmt.Sprint(v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ---- fonts ----

// face is one of the three fonts; each is embedded (subset) under its name.
type face int

const (
	regular face = iota
	bold
	mono
)

// faces are the fonts by face: the DejaVu fonts of internal/platform/pdftext
// cover Latin, Greek, Cyrillic, Arabic with its presentation forms, and
// Hebrew, so every language the forms are in (en, fr, es, ar) draws as
// written.
var faces = [...]*pdftext.Face{pdftext.Regular, pdftext.Bold, pdftext.Mono}

// sfntFonts are the faces parsed, for advance widths.
func sfntFonts() ([3]*sfnt.Font, error) {
	var fs [3]*sfnt.Font
	for i, f := range faces {
		sf, err := f.Sfnt()
		if err != nil {
			return fs, err
		}
		fs[i] = sf
	}
	return fs, nil
}

// style is a face at a size.
type style struct {
	face face
	size float64
}

var (
	titleStyle   = style{bold, 18}
	headingStyle = style{bold, 13}
	subStyle     = style{bold, 10}
	labelStyle   = style{bold, 9}
	body         = style{regular, 9}
	small        = style{regular, 8}
	cellStyle    = style{regular, 8}
	headStyle    = style{bold, 8}
	footerStyle  = style{regular, 7.5}
)

func (s style) lineHeight() float64 { return s.size * 1.35 }

// ---- layout ----

// A4 in points, and the margins. Content stops at bottom; the footer sits
// below it.
const (
	pageW   = 595.28
	pageH   = 841.89
	marginX = 50.0
	top     = 50.0
	bottom  = pageH - 62
	footerY = pageH - 42
	contW   = pageW - 2*marginX
	labelW  = 135.0
	cellPad = 3.0
)

// layout is a cursor down the page over gopdf: it wraps text, breaks pages
// and keeps the first error, so the section renderers read as a list of
// what the dossier says.
type layout struct {
	pdf    *gopdf.GoPdf
	fonts  [3]*sfnt.Font
	buf    sfnt.Buffer
	widths map[glyphKey]float64 // advance per em
	month  bool                 // dates to the month (an anonymous referral)
	y      float64
	err    error
}

type glyphKey struct {
	face face
	r    rune
}

func newLayout(uncompressed bool) (*layout, error) {
	fonts, err := sfntFonts()
	if err != nil {
		return nil, err
	}
	l := &layout{pdf: &gopdf.GoPdf{}, fonts: fonts, widths: map[glyphKey]float64{}}
	l.pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	if uncompressed {
		l.pdf.SetNoCompression()
	}
	if err := pdftext.AddFaces(l.pdf, faces[:]...); err != nil {
		return nil, err
	}
	return l, nil
}

func (l *layout) fail(err error) {
	if err != nil && l.err == nil {
		l.err = err
	}
}

func (l *layout) newPage() {
	l.pdf.AddPage()
	l.y = top
}

// ensure starts a new page unless h more points fit above the bottom margin.
func (l *layout) ensure(h float64) {
	if l.y+h > bottom {
		l.newPage()
	}
}

func (l *layout) gap(h float64) { l.y += h }

// text draws one line (already cleaned and wrapped) with its top at (x, y).
func (l *layout) text(s style, x, y float64, line string) {
	if line == "" {
		return
	}
	l.fail(pdftext.Use(l.pdf, faces[s.face], s.size, line))
	l.pdf.SetTextColor(0, 0, 0)
	l.pdf.SetXY(x, y)
	l.fail(l.pdf.Cell(nil, visual(line)))
}

func (l *layout) rule(y float64, gray float64, width float64) {
	l.pdf.SetLineWidth(width)
	l.pdf.SetGrayStroke(gray)
	l.pdf.Line(marginX, y, marginX+contW, y)
}

func (l *layout) title(text string) {
	l.text(titleStyle, marginX, l.y, clean(text))
	l.y += titleStyle.lineHeight() + 4
}

// heading starts a section; it moves to a new page rather than stand alone
// at the foot of one.
func (l *layout) heading(text string) {
	l.ensure(headingStyle.lineHeight() + 12 + 3*body.lineHeight())
	if l.y > top {
		l.y += 10
	}
	l.text(headingStyle, marginX, l.y, clean(text))
	l.y += headingStyle.lineHeight() + 1
	l.rule(l.y, 0.3, 0.8)
	l.y += 5
}

func (l *layout) subheading(text string) {
	l.ensure(subStyle.lineHeight() + 4 + 2*body.lineHeight())
	l.y += 4
	for _, line := range l.wrap(subStyle, text, contW) {
		l.text(subStyle, marginX, l.y, line)
		l.y += subStyle.lineHeight()
	}
	l.y += 1
}

// paragraph draws text across the full width, wrapped.
func (l *layout) paragraph(text string, s style) {
	for _, line := range l.wrap(s, text, contW) {
		l.ensure(s.lineHeight())
		l.text(s, marginX, l.y, line)
		l.y += s.lineHeight()
	}
	l.y += 3
}

// field is a label and its value side by side; an empty value shows a dash.
func (l *layout) field(label, value string) { l.fieldFace(label, value, regular) }

func (l *layout) fieldFace(label, value string, f face) {
	cols := []col{{"", labelW, bold}, {"", contW - labelW, f}}
	styles := []style{labelStyle, {f, body.size}}
	l.row(cols, styles, []string{label, orDash(value)}, 0.5, nil)
}

// col is a table column; width 0 takes what the others leave.
type col struct {
	title string
	width float64
	face  face
}

// row draws cells side by side, each wrapped to its column. A row that
// does not fit the page continues on the next, where onNewPage (the table
// header, say) is drawn first.
func (l *layout) row(cols []col, styles []style, cells []string, pad float64, onNewPage func()) {
	lines := make([][]string, len(cols))
	n := 1
	for i, c := range cols {
		lines[i] = l.wrap(styles[i], cells[i], c.width-2*cellPad)
		n = max(n, len(lines[i]))
	}
	lh := 0.0
	for _, s := range styles {
		lh = max(lh, s.lineHeight())
	}
	fresh := false // just broke the page: draw whatever fits, at least a line
	for done := 0; done < n; {
		fit := int((bottom - l.y - 2*pad) / lh)
		if !fresh && (fit < 1 || (done == 0 && fit < min(n, 3))) {
			l.newPage()
			if onNewPage != nil {
				onNewPage()
			}
			fresh = true
			continue
		}
		fresh = false
		k := min(max(fit, 1), n-done)
		x := marginX
		for i, c := range cols {
			for j := done; j < done+k && j < len(lines[i]); j++ {
				l.text(styles[i], x+cellPad, l.y+pad+float64(j-done)*lh, lines[i][j])
			}
			x += c.width
		}
		l.y += float64(k)*lh + 2*pad
		done += k
	}
}

// table is a header row and rows below it, the header repeated on each
// page the table continues on.
type table struct {
	l    *layout
	cols []col
}

func (l *layout) table(cols ...col) *table {
	used := 0.0
	for _, c := range cols {
		used += c.width
	}
	for i := range cols {
		if cols[i].width == 0 {
			cols[i].width = contW - used
		}
	}
	return &table{l: l, cols: cols}
}

func (t *table) header() {
	l := t.l
	h := headStyle.lineHeight() + 2*cellPad
	l.pdf.SetFillColor(232, 232, 232)
	l.pdf.RectFromUpperLeftWithStyle(marginX, l.y, contW, h, "F")
	x := marginX
	for _, c := range t.cols {
		l.text(headStyle, x+cellPad, l.y+cellPad, clean(c.title))
		x += c.width
	}
	l.y += h
}

func (t *table) rows(rows [][]string) {
	l := t.l
	l.ensure(headStyle.lineHeight() + 2*cellPad + 2*cellStyle.lineHeight())
	t.header()
	if len(rows) == 0 {
		t.l.row([]col{{"", contW, regular}}, []style{cellStyle}, []string{"None"}, cellPad, t.header)
		l.rule(l.y, 0.75, 0.4)
		l.y += 6
		return
	}
	styles := make([]style, len(t.cols))
	for i, c := range t.cols {
		styles[i] = style{c.face, cellStyle.size}
	}
	for _, r := range rows {
		l.row(t.cols, styles, r, cellPad, t.header)
		l.rule(l.y, 0.75, 0.4)
	}
	l.y += 6
}

// footers draws, on every page, the footer text and "Page N of M"; it runs
// last, when M is known.
func (l *layout) footers(text string) {
	total := l.pdf.GetNumberOfPages()
	for p := 1; p <= total; p++ {
		l.fail(l.pdf.SetPage(p))
		l.rule(footerY-4, 0.6, 0.4)
		page := fmt.Sprintf("Page %d of %d", p, total)
		pw := l.width(footerStyle, page)
		left, _ := l.cut(footerStyle, clean(text), contW-pw-12)
		l.text(footerStyle, marginX, footerY, left)
		l.text(footerStyle, marginX+contW-pw, footerY, page)
	}
}

// ---- text ----

// clean makes text safe to draw in every face (pdftext.Clean): Arabic
// shaped, control characters gone, what no font draws a '?'. The fonts
// cover Latin, Greek, Cyrillic, Arabic and Hebrew; CJK and the like come
// out as '?' — the JSON dossier carries the text itself.
func clean(s string) string { return pdftext.Clean(s, faces[:]...) }

// wrap cleans text and breaks it into lines no wider than w: at newlines,
// between words, and inside a word too long for a line.
func (l *layout) wrap(s style, text string, w float64) []string {
	var lines []string
	for _, para := range strings.Split(clean(text), "\n") {
		lines = append(lines, l.wrapParagraph(s, para, w)...)
	}
	return lines
}

func (l *layout) wrapParagraph(s style, para string, w float64) []string {
	var lines []string
	line, lineW := "", 0.0
	wrapped := false // the line began at a break, so drop the space before its first word
	for i, word := range strings.Split(para, " ") {
		piece := word
		if i > 0 && !(wrapped && line == "") {
			piece = " " + word
		}
		pw := l.width(s, piece)
		if lineW+pw <= w {
			line, lineW = line+piece, lineW+pw
			continue
		}
		if line != "" {
			lines = append(lines, line)
			wrapped = true
		}
		for {
			head, rest := l.cut(s, word, w)
			if rest == "" {
				line, lineW = head, l.width(s, head)
				break
			}
			lines = append(lines, head)
			wrapped = true
			word = rest
		}
	}
	return append(lines, line)
}

// cut splits s after as many runes as fit in w (at least one).
func (l *layout) cut(s style, text string, w float64) (head, rest string) {
	used := 0.0
	for i, r := range text {
		used += l.runeWidth(s, r)
		if used > w && i > 0 {
			return text[:i], text[i:]
		}
	}
	return text, ""
}

func (l *layout) width(s style, text string) float64 {
	w := 0.0
	for _, r := range text {
		w += l.runeWidth(s, r)
	}
	return w
}

// runeWidth is the advance of r in points; it errs wide by a hair so that
// gopdf's own rounding never pushes a line past its column.
func (l *layout) runeWidth(s style, r rune) float64 {
	k := glyphKey{s.face, r}
	perEm, ok := l.widths[k]
	if !ok {
		f := l.fonts[s.face]
		upem := f.UnitsPerEm()
		perEm = 0.6 // unknown glyphs: about a mono cell
		if gi, err := f.GlyphIndex(&l.buf, r); err == nil && gi != 0 {
			if adv, err := f.GlyphAdvance(&l.buf, gi, fixed.I(int(upem)), font.HintingNone); err == nil {
				perEm = float64(adv) / 64 / float64(upem)
			}
		}
		l.widths[k] = perEm
	}
	return perEm*s.size + 0.01
}
