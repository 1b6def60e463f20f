package escalation_test

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// TestMain starts PostgreSQL for the scenario tests of this package.
func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

type req = teststack.Request

// TestAnonymousReferralIsAnonymous (issue 16, item 7): a complainant asks
// for an anonymous referral, with their case reference, their code and
// exact dates in what they write, and Arabic in their description. What
// the body reads — the referral, the signed JSON and the PDF — carries
// every date to the month, none of those references, no misleading
// "filed_anonymously", and the Arabic words, read back out of the PDF.
func TestAnonymousReferralIsAnonymous(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	body := teststack.NamedCase()
	arabic := "تم رفض طلبي دون مراجعة بشرية"
	body["description"] = "I am Maria Lopez-Garcia. On 3 November 2026 my hours were cut.\n" + arabic
	f := s.File(body)
	me := s.ComplainantToken(f)
	dpa := ""
	for _, b := range s.Do(req{Method: "GET", Path: "/api/v1/bodies"}).JSON(t)["items"].([]any) {
		if m := b.(map[string]any); m["slug"] == "demo-dpa" {
			dpa = m["id"].(string)
		}
	}
	reason := "My case " + f.Reference + " (code " + f.Code + ") was decided on 2026-11-20, as of 21/11/2026 nothing changed."
	r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: me, Body: map[string]any{
		"body_id": dpa, "consent_scope": "anonymous", "reason": reason}})
	if r.Status != 201 {
		t.Fatalf("escalate: %d %s", r.Status, r.Body)
	}
	refID := r.JSON(t)["id"].(string)
	want := "A-" + strings.ToUpper(strings.ReplaceAll(refID, "-", "")[:8])

	regina := s.Login("regulator@example.org")
	got := s.Do(req{Method: "GET", Path: "/api/v1/referrals/" + refID, Token: regina})
	doc := s.Do(req{Method: "GET", Path: "/api/v1/referrals/" + refID + "/dossier", Token: regina})
	pdf := s.Do(req{Method: "GET", Path: "/api/v1/referrals/" + refID + "/dossier.pdf", Token: regina})
	list := s.Do(req{Method: "GET", Path: "/api/v1/referrals", Token: regina})
	for _, x := range []*teststack.Response{got, doc, pdf, list} {
		if x.Status != 200 {
			t.Fatalf("body's read: %d %s", x.Status, x.Body)
		}
	}
	// Nothing that points back at the person, in anything the body reads.
	for _, x := range []*teststack.Response{got, doc, list} {
		for _, secret := range []string{f.Reference, f.Code, strings.ReplaceAll(f.Code, "-", ""), "Maria", "Lopez",
			"2026-11-02", "2026-11-20", "21/11/2026", "3 November", "SHIFT-2026-11-0042", `"filed_anonymously"`} {
			if strings.Contains(string(x.Body), secret) {
				t.Errorf("the body reads %q in %s", secret, x.Body)
			}
		}
	}
	var d escalation.Dossier
	if err := json.Unmarshal(doc.Body, &d); err != nil {
		t.Fatal(err)
	}
	if d.DatePrecision != "month" || d.Case.Reference != want || d.Case.FiledAnonymous != nil {
		t.Errorf("dossier: precision %q, reference %q (want %q), filed_anonymously %v", d.DatePrecision, d.Case.Reference, want, d.Case.FiledAnonymous)
	}
	if ref := got.JSON(t)["reference"]; ref != want {
		t.Errorf("the body's referral shows reference %v, want %s", ref, want)
	}
	// Every timestamp is the first of its month at midnight, the decision
	// date a month, and there are timestamps to look at.
	stamps := regexp.MustCompile(`"\d{4}-\d{2}-\d{2}T[^"]*"`).FindAllString(string(doc.Body), -1)
	if len(stamps) < 5 {
		t.Errorf("only %d timestamps in the dossier", len(stamps))
	}
	for _, st := range stamps {
		if !strings.HasSuffix(st, `-01T00:00:00Z"`) {
			t.Errorf("a date to the second in an anonymous dossier: %s", st)
		}
	}
	if d.Contested.DecisionDate == nil || *d.Contested.DecisionDate != "2026-11" {
		t.Errorf("decision date %v, want 2026-11", d.Contested.DecisionDate)
	}
	if !strings.Contains(d.Referral.Reason, escalation.MaskedRef) || !strings.Contains(d.Referral.Reason, escalation.MaskedCode) ||
		!strings.Contains(d.Referral.Reason, "2026-11,") || !strings.Contains(d.Referral.Reason, escalation.MaskedDate) ||
		!strings.Contains(d.Case.Description, "On November 2026") {
		t.Errorf("free text not coarsened: reason %q, description %q", d.Referral.Reason, d.Case.Description)
	}
	logged := map[string]string{}
	for _, x := range d.Redactions {
		logged[x.Field] = x.Action
	}
	if logged["dates"] != "coarsened" || logged["case.reference"] != "withheld" || logged["case.filed_anonymously"] != "withheld" {
		t.Errorf("redaction log: %+v", d.Redactions)
	}
	// The PDF: the Arabic reads back, dates to the month, the referral's
	// own reference in the footer.
	text := escalation.PDFLogicalText(t, pdf.Body)
	if !strings.Contains(text, arabic) {
		t.Errorf("the PDF lacks the Arabic words:\n%s", text)
	}
	if !strings.Contains(text, want) || strings.Contains(text, f.Reference) || strings.Contains(text, "Filed anonymously") {
		t.Errorf("the PDF's references:\n%s", text)
	}
	if regexp.MustCompile(`\d{4}-\d{2}-\d{2}`).MatchString(text) {
		t.Errorf("a date to the day in the PDF: %q", regexp.MustCompile(`.*\d{4}-\d{2}-\d{2}.*`).FindString(text))
	}
}
