package auth

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
)

var codeRE = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$`)

func TestNewCodeFormatAndSpread(t *testing.T) {
	if CodeBits < 100 {
		t.Fatalf("a code holds %d bits of secret, want at least 100", CodeBits)
	}
	const draws = 4000
	seen := make(map[string]bool, draws)
	var counts [20][32]int
	for i := 0; i < draws; i++ {
		c, err := NewCode()
		if err != nil {
			t.Fatal(err)
		}
		if !codeRE.MatchString(c) {
			t.Fatalf("code %q is not four groups of five Crockford characters", c)
		}
		if seen[c] {
			t.Fatalf("code %q drawn twice", c)
		}
		seen[c] = true
		for j, r := range strings.ReplaceAll(c, "-", "") {
			counts[j][strings.IndexRune(crockfordAlphabet, r)]++
		}
	}
	// Every position uses the whole alphabet about evenly (expected 125 each).
	for pos, row := range counts {
		for sym, n := range row {
			if n < 60 || n > 200 {
				t.Errorf("position %d: %q drawn %d times in %d codes", pos, crockfordAlphabet[sym], n, draws)
			}
		}
	}
}

func TestDeriveCode(t *testing.T) {
	id := uuid.MustParse("7b0e4f56-3a1d-4c1e-9a55-1f0f4e1b2c3d")
	a := DeriveCode([]byte("secret"), "key-1", id)
	if !codeRE.MatchString(a) {
		t.Fatalf("derived code %q", a)
	}
	if a != DeriveCode([]byte("secret"), "key-1", id) {
		t.Error("the same key and case give another code")
	}
	for _, other := range []string{
		DeriveCode([]byte("secret2"), "key-1", id),
		DeriveCode([]byte("secret"), "key-2", id),
		DeriveCode([]byte("secret"), "key-1", uuid.New()),
	} {
		if other == a {
			t.Errorf("a different input gives the same code %s", a)
		}
	}
	if a == strings.ReplaceAll(DeriveReceipt([]byte("secret"), "key-1", id), "-", "")[:20] {
		t.Error("the code is the receipt's beginning")
	}
}

func TestNormalizeCode(t *testing.T) {
	const canon = "7KQ2M-9XTAB-R4C8D-1EFGH"
	good := []struct{ name, in, want string }{
		{"canonical", canon, canon},
		{"lower case", "7kq2m-9xtab-r4c8d-1efgh", canon},
		{"spaces", "7kq2m 9xtab r4c8d 1efgh", canon},
		{"no separators", "7KQ2M9XTABR4C8D1EFGH", canon},
		{"odd separators", " 7KQ-2M9.XTA_BR4C 8D1E\tFGH \n", canon},
		{"I and L for one", "7KQ2M-9XTAB-R4C8D-IEFGH", canon},
		{"l for one", "7KQ2M-9XTAB-R4C8D-lEFGH", canon},
		{"O for zero", "OOOOO-00000-ooooo-00000", "00000-00000-00000-00000"},
		{"en dash and no-break space", "7KQ2M\u20139XTAB\u00a0R4C8D\u20111EFGH", canon},
		{"full-width", "７ＫＱ２Ｍ９ＸＴＡＢＲ４Ｃ８Ｄ１ＥＦＧＨ", canon},
		{"Arabic-Indic digits, right-to-left marks", "\u200f\u0667KQ\u0662M-\u0669XTAB-R\u0664C\u0668D-\u0661EFGH", canon},
	}
	for _, tc := range good {
		got, err := NormalizeCode(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("%s: NormalizeCode(%q) = %q, %v; want %q", tc.name, tc.in, got, err, tc.want)
		}
	}
	bad := []struct{ name, in string }{
		{"empty", ""},
		{"one short", "7KQ2M-9XTAB-R4C8D-1EFG"},
		{"one long", "7KQ2M-9XTAB-R4C8D-1EFGHJ"},
		{"U is not used", "7KQ2M-9XTAB-R4C8D-1EFGU"},
		{"punctuation", "7KQ2M-9XTAB-R4C8D-1EFG!"},
		{"a receipt", "7KQ2-M9XT-ABR4-C8D1-EFGH-JKMN"},
		{"a reference", "RD-123-456-789"},
		{"letters from another script", "7KQ2M-9XTAB-R4C8D-1EFGЖ"},
		{"very long", strings.Repeat("-", 500) + canon},
	}
	for _, tc := range bad {
		if got, err := NormalizeCode(tc.in); !errors.Is(err, ErrMalformedCode) {
			t.Errorf("%s: NormalizeCode(%q) = %q, %v; want ErrMalformedCode", tc.name, tc.in, got, err)
		}
	}
}

func TestHashCode(t *testing.T) {
	h := HashCode([]byte("secret"), "7KQ2M-9XTAB-R4C8D-1EFGH")
	if len(h) != 32 {
		t.Fatalf("hash of %d bytes", len(h))
	}
	if bytes.Equal(h, HashCode([]byte("other"), "7KQ2M-9XTAB-R4C8D-1EFGH")) {
		t.Error("the hash does not depend on the secret")
	}
	if bytes.Equal(h, HashReceipt([]byte("secret"), "7KQ2M-9XTAB-R4C8D-1EFGH")) {
		t.Error("a code and a receipt of the same text hash alike")
	}
}

// FuzzNormalizeCode: whatever is typed, the parser never panics, and what it
// accepts is canonical, stable, and the same code however it is spelt.
func FuzzNormalizeCode(f *testing.F) {
	for _, s := range []string{"7KQ2M-9XTAB-R4C8D-1EFGH", "7kq2m 9xtab r4c8d iefgh", "", "OOOOO-OOOOO-OOOOO-OOOOO",
		"RD-123-456-789", "٧KQ٢M-٩XTAB-R٤C٨D-١EFGH", "\xff\xfe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := NormalizeCode(s)
		if err != nil {
			if got != "" || !errors.Is(err, ErrMalformedCode) {
				t.Fatalf("NormalizeCode(%q) = %q, %v", s, got, err)
			}
			return
		}
		if !codeRE.MatchString(got) {
			t.Fatalf("NormalizeCode(%q) = %q, not canonical", s, got)
		}
		if again, err := NormalizeCode(got); err != nil || again != got {
			t.Fatalf("not stable: %q → %q → %q, %v", s, got, again, err)
		}
		if low, err := NormalizeCode(strings.ToLower(got)); err != nil || low != got {
			t.Fatalf("lower case of %q gives %q, %v", got, low, err)
		}
	})
}
