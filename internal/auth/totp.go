package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // RFC 6238's default, what every authenticator app reads
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"image/color"
	"net/url"
	"strings"
	"time"

	"github.com/boombuler/barcode/qr"
)

// TOTP (RFC 6238) as every authenticator app reads it: HMAC-SHA-1, six
// digits, 30-second steps from the Unix epoch; a code of the step before or
// after is accepted too, for clocks a little apart.
const (
	TOTPDigits = 6
	TOTPPeriod = 30 * time.Second
	TOTPSkew   = 1
	// totpSecretBytes is 160 bits, the length RFC 4226 recommends.
	totpSecretBytes = 20
)

var totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a fresh random secret in base32, as apps take it.
func NewTOTPSecret() (string, error) {
	b := make([]byte, totpSecretBytes)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return totpEncoding.EncodeToString(b), nil
}

// TOTPStep is the time step t falls in.
func TOTPStep(t time.Time) int64 { return t.Unix() / int64(TOTPPeriod/time.Second) }

// TOTPCode is the code of secret (base32) at step, with digits digits and
// SHA-1 (RFC 4226 section 5.3's dynamic truncation).
func TOTPCode(secret []byte, step int64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(sha1.New, secret)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, v%mod)
}

// TOTPAt is the six-digit code of a base32 secret at t (what an app shows).
func TOTPAt(secret string, t time.Time) (string, error) {
	key, err := decodeTOTPSecret(secret)
	if err != nil {
		return "", err
	}
	return TOTPCode(key, TOTPStep(t), TOTPDigits), nil
}

func decodeTOTPSecret(secret string) ([]byte, error) {
	s := strings.ToUpper(strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, secret))
	return totpEncoding.DecodeString(strings.TrimRight(s, "="))
}

// matchTOTP returns the step within ±TOTPSkew of now whose code is code, or
// false. Every candidate is compared in constant time.
func matchTOTP(key []byte, code string, now time.Time) (int64, bool) {
	cur := TOTPStep(now)
	var found int64
	ok := false
	for d := int64(-TOTPSkew); d <= TOTPSkew; d++ {
		if hmac.Equal([]byte(TOTPCode(key, cur+d, TOTPDigits)), []byte(code)) && !ok {
			found, ok = cur+d, true
		}
	}
	return found, ok
}

// GroupSecret writes a secret in groups of four characters, for typing.
func GroupSecret(secret string) string {
	var b strings.Builder
	for i, r := range secret {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// OTPAuthURL is the otpauth:// URL an app reads from the QR code.
func OTPAuthURL(issuer, account, secret string) string {
	q := url.Values{}
	q.Set("secret", secret)
	q.Set("issuer", issuer)
	q.Set("algorithm", "SHA1")
	q.Set("digits", "6")
	q.Set("period", "30")
	return "otpauth://totp/" + url.PathEscape(issuer+":"+account) + "?" + q.Encode()
}

// QRCodeSVG draws content as a QR code in an inline SVG, made here on the
// server: no third-party service, no script. title labels it for screen readers.
func QRCodeSVG(content, title string) (string, error) {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return "", fmt.Errorf("auth: qr: %w", err)
	}
	n := code.Bounds().Dx()
	const quiet = 4
	size := n + 2*quiet
	var path strings.Builder
	for y := range n {
		for x := range n {
			if code.At(x, y) == color.Black {
				fmt.Fprintf(&path, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-labelledby="qr-title" shape-rendering="crispEdges">`,
		size, size, size*5, size*5)
	fmt.Fprintf(&b, `<title id="qr-title">%s</title>`, escapeXML(title))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#fff"/><path d="%s" fill="#000"/></svg>`, size, size, path.String())
	return b.String(), nil
}

func escapeXML(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&apos;").Replace(s)
}

// TOTPRawSecret is the bytes a base32 secret stands for.
func TOTPRawSecret(secret string) ([]byte, error) { return decodeTOTPSecret(secret) }
