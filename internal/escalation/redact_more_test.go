package escalation

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// The contact a withheld reader must not recognise: a French mobile
// written one way in the contact field, other ways in the text.
func frenchContact() *ComplainantFacts {
	return &ComplainantFacts{Name: "Camille Durand", Email: "camille.durand@example.fr", Phone: "+33 6 12 34 56 78",
		Address: "12 rue des Lilas, 69003 Lyon", CustomerNumber: "EMP-004217"}
}

// TestMaskTextFindsWhatTheContactFieldsDoNotSpell: every notation of the
// contact's phone, any email address, street address, IBAN and the
// customer number are replaced by a note of what was removed; what is not
// an identifier stays.
func TestMaskTextFindsWhatTheContactFieldsDoNotSpell(t *testing.T) {
	c := frenchContact()
	for _, tc := range []struct {
		in, want string
		n        int
	}{
		// The contact's phone in any notation.
		{"call 0612345678", "call " + MaskedPhone, 1},
		{"call 06 12 34 56 78 after 6pm", "call " + MaskedPhone + " after 6pm", 1},
		{"call 06.12.34.56.78", "call " + MaskedPhone, 1},
		{"call 06-12-34-56-78.", "call " + MaskedPhone + ".", 1},
		{"call +33 (0)6 12 34 56 78", "call " + MaskedPhone, 1},
		{"call 0033 6 12 34 56 78", "call " + MaskedPhone, 1},
		{"call +33612345678 or (06) 12/34/56/78", "call " + MaskedPhone + " or " + MaskedPhone, 2},
		{"call 06\u00a012\u00a034\u00a056\u00a078", "call " + MaskedPhone, 1},
		// Any phone-like number, whoever's it is.
		{"my manager is on +44 20 7946 0958", "my manager is on " + MaskedPhone, 1},
		{"US office (415) 555-0100", "US office " + MaskedPhone, 1},
		{"ticket 9612345678", "ticket " + MaskedPhone, 1},
		// Any email address.
		{"write to camille.durand@example.fr or cd1990@mail.example.org", "write to " + MaskedEmail + " or " + MaskedEmail, 2},
		{"signed camille.durand", "signed " + MaskedName, 1},
		// Street addresses with their postal code, in three languages, and the contact's address lines.
		{"I live at 12 rue des Lilas, 69003 Lyon.", "I live at " + MaskedAddress + ".", 1},
		{"now at 4 bis avenue de la République, 75011 Paris", "now at " + MaskedAddress, 1},
		{"then 221B Baker Street, London NW1 6XE", "then " + MaskedAddress, 1},
		{"from Calle Mayor 14, 3º B, 28013 Madrid", "from " + MaskedAddress, 1},
		{"the depot at Avenida de la Constitución nº 5", "the depot at " + MaskedAddress, 1},
		// IBANs, grouped or not, in any case; a wrong checksum stays.
		{"paid to FR76 3000 6000 0112 3456 7890 189 last month", "paid to " + MaskedIBAN + " last month", 1},
		{"iban: de89370400440532013000.", "iban: " + MaskedIBAN + ".", 1},
		{"GB82-WEST-1234-5698-7654-32", MaskedIBAN, 1},
		{"FR76 3000 6000 0112 3456 7890 188", "FR76 3000 6000 0112 3456 7890 188", 0},
		// The customer number whatever its case, spaces and dashes.
		{"my number is EMP-004217", "my number is " + MaskedNumber, 1},
		{"my number is emp 004217 and EMP004217", "my number is " + MaskedNumber + " and " + MaskedNumber, 2},
		// The name, whole and in parts.
		{"Camille Durand and DURAND", MaskedName + " and " + MaskedName, 2},
		// What is not an identifier stays.
		{"on 2026-11-02 and 02.11.2026, from 2019-2024", "on 2026-11-02 and 02.11.2026, from 2019-2024", 0},
		{"a loss of 1 200 000 EUR and €3.450.000", "a loss of 1 200 000 EUR and €3.450.000", 0},
		{"shift 14, 38.5 hours, rota v2.3.1, 12 days", "shift 14, 38.5 hours, rota v2.3.1, 12 days", 0},
		{"12 percent of the workers on the way out", "12 percent of the workers on the way out", 0},
		{"Camilleri wrote from the Durandal office", "Camilleri wrote from the Durandal office", 0},
	} {
		got, n := MaskText(c, tc.in)
		if got != tc.want || n != tc.n {
			t.Errorf("MaskText(%q)\n = %q, %d\nwant %q, %d", tc.in, got, n, tc.want, tc.n)
		}
	}
}

// TestMaskTextWithoutContact: with no contact (a representative only, or
// nothing given), what identifies anyone is still removed.
func TestMaskTextWithoutContact(t *testing.T) {
	got, n := MaskText(nil, "me: 07700 900123, x@example.com, NL91ABNA0417164300")
	if want := "me: " + MaskedPhone + ", " + MaskedEmail + ", " + MaskedIBAN; got != want || n != 3 {
		t.Errorf("MaskText = %q, %d; want %q", got, n, want)
	}
}

// TestRedactMasksEveryFreeText: a dossier whose texts carry the contact's
// phone in another notation, the customer number and an IBAN reaches a
// withheld reader with none of them, and the log counts them.
func TestRedactMasksEveryFreeText(t *testing.T) {
	d := dossierOf("Reach me on 06 12 34 56 78; my badge is emp004217.")
	d.Complainant = frenchContact()
	d.Handling.Messages[0].Body = "Pay it to FR7630006000011234567890189 please, Camille (06.12.34.56.78)"
	d.Referral.Reason = "My employee number EMP-004217 was flagged."
	Redact(d, IdentityWithheld)
	for _, got := range []string{d.Case.Description, d.Handling.Messages[0].Body, d.Referral.Reason} {
		for _, secret := range []string{"06", "004217", "FR76", "Camille"} {
			if strings.Contains(got, secret) {
				t.Errorf("%q holds %q", got, secret)
			}
		}
	}
	if want := "Reach me on " + MaskedPhone + "; my badge is " + MaskedNumber + "."; d.Case.Description != want {
		t.Errorf("description %q, want %q", d.Case.Description, want)
	}
	if d.Complainant != nil {
		t.Error("the contact stayed")
	}
	var logged bool
	for _, r := range d.Redactions {
		if r.Field == "complainant.customer_number" && r.Action == "withheld" {
			logged = true
		}
		if r.Field == "handling.messages.body" && r.Action == "masked" && r.Count != 3 {
			t.Errorf("the message's masks: %+v", r)
		}
	}
	if !logged {
		t.Errorf("the log lacks the customer number: %+v", d.Redactions)
	}
}

// phoneSeps are the separators people write between the digits of a phone number.
var phoneSeps = []string{"", " ", ".", "-", "/", " - ", "\u00a0", "\u202f", ") ", " (", "–"}

// writePhone writes digits as a person might: each gap gets a separator chosen
// by seed, and the number is preceded by its international or national
// prefix as seed says.
func writePhone(cc, national string, seed []byte) string {
	at := func(i int) byte {
		if len(seed) == 0 {
			return 0
		}
		return seed[i%len(seed)]
	}
	var b strings.Builder
	switch at(0) % 5 {
	case 0:
		b.WriteString("+" + cc + phoneSeps[at(1)%byte(len(phoneSeps))])
	case 1:
		b.WriteString("00" + cc + " ")
	case 2:
		b.WriteString("+" + cc + " (0)")
	case 3:
		b.WriteString("0")
	}
	for i, r := range national {
		if i > 0 {
			b.WriteString(phoneSeps[at(i+2)%byte(len(phoneSeps))])
		}
		b.WriteRune(r)
	}
	return b.String()
}

// FuzzRedactPhone: whatever the separators and prefix of the contact's
// phone, and whatever text surrounds it, masking never panics and never
// lets the number through.
func FuzzRedactPhone(f *testing.F) {
	f.Add("33", "612345678", []byte{0, 1, 2}, "call me", "tonight")
	f.Add("34", "612345678", []byte{3, 4, 5, 6}, "tel:", "!")
	f.Add("1", "4155550100", []byte{1, 9, 9}, "12 ", " 34")
	f.Add("44", "7700900123", []byte{2}, "Camille Durand", "camille.durand@example.fr")
	f.Fuzz(func(t *testing.T, cc, national string, seed []byte, before, after string) {
		cc, national = digitsOf(cc), digitsOf(national)
		if len(cc) == 0 || len(cc) > 3 || len(national) < 6 || len(national) > 12 || national[0] == '0' ||
			!utf8.ValidString(before) || !utf8.ValidString(after) {
			return
		}
		c := frenchContact()
		c.Phone = "+" + cc + " " + national
		written := writePhone(cc, national, seed)
		text := before + " ⟨ " + written + " ⟩ " + after
		out, n := MaskText(c, text)
		if n < 1 || !strings.Contains(out, "⟨ "+MaskedPhone+" ⟩") {
			t.Fatalf("the number %q (contact %q) came through: %q", written, c.Phone, out)
		}
		// Masking what is left changes nothing more of the number.
		if again, _ := MaskText(c, out); strings.Contains(again, written) {
			t.Fatalf("%q holds %q", again, written)
		}
	})
}

// FuzzMaskTextAny: no text, contact or customer number makes masking panic
// or report a change it did not make.
func FuzzMaskTextAny(f *testing.F) {
	f.Add("Camille Durand", "EMP-004217", "+33 6 12 34 56 78", "12 rue des Lilas", "I am Camille, EMP 004217, FR76 3000 6000 0112 3456 7890 189")
	f.Add("", "", "", "", "(((+++ 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0")
	f.Fuzz(func(t *testing.T, name, number, phone, address, text string) {
		c := &ComplainantFacts{Name: name, CustomerNumber: number, Phone: phone, Address: address}
		out, n := MaskText(c, text)
		if n < 0 || (n == 0 && out != text) || (n > 0 && out == text && !strings.Contains(text, "removed]")) {
			t.Fatalf("MaskText(%q) = %q, %d", text, out, n)
		}
	})
}

// BenchmarkMaskText: masking a long description (about 10,000 characters
// with a few identifiers) for a withheld reader.
func BenchmarkMaskText(b *testing.B) {
	c := frenchContact()
	text := strings.Repeat("The scheduler cut my hours to zero after my sick leave on 2026-11-02; I lost 1 200 000 EUR. ", 100) +
		"Call 06 12 34 56 78, write to camille.durand@example.fr, badge EMP 004217, FR76 3000 6000 0112 3456 7890 189."
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, n := MaskText(c, text); n != 4 {
			b.Fatalf("%d masks", n)
		}
	}
}
