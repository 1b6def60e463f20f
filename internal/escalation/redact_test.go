package escalation

import (
	"slices"
	"strings"
	"testing"
)

func dossierOf(description string) *Dossier {
	ref, out, inputs := "CR-2026-0042", "declined", []string{"income: 1,200 EUR"}
	other := "the app Maria Lopez-Garcia's manager uses"
	name, desc := "payslip-lopez.pdf", "Maria's payslip"
	return &Dossier{
		Case:        CaseFacts{Description: description},
		Contested:   ContestedDecision{SystemOther: &other, DecisionReference: &ref, Output: &out, Inputs: inputs},
		Handling:    HandlingFacts{Messages: []MessageFact{{Author: "complainant", Body: "Regards, Maria"}}},
		Evidence:    []EvidenceFact{{SHA256: strings.Repeat("a", 64), Filename: &name, Description: &desc}},
		Complainant: &ComplainantFacts{Name: "Maria Lopez-Garcia", Email: "maria.lopez@example.net", Phone: "+34 612 345 678"},
	}
}

func TestMaskTextMasksWholeWordsOnly(t *testing.T) {
	ids := identifiers(&ComplainantFacts{Name: "Maria Lopez-Garcia", Email: "maria.lopez@example.net", Phone: "+34 612 345 678",
		Address: "Calle Mayor 1, Madrid", RepresentativeName: "Ana Ruiz"})
	for _, c := range []struct {
		in, want string
		n        int
	}{
		{"I am Maria Lopez-Garcia.", "I am [name removed].", 1},
		{"MARIA wrote; lopez too", "[name removed] wrote; [name removed] too", 2},
		{"Mariana and Lopezcorp are other people", "Mariana and Lopezcorp are other people", 0},
		{"call +34 612 345 678 or 34-612-345-678 or 612345678", "call [phone removed] or [phone removed] or [phone removed]", 3},
		{"ticket 9612345678", "ticket [phone removed]", 1}, // any phone-like number goes
		{"ticket 96123", "ticket 96123", 0},
		{"mail maria.lopez@example.net", "mail [email removed]", 1},
		{"at Calle Mayor 1, Madrid with Ana Ruiz", "at [address removed] with [name removed]", 2},
		{"the García file", "the García file", 0},
		{"", "", 0},
	} {
		got, n := maskText(c.in, ids)
		if got != c.want || n != c.n {
			t.Errorf("maskText(%q) = %q, %d; want %q, %d", c.in, got, n, c.want, c.n)
		}
	}
}

func TestRedactByConsent(t *testing.T) {
	const text = "Maria Lopez-Garcia here, call +34 612 345 678."
	shared := dossierOf(text)
	Redact(shared, IdentityShared)
	if shared.Complainant == nil || shared.Case.Description != text || *shared.Evidence[0].Filename == "" {
		t.Errorf("identity_shared withheld something: %+v", shared)
	}

	withheld := dossierOf(text)
	Redact(withheld, IdentityWithheld)
	if withheld.Complainant != nil || withheld.Contested.DecisionReference != nil || withheld.Evidence[0].Filename != nil ||
		withheld.Evidence[0].Description != nil {
		t.Errorf("identity_withheld kept an identity: %+v", withheld)
	}
	if withheld.Case.Description != "[name removed] here, call [phone removed]." || withheld.Handling.Messages[0].Body != "Regards, [name removed]" ||
		*withheld.Contested.SystemOther != "the app [name removed]'s manager uses" {
		t.Errorf("not masked: %q / %q / %q", withheld.Case.Description, withheld.Handling.Messages[0].Body, *withheld.Contested.SystemOther)
	}
	if withheld.Contested.Output == nil || len(withheld.Contested.Inputs) != 1 {
		t.Error("identity_withheld dropped the AI decision's output")
	}
	logged := func(d *Dossier, field, action string) *Redaction {
		i := slices.IndexFunc(d.Redactions, func(r Redaction) bool { return r.Field == field && r.Action == action })
		if i < 0 {
			return nil
		}
		return &d.Redactions[i]
	}
	for _, f := range []string{"complainant.name", "complainant.email", "complainant.phone", "contested_decision.decision_reference"} {
		if logged(withheld, f, "withheld") == nil {
			t.Errorf("the log lacks %s: %+v", f, withheld.Redactions)
		}
	}
	if r := logged(withheld, "case.description", "masked"); r == nil || r.Count != 2 {
		t.Errorf("the description's masks: %+v", r)
	}

	anon := dossierOf(text)
	Redact(anon, Anonymous)
	if anon.Contested.Output != nil || anon.Contested.Inputs != nil || anon.Handling.Messages[0].Body != Masked {
		t.Errorf("anonymous kept the AI decision or the words of a message: %+v", anon)
	}
	if logged(anon, "complainant.name", "withheld") == nil || logged(anon, "contested_decision.ai_system_other", "masked") == nil {
		t.Errorf("the anonymous log lacks the name or the system's mask: %+v", anon.Redactions)
	}
	seen := map[string]bool{}
	for _, r := range anon.Redactions {
		key := r.Field + "/" + r.Action
		if seen[key] {
			t.Errorf("the log repeats %s", key)
		}
		seen[key] = true
	}
}

// No text, however odd, makes masking fail or leave a whole identifier in place.
func FuzzMaskText(f *testing.F) {
	f.Add("Maria Lopez-Garcia", "I am Maria Lopez-Garcia", "+34 612 345 678")
	f.Add("Ñandú Ölçek", "ñandú ÖLÇEK!", "0612")
	f.Fuzz(func(t *testing.T, name, text, phone string) {
		ids := identifiers(&ComplainantFacts{Name: name, Phone: phone})
		out, n := maskText(text, ids)
		if n < 0 || (n == 0 && out != text) {
			t.Fatalf("maskText(%q) = %q, %d", text, out, n)
		}
		if full := strings.TrimSpace(name); len(full) >= 3 && !strings.Contains(full, Masked) &&
			strings.Contains(" "+out+" ", " "+full+" ") && strings.Contains(" "+text+" ", " "+full+" ") {
			t.Fatalf("the name %q stands whole in %q", full, out)
		}
	})
}
