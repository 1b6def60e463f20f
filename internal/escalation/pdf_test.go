package escalation

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"golang.org/x/text/unicode/norm"

	"github.com/redresshq/redress/internal/platform/pdftext"
	"github.com/redresshq/redress/internal/testenv/pdfread"
)

func init() {
	// pdfcpu would otherwise write a config file under the user's config dir.
	model.ConfigPath = "disable"
}

const testSHA = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func ptr[T any](v T) *T { return &v }

func at(day, minute int) time.Time {
	return time.Date(2025, 3, day, 9, minute, 0, 0, time.UTC)
}

// fullDossier has every section filled, long and multi-line text, a
// 5,000-character word, Arabic and Chinese, and enough chronology to
// run over several pages.
func fullDossier() *Dossier {
	longWord := strings.Repeat("x", 5000)
	description := "I applied for the warehouse job on 3 March and was rejected within a minute.\n\n" +
		"The rejection email said an automated assessment found my availability \"insufficient\". " +
		strings.Repeat("I had said I could work any shift, weekends included, and nobody looked at it. ", 12) +
		"\nTabs\tand\r\ncontrol\x07characters end here.\n" + longWord + "\n" +
		"بالعربية: تم رفض طلبي دون مراجعة بشرية\n中文：我的申请被自动拒绝了"
	chron := make([]ChronologyEntry, 80)
	for i := range chron {
		chron[i] = ChronologyEntry{Seq: i + 1, At: at(1+i/40, i%40), Actor: []string{"complainant", "reviewer", "system"}[i%3],
			Action: fmt.Sprintf("case.step_%d recorded with a note long enough to wrap across the action column of the table, number %d", i, i)}
	}
	return &Dossier{
		Schema:       Schema,
		ReferralID:   "5b0f3c1e-8f6a-4c59-9a53-1d2f0e7a6b10",
		GeneratedAt:  time.Date(2025, 4, 2, 14, 30, 0, 0, time.UTC),
		Organisation: "Acme Logistics Ltd",
		OrganisationDetails: &OrganisationFacts{LegalName: "Acme Logistics Ltd", Address: "1 Dock Road, Dublin",
			Jurisdiction: "IE", Contact: "complaints@acme.example"},
		Body: DossierBody{ID: "b-1", Name: "Data Protection Commission", Type: "dpa", Jurisdiction: "IE"},
		Referral: ReferralFact{Source: "complainant", RequestedBy: "complainant",
			Reason:     "The organisation upheld the automated decision without looking at my answers.\nI want an independent view.",
			LegalBasis: "GDPR art. 77", ConsentScope: "identity_shared"},
		Case: CaseFacts{Reference: "RD-2025-0042", Kind: "complaint", Status: "escalated", Priority: ptr("P1"),
			Language: "en", SubmittedAt: at(1, 0), AcknowledgedAt: ptr(at(2, 0)),
			Description: description, DesiredOutcome: "A human review of my application.",
			IncidentAwareAt: ptr(at(3, 0)), IncidentSubtype: ptr("fundamental_rights")},
		AISystem: &SystemFacts{Name: "HireScreen", Provider: "ScreenCo", Version: "4.2", Purpose: "CV screening",
			RiskArea: "employment", EUDatabaseID: "EU-DB-000123"},
		Contested: ContestedDecision{DecisionReference: ptr("APP-777"), DecisionDate: ptr("2025-03-01"), InformedOfAI: "yes",
			SystemVersion: ptr("4.2.1"), Inputs: []string{"CV", "availability form"}, Output: ptr("reject"),
			SolelyAutomated: ptr(true), HumanOversight: ptr("none"), OversightDetail: ptr("No one saw it."),
			PersonInformed: ptr("after")},
		Classification: ClassificationFact{Rights: []string{"non_discrimination", "work"}, HarmTypes: []string{"economic"},
			Mechanisms: []string{"automated_rejection"}, HarmStatus: ptr("materialised"), Scale: ptr(3), Scope: ptr(2),
			Irremediability: ptr(1), Rationale: ptr("Lost a job offer."),
			ScaleRationale:  ptr("One applicant, one offer."),
			PriorityReasons: json.RawMessage(`[{"factor":"scale","priority":"P1"},{"factor":"rights","priority":"P2"}]`)},
		Chronology: chron,
		Deadlines: []DeadlineFact{
			{Clock: "acknowledge", StartedAt: at(1, 0), DueAt: ptr(at(8, 0)), SatisfiedAt: ptr(at(2, 0)), State: "met",
				Rule: json.RawMessage(`{"code":"eu_whistleblowing_ack","source":"EU Whistleblowing Directive 2019/1937 art. 9(1)(b)","period":"7 days"}`)},
			{Clock: "gdpr_reply", StartedAt: at(1, 0), DueAt: ptr(at(31, 0)), BreachedAt: ptr(at(31, 1)), State: "breached",
				Rule: json.RawMessage(`{"code":"gdpr_12_3","source":"GDPR art. 12(3)","period":"1 month"}`)},
			{Clock: "feedback", StartedAt: at(2, 0), Paused: true, State: "paused", Rule: json.RawMessage(`{"code":"x"}`)},
		},
		Handling: HandlingFacts{
			Decisions: []DecisionFact{{Stage: "first", Outcome: "decision_confirmed", Status: "final",
				Rationale:   "The assessment followed the published criteria.\nAvailability was scored as recorded.",
				Explanation: json.RawMessage(`{"ai_role":"screening","main_factors":["availability","distance"]}`),
				Signposting: "You may refer the case to the Data Protection Commission.", Deployer: "reviewed", Provider: "not asked",
				DecidedAt: at(10, 0), FinalAt: ptr(at(11, 0))}},
			Appeal:    &AppealFact{AppealedAt: ptr(at(12, 0)), State: ptr("dismissed")},
			RootCause: ptr("Availability field mapped to the wrong question."),
			ClosedAt:  ptr(at(20, 0)),
			Messages: []MessageFact{
				{At: at(5, 0), Author: "staff", Body: "Could you send the rejection email?"},
				{At: at(6, 0), Author: "complainant", Body: "Attached.\nAlso: " + strings.Repeat("long reply ", 300)},
			},
		},
		Remedies: []RemedyFact{{Form: "restitution", Subtype: "reconsideration", Description: "Re-assess the application by hand.",
			Responsible: "HR", Amount: ptr("250.00"), Currency: ptr("EUR"), Status: "implemented", DueAt: at(25, 0),
			OfferedAt: ptr(at(13, 0)), RespondedAt: ptr(at(14, 0)), ImplementedAt: ptr(at(15, 0)), VerifiedAt: ptr(at(16, 0)),
			Reason: "Accepted by the complainant.", Systemic: true}},
		Evidence: []EvidenceFact{{ID: "e-1", SHA256: testSHA, SizeBytes: 48213, MediaType: "application/pdf", Source: "complainant",
			AddedAt: at(6, 0), Filename: ptr("rejection.pdf"), Description: ptr("The rejection email")}},
		Complainant: &ComplainantFacts{Name: "Jane Doe", Email: "jane@example.org", Phone: "+353 1 234 5678",
			Address: "12 Quay Street, Galway", PreferredChannel: "email", RepresentativeName: "Sam Union",
			RepresentativeOrg: "Warehouse Workers Union", RepresentativeEmail: "sam@union.example", RepresentativeMandate: "written"},
		Redactions: []Redaction{{Field: "case.description", Action: "masked", Reason: "third party named", Count: 2},
			{Field: "evidence.e-2", Action: "withheld", Reason: "not consented"}},
	}
}

// emptyDossier has nothing optional: no complainant, no AI system in the
// register, every list empty.
func emptyDossier() *Dossier {
	return &Dossier{
		Schema: Schema, ReferralID: "r-2", GeneratedAt: time.Date(2025, 4, 2, 0, 0, 0, 0, time.UTC),
		Body:      DossierBody{Name: "Ombudsman"},
		Referral:  ReferralFact{Source: "staff", RequestedBy: "supervisor", ConsentScope: "anonymous"},
		Case:      CaseFacts{Reference: "RD-2025-0001", Kind: "complaint", Status: "escalated", FiledAnonymous: ptr(true)},
		Contested: ContestedDecision{SystemOther: ptr("A chatbot"), InformedOfAI: "unknown"},
		Evidence:  []EvidenceFact{{ID: "e-9", SHA256: testSHA, Source: "complainant"}},
	}
}

func render(t testing.TB, d *Dossier) []byte {
	t.Helper()
	out, err := RenderPDF(d)
	if err != nil {
		t.Fatalf("RenderPDF: %v", err)
	}
	return out
}

func checkEnvelope(t *testing.T, out []byte) {
	t.Helper()
	if !bytes.HasPrefix(out, []byte("%PDF-")) {
		t.Fatalf("output starts %q, want %%PDF-", out[:min(len(out), 16)])
	}
	if !bytes.HasSuffix(bytes.TrimRight(out, " \r\n\t"), []byte("%%EOF")) {
		t.Fatalf("output ends %q, want %%%%EOF", out[max(0, len(out)-16):])
	}
}

// textRun is one TJ of a page: where it starts and what it says.
type textRun struct {
	x, y float64
	font string // the font's resource name, F1…
	face face   // which of the dossier's fonts that is
	size float64
	text string
}

// pdfText validates the PDF and reads back its text, page by page
// (pdfread.Pages), each run with which of the dossier's fonts drew it.
func pdfText(t *testing.T, out []byte) [][]textRun {
	t.Helper()
	read := pdfread.Pages(t, out)
	pages := make([][]textRun, len(read))
	for p, runs := range read {
		for _, r := range runs {
			i := slices.IndexFunc(faces[:], func(f *pdftext.Face) bool { return f.Name == r.BaseFont })
			if i < 0 {
				t.Fatalf("page %d: font %s is %q, not one of the dossier's fonts", p+1, r.Font, r.BaseFont)
			}
			pages[p] = append(pages[p], textRun{x: r.X, y: r.Y, font: r.Font, face: face(i), size: r.Size, text: r.Text})
		}
	}
	return pages
}

func utf16Hex(s string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, "%04X", r)
	}
	return b.String()
}

// joined is every run of the document, one per line, in drawing order.
func joined(pages [][]textRun) string {
	var b strings.Builder
	for _, runs := range pages {
		for _, r := range runs {
			b.WriteString(r.text)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func TestRenderPDFFull(t *testing.T) {
	d := fullDossier()
	d.Organisation = "شركة Acme"
	out := render(t, d)
	checkEnvelope(t, out)
	pages := pdfText(t, out)
	// The metadata is not drawn, so it keeps the Arabic. gopdf writes the
	// Info dictionary inline in the trailer, where pdfcpu does not read it:
	// look for its UTF-16 in the bytes.
	for _, want := range []string{"/Title <FEFF" + utf16Hex("Referral dossier RD-2025-0042") + ">",
		"/Author <FEFF" + utf16Hex("شركة Acme") + ">"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("metadata lacks %s", want)
		}
	}
	if len(pages) < 2 {
		t.Fatalf("%d pages, want more than one", len(pages))
	}
	text := joined(pages)

	for _, want := range []string{
		"Referral dossier", d.Case.Reference, d.Body.Name, "2025-04-02T14:30:00Z", Schema, d.ReferralID,
		"1. Referral", "2. Case", "3. AI system", "4. Contested decision", "5. Classification and severity",
		"6. Deadlines", "7. Chronology", "8. Internal handling", "9. Remedies", "10. Evidence",
		"11. Complainant", "12. Redaction log",
		testSHA, // the whole hash, on one line of the monospace font
		"GDPR art. 77", "HireScreen", "1 Dock Road, Dublin", "complaints@acme.example", "EU-DB-000123", "3 of 4",
		"factor: scale, priority: P1",                               // priority reasons, compact
		"EU Whistleblowing Directive", "GDPR art. 12(3)", "1 month", // rule sources and periods
		"case.step_79 recorded", "Could you send the rejection email?", // last chronology entry, a message
		"250.00 EUR", "rejection.pdf", "Jane Doe", "12 Quay Street, Galway", "One applicant, one offer.", "sam@union.example", "third party named",
		"Tabs    and", "controlcharacters end here.", // tab to spaces, CR and BEL dropped
		"I want an independent view.",           // the second line of a multi-line reason
		"decision_confirmed (the AI's decision", // an outcome says what it did to the AI's decision
	} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	if strings.Contains(text, "\a") || strings.Contains(text, "\r") {
		t.Error("control characters reached the PDF")
	}
	// Arabic is drawn, shaped and in visual order: read back, it gives the
	// words. Chinese has no glyphs in the fonts: '?' in its place.
	if got := logicalText(pages); !strings.Contains(got, "بالعربية: تم رفض طلبي دون مراجعة بشرية") {
		t.Errorf("the Arabic line is not in the PDF:\n%s", got)
	}
	if strings.Contains(text, "?????: ") || !strings.Contains(text, "??????????") {
		t.Errorf("glyphs missing from the fonts are not '?', or Arabic is:\n%s", grep(text, "?"))
	}
	// The 5,000-character word is broken over lines, none of it lost.
	if n := strings.Count(text, "x"); n < 5000 {
		t.Errorf("%d x's in the text, want the 5,000 of the long word", n)
	}
	// Sections in order.
	last := -1
	for i := 1; i <= len(sections); i++ {
		h := fmt.Sprintf("\n%d. %s\n", i, sections[i-1].title)
		at := strings.Index(text, h)
		if at <= last {
			t.Errorf("heading %q at %d, after the previous one at %d", h, at, last)
		}
		last = at
	}
	checkPages(t, pages, d.Case.Reference)
	checkMargins(t, pages)
}

// checkPages: every page has the footer with the reference and "Page N of M".
func checkPages(t *testing.T, pages [][]textRun, ref string) {
	t.Helper()
	for i, runs := range pages {
		var page string
		for _, r := range runs {
			page += r.text + "\n"
		}
		if want := fmt.Sprintf("Page %d of %d", i+1, len(pages)); !strings.Contains(page, want) {
			t.Errorf("page %d lacks %q", i+1, want)
		}
		if !strings.Contains(page, "Case "+ref) {
			t.Errorf("page %d lacks the case reference in its footer", i+1)
		}
	}
}

// checkMargins: no run starts left of the margin or ends right of it, nor
// sits outside the page vertically — long text was wrapped.
func checkMargins(t *testing.T, pages [][]textRun) {
	t.Helper()
	l, err := newLayout(false)
	if err != nil {
		t.Fatal(err)
	}
	for p, runs := range pages {
		for _, r := range runs {
			w := l.width(style{r.face, r.size}, r.text)
			if r.x < marginX-0.5 || r.x+w > pageW-marginX+1 || r.y < 20 || r.y > pageH-20 {
				t.Errorf("page %d: %q at (%.1f, %.1f) width %.1f runs outside the margins", p+1, r.text, r.x, r.y, w)
			}
		}
	}
}

func grep(text, sub string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

func TestRenderPDFEmpty(t *testing.T) {
	d := emptyDossier()
	out := render(t, d)
	checkEnvelope(t, out)
	pages := pdfText(t, out)
	text := joined(pages)
	for _, want := range []string{
		"Identity and contact details withheld (consent: anonymous)",
		"The AI system is not in the organisation's register.", "A chatbot",
		"No reviewer has recorded the AI decision.",
		"\nFilename\nwithheld\n", "\nDescription\nwithheld\n", // the evidence file's name and description
		testSHA,
	} {
		if !strings.Contains(text, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	// Deadlines, chronology, decisions, appeal, messages, remedies,
	// redactions: each says None.
	if n := strings.Count(text, "\nNone\n"); n < 7 {
		t.Errorf("%d lines say None, want at least 7:\n%s", n, text)
	}
	checkPages(t, pages, d.Case.Reference)
}

func TestRenderPDFDeterministic(t *testing.T) {
	a, b := render(t, fullDossier()), render(t, fullDossier())
	if !bytes.Equal(a, b) {
		t.Error("two renders of one dossier differ")
	}
	if !bytes.Contains(a, []byte("/CreationDate(D:20250402143000")) {
		t.Error("creation date is not the dossier's generated_at")
	}
}

func TestRenderPDFConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			if _, err := RenderPDF(fullDossier()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}

func TestRenderPDFNil(t *testing.T) {
	if _, err := RenderPDF(nil); err == nil {
		t.Error("RenderPDF(nil) did not fail")
	}
}

func FuzzRenderPDF(f *testing.F) {
	f.Add("plain", "reason", "body")
	f.Add("بالعربية\n中文", "\x00\x01\t\r\n", strings.Repeat("w", 3000))
	f.Add("\xff\xfe invalid utf-8", "\u202e override \u200b", "")
	f.Fuzz(func(t *testing.T, description, reason, message string) {
		d := emptyDossier()
		d.Case.Description = description
		d.Referral.Reason = reason
		d.Organisation = reason // into the metadata too
		d.Handling.Messages = []MessageFact{{At: at(1, 0), Author: "complainant", Body: message}}
		out, err := RenderPDF(d)
		if err != nil {
			t.Fatalf("RenderPDF: %v", err)
		}
		if !bytes.HasPrefix(out, []byte("%PDF-")) {
			t.Fatalf("output starts %q", out[:min(len(out), 16)])
		}
	})
}

func BenchmarkRenderPDF(b *testing.B) {
	d := fullDossier()
	var out []byte
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if out, err = RenderPDF(d); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(out)), "pdf-bytes")
}

func TestJSONText(t *testing.T) {
	for raw, want := range map[string]string{
		``:                                     "None",
		`null`:                                 "None",
		`[]`:                                   "None",
		`[{"factor":"scale","priority":"P1"}]`: "• factor: scale, priority: P1",
		`{"b":2,"a":"x"}`:                      "a: x\nb: 2",
		`[1] trailing`:                         "[1] trailing",
		`{not json`:                            "{not json",
	} {
		if got := jsonText(json.RawMessage(raw)); got != want {
			t.Errorf("jsonText(%s) = %q, want %q", raw, got, want)
		}
	}
	if got := ruleText(json.RawMessage(`{"code":"c","source":"GDPR art. 12(3)","period":"1 month"}`)); got != "GDPR art. 12(3)\n1 month" {
		t.Errorf("ruleText = %q", got)
	}
}

// logicalText is every run read back in logical order: a run with
// right-to-left letters is reversed, its brackets turned back (the PDF
// draws it in visual order),
// and NFKC turns Arabic presentation forms back into letters.
func logicalText(pages [][]textRun) string {
	var b strings.Builder
	for _, runs := range pages {
		for _, r := range runs {
			b.WriteString(logicalLine(r.text))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func logicalLine(s string) string {
	rtlLine := false
	for _, r := range s {
		if c := classOf(r); c != neutral {
			rtlLine = c == rtl
			break
		}
	}
	if !rtlLine {
		return norm.NFKC.String(s)
	}
	rs := []rune(s)
	slices.Reverse(rs)
	for i, r := range rs {
		if m, ok := mirrored[r]; ok {
			rs[i] = m
		}
	}
	return norm.NFKC.String(string(rs))
}

// TestShapeArabic: letters join as they should, lam-alef is one glyph, and
// the drawn order read backwards and normalised is the text itself.
func TestShapeArabic(t *testing.T) {
	for _, tc := range []struct{ in, shaped string }{
		{"بشرية", "\uFE91\uFEB8\uFEAE\uFEF3\uFE94"},
		{"لا", "\uFEFB"},
		{"السلام", "\uFE8D\uFEDF\uFEB4\uFEFC\uFEE1"},
		{"abc", "abc"},
	} {
		if got := shapeArabic(tc.in); got != tc.shaped {
			t.Errorf("shapeArabic(%q) = %q, want %q", tc.in, got, tc.shaped)
		}
	}
	for _, line := range []string{"تم رفض طلبي (مرتين) دون مراجعة", "تم رفض طلبي"} {
		if got := logicalLine(visual(shapeArabic(line))); got != line {
			t.Errorf("read back %q, want %q", got, line)
		}
	}
	// Latin in an Arabic line keeps its own order; Arabic in a Latin line
	// turns round.
	if got := visual("رقم ABC-12"); got != "ABC-12 مقر" {
		t.Errorf("visual = %q", got)
	}
	if got := visual("Name: سلام here"); got != "Name: مالس here" {
		t.Errorf("visual = %q", got)
	}
}

// TestRenderPDFGlyphsAreWhole: an Arabic word in an otherwise English
// dossier keeps its dots. gopdf embeds the components of the glyphs drawn
// but not theirs, and DejaVu nests many Arabic letters' dots two deep:
// every glyph of every embedded font must have all its parts.
func TestRenderPDFGlyphsAreWhole(t *testing.T) {
	d := emptyDossier()
	d.Case.Description = "رفض النظام طلبي دون سبب"
	pdfread.CheckGlyphsWhole(t, render(t, d))
}
