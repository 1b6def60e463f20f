package frontend_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// TestFormTakesTheCustomerNumber: the form's contact step offers an
// optional employee or customer number (labelled, with its hint); a bad one
// is named on the step and nothing is filed; a good one shows on the check
// step and is kept, sealed, with the contact details.
func TestFormTakesTheCustomerNumber(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	c := newClient(t, s.URL)
	m := cpIdemKey.FindStringSubmatch(c.get("/complaints/new").Body)
	if m == nil {
		t.Fatal("no idempotency key on the form")
	}
	answers := cpForm(m[1])
	answers.Set("anonymous", "false")
	answers.Set("contact_shown", "1")
	answers.Set("contact.name", "Camille Durand")
	answers.Set("contact.preferred_channel", "email")
	answers.Set("contact.email", "camille.durand@example.fr")

	p := cpStep(c, 3, "next", answers)
	for _, want := range []string{`<label for="f-contact-customer-number">Employee or customer number (optional)</label>`,
		`id="f-contact-customer-number" name="contact.customer_number" type="text" autocomplete="off"`,
		"removed from anything an outside body reads unless you agree to share who you are"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the contact step lacks %s", want)
		}
	}

	answers.Set("contact.customer_number", "EMP_004217!")
	p = cpStep(c, 4, "next", answers)
	if p.Status != 422 || !strings.Contains(p.Body, `href="#f-contact-customer-number"`) ||
		!strings.Contains(p.Body, "Write the number with letters and digits, and spaces, -, . or / between them only.") ||
		!strings.Contains(p.Body, `value="EMP_004217!"`) {
		t.Errorf("a bad customer number: %d %s", p.Status, p.Body)
	}
	if n := countOf(t, s, `SELECT count(*) FROM cases`); n != 0 {
		t.Fatalf("a refused form wrote %d cases", n)
	}

	answers.Set("contact.customer_number", "EMP-004217")
	if p = cpStep(c, 4, "next", answers); p.Status != 200 || !strings.Contains(p.Body, "Step 5 of 5") ||
		!strings.Contains(p.Body, "EMP-004217") {
		t.Fatalf("the check step: %d %s", p.Status, p.Body)
	}
	answers.Del("contact_shown") // a step's marker, not an answer the last step carries
	if p = cpSend(c, c.csrf(), answers, nil); p.Status != 303 {
		t.Fatalf("send: %d %s", p.Status, p.Body)
	}
	var id string
	var clear int
	if err := s.Core.DB.Raw(`SELECT id::text, (position(convert_to('004217', 'UTF8') IN contact_enc) > 0)::int FROM cases`).
		Row().Scan(&id, &clear); err != nil {
		t.Fatal(err)
	}
	if clear != 0 {
		t.Error("the customer number is stored in clear")
	}
	who, err := s.Core.Grievance.IdentityOf(context.Background(), uuid.MustParse(id))
	if err != nil || who.Contact == nil || who.Contact.CustomerNumber != "EMP-004217" {
		t.Errorf("the kept contact: %+v, %v", who, err)
	}
}
