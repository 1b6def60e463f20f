package casecopy

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/platform/pdftext"
	"github.com/redresshq/redress/internal/remedy"
	"github.com/redresshq/redress/internal/testenv/pdfread"
)

func init() {
	// pdfcpu would otherwise write a config file under the user's config dir.
	model.ConfigPath = "disable"
}

// words are the site's catalogues in lang; a message they lack fails t.
func words(t *testing.T, lang string) Words {
	t.Helper()
	cat, err := kit.LoadCatalogues(os.DirFS("../../frontend"))
	if err != nil {
		t.Fatal(err)
	}
	return cat.Translator(lang, func(id string) { t.Errorf("%s lacks message %q", lang, id) })
}

func at(day, hour int) time.Time { return time.Date(2026, 11, day, hour, 30, 0, 0, time.UTC) }

// aCopy is a case with a bit of everything, in lang.
func aCopy(lang, description string) *Copy {
	sat := 4
	outcome := "The body found the refusal unlawful."
	v := &grievance.ComplainantView{Reference: "RD-123-456-789", Kind: "contest_decision", Status: "decided",
		Stage: grievance.Stage{Code: "decided"}, SubmittedAt: at(2, 9), AISystem: "LoanScore",
		Timeline: []grievance.TimelineItem{{At: at(2, 9), Action: "case.submitted", Actor: "you"},
			{At: at(3, 10), Action: "message.sent", Actor: "organisation"}},
		Messages: []grievance.Message{{ID: uuid.New(), AuthorKind: audit.ActorComplainant, Body: "My first message", CreatedAt: at(2, 11)},
			{ID: uuid.New(), AuthorKind: audit.ActorStaff, Body: "Our answer to you", CreatedAt: at(3, 10)}},
		Decision: &decision.View{Outcome: "decision_overturned", Rationale: "The score used an outdated record.", CreatedAt: at(5, 12)},
		Evidence: []evidence.ComplainantEvidence{{ID: uuid.New(), SHA256: strings.Repeat("ab", 32), SizeBytes: 1234,
			MediaType: "application/pdf", Filename: "letter.pdf", CreatedAt: at(2, 12)}},
		Filing: grievance.Filing{Language: lang, Description: description, DesiredOutcome: "A human review",
			InformedOfAI: "no", Contact: &grievance.Contact{Name: "Amina Diallo", Email: "amina@example.org", PreferredChannel: "email"}},
	}
	v.Remedies = []remedy.ComponentView{{ID: uuid.New(), Form: "restitution", Description: "We restore your application",
		DueAt: at(20, 12), Status: "accepted", Comment: "Thank you"}}
	v.Feedback = grievance.FeedbackView{Asked: true, Given: true, Satisfaction: &sat, Comment: "Quick"}
	return &Copy{Format: Format, GeneratedAt: at(6, 8), Language: lang, TimeZone: "UTC", Case: &Case{ComplainantView: v,
		Referrals: []escalation.ComplainantReferral{{ID: uuid.New(), Body: escalation.BodyRef{Name: "Data Protection Authority"},
			Status: "closed", Outcome: &outcome, CreatedAt: at(4, 9)}},
		Access: []access.ComplainantLook{{Role: auth.RoleReviewer, What: "content", Day: access.Day{Time: at(3, 0)}}}}}
}

func render(t *testing.T, c *Copy) []byte {
	t.Helper()
	out, err := RenderPDF(c, words(t, c.Language), time.UTC)
	if err != nil {
		t.Fatalf("RenderPDF: %v", err)
	}
	if !bytes.HasPrefix(out, []byte("%PDF-")) {
		t.Fatalf("output starts %q", out[:min(16, len(out))])
	}
	return out
}

// TestPDFArabicHeadingsShaped: an Arabic case's copy draws its headings
// in Arabic, shaped (presentation forms, lam-alef) and in visual order,
// from the right margin; read back, they are the catalogue's words.
func TestPDFArabicHeadingsShaped(t *testing.T) {
	c := aCopy("ar", "رفض النظام طلبي دون سبب")
	runs := pdfText(t, render(t, c))
	w := words(t, "ar")
	drawn := map[string]textRun{}
	for _, r := range runs {
		drawn[r.text] = r
	}
	for _, id := range []string{"copy.title", "copy.filing_title", "copy.contact_title", "followup.messages_title",
		"followup.decision_title", "followup.remedies_title", "followup.referrals_title", "followup.evidence_title"} {
		heading := w.T(id)
		want := pdftext.Visual(pdftext.Shape(heading))
		r, ok := drawn[want]
		if !ok {
			t.Errorf("%s %q is not drawn shaped in visual order (%q)", id, heading, want)
			continue
		}
		if !strings.ContainsFunc(r.text, func(x rune) bool { return x >= 0xFE70 && x <= 0xFEFF }) {
			t.Errorf("%s %q is drawn without presentation forms: %q", id, heading, r.text)
		}
		if got := pdftext.Logical(r.text); got != heading {
			t.Errorf("%s reads back %q, want %q", id, got, heading)
		}
		if r.x < marginX+20 {
			t.Errorf("%s starts at x=%.1f: not laid out from the right", id, r.x)
		}
	}
	// The lam-alef of "الاتصال" is one glyph.
	if h := w.T("copy.contact_title"); !strings.Contains(h, "الا") ||
		!strings.ContainsAny(drawnText(runs), "\uFEFB\uFEFC") {
		t.Errorf("no lam-alef ligature drawn for %q", h)
	}
	text := allText(runs)
	for _, want := range []string{"RD-123-456-789", "رفض النظام طلبي دون سبب", "Amina Diallo", "letter.pdf", strings.Repeat("ab", 32)} {
		if !strings.Contains(text, want) {
			t.Errorf("the Arabic copy lacks %q", want)
		}
	}
	for _, english := range []string{"What you wrote", "Messages", "Our decision"} {
		if strings.Contains(text, english) {
			t.Errorf("the Arabic copy has the English %q", english)
		}
	}
}

// TestPDFEnglish: an English case's copy has the English headings and
// every part of the case.
func TestPDFEnglish(t *testing.T) {
	c := aCopy("en", "The system refused my loan in seconds.")
	runs := pdfText(t, render(t, c))
	text := allText(runs)
	for _, want := range []string{"Your copy of your case", "What you wrote", "Your contact details", "Messages",
		"Our decision", "Offers to put things right", "Where your complaint has been sent", "Your files",
		"Who has opened your details", "The system refused my loan in seconds.", "My first message",
		"Our answer to you", "The score used an outdated record.", "We restore your application",
		"Data Protection Authority", "The body found the refusal unlawful.", "Amina Diallo", "amina@example.org",
		"letter.pdf", "1234 bytes", "RD-123-456-789 · page 1 of", "2026-11-02 09:30 UTC", "4 – happy"} {
		if !strings.Contains(text, want) {
			t.Errorf("the English copy lacks %q", want)
		}
	}
	for _, r := range runs {
		if r.text == "What you wrote" && r.x != marginX {
			t.Errorf("an English heading starts at x=%.1f, want the left margin", r.x)
		}
	}
}

// TestPDFDeterministic: one copy, the same bytes; a long text wraps and
// runs onto more pages.
func TestPDFDeterministic(t *testing.T) {
	c := aCopy("en", strings.Repeat("A long complaint that goes on. ", 400)+strings.Repeat("x", 20000))
	a, b := render(t, c), render(t, c)
	if !bytes.Equal(a, b) {
		t.Error("two renders of one copy differ")
	}
	if !bytes.Contains(a, []byte("/CreationDate(D:20261106083000")) {
		t.Error("the creation date is not the copy's generated_at")
	}
	if text := allText(pdfText(t, a)); !strings.Contains(text, "page 3 of") {
		t.Error("a long complaint did not run onto a third page")
	}
}

// TestPDFGlyphsAreWhole: an Arabic word in an English copy keeps its dots.
// gopdf embeds the components of the glyphs drawn but not the components
// of those components, and DejaVu's Arabic letters nest their dots two
// deep; every glyph of every font embedded must have all its parts.
func TestPDFGlyphsAreWhole(t *testing.T) {
	pdfread.CheckGlyphsWhole(t, render(t, aCopy("en", "رفض النظام طلبي دون سبب")))
}

type textRun struct {
	x, y float64
	font string
	text string
}

// pdfText is the copy's text runs, every page's in order (pdfread.Pages).
func pdfText(t *testing.T, out []byte) []textRun {
	t.Helper()
	var runs []textRun
	for _, page := range pdfread.Pages(t, out) {
		for _, r := range page {
			runs = append(runs, textRun{x: r.X, y: r.Y, font: r.Font, text: r.Text})
		}
	}
	return runs
}

// drawnText is every run as drawn, one a line.
func drawnText(runs []textRun) string {
	var b strings.Builder
	for _, r := range runs {
		b.WriteString(r.text)
		b.WriteByte('\n')
	}
	return b.String()
}

// allText is every run read back as written (Logical), one a line.
func allText(runs []textRun) string {
	var b strings.Builder
	for _, r := range runs {
		b.WriteString(pdftext.Logical(r.text))
		b.WriteByte('\n')
	}
	return b.String()
}
