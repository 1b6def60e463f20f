// Package auth holds passwords, tokens, receipts, references and roles.
//
// It owns the staff and body accounts (users, model User), their sessions
// (staff_sessions, model Session), second factors (user_second_factors),
// recovery codes (recovery_codes) and the sign-in policies
// (sign_in_policies, model Policy). It publishes no event. The statements
// that need SQL's full power — among them the session check every request
// makes, in one statement — are in queries.go; simple ones use GORM's
// builder.
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

const argonKeyLen = 32

// PasswordCost is the work of one argon2id hash: memory in KiB, passes and
// lanes. A hash records its own cost, so a password is checked at the cost
// it was hashed with, whatever the current one.
type PasswordCost struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultPasswordCost is RFC 9106's second recommended option
// (memory-constrained): 64 MiB, 3 passes, 2 lanes. Production keeps it;
// tests configure a cheap one (REDRESS_PASSWORD_HASH) so that signing in
// under the race detector takes milliseconds, not seconds.
var DefaultPasswordCost = PasswordCost{MemoryKiB: 64 * 1024, Time: 3, Threads: 2}

// Valid reports whether argon2 can run at cost: the bounds CheckPassword
// enforces on a stored hash.
func (c PasswordCost) Valid() bool {
	return c.Time >= 1 && c.Time <= 16 && c.Threads >= 1 && c.Threads <= 16 &&
		c.MemoryKiB >= 8*uint32(c.Threads) && c.MemoryKiB <= 1<<21
}

// HashPassword returns an argon2id hash in the PHC string format, at the
// default cost.
func HashPassword(password string) (string, error) {
	return HashPasswordCost(password, DefaultPasswordCost)
}

// HashPasswordCost returns an argon2id hash of password at cost.
func HashPasswordCost(password string, cost PasswordCost) (string, error) {
	if !cost.Valid() {
		return "", fmt.Errorf("auth: password cost out of bounds: %+v", cost)
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, cost.Time, cost.MemoryKiB, cost.Threads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, cost.MemoryKiB, cost.Time, cost.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// placeholderHash is a hash in the PHC string format at cost that no password
// matches: a random salt and a random key, not derived by argon2. Checking a
// password against it costs what checking against a real hash at cost does
// (CheckPassword runs argon2 with the parameters and lengths the string
// records, whatever the key), so it stands in for the hash of an unknown
// account without the one argon2 run (64 MiB at the default cost, and that
// memory's garbage raising the collector's target) it would take to make.
func placeholderHash(cost PasswordCost) (string, error) {
	if !cost.Valid() {
		return "", fmt.Errorf("auth: password cost out of bounds: %+v", cost)
	}
	b := make([]byte, 16+argonKeyLen)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, cost.MemoryKiB, cost.Time, cost.Threads,
		base64.RawStdEncoding.EncodeToString(b[:16]), base64.RawStdEncoding.EncodeToString(b[16:])), nil
}

var errBadHash = errors.New("auth: malformed password hash")

// CheckPassword reports whether password matches an argon2id PHC hash.
func CheckPassword(hash, password string) (bool, error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errBadHash
	}
	// Bounds keep a corrupt or hostile hash from panicking argon2 (t or p of 0)
	// or asking it for terabytes of memory.
	if !(PasswordCost{MemoryKiB: m, Time: t, Threads: p}).Valid() {
		return false, errBadHash
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false, errBadHash
	}
	want, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 64 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
