package seal

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"strings"
	"testing"
)

var (
	key1 = bytes.Repeat([]byte{0x11}, 32)
	key2 = bytes.Repeat([]byte{0x22}, 32)
)

func mustKeyring(t testing.TB, keys map[string][]byte, current string) *Keyring {
	t.Helper()
	k, err := NewKeyring(keys, current)
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return k
}

func TestNewKeyring(t *testing.T) {
	k := mustKeyring(t, map[string][]byte{"k2": key2, "k1": key1, "a": key1}, "k2")
	if k.CurrentKeyID() != "k2" {
		t.Errorf("CurrentKeyID = %q, want k2", k.CurrentKeyID())
	}
	if got := strings.Join(k.KeyIDs(), ","); got != "a,k1,k2" {
		t.Errorf("KeyIDs = %q, want a,k1,k2", got)
	}
	for name, tc := range map[string]struct {
		keys    map[string][]byte
		current string
	}{
		"no keys":          {map[string][]byte{}, "k1"},
		"current missing":  {map[string][]byte{"k1": key1}, "k2"},
		"empty current":    {map[string][]byte{"k1": key1}, ""},
		"empty key id":     {map[string][]byte{"": key1, "k1": key1}, "k1"},
		"key id too long":  {map[string][]byte{strings.Repeat("x", 256): key1, "k1": key1}, "k1"},
		"short key":        {map[string][]byte{"k1": key1[:31]}, "k1"},
		"long key":         {map[string][]byte{"k1": append(bytes.Clone(key1), 0)}, "k1"},
		"AES-128 key size": {map[string][]byte{"k1": key1[:16]}, "k1"},
		"nil key":          {map[string][]byte{"k1": nil}, "k1"},
	} {
		if k, err := NewKeyring(tc.keys, tc.current); err == nil || k != nil {
			t.Errorf("%s: NewKeyring = %v, %v; want nil, error", name, k, err)
		}
	}
	long := strings.Repeat("x", 255)
	k = mustKeyring(t, map[string][]byte{long: key1}, long)
	sealed, err := k.Seal("p", []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	if id, err := KeyID(sealed); err != nil || id != long {
		t.Errorf("255-byte key id: KeyID = %q, %v", id, err)
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	k := mustKeyring(t, map[string][]byte{"k1": key1}, "k1")
	for _, pt := range [][]byte{
		{},
		[]byte("a"),
		[]byte("I was refused a loan by an automated system."),
		bytes.Repeat([]byte{0}, 1000),
		[]byte("ünïcödé ✓ 日本語"),
		bytes.Repeat([]byte{0xff, 0x00, 0x7f}, 3000),
	} {
		sealed, err := k.Seal("case.description:42", pt)
		if err != nil {
			t.Fatal(err)
		}
		if len(pt) >= 8 && bytes.Contains(sealed, pt[:8]) {
			t.Errorf("sealed value contains the plaintext")
		}
		got, err := k.Open("case.description:42", sealed)
		if err != nil || !bytes.Equal(got, pt) {
			t.Errorf("Open(Seal(%d bytes)) = %d bytes, %v", len(pt), len(got), err)
		}
	}
}

// TestSealFormat checks the documented layout — version 1, key-id length,
// key id, 12-byte nonce, AES-256-GCM ciphertext with tag, purpose as
// additional data — by opening a sealed value with crypto/cipher directly.
func TestSealFormat(t *testing.T) {
	k := mustKeyring(t, map[string][]byte{"key-7": key1}, "key-7")
	pt := []byte("hello, grievance")
	sealed, err := k.Seal("purpose-x", pt)
	if err != nil {
		t.Fatal(err)
	}
	if want := 2 + len("key-7") + 12 + len(pt) + 16; len(sealed) != want {
		t.Fatalf("sealed length = %d, want %d", len(sealed), want)
	}
	if sealed[0] != 1 || sealed[1] != 5 || string(sealed[2:7]) != "key-7" {
		t.Fatalf("sealed header = %x, want 01 05 'key-7'", sealed[:7])
	}
	block, _ := aes.NewCipher(key1)
	gcm, _ := cipher.NewGCM(block)
	got, err := gcm.Open(nil, sealed[7:19], sealed[19:], []byte("purpose-x"))
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("direct AES-GCM open = %q, %v", got, err)
	}
	if id, err := KeyID(sealed); err != nil || id != "key-7" {
		t.Errorf("KeyID = %q, %v; want key-7", id, err)
	}
}

func TestPurposeBinding(t *testing.T) {
	k := mustKeyring(t, map[string][]byte{"k1": key1}, "k1")
	sealed, err := k.Seal("case.description:A", []byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"case.description:B", "case.contact:A", "", "case.description:A ", "case.description:a", "case.description:"} {
		got, err := k.Open(p, sealed)
		if !errors.Is(err, ErrCorrupt) || got != nil {
			t.Errorf("Open(purpose %q) = %q, %v; want nil, ErrCorrupt", p, got, err)
		}
	}
	if got, err := k.Open("case.description:A", sealed); err != nil || string(got) != "secret" {
		t.Errorf("Open(right purpose) = %q, %v", got, err)
	}
}

func TestTamperingFails(t *testing.T) {
	k := mustKeyring(t, map[string][]byte{"k1": key1, "k2": key2}, "k1")
	sealed, err := k.Seal("p", []byte("the decision was wrong"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range sealed {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			b := bytes.Clone(sealed)
			b[i] ^= mask
			got, err := k.Open("p", b)
			if err == nil || got != nil {
				t.Fatalf("byte %d ^ %#x: Open = %q, %v; want an error", i, mask, got, err)
			}
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("byte %d ^ %#x: err = %v, want ErrCorrupt or ErrUnknownKey", i, mask, err)
			}
			if i >= 4 && !errors.Is(err, ErrCorrupt) { // past the header: nonce, ciphertext, tag
				t.Fatalf("byte %d ^ %#x: err = %v, want ErrCorrupt", i, mask, err)
			}
		}
	}
	// Swapping the key id for another held key fails too.
	b := bytes.Clone(sealed)
	copy(b[2:4], "k2")
	if _, err := k.Open("p", b); !errors.Is(err, ErrCorrupt) {
		t.Errorf("key id swapped to k2: err = %v, want ErrCorrupt", err)
	}
	for n := 0; n < len(sealed); n++ {
		if got, err := k.Open("p", sealed[:n]); err == nil || got != nil {
			t.Fatalf("truncated to %d bytes: Open = %q, %v; want an error", n, got, err)
		}
	}
	if _, err := k.Open("p", append(bytes.Clone(sealed), 0)); !errors.Is(err, ErrCorrupt) {
		t.Errorf("one byte appended: err = %v, want ErrCorrupt", err)
	}
	for _, junk := range [][]byte{nil, {}, {1}, {2, 2, 'k', '1'}, {1, 0}, {1, 0, 0, 0}, {1, 2, 'k', '1'}, {1, 3, 'k', '1'}} {
		if got, err := k.Open("p", junk); err == nil || got != nil {
			t.Errorf("Open(%x) = %q, %v; want an error", junk, got, err)
		}
	}
	for _, junk := range [][]byte{nil, {1}, {2, 2, 'k', '1'}, {1, 0, 'k'}, {1, 3, 'k', '1'}} {
		if _, err := KeyID(junk); !errors.Is(err, ErrCorrupt) {
			t.Errorf("KeyID(%x): err = %v, want ErrCorrupt", junk, err)
		}
	}
}

func TestRotation(t *testing.T) {
	k1 := mustKeyring(t, map[string][]byte{"k1": key1}, "k1")
	old, err := k1.Seal("p", []byte("old data"))
	if err != nil {
		t.Fatal(err)
	}
	k2 := mustKeyring(t, map[string][]byte{"k1": key1, "k2": key2}, "k2")
	if got, err := k2.Open("p", old); err != nil || string(got) != "old data" {
		t.Errorf("old data under rotated keyring: %q, %v", got, err)
	}
	if id, _ := KeyID(old); id != "k1" {
		t.Errorf("KeyID(old) = %q, want k1", id)
	}
	fresh, err := k2.Seal("p", []byte("new data"))
	if err != nil {
		t.Fatal(err)
	}
	if id, err := KeyID(fresh); err != nil || id != "k2" {
		t.Errorf("KeyID(new) = %q, %v; want k2", id, err)
	}
	if got, err := k2.Open("p", fresh); err != nil || string(got) != "new data" {
		t.Errorf("new data: %q, %v", got, err)
	}
	// A process that only holds k1 cannot open k2 data, and says why.
	_, err = k1.Open("p", fresh)
	if !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), `"k2"`) {
		t.Errorf("k1-only keyring opening k2 data: err = %v, want ErrUnknownKey naming k2", err)
	}
	// Re-keying: open with the old key and seal again; the result is k2.
	pt, _ := k2.Open("p", old)
	resealed, _ := k2.Seal("p", pt)
	if id, _ := KeyID(resealed); id != "k2" {
		t.Errorf("resealed KeyID = %q, want k2", id)
	}
	// Keys are looked up by id: the same key material under another id is
	// an unknown key.
	k3 := mustKeyring(t, map[string][]byte{"k3": key1}, "k3")
	if _, err := k3.Open("p", old); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("keyring without k1: err = %v, want ErrUnknownKey", err)
	}
	// Same id, different key material: corrupt.
	kx := mustKeyring(t, map[string][]byte{"k1": key2}, "k1")
	if _, err := kx.Open("p", old); !errors.Is(err, ErrCorrupt) {
		t.Errorf("k1 with other key material: err = %v, want ErrCorrupt", err)
	}
}

func TestSealStringOpenString(t *testing.T) {
	k := mustKeyring(t, map[string][]byte{"k1": key1}, "k1")
	b, err := k.SealString("p", "")
	if err != nil || b != nil {
		t.Errorf(`SealString("") = %x, %v; want nil, nil`, b, err)
	}
	s, err := k.OpenString("p", nil)
	if err != nil || s != "" {
		t.Errorf("OpenString(nil) = %q, %v; want \"\", nil", s, err)
	}
	b, err = k.SealString("p", "contact@example.org")
	if err != nil || b == nil {
		t.Fatalf("SealString = %x, %v", b, err)
	}
	if s, err := k.OpenString("p", b); err != nil || s != "contact@example.org" {
		t.Errorf("OpenString = %q, %v", s, err)
	}
	if s, err := k.OpenString("q", b); !errors.Is(err, ErrCorrupt) || s != "" {
		t.Errorf("OpenString(other purpose) = %q, %v; want \"\", ErrCorrupt", s, err)
	}
	if s, err := k.OpenString("p", []byte{}); !errors.Is(err, ErrCorrupt) || s != "" {
		t.Errorf("OpenString(empty non-nil) = %q, %v; want \"\", ErrCorrupt", s, err)
	}
}

func TestNonceUniqueness(t *testing.T) {
	k := mustKeyring(t, map[string][]byte{"k1": key1}, "k1")
	seen := map[string]bool{}
	var first []byte
	for i := 0; i < 2000; i++ {
		s, err := k.Seal("p", []byte("same plaintext"))
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = s
		} else if bytes.Equal(s, first) {
			t.Fatal("two seals of the same plaintext are identical")
		}
		nonce := string(s[4:16])
		if seen[nonce] {
			t.Fatalf("nonce %x repeated after %d seals", nonce, i)
		}
		seen[nonce] = true
	}
}

// fuzzSealed builds valid sealed values deterministically (fixed nonces), in
// the documented format, so every fuzz worker knows exactly which inputs may
// open. TestSealFormat ties this format to Seal's output.
func fuzzSealed(t testing.TB, id string, key []byte, nonce byte, purpose string, pt []byte) []byte {
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte{1, byte(len(id))}, id...)
	n := bytes.Repeat([]byte{nonce}, 12)
	out = append(out, n...)
	return gcm.Seal(out, n, pt, []byte(purpose))
}

func FuzzOpen(f *testing.F) {
	k := mustKeyring(f, map[string][]byte{"k1": key1, "k2": key2}, "k2")
	type valid struct{ purpose, pt string }
	known := map[string]valid{}
	for i, v := range []struct {
		id      string
		key     []byte
		purpose string
		pt      string
	}{
		{"k1", key1, "p", "hello"},
		{"k2", key2, "case.description:1", ""},
		{"k2", key2, "", "x"},
	} {
		s := fuzzSealed(f, v.id, v.key, byte(i), v.purpose, []byte(v.pt))
		known[string(s)] = valid{v.purpose, v.pt}
		f.Add(v.purpose, s)
		f.Add("other", s)
	}
	f.Add("p", []byte{})
	f.Add("p", []byte{1, 2, 'k', '1'})
	f.Add("p", []byte{1, 255})
	f.Add("p", []byte{1, 0, 1, 2, 3})
	f.Add("p", []byte{1, 2, 'k', '9', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})

	f.Fuzz(func(t *testing.T, purpose string, data []byte) {
		pt, err := k.Open(purpose, data)
		if err != nil {
			if pt != nil {
				t.Fatalf("Open failed with %v but returned %q", err, pt)
			}
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("Open error %v is neither ErrCorrupt nor ErrUnknownKey", err)
			}
			return
		}
		v, ok := known[string(data)]
		if !ok {
			t.Fatalf("Open accepted %x (purpose %q), which was never sealed", data, purpose)
		}
		if purpose != v.purpose || string(pt) != v.pt {
			t.Fatalf("Open(%q) = %q; it was sealed for %q as %q", purpose, pt, v.purpose, v.pt)
		}
		if _, err := KeyID(data); err != nil {
			t.Fatalf("KeyID of an openable value: %v", err)
		}
	})
}
