package api_test

import (
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// TestWithheldReaderReadsNoIdentifier: a complainant gives a French mobile
// and an employee number at intake, then writes the number another way,
// the employee number in lower case with spaces, an IBAN, a colleague's
// email and their street address into the description and a message. A
// body that receives the case with identity withheld reads none of them,
// in the referral, its dossier or its reason; each is replaced by a note
// of what was removed. The employee number is sealed at rest, and staff
// with the right to see the identity read it back whole.
func TestWithheldReaderReadsNoIdentifier(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})

	body := teststack.ValidCase()
	body["anonymous"] = false
	contact := map[string]any{"name": "Camille Durand", "email": "camille.durand@example.fr",
		"phone": "+33 6 12 34 56 78", "customer_number": "EMP-004217", "preferred_channel": "email"}
	body["contact"] = contact

	// A bad customer number is a 422 naming it, and nothing is filed.
	count := func() (n int64) {
		if err := s.Core.DB.Raw(`SELECT count(*) FROM cases`).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	for _, bad := range []string{"EMP_004217!", strings.Repeat("7", 65), "--//"} {
		contact["customer_number"] = bad
		r := s.Do(req{Method: "POST", Path: "/api/v1/cases", Body: body})
		if r.Status != 422 || !strings.Contains(string(r.Body), `"field":"contact.customer_number"`) {
			t.Errorf("customer_number %q: %d %s", bad, r.Status, r.Body)
		}
	}
	if n := count(); n != before {
		t.Fatalf("refused filings wrote %d cases", n-before)
	}
	contact["customer_number"] = "EMP-004217"
	body["description"] = "I am Camille Durand, employee emp 004217, of 12 rue des Lilas, 69003 Lyon. Call me on " +
		"06.12.34.56.78. My pay went to FR76 3000 6000 0112 3456 7890 189 until the scheduler cut my hours to zero."
	rev := s.Reviewer()
	f := claimed(t, s, body, rev)
	if inClear(t, s, "cases", "contact_enc", "004217") > 0 {
		t.Error("the customer number is stored in clear")
	}
	// The reviewer who holds the case reads the number back as given.
	if r := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.ID + "/identity", Token: rev}); r.Status != 200 ||
		!strings.Contains(string(r.Body), `"customer_number":"EMP-004217"`) {
		t.Errorf("identity: %d %s", r.Status, r.Body)
	}

	me := s.ComplainantToken(f)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/messages", Token: me, Body: map[string]string{
		"body": "My colleague j.martin@example.org saw it; reach me on 0612345678 or (+33) 6-12-34-56-78."}}); r.Status != 201 {
		t.Fatalf("complainant message: %d %s", r.Status, r.Body)
	}
	r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: me, Body: map[string]any{
		"body_id": bodyID(t, s, "demo-dpa"), "consent_scope": "identity_withheld",
		"reason": "Please look at this: my employee number EMP 004217 was flagged, call 06 12 34 56 78."}})
	if r.Status != 201 {
		t.Fatalf("escalate: %d %s", r.Status, r.Body)
	}
	refID := r.JSON(t)["id"].(string)
	// The organisation writes to the body with the number in yet another notation: the body reads it masked.
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/referrals/" + refID + "/messages", Token: rev,
		Body: map[string]string{"body": "She is on 0033 612 345 678, badge Emp.004217, mail camille.durand@example.fr."}}); r.Status != 201 {
		t.Fatalf("organisation message: %d %s", r.Status, r.Body)
	}

	regina := s.Login("regulator@example.org")
	secrets := []string{"Camille", "Durand", "004217", "06.12", "0612345678", "6-12-34", "06 12 34", "FR76", "3000 6000",
		"j.martin", "example.org", "rue des Lilas", "69003"}
	for _, p := range []string{"", "/dossier"} {
		got := s.Do(req{Method: "GET", Path: "/api/v1/referrals/" + refID + p, Token: regina})
		if got.Status != 200 {
			t.Fatalf("GET referral%s: %d %s", p, got.Status, got.Body)
		}
		text := string(got.Body)
		for _, secret := range secrets {
			if strings.Contains(strings.ToLower(text), strings.ToLower(secret)) {
				t.Errorf("the body reads %q in referral%s", secret, p)
			}
		}
		for _, want := range []string{escalation.MaskedName, escalation.MaskedNumber, escalation.MaskedAddress,
			escalation.MaskedPhone, escalation.MaskedIBAN, escalation.MaskedEmail} {
			if !strings.Contains(text, want) {
				t.Errorf("referral%s lacks %q", p, want)
			}
		}
		if p == "" {
			ref := got.JSON(t)
			if reason, _ := ref["reason"].(string); reason != "Please look at this: my employee number "+escalation.MaskedNumber+
				" was flagged, call "+escalation.MaskedPhone+"." {
				t.Errorf("the body reads the reason as %q", reason)
			}
			d := ref["dossier"].(map[string]any)
			want := "I am " + escalation.MaskedName + ", employee " + escalation.MaskedNumber + ", of " + escalation.MaskedAddress +
				". Call me on " + escalation.MaskedPhone + ". My pay went to " + escalation.MaskedIBAN +
				" until the scheduler cut my hours to zero."
			if got := d["case"].(map[string]any)["description"]; got != want {
				t.Errorf("the body reads the description as\n%q\nwant\n%q", got, want)
			}
			msgs := d["handling"].(map[string]any)["messages"].([]any)
			last := msgs[len(msgs)-1].(map[string]any)["body"]
			if want := "My colleague " + escalation.MaskedEmail + " saw it; reach me on " + escalation.MaskedPhone + " or " +
				escalation.MaskedPhone + "."; last != want {
				t.Errorf("the body reads the message as %q, want %q", last, want)
			}
			var org []string
			for _, m := range ref["messages"].([]any) {
				if m := m.(map[string]any); m["author_kind"] == "organisation" {
					org = append(org, m["body"].(string))
				}
			}
			if want := "She is on " + escalation.MaskedPhone + ", badge " + escalation.MaskedNumber + ", mail " +
				escalation.MaskedEmail + "."; len(org) != 1 || org[0] != want {
				t.Errorf("the body reads the organisation's messages as %q, want %q", org, want)
			}
			if !strings.Contains(string(got.Body), `"field":"complainant.customer_number","action":"withheld"`) {
				t.Errorf("the redaction log lacks the customer number: %v", ref["redaction_log"])
			}
		}
	}
}
