package auth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

var (
	tokSecret  = []byte("0123456789abcdef0123456789abcdef")
	tokSubject = uuid.MustParse("7d1f6a3e-9a59-4b57-8c1c-0f0b0f6b2a11")
	tokNow     = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
)

func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

func tokensAt(now time.Time) *Tokens { return NewTokens(tokSecret).WithClock(fixedClock(now)) }

// validClaims are claims Verify accepts for AudienceStaff at tokNow.
func validClaims() Claims {
	return Claims{Role: RoleReviewer, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: "redress", Subject: tokSubject.String(), Audience: jwt.ClaimStrings{AudienceStaff},
		IssuedAt: jwt.NewNumericDate(tokNow), NotBefore: jwt.NewNumericDate(tokNow),
		ExpiresAt: jwt.NewNumericDate(tokNow.Add(time.Hour)), ID: "jti-1",
	}}
}

func sign(t *testing.T, m jwt.SigningMethod, c Claims, key any) string {
	t.Helper()
	s, err := jwt.NewWithClaims(m, c).SignedString(key)
	if err != nil {
		t.Fatalf("sign with %s: %v", m.Alg(), err)
	}
	return s
}

func wantInvalid(t *testing.T, tk *Tokens, token, audience, why string) {
	t.Helper()
	id, c, err := tk.Verify(token, audience)
	if !errors.Is(err, ErrInvalidToken) || id != uuid.Nil || c != nil {
		t.Errorf("%s: Verify = %v, %v, %v; want uuid.Nil, nil, ErrInvalidToken", why, id, c, err)
	}
}

func TestIssueVerifyRoundTrip(t *testing.T) {
	tk := tokensAt(tokNow)
	for _, tc := range []struct {
		aud  string
		role Role
		ttl  time.Duration
	}{
		{AudienceStaff, RoleSupervisor, 8 * time.Hour},
		{AudienceComplainant, "", 30 * time.Minute},
	} {
		tok, exp, err := tk.Issue(tc.aud, tokSubject, tc.role, tc.ttl)
		if err != nil {
			t.Fatal(err)
		}
		if want := tokNow.Add(tc.ttl); !exp.Equal(want) {
			t.Errorf("%s: expiry = %v, want %v", tc.aud, exp, want)
		}
		if strings.Count(tok, ".") != 2 {
			t.Fatalf("%s: token %q is not a compact JWS", tc.aud, tok)
		}
		id, c, err := tk.Verify(tok, tc.aud)
		if err != nil {
			t.Fatalf("%s: Verify: %v", tc.aud, err)
		}
		if id != tokSubject {
			t.Errorf("%s: subject = %v, want %v", tc.aud, id, tokSubject)
		}
		if c.Role != tc.role || c.Issuer != "redress" || len(c.Audience) != 1 || c.Audience[0] != tc.aud {
			t.Errorf("%s: claims role=%q iss=%q aud=%v", tc.aud, c.Role, c.Issuer, c.Audience)
		}
		if !c.ExpiresAt.Time.Equal(exp) || !c.IssuedAt.Time.Equal(tokNow) || !c.NotBefore.Time.Equal(tokNow) {
			t.Errorf("%s: exp=%v iat=%v nbf=%v", tc.aud, c.ExpiresAt, c.IssuedAt, c.NotBefore)
		}
		if _, err := uuid.Parse(c.ID); err != nil {
			t.Errorf("%s: jti %q is not a uuid", tc.aud, c.ID)
		}
		hdr := decodeSegment(t, tok, 0)
		if hdr["alg"] != "HS256" {
			t.Errorf("%s: alg = %v, want HS256", tc.aud, hdr["alg"])
		}
	}

	a, _, _ := tk.Issue(AudienceStaff, tokSubject, RoleAdmin, time.Hour)
	b, _, _ := tk.Issue(AudienceStaff, tokSubject, RoleAdmin, time.Hour)
	if a == b {
		t.Error("two tokens issued at the same instant are identical (jti not random)")
	}
	_, ca, _ := tk.Verify(a, AudienceStaff)
	_, cb, _ := tk.Verify(b, AudienceStaff)
	if ca == nil || cb == nil || ca.ID == cb.ID {
		t.Error("two tokens share a jti")
	}
}

func TestVerifyAudienceIsolation(t *testing.T) {
	tk := tokensAt(tokNow)
	staff, _, err := tk.Issue(AudienceStaff, tokSubject, RoleAdmin, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	complainant, _, err := tk.Issue(AudienceComplainant, tokSubject, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	wantInvalid(t, tk, complainant, AudienceStaff, "complainant token as staff")
	wantInvalid(t, tk, staff, AudienceComplainant, "staff token as complainant")
	wantInvalid(t, tk, staff, "", "empty audience")
	wantInvalid(t, tk, staff, "redress", "other audience")
	if _, _, err := tk.Verify(staff, AudienceStaff); err != nil {
		t.Errorf("staff token as staff: %v", err)
	}
	if _, _, err := tk.Verify(complainant, AudienceComplainant); err != nil {
		t.Errorf("complainant token as complainant: %v", err)
	}
}

func TestVerifyLifetime(t *testing.T) {
	tok, _, err := tokensAt(tokNow).Issue(AudienceComplainant, tokSubject, "", 30*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at time.Time
		ok bool
	}{
		{tokNow, true},
		{tokNow.Add(29*time.Minute + 59*time.Second), true},
		{tokNow.Add(30*time.Minute + 10*time.Second), false}, // past expiry and the 5s leeway
		{tokNow.Add(24 * time.Hour), false},
		{tokNow.Add(-time.Minute), false}, // issued in the future of the verifier (iat and nbf)
	} {
		_, _, err := tokensAt(tc.at).Verify(tok, AudienceComplainant)
		if (err == nil) != tc.ok {
			t.Errorf("Verify at %v: err = %v, want ok=%v", tc.at, err, tc.ok)
		}
		if err != nil && !errors.Is(err, ErrInvalidToken) {
			t.Errorf("Verify at %v: err = %v, want ErrInvalidToken", tc.at, err)
		}
	}
}

func TestVerifyRejectsForeignAndForgedTokens(t *testing.T) {
	tk := tokensAt(tokNow)
	c := validClaims()

	// Control: a hand-built HS256 token with the right secret verifies, so
	// each rejection below is due to the one thing changed.
	if id, _, err := tk.Verify(sign(t, jwt.SigningMethodHS256, c, tokSecret), AudienceStaff); err != nil || id != tokSubject {
		t.Fatalf("hand-built HS256 token: %v, %v", id, err)
	}

	wantInvalid(t, tk, sign(t, jwt.SigningMethodHS256, c, []byte("another-secret-another-secret-32")), AudienceStaff, "other secret")
	wantInvalid(t, NewTokens([]byte("another-secret-another-secret-32")).WithClock(fixedClock(tokNow)),
		sign(t, jwt.SigningMethodHS256, c, tokSecret), AudienceStaff, "verifier with other secret")
	wantInvalid(t, tk, sign(t, jwt.SigningMethodHS384, c, tokSecret), AudienceStaff, "HS384 with the same secret")
	wantInvalid(t, tk, sign(t, jwt.SigningMethodHS512, c, tokSecret), AudienceStaff, "HS512 with the same secret")
	wantInvalid(t, tk, sign(t, jwt.SigningMethodNone, c, jwt.UnsafeAllowNoneSignatureType), AudienceStaff, "alg none")

	// alg none with the HS256 signature left on, and an HS256 token relabelled none.
	good := sign(t, jwt.SigningMethodHS256, c, tokSecret)
	parts := strings.Split(good, ".")
	noneHdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`))
	wantInvalid(t, tk, noneHdr+"."+parts[1]+"."+parts[2], AudienceStaff, "header relabelled none")
	wantInvalid(t, tk, noneHdr+"."+parts[1]+".", AudienceStaff, "header relabelled none, no signature")

	mod := func(f func(*Claims)) Claims { c := validClaims(); f(&c); return c }
	for why, claims := range map[string]Claims{
		"wrong issuer":        mod(func(c *Claims) { c.Issuer = "someone-else" }),
		"no issuer":           mod(func(c *Claims) { c.Issuer = "" }),
		"no expiry":           mod(func(c *Claims) { c.ExpiresAt = nil }),
		"subject not a uuid":  mod(func(c *Claims) { c.Subject = "admin" }),
		"no subject":          mod(func(c *Claims) { c.Subject = "" }),
		"not yet valid (nbf)": mod(func(c *Claims) { c.NotBefore = jwt.NewNumericDate(tokNow.Add(time.Hour)) }),
		"issued in future":    mod(func(c *Claims) { c.IssuedAt = jwt.NewNumericDate(tokNow.Add(time.Hour)) }),
		"expired":             mod(func(c *Claims) { c.ExpiresAt = jwt.NewNumericDate(tokNow.Add(-time.Minute)) }),
	} {
		wantInvalid(t, tk, sign(t, jwt.SigningMethodHS256, claims, tokSecret), AudienceStaff, why)
	}
}

func decodeSegment(t *testing.T, tok string, i int) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[i])
	if err != nil {
		t.Fatalf("segment %d: %v", i, err)
	}
	m := map[string]any{}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("segment %d: %v", i, err)
	}
	return m
}

func TestVerifyRejectsTampering(t *testing.T) {
	tk := tokensAt(tokNow)
	tok, _, err := tk.Issue(AudienceComplainant, tokSubject, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(tok, ".")

	reencode := func(edit func(map[string]any)) string {
		p := decodeSegment(t, tok, 1)
		edit(p)
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(b) + "." + parts[2]
	}
	wantInvalid(t, tk, reencode(func(p map[string]any) { p["role"] = RoleAdmin }), AudienceComplainant, "role added")
	wantInvalid(t, tk, reencode(func(p map[string]any) { p["aud"] = []string{AudienceStaff} }), AudienceStaff, "audience swapped")
	wantInvalid(t, tk, reencode(func(p map[string]any) { p["sub"] = uuid.New().String() }), AudienceComplainant, "subject swapped")
	wantInvalid(t, tk, reencode(func(p map[string]any) { p["exp"] = tokNow.Add(365 * 24 * time.Hour).Unix() }), AudienceComplainant, "expiry extended")

	// Flipping any one character of the token breaks it.
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	for i := 0; i < len(tok); i++ {
		if tok[i] == '.' {
			continue
		}
		b := []byte(tok)
		j := strings.IndexByte(alphabet, b[i])
		b[i] = alphabet[(j+32)%64] // changes the high bit of this base64 digit
		wantInvalid(t, tk, string(b), AudienceComplainant, fmt.Sprintf("flipped character %d of %q", i, tok))
	}

	for _, junk := range []string{"", ".", "..", "a.b.c", parts[0], parts[0] + "." + parts[1], tok + ".x", "Bearer " + tok} {
		wantInvalid(t, tk, junk, AudienceComplainant, "junk "+junk)
	}
}

// TestTokensAcrossASecretRotation: a token made with the old secret is
// accepted while the old secret is the previous one, and refused once it is
// not; new tokens name their secret by a kid that is not the secret.
func TestTokensAcrossASecretRotation(t *testing.T) {
	oldSecret, newSecret := tokSecret, []byte("fedcba9876543210fedcba9876543210")
	before := tokensAt(tokNow)
	old, _, err := before.Issue(AudienceComplainant, tokSubject, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	rotated := NewTokens(newSecret, oldSecret).WithClock(fixedClock(tokNow))
	after := NewTokens(newSecret).WithClock(fixedClock(tokNow))
	if id, _, err := rotated.Verify(old, AudienceComplainant); err != nil || id != tokSubject {
		t.Errorf("an old token with the old secret as previous: %v, %v", id, err)
	}
	wantInvalid(t, after, old, AudienceComplainant, "an old token once the previous secret is unset")

	// A token of before kids (no kid header) tries both secrets.
	bare := sign(t, jwt.SigningMethodHS256, validClaims(), oldSecret)
	if _, _, err := rotated.Verify(bare, AudienceStaff); err != nil {
		t.Errorf("a token without kid, by the previous secret: %v", err)
	}
	wantInvalid(t, after, bare, AudienceStaff, "a token without kid once the previous secret is unset")

	// New tokens are signed by the new secret and name it.
	fresh, _, err := rotated.Issue(AudienceStaff, tokSubject, RoleReviewer, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	hdr, _ := base64.RawURLEncoding.DecodeString(strings.Split(fresh, ".")[0])
	var h map[string]any
	if err := json.Unmarshal(hdr, &h); err != nil {
		t.Fatal(err)
	}
	if h["kid"] != TokenKeyID(newSecret) || len(TokenKeyID(newSecret)) != 8 || TokenKeyID(newSecret) == TokenKeyID(oldSecret) {
		t.Errorf("header %s: kid, want %s", hdr, TokenKeyID(newSecret))
	}
	if strings.Contains(string(hdr), string(newSecret)) || strings.Contains(fresh, base64.RawURLEncoding.EncodeToString(newSecret)) {
		t.Errorf("the token carries its secret: %s", hdr)
	}
	if _, _, err := after.Verify(fresh, AudienceStaff); err != nil {
		t.Errorf("a new token once the previous secret is unset: %v", err)
	}
	wantInvalid(t, before, fresh, AudienceStaff, "a new token on a process that has only the old secret")
	if got := rotated.KeyIDs(); len(got) != 2 || got[0] != TokenKeyID(newSecret) || got[1] != TokenKeyID(oldSecret) {
		t.Errorf("KeyIDs = %v", got)
	}

	// A kid decides: a token naming the new secret but signed by the old
	// one, or naming a secret nobody has, is refused.
	c := validClaims()
	for _, kid := range []string{TokenKeyID(newSecret), "unknown0"} {
		tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
		tok.Header["kid"] = kid
		s, err := tok.SignedString(oldSecret)
		if err != nil {
			t.Fatal(err)
		}
		wantInvalid(t, rotated, s, AudienceStaff, "kid "+kid+" over the old secret's signature")
	}
}
