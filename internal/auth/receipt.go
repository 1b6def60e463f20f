package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"errors"
	"math/big"
	"strings"

	"github.com/google/uuid"
)

// Receipts are 120 random bits written as 24 characters of Crockford's
// base32 (no I, L, O, U) in groups of four: 7KQ2-M9XT-…. Only an HMAC of a
// receipt is stored.
const receiptBytes = 15

var crockford = base32.NewEncoding("0123456789ABCDEFGHJKMNPQRSTVWXYZ").WithPadding(base32.NoPadding)

// NewReceipt returns a fresh random receipt.
func NewReceipt() (string, error) {
	b := make([]byte, receiptBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return formatReceipt(b), nil
}

// DeriveReceipt makes the receipt of a case filed under an Idempotency-Key:
// an HMAC of the key and the case id, so a retried request gets the same
// receipt back without the receipt ever being stored.
func DeriveReceipt(secret []byte, idempotencyKey string, caseID uuid.UUID) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("redress-receipt-derive-v1\x00"))
	m.Write([]byte(idempotencyKey))
	m.Write([]byte{0})
	m.Write(caseID[:])
	return formatReceipt(m.Sum(nil)[:receiptBytes])
}

func formatReceipt(b []byte) string {
	s := crockford.EncodeToString(b)
	var out strings.Builder
	for i := 0; i < len(s); i += 4 {
		if i > 0 {
			out.WriteByte('-')
		}
		out.WriteString(s[i:min(i+4, len(s))])
	}
	return out.String()
}

// ErrMalformedReceipt means the text cannot be a receipt at all.
var ErrMalformedReceipt = errors.New("auth: malformed receipt")

// NormalizeReceipt accepts a receipt as people type it (any case, spaces or
// hyphens, O for 0, I and L for 1) and returns its canonical form.
func NormalizeReceipt(s string) (string, error) {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			continue
		case r == 'O':
			r = '0'
		case r == 'I' || r == 'L':
			r = '1'
		}
		if !strings.ContainsRune("0123456789ABCDEFGHJKMNPQRSTVWXYZ", r) {
			return "", ErrMalformedReceipt
		}
		b.WriteRune(r)
	}
	raw := b.String()
	if len(raw) != 24 {
		return "", ErrMalformedReceipt
	}
	dec, err := crockford.DecodeString(raw)
	if err != nil || len(dec) != receiptBytes {
		return "", ErrMalformedReceipt
	}
	return formatReceipt(dec), nil
}

// HashReceipt is the stored form of a (normalised) receipt.
func HashReceipt(secret []byte, receipt string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("redress-receipt-hash-v1\x00"))
	m.Write([]byte(receipt))
	return m.Sum(nil)
}

// References are "RD-" and nine digits in threes, the last a Damm check
// digit: digits read aloud are unambiguous in every language, and the check
// digit catches every single mistyped digit and every swap of two neighbours.

// NewReference returns a random reference.
func NewReference() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		return "", err
	}
	d := []byte(padDigits(n.String(), 8))
	d = append(d, '0'+damm(d))
	return "RD-" + string(d[0:3]) + "-" + string(d[3:6]) + "-" + string(d[6:9]), nil
}

// ErrMalformedReference means the text is not a well-formed reference.
var ErrMalformedReference = errors.New("auth: malformed reference")

// NormalizeReference accepts "rd 123 456 789", "123456789" and the like and
// returns the canonical "RD-123-456-789", checking the check digit.
func NormalizeReference(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "RD")
	var d []byte
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			d = append(d, byte(r))
		case r == '-' || r == ' ' || r == '.':
		default:
			return "", ErrMalformedReference
		}
	}
	if len(d) != 9 || damm(d) != 0 {
		return "", ErrMalformedReference
	}
	return "RD-" + string(d[0:3]) + "-" + string(d[3:6]) + "-" + string(d[6:9]), nil
}

var dammTable = [10][10]byte{
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2},
	{7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
	{1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8},
	{3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4},
	{8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
	{2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
}

// damm returns the Damm check digit of digits (0 when digits already end in a valid check digit).
func damm(digits []byte) byte {
	var interim byte
	for _, c := range digits {
		interim = dammTable[interim][c-'0']
	}
	return interim
}

func padDigits(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}
