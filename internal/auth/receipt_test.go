package auth

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
)

var (
	receiptRE   = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){5}$`)
	referenceRE = regexp.MustCompile(`^RD-[0-9]{3}-[0-9]{3}-[0-9]{3}$`)
)

// decodeReceipt turns a canonical receipt back into its 15 bytes.
func decodeReceipt(t testing.TB, r string) []byte {
	t.Helper()
	b, err := crockford.DecodeString(strings.ReplaceAll(r, "-", ""))
	if err != nil {
		t.Fatalf("receipt %q does not decode: %v", r, err)
	}
	return b
}

func TestNewReceiptFormatAndUniqueness(t *testing.T) {
	const draws = 5000
	seen := make(map[string]bool, draws)
	var ones, zeros [receiptBytes * 8]int
	for i := 0; i < draws; i++ {
		r, err := NewReceipt()
		if err != nil {
			t.Fatalf("NewReceipt: %v", err)
		}
		if len(r) != 29 {
			t.Fatalf("receipt %q has length %d, want 29 (24 characters and 5 hyphens)", r, len(r))
		}
		if !receiptRE.MatchString(r) {
			t.Fatalf("receipt %q is not six groups of four Crockford characters", r)
		}
		if seen[r] {
			t.Fatalf("receipt %q drawn twice in %d draws", r, i+1)
		}
		seen[r] = true
		b := decodeReceipt(t, r)
		if len(b) != receiptBytes {
			t.Fatalf("receipt %q decodes to %d bytes, want %d", r, len(b), receiptBytes)
		}
		for bit := 0; bit < receiptBytes*8; bit++ {
			if b[bit/8]&(0x80>>(bit%8)) != 0 {
				ones[bit]++
			} else {
				zeros[bit]++
			}
		}
	}
	// All 120 bits are random: every bit position must have been both 0 and 1.
	// (The chance of a fair bit staying constant over 5000 draws is 2^-4999.)
	for bit := range ones {
		if ones[bit] == 0 || zeros[bit] == 0 {
			t.Errorf("bit %d of the receipt never varies (ones=%d zeros=%d)", bit, ones[bit], zeros[bit])
		}
	}
}

func TestNormalizeReceipt(t *testing.T) {
	const canon = "0123-4567-89AB-CDEF-GHJK-MNPQ"
	valid := []struct{ in, want string }{
		{canon, canon},
		{"0123456789ABCDEFGHJKMNPQ", canon},
		{"0123-4567-89ab-cdef-ghjk-mnpq", canon},
		{"0123 4567 89ab cdef ghjk mnpq", canon},
		{" 0123\t4567--89AB CDEF-GHJK-MNPQ ", canon},
		{"O123-4567-89AB-CDEF-GHJK-MNPQ", canon}, // O for 0
		{"o123-4567-89AB-CDEF-GHJK-MNPQ", canon}, // o for 0
		{"0I23-4567-89AB-CDEF-GHJK-MNPQ", canon}, // I for 1
		{"0l23-4567-89AB-CDEF-GHJK-MNPQ", canon}, // l for 1
		{"0L23-4567-89AB-CDEF-GHJK-MNPQ", canon}, // L for 1
		{"0i23-4567-89AB-CDEF-GHJK-MNPQ", canon}, // i for 1
		{"RSTV-WXYZ-0000-0000-0000-0000", "RSTV-WXYZ-0000-0000-0000-0000"},
		{"zzzz-zzzz-zzzz-zzzz-zzzz-zzzz", "ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ"},
		{"0000-0000-0000-0000-0000-0000", "0000-0000-0000-0000-0000-0000"},
		{"OOOO-oooo-0000-0000-0000-0000", "0000-0000-0000-0000-0000-0000"},
	}
	for _, tc := range valid {
		got, err := NormalizeReceipt(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeReceipt(%q) = %q, %v; want %q, nil", tc.in, got, err, tc.want)
		}
	}

	invalid := []string{
		"",
		"-----",
		"0123-4567-89AB-CDEF-GHJK-MNP",    // 23 characters
		"0123-4567-89AB-CDEF-GHJK-MNPQR",  // 25 characters
		"0123-4567-89AB-CDEF-GHJK-MNPQ-0", // 25 characters
		"0123-4567-89AB-CDEF-GHJK-MNPU",   // U is not in the alphabet
		"0123-4567-89AB-CDEF-GHJK-MNPu",
		"0123-4567-89AB-CDEF-GHJK-MNP!",
		"0123_4567_89AB_CDEF_GHJK_MNPQ", // underscore is not a separator
		"0123.4567.89AB.CDEF.GHJK.MNPQ", // neither is a dot
		"0123-4567-89AB-CDEF-GHJK-MNP\x00",
		"0123-4567-89AB-CDEF-GHJK-MNP\u00e9",
		"0123-4567-89AB-CDEF-GHJK-MNP\uff11", // full-width digit one
		"0123-4567-89AB-CDEF-GHJK-MNP\n",     // newline is not a separator either
		"RD-123-456-789",
	}
	for _, in := range invalid {
		got, err := NormalizeReceipt(in)
		if !errors.Is(err, ErrMalformedReceipt) || got != "" {
			t.Errorf("NormalizeReceipt(%q) = %q, %v; want \"\", ErrMalformedReceipt", in, got, err)
		}
	}
}

func TestNormalizeReceiptRoundTrip(t *testing.T) {
	for i := 0; i < 500; i++ {
		r, err := NewReceipt()
		if err != nil {
			t.Fatal(err)
		}
		for _, variant := range []string{
			r,
			strings.ToLower(r),
			strings.ReplaceAll(r, "-", ""),
			strings.ReplaceAll(strings.ToLower(r), "-", " "),
			strings.NewReplacer("0", "O", "1", "I").Replace(r),
			strings.NewReplacer("0", "o", "1", "l").Replace(r),
		} {
			got, err := NormalizeReceipt(variant)
			if err != nil || got != r {
				t.Fatalf("NormalizeReceipt(%q) = %q, %v; want %q (from NewReceipt)", variant, got, err, r)
			}
		}
	}
}

func TestDeriveReceipt(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	other := []byte("fedcba9876543210fedcba9876543210")
	caseA := uuid.MustParse("0b5c6f43-2f0f-4d8c-9a39-3c0a0d5e8f11")
	caseB := uuid.MustParse("0b5c6f43-2f0f-4d8c-9a39-3c0a0d5e8f12")

	r := DeriveReceipt(secret, "key-1", caseA)
	if !receiptRE.MatchString(r) {
		t.Fatalf("derived receipt %q has the wrong format", r)
	}
	if again := DeriveReceipt(secret, "key-1", caseA); again != r {
		t.Errorf("DeriveReceipt is not deterministic: %q then %q", r, again)
	}
	if n, err := NormalizeReceipt(r); err != nil || n != r {
		t.Errorf("NormalizeReceipt(derived %q) = %q, %v; want itself", r, n, err)
	}

	// The receipt is the first 15 bytes of an HMAC-SHA256 over a
	// domain-separated message: pin the construction, since changing it
	// would stop retries from getting the receipt they were first given.
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("redress-receipt-derive-v1\x00key-1\x00"))
	m.Write(caseA[:])
	if want := m.Sum(nil)[:15]; !bytes.Equal(decodeReceipt(t, r), want) {
		t.Errorf("derived receipt decodes to %x, want %x", decodeReceipt(t, r), want)
	}

	differ := map[string]string{
		"other key":          DeriveReceipt(secret, "key-2", caseA),
		"empty key":          DeriveReceipt(secret, "", caseA),
		"other case":         DeriveReceipt(secret, "key-1", caseB),
		"other secret":       DeriveReceipt(other, "key-1", caseA),
		"key with extra NUL": DeriveReceipt(secret, "key-1\x00", caseA),
	}
	seen := map[string]string{r: "base"}
	for name, d := range differ {
		if !receiptRE.MatchString(d) {
			t.Errorf("%s: derived receipt %q has the wrong format", name, d)
		}
		if prev, dup := seen[d]; dup {
			t.Errorf("%s: derived receipt %q equals the one for %s", name, d, prev)
		}
		seen[d] = name
	}
}

func TestHashReceipt(t *testing.T) {
	s1 := []byte("0123456789abcdef0123456789abcdef")
	s2 := []byte("0123456789abcdef0123456789abcdeF")
	const r1 = "0123-4567-89AB-CDEF-GHJK-MNPQ"
	const r2 = "0123-4567-89AB-CDEF-GHJK-MNPR"

	h := HashReceipt(s1, r1)
	if len(h) != sha256.Size {
		t.Fatalf("HashReceipt length = %d, want %d", len(h), sha256.Size)
	}
	if !bytes.Equal(h, HashReceipt(s1, r1)) {
		t.Error("HashReceipt is not deterministic")
	}
	if bytes.Equal(h, HashReceipt(s2, r1)) {
		t.Error("HashReceipt does not depend on the secret")
	}
	if bytes.Equal(h, HashReceipt(s1, r2)) {
		t.Error("HashReceipt does not depend on the receipt")
	}
	m := hmac.New(sha256.New, s1)
	m.Write([]byte("redress-receipt-hash-v1\x00" + r1))
	if want := m.Sum(nil); !bytes.Equal(h, want) {
		t.Errorf("HashReceipt = %x, want HMAC-SHA256 %x", h, want)
	}
	if bytes.Equal(h, []byte(r1)) || bytes.Contains(h, []byte(r1)) {
		t.Error("HashReceipt leaks the receipt")
	}
}

// withCheck appends the Damm check digit to eight digits.
func withCheck(d8 string) string { return d8 + string(rune('0'+damm([]byte(d8)))) }

func canonRef(d9 string) string { return "RD-" + d9[0:3] + "-" + d9[3:6] + "-" + d9[6:9] }

func TestDammKnownValues(t *testing.T) {
	// Worked examples of the Damm algorithm (Wikipedia: 572 → 4).
	for _, tc := range []struct {
		in   string
		want byte
	}{
		{"", 0},
		{"0", 0},
		{"572", 4},
		{"5724", 0},
		{"12345678", 6},
		{"123456786", 0},
		{"123456782", 6},
		{"00000000", 0},
		{"99999999", 9},
	} {
		if got := damm([]byte(tc.in)); got != tc.want {
			t.Errorf("damm(%q) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// TestDammTableProperties proves, over the whole table, why every single
// substitution and every adjacent transposition is caught: the table is a
// Latin square (each step is a bijection of the interim digit, so a
// difference never disappears later) with a zero diagonal, and it is weakly
// totally anti-symmetric (swapping two different neighbours always changes
// the interim digit).
func TestDammTableProperties(t *testing.T) {
	for i := 0; i < 10; i++ {
		if dammTable[i][i] != 0 {
			t.Errorf("dammTable[%d][%d] = %d, want 0", i, i, dammTable[i][i])
		}
		var row, col [10]bool
		for j := 0; j < 10; j++ {
			if row[dammTable[i][j]] {
				t.Errorf("row %d repeats %d", i, dammTable[i][j])
			}
			row[dammTable[i][j]] = true
			if col[dammTable[j][i]] {
				t.Errorf("column %d repeats %d", i, dammTable[j][i])
			}
			col[dammTable[j][i]] = true
		}
	}
	for c := 0; c < 10; c++ {
		for x := 0; x < 10; x++ {
			for y := 0; y < 10; y++ {
				if x != y && dammTable[dammTable[c][x]][y] == dammTable[dammTable[c][y]][x] {
					t.Errorf("interim %d: swapping %d and %d is not detected", c, x, y)
				}
			}
		}
	}
}

func TestNewReference(t *testing.T) {
	var seenDigit [8][10]bool
	for i := 0; i < 3000; i++ {
		ref, err := NewReference()
		if err != nil {
			t.Fatal(err)
		}
		if !referenceRE.MatchString(ref) {
			t.Fatalf("reference %q is not RD-ddd-ddd-ddd", ref)
		}
		digits := strings.ReplaceAll(ref[3:], "-", "")
		if damm([]byte(digits)) != 0 {
			t.Fatalf("reference %q has a wrong check digit", ref)
		}
		if got, err := NormalizeReference(ref); err != nil || got != ref {
			t.Fatalf("NormalizeReference(%q) = %q, %v; want itself", ref, got, err)
		}
		for p := 0; p < 8; p++ {
			seenDigit[p][digits[p]-'0'] = true
		}
	}
	// The eight payload digits are uniformly random: with 3000 draws every
	// digit turns up at every position (missing one has probability < 1e-130).
	for p := range seenDigit {
		for d, ok := range seenDigit[p] {
			if !ok {
				t.Errorf("digit %d never appeared at position %d", d, p)
			}
		}
	}
}

func TestNormalizeReference(t *testing.T) {
	good := withCheck("12345678") // 123456786
	want := canonRef(good)
	if want != "RD-123-456-786" {
		t.Fatalf("test setup: check digit of 12345678 gave %s", want)
	}
	for _, in := range []string{
		"RD-123-456-786",
		"rd 123 456 786",
		"rd-123-456-786",
		"Rd123456786",
		"123456786",
		"123-456-786",
		"123.456.786",
		"  RD 123 456 786\t\n",
		"RD - 123 - 456 - 786",
		"RD-12-34-56-78-6",
	} {
		got, err := NormalizeReference(in)
		if err != nil || got != want {
			t.Errorf("NormalizeReference(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"",
		"RD",
		"RD-123-456-783",    // wrong check digit
		"RD-123-456-78",     // 8 digits
		"RD-123-456-7860",   // 10 digits
		"RD-123-456-786-0",  // 10 digits
		"RD-123-456-78X",    // letter
		"RD-123/456/786",    // slash is not a separator
		"RD_123_456_786",    // nor underscore
		"RDRD-123-456-786",  // prefix only once
		"XD-123-456-786",    // other prefix
		"RD-123-456-786RD",  // trailing prefix
		"RD-123-456-\u0667", // Arabic-Indic digit
		"RD-123-456-78\uff12",
		"RD-123\x00456786",
		"123456786 x",
	} {
		got, err := NormalizeReference(in)
		if !errors.Is(err, ErrMalformedReference) || got != "" {
			t.Errorf("NormalizeReference(%q) = %q, %v; want \"\", ErrMalformedReference", in, got, err)
		}
	}
}

// TestReferenceCatchesTypos checks, for a sample of references, every
// single-digit substitution and every swap of two different neighbours.
func TestReferenceCatchesTypos(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	samples := []string{"00000000", "99999999", "12345678", "01010101", "98765432"}
	for len(samples) < 400 {
		samples = append(samples, fmt.Sprintf("%08d", rng.IntN(100_000_000)))
	}
	for _, s := range samples {
		ref := withCheck(s)
		if got, err := NormalizeReference(ref); err != nil || got != canonRef(ref) {
			t.Fatalf("NormalizeReference(%q) = %q, %v; want %q", ref, got, err, canonRef(ref))
		}
		for p := 0; p < 9; p++ {
			for d := byte('0'); d <= '9'; d++ {
				if ref[p] == d {
					continue
				}
				typo := []byte(ref)
				typo[p] = d
				if got, err := NormalizeReference(string(typo)); err == nil {
					t.Errorf("substitution %s → %s accepted as %s", ref, typo, got)
				}
			}
		}
		for p := 0; p < 8; p++ {
			if ref[p] == ref[p+1] {
				continue
			}
			typo := []byte(ref)
			typo[p], typo[p+1] = typo[p+1], typo[p]
			if got, err := NormalizeReference(string(typo)); err == nil {
				t.Errorf("transposition %s → %s accepted as %s", ref, typo, got)
			}
		}
	}
}

func FuzzNormalizeReceipt(f *testing.F) {
	for _, s := range []string{
		"", "0123-4567-89AB-CDEF-GHJK-MNPQ", "0123456789abcdefghjkmnpq", "OIL0-0000-0000-0000-0000-0000",
		"ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ-ZZZZ", "0123-4567-89AB-CDEF-GHJK-MNPU", "\u0131\u0131\u0131\u0131", "ſſſſ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeReceipt(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedReceipt) || got != "" {
				t.Fatalf("NormalizeReceipt(%q) = %q, %v; want \"\", ErrMalformedReceipt", s, got, err)
			}
			return
		}
		if !receiptRE.MatchString(got) {
			t.Fatalf("NormalizeReceipt(%q) = %q, not canonical", s, got)
		}
		again, err := NormalizeReceipt(got)
		if err != nil || again != got {
			t.Fatalf("NormalizeReceipt(%q) = %q, %v; want itself", got, again, err)
		}
		if b := decodeReceipt(t, got); len(b) != receiptBytes {
			t.Fatalf("receipt %q decodes to %d bytes, want %d", got, len(b), receiptBytes)
		}
		if formatReceipt(decodeReceipt(t, got)) != got {
			t.Fatalf("receipt %q does not re-encode to itself", got)
		}
	})
}

func FuzzNormalizeReference(f *testing.F) {
	for _, s := range []string{
		"", "RD-123-456-786", "rd 123 456 786", "123456786", "RD-123-456-783", "RDRD", "rd.1.2.3.4.5.6.7.8.6",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeReference(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedReference) || got != "" {
				t.Fatalf("NormalizeReference(%q) = %q, %v; want \"\", ErrMalformedReference", s, got, err)
			}
			return
		}
		if !referenceRE.MatchString(got) {
			t.Fatalf("NormalizeReference(%q) = %q, not canonical", s, got)
		}
		if d := damm([]byte(strings.ReplaceAll(got[3:], "-", ""))); d != 0 {
			t.Fatalf("NormalizeReference(%q) = %q with a failing check digit (interim %d)", s, got, d)
		}
		again, err := NormalizeReference(got)
		if err != nil || again != got {
			t.Fatalf("NormalizeReference(%q) = %q, %v; want itself", got, again, err)
		}
	})
}
