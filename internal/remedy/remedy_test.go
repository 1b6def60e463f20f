package remedy

import (
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/platform/fault"
)

func TestWaiver(t *testing.T) {
	waivers := []string{
		"In return you waive any claim against the bank.",
		"This payment is in full and final settlement of the matter.",
		"You agree not to take legal action about the decision.",
		"The complainant agrees never to contact the regulator about this.",
		"You release the company from all claims arising from the decision.",
		"You will not bring proceedings before any tribunal.",
		"You give up your right to appeal.",
		"Le plaignant renonce à tout recours.",
		"Ce versement vaut solde de tout compte.",
		"El reclamante renuncia a cualquier acción.",
		"يتنازل المشتكي عن حقه في اللجوء إلى المحكمة",
		"You   WAIVE\nall rights",
		"Paid in full\u00a0and final settlement.",
		"You w\u00adaive any claim.",
		"You wa\u200bive any claim.",
		"You ｗａｉｖｅ any claim.",
	}
	for _, s := range waivers {
		if casework.Waiver(s) == "" {
			t.Errorf("Waiver(%q) found nothing", s)
		}
	}
	fine := []string{
		"We reverse the decision and reinstate your benefit with back-pay from 1 March.",
		"We accept that the system did not let you appeal, and we apologise.",
		"We will release the funds and restore your rights to the account.",
		"The provider will cease and desist from using the postcode feature.",
		"Nothing in this offer affects your right to go to a court, a regulator or a union.",
		"Nous annulons la décision et vous présentons nos excuses.",
		"Revocamos la decisión y le pedimos disculpas.",
		"نعتذر عن القرار ونلغيه",
	}
	for _, s := range fine {
		if w := casework.Waiver(s); w != "" {
			t.Errorf("Waiver(%q) = %q, want nothing", s, w)
		}
	}
}

func FuzzWaiver(f *testing.F) {
	f.Add("you waive all claims")
	f.Add("we apologise")
	f.Fuzz(func(t *testing.T, s string) {
		w := casework.Waiver(s)
		if w != casework.Waiver(s) {
			t.Fatal("not deterministic")
		}
		if strings.Contains(strings.ToLower(s), "full and final settlement") && w == "" {
			t.Fatalf("missed a settlement clause in %q", s)
		}
	})
}

func TestCanMove(t *testing.T) {
	cases := []struct {
		form     Form
		from, to Status
		ok       bool
	}{
		{Restitution, Proposed, Offered, true},
		{Restitution, Offered, Accepted, true},
		{Restitution, Offered, Implemented, false},
		{NonRepetition, Offered, Implemented, true},
		{Compensation, Accepted, Implemented, true},
		{Compensation, Declined, Implemented, false},
		{Compensation, Implemented, Verified, true},
		{Compensation, Proposed, Verified, false},
		{Satisfaction, Verified, Offered, false},
	}
	for _, c := range cases {
		if got := CanMove(c.form, c.from, c.to); got != c.ok {
			t.Errorf("CanMove(%s, %s → %s) = %v, want %v", c.form, c.from, c.to, got, c.ok)
		}
	}
}

func TestValidate(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	good := ComponentInput{Form: Compensation, Subtype: "financial_loss", Description: "Pay the wages lost in March.",
		Responsible: "deployer", Amount: "1250.00", Currency: "EUR", DueAt: "2026-12-31"}
	out, err := Validate([]ComponentInput{good}, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 31, 23, 59, 59, 0, time.UTC); !out[0].DueAt.Equal(want) {
		t.Errorf("due %v, want %v", out[0].DueAt, want)
	}
	bad := []struct {
		mutate func(*ComponentInput)
		field  string
		code   string
	}{
		{func(c *ComponentInput) { c.Form = "money" }, "components[0].form", "invalid"},
		{func(c *ComponentInput) { c.Subtype = "apology" }, "components[0].subtype", "invalid"},
		{func(c *ComponentInput) { c.Amount = "" }, "components[0].amount", "required"},
		{func(c *ComponentInput) { c.Amount = "-5" }, "components[0].amount", "invalid"},
		{func(c *ComponentInput) { c.Amount = "0.00" }, "components[0].amount", "invalid"},
		{func(c *ComponentInput) { c.Amount = "1.234" }, "components[0].amount", "invalid"},
		{func(c *ComponentInput) { c.Currency = "eur" }, "components[0].currency", "invalid"},
		{func(c *ComponentInput) { c.Currency = "XQZ" }, "components[0].currency", "invalid"},
		{func(c *ComponentInput) { c.Currency = "" }, "components[0].currency", "required"},
		{func(c *ComponentInput) { c.DueAt = "2026-01-01" }, "components[0].due_at", "in_the_past"},
		{func(c *ComponentInput) { c.DueAt = "soon" }, "components[0].due_at", "invalid"},
		{func(c *ComponentInput) { c.DueAt = "2035-01-01" }, "components[0].due_at", "too_far"},
		{func(c *ComponentInput) { c.Responsible = "nobody" }, "components[0].responsible", "invalid"},
		{func(c *ComponentInput) { c.Responsible = "other" }, "components[0].responsible_name", "required"},
		{func(c *ComponentInput) { c.ResponsibleName = "Acme" }, "components[0].responsible_name", "not_allowed"},
		{func(c *ComponentInput) { c.Description = "short" }, "components[0].description", "too_short"},
		{func(c *ComponentInput) { c.Description = "          " }, "components[0].description", "required"},
		{func(c *ComponentInput) { c.Description = "Pay the wages \x1b[31m now." }, "components[0].description", "control_character"},
		{func(c *ComponentInput) { c.Responsible, c.ResponsibleName = "other", "Acme\x00" }, "components[0].responsible_name", "control_character"},
		{func(c *ComponentInput) { c.Description = "Paid in full and final settlement." }, "components[0].description", "waiver_forbidden"},
	}
	for _, b := range bad {
		c := good
		b.mutate(&c)
		_, err := Validate([]ComponentInput{c}, now)
		e, ok := fault.As(err)
		if !ok || !hasField(e, b.field, b.code) {
			t.Errorf("%s/%s: got %v", b.field, b.code, err)
		}
	}
	if _, err := Validate([]ComponentInput{good}, now, NonRepetition); err == nil {
		t.Error("a compensation component was allowed where only non-repetition is")
	}
	if _, err := Validate(nil, now); err == nil {
		t.Error("an empty bundle passed")
	}
}

func hasField(e *fault.Error, field, code string) bool {
	for _, f := range e.Fields {
		if f.Field == field && f.Code == code {
			return true
		}
	}
	return false
}

// A flood of components is one error, not one per component.
func TestValidateRefusesTooManyAtOnce(t *testing.T) {
	_, err := Validate(make([]ComponentInput, 5000), time.Now())
	e, ok := fault.As(err)
	if !ok || len(e.Fields) != 1 || e.Fields[0].Field != "components" {
		t.Fatalf("got %v", err)
	}
}
