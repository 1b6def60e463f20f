package auth

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/argon2"
)

var phcRE = regexp.MustCompile(`^\$argon2id\$v=19\$m=65536,t=3,p=2\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$`)

// Each HashPassword or CheckPassword of a real hash costs 64 MiB and tens of
// milliseconds (seconds under -race), so this test makes four such calls, in
// pairs that run side by side.
func TestHashPasswordAndCheck(t *testing.T) {
	const pw = "correct horse battery staple ✓"
	var (
		wg            sync.WaitGroup
		hashes        [2]string
		hashErrs      [2]error
		okRight       bool
		okWrong       bool
		errR, errW    error
		wrongPassword = "correct horse battery staple"
	)
	for i := range hashes {
		wg.Go(func() { hashes[i], hashErrs[i] = HashPassword(pw) })
	}
	wg.Wait()
	for i, err := range hashErrs {
		if err != nil {
			t.Fatalf("HashPassword #%d: %v", i, err)
		}
	}
	h1, h2 := hashes[0], hashes[1]
	wg.Go(func() { okRight, errR = CheckPassword(h1, pw) })
	wg.Go(func() { okWrong, errW = CheckPassword(h1, wrongPassword) })
	wg.Wait()
	if !okRight || errR != nil {
		t.Errorf("CheckPassword(right password) = %v, %v; want true, nil", okRight, errR)
	}
	if okWrong || errW != nil {
		t.Errorf("CheckPassword(wrong password) = %v, %v; want false, nil", okWrong, errW)
	}

	m := phcRE.FindStringSubmatch(h1)
	if m == nil {
		t.Fatalf("hash %q is not an argon2id PHC string with the expected parameters", h1)
	}
	if salt, _ := base64.RawStdEncoding.DecodeString(m[1]); len(salt) != 16 {
		t.Errorf("salt is %d bytes, want 16", len(salt))
	}
	if strings.Contains(h1, pw) {
		t.Error("hash contains the password")
	}
	m2 := phcRE.FindStringSubmatch(h2)
	if m2 == nil {
		t.Fatalf("hash %q is not an argon2id PHC string", h2)
	}
	if m[1] == m2[1] {
		t.Errorf("two hashes share the salt %s", m[1])
	}
	if m[2] == m2[2] {
		t.Errorf("two hashes of the same password share the key %s", m[2])
	}
}

// cheapHash builds a PHC string with tiny parameters, independently of
// HashPassword, so CheckPassword can be exercised without 64 MiB per call.
func cheapHash(password string, salt []byte, m, t uint32, p uint8) string {
	key := argon2.IDKey([]byte(password), salt, t, m, p, 32)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", m, t, p,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

func TestCheckPasswordUsesParametersFromHash(t *testing.T) {
	salt := []byte("0123456789abcdef")
	h := cheapHash("hunter2", salt, 16, 1, 2)
	if ok, err := CheckPassword(h, "hunter2"); !ok || err != nil {
		t.Errorf("CheckPassword(cheap hash, right) = %v, %v; want true, nil", ok, err)
	}
	for _, wrong := range []string{"hunter3", "", "Hunter2", "hunter2 ", "hunter"} {
		if ok, err := CheckPassword(h, wrong); ok || err != nil {
			t.Errorf("CheckPassword(cheap hash, %q) = %v, %v; want false, nil", wrong, ok, err)
		}
	}
	// Changing any parameter in the string changes the derived key.
	for _, mod := range []string{
		strings.Replace(h, "m=16,", "m=32,", 1),
		strings.Replace(h, ",t=1,", ",t=2,", 1),
		strings.Replace(h, ",p=2$", ",p=1$", 1),
	} {
		if mod == h {
			t.Fatalf("test setup: replacement did not apply to %q", h)
		}
		if ok, err := CheckPassword(mod, "hunter2"); ok || err != nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want false, nil", mod, ok, err)
		}
	}
	// A shorter stored key is compared at its own length.
	short := argon2.IDKey([]byte("hunter2"), salt, 1, 16, 2, 16)
	hs := fmt.Sprintf("$argon2id$v=19$m=16,t=1,p=2$%s$%s",
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(short))
	if ok, err := CheckPassword(hs, "hunter2"); !ok || err != nil {
		t.Errorf("CheckPassword(16-byte key) = %v, %v; want true, nil", ok, err)
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	const salt = "MDEyMzQ1Njc4OWFiY2RlZg"                     // 16 bytes
	const key = "YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE" // 32 bytes
	for _, h := range []string{
		"",
		"password",
		"$",
		"$$$$$",
		"$argon2id$v=19$m=65536,t=3,p=2$" + salt, // 5 parts
		"$argon2id$v=19$m=65536,t=3,p=2$" + salt + "$" + key + "$", // 7 parts
		"$argon2i$v=19$m=65536,t=3,p=2$" + salt + "$" + key,
		"$argon2d$v=19$m=65536,t=3,p=2$" + salt + "$" + key,
		"$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"$argon2id$v=16$m=65536,t=3,p=2$" + salt + "$" + key,
		"$argon2id$v=x$m=65536,t=3,p=2$" + salt + "$" + key,
		"$argon2id$$m=65536,t=3,p=2$" + salt + "$" + key,
		"$argon2id$v=19$m=65536,t=3$" + salt + "$" + key,
		"$argon2id$v=19$t=3,m=65536,p=2$" + salt + "$" + key,
		"$argon2id$v=19$m=-1,t=3,p=2$" + salt + "$" + key,
		"$argon2id$v=19$m=65536,t=3,p=256$" + salt + "$" + key, // p overflows uint8
		"$argon2id$v=19$m=99999999999,t=3,p=2$" + salt + "$" + key,
		"$argon2id$v=19$m=65536,t=3,p=2$" + salt + "!$" + key,
		"$argon2id$v=19$m=65536,t=3,p=2$" + salt + "$" + key + "!",
		"$argon2id$v=19$m=65536,t=3,p=2$" + salt + "==$" + key, // padded base64 is not the PHC form
		"$argon2id$v=19$m=65536,t=3,p=2$" + salt + "$",         // empty key
	} {
		ok, err := func() (ok bool, err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panic: %v", r)
				}
			}()
			return CheckPassword(h, "password")
		}()
		if ok || !errors.Is(err, errBadHash) {
			t.Errorf("CheckPassword(%q) = %v, %v; want false, errBadHash", h, ok, err)
		}
	}
}

// A hash whose t or p is 0 must be refused, not reach argon2.IDKey, which panics on them.
func TestCheckPasswordZeroCostParameters(t *testing.T) {
	const tail = "$MDEyMzQ1Njc4OWFiY2RlZg$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE"
	for _, h := range []string{
		"$argon2id$v=19$m=65536,t=0,p=2" + tail,
		"$argon2id$v=19$m=65536,t=3,p=0" + tail,
	} {
		ok, err := func() (ok bool, err error) {
			defer func() {
				if r := recover(); r != nil {
					err = fmt.Errorf("panic: %v", r)
				}
			}()
			return CheckPassword(h, "password")
		}()
		if ok || !errors.Is(err, errBadHash) {
			t.Errorf("CheckPassword(%q) = %v, %v; want false, errBadHash", h, ok, err)
		}
	}
}

// The store hashes new passwords at its configured cost, and a hash made
// at one cost is checked at that cost: lowering the cost for tests never
// changes how production hashes are read.
func TestPasswordCostIsRecordedInTheHash(t *testing.T) {
	cheap := PasswordCost{MemoryKiB: 64, Time: 1, Threads: 1}
	h, err := HashPasswordCost("a cheap test password", cheap)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h, "$m=64,t=1,p=1$") {
		t.Fatalf("the hash does not record its cost: %s", h)
	}
	if ok, err := CheckPassword(h, "a cheap test password"); !ok || err != nil {
		t.Fatalf("the right password at its own cost: %v %v", ok, err)
	}
	if ok, _ := CheckPassword(h, "another password"); ok {
		t.Fatal("a wrong password passed")
	}
	for _, bad := range []PasswordCost{{}, {MemoryKiB: 4, Time: 1, Threads: 1}, {MemoryKiB: 64, Time: 0, Threads: 1}, {MemoryKiB: 1 << 22, Time: 1, Threads: 1}} {
		if _, err := HashPasswordCost("x", bad); err == nil {
			t.Errorf("cost %+v was accepted", bad)
		}
	}
}

// The hash an unknown email's password is checked against (issue 18, item
// 7): made without running argon2, whose 64 MiB at the default cost every
// process paid at start and whose garbage then doubled the collector's
// target, yet recording the very cost a real hash records, so checking
// against it costs the same.
func TestUnknownAccountHashCostsTheSameWithoutAnArgonRun(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	u := NewUsers(nil, DefaultPasswordCost)
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 8<<20 {
		t.Errorf("NewUsers allocated %d MiB; the placeholder hash should need no argon2 run", n>>20)
	}
	m := phcRE.FindStringSubmatch(u.dummyHash)
	if m == nil {
		t.Fatalf("placeholder %q does not record the default cost as a real hash does (%s)", u.dummyHash, phcRE)
	}
	if salt, _ := base64.RawStdEncoding.DecodeString(m[1]); len(salt) != 16 {
		t.Errorf("placeholder salt is %d bytes, want 16 as a real hash's", len(salt))
	}
	if u2 := NewUsers(nil, DefaultPasswordCost); u2.dummyHash == u.dummyHash {
		t.Error("two placeholders are the same string; each should have its own random salt and key")
	}

	// At a cheap cost, checked for real: a well-formed hash that no password matches.
	cheap := PasswordCost{MemoryKiB: 64, Time: 1, Threads: 1}
	c := NewUsers(nil, cheap)
	real, err := HashPasswordCost("x", cheap)
	if err != nil {
		t.Fatal(err)
	}
	params := func(h string) string { p := strings.Split(h, "$"); return strings.Join(p[:4], "$") }
	if params(c.dummyHash) != params(real) {
		t.Errorf("placeholder parameters %q, a real hash's %q", params(c.dummyHash), params(real))
	}
	for _, pw := range []string{"", "x", "redress-timing-equaliser"} {
		if ok, err := CheckPassword(c.dummyHash, pw); ok || err != nil {
			t.Errorf("CheckPassword(placeholder, %q) = %v, %v; want false, nil", pw, ok, err)
		}
	}
	if _, err := placeholderHash(PasswordCost{}); err == nil {
		t.Error("placeholderHash accepted a cost argon2 cannot run at")
	}
}
