package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"strings"

	"github.com/google/uuid"
)

// A code is the one thing a complainant keeps: 20 characters of Crockford's
// base32 (no I, L, O, U) in four groups of five, 7KQ2M-9XTAB-…, every
// character drawn at random, so the code holds 100 bits of secret. The code
// both finds the case and proves the right to open it: the case row stores
// HashCode(code), a keyed HMAC, under a unique index, and a sign-in looks
// that hash up. Nobody can go from the hash back to the code, and without
// the server's secret nobody can test a guess offline. The case's reference
// stays what staff and bodies see; the code is never shown to them.
const (
	codeChars = 20
	codeGroup = 5
)

const crockfordAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// CodeBits is the secret a code holds.
const CodeBits = codeChars * 5

// NewCode returns a fresh random code.
func NewCode() (string, error) {
	b := make([]byte, codeChars)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return formatCode(b), nil
}

// DeriveCode makes the code of a case filed under an Idempotency-Key: an
// HMAC of the key and the case id, so a retried request gets the same code
// back without the code ever being stored.
func DeriveCode(secret []byte, idempotencyKey string, caseID uuid.UUID) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("redress-code-derive-v1\x00"))
	m.Write([]byte(idempotencyKey))
	m.Write([]byte{0})
	m.Write(caseID[:])
	return formatCode(m.Sum(nil)[:codeChars])
}

// formatCode writes the low five bits of each of b's bytes as a character,
// in groups of five.
func formatCode(b []byte) string {
	var out strings.Builder
	for i, c := range b {
		if i > 0 && i%codeGroup == 0 {
			out.WriteByte('-')
		}
		out.WriteByte(crockfordAlphabet[c&31])
	}
	return out.String()
}

// ErrMalformedCode means the text cannot be a code at all.
var ErrMalformedCode = errors.New("auth: malformed code")

// NormalizeCode accepts a code as people type it — any case, spaces, tabs,
// hyphens, dots or underscores anywhere, O for 0, I and L for 1, and the
// full-width or Arabic-Indic digits a phone keyboard may give — and returns
// its canonical form, XXXXX-XXXXX-XXXXX-XXXXX.
func NormalizeCode(s string) (string, error) {
	if len(s) > 200 {
		return "", ErrMalformedCode
	}
	var b []byte
	for _, r := range s {
		switch {
		case r == '-' || r == ' ' || r == '\t' || r == '.' || r == '_' || r == '\u00a0' ||
			r == '\u2010' || r == '\u2011' || r == '\u2012' || r == '\u2013' || r == '\u2014' || r == '\u2212' ||
			r == '\n' || r == '\r' || r == '\u200e' || r == '\u200f' || r == '\u3000':
			continue
		case r >= '０' && r <= '９':
			r = '0' + (r - '０')
		case r >= 'Ａ' && r <= 'Ｚ':
			r = 'A' + (r - 'Ａ')
		case r >= 'ａ' && r <= 'ｚ':
			r = 'A' + (r - 'ａ')
		case r >= '\u0660' && r <= '\u0669': // Arabic-Indic digits
			r = '0' + (r - '\u0660')
		case r >= '\u06f0' && r <= '\u06f9': // Extended Arabic-Indic digits
			r = '0' + (r - '\u06f0')
		case r >= 'a' && r <= 'z':
			r -= 'a' - 'A'
		}
		switch r {
		case 'O':
			r = '0'
		case 'I', 'L':
			r = '1'
		}
		if r > 0x7f || !strings.ContainsRune(crockfordAlphabet, r) {
			return "", ErrMalformedCode
		}
		if len(b) == codeChars {
			return "", ErrMalformedCode
		}
		b = append(b, byte(strings.IndexRune(crockfordAlphabet, r)))
	}
	if len(b) != codeChars {
		return "", ErrMalformedCode
	}
	return formatCode(b), nil
}

// HashCode is the stored form of a (normalised) code: the key that finds
// the case.
func HashCode(secret []byte, code string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("redress-code-hash-v1\x00"))
	m.Write([]byte(code))
	return m.Sum(nil)
}
