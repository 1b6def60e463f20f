package auth

import (
	"strings"
	"testing"
	"time"
)

// TestTOTPRFC6238Vectors checks the SHA-1 test vectors of RFC 6238 appendix B
// (eight digits, the 20-byte ASCII seed "12345678901234567890").
func TestTOTPRFC6238Vectors(t *testing.T) {
	seed := []byte("12345678901234567890")
	for _, v := range []struct {
		unix int64
		want string
	}{
		{59, "94287082"}, {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	} {
		step := TOTPStep(time.Unix(v.unix, 0))
		if got := TOTPCode(seed, step, 8); got != v.want {
			t.Errorf("T=%d: code %s, want %s", v.unix, got, v.want)
		}
		// Six digits are the last six of the eight.
		if got := TOTPCode(seed, step, 6); got != v.want[2:] {
			t.Errorf("T=%d: six digits %s, want %s", v.unix, got, v.want[2:])
		}
	}
}

func TestTOTPSkewAndSecret(t *testing.T) {
	secret, err := NewTOTPSecret()
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) != 32 {
		t.Fatalf("secret %q: want 32 base32 characters", secret)
	}
	key, err := decodeTOTPSecret(strings.ToLower(GroupSecret(secret)))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_015, 0)
	for d, want := range map[int64]bool{-2: false, -1: true, 0: true, 1: true, 2: false} {
		code := TOTPCode(key, TOTPStep(now)+d, 6)
		step, ok := matchTOTP(key, code, now)
		if ok != want || (ok && step != TOTPStep(now)+d) {
			t.Errorf("step %+d: ok=%v step=%d", d, ok, step)
		}
	}
	svg, err := QRCodeSVG(OTPAuthURL("Redress", "ada@example.org", secret), "QR <code>")
	if err != nil || !strings.HasPrefix(svg, "<svg") || !strings.Contains(svg, "QR &lt;code&gt;") {
		t.Fatalf("svg: %v %.80s", err, svg)
	}
}
