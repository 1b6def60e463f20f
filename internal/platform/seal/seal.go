// Package seal encrypts sensitive fields at rest with AES-256-GCM.
//
// Values that belong to a case are sealed with that case's own data key
// (SealCase; key id "case:<case id>"), which a CaseKeys store keeps wrapped
// by the master keys: destroying a case's data key erases everything sealed
// under it (crypto-shredding). Other values (signing keys, secrets) are sealed
// with the master keys themselves.
//
// A sealed value is: version byte 1, key-id length, key id, 12-byte nonce,
// ciphertext with tag. The key id lets old data be read after a new key is
// made current (rotation). Every value is bound to its purpose through the
// additional data (for example "case.description:<case id>"), so a ciphertext
// copied into another row or column does not open.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
)

const version = 1

// ErrUnknownKey means a value was sealed with a key id this process does not hold.
var ErrUnknownKey = errors.New("seal: unknown key id")

// ErrCorrupt means a value does not open: wrong key, wrong purpose or tampered bytes.
var ErrCorrupt = errors.New("seal: value does not open")

// ErrErased means a value was sealed with the data key of a case that has
// since been erased: the key is destroyed and the value can never open.
var ErrErased = errors.New("seal: erased")

// ErrNoCaseKeys means SealCase was called on a keyring without a CaseKeys store.
var ErrNoCaseKeys = errors.New("seal: no store of case keys")

// ErasedError says when and on what ground a case's data key was destroyed.
// It matches ErrErased with errors.Is.
type ErasedError struct {
	CaseID uuid.UUID
	At     time.Time
	Ground string
}

func (e *ErasedError) Error() string {
	return fmt.Sprintf("seal: case %s erased on %s (%s)", e.CaseID, e.At.UTC().Format("2006-01-02"), e.Ground)
}

// Is makes errors.Is(err, ErrErased) true.
func (e *ErasedError) Is(target error) bool { return target == ErrErased }

// Text is what an erased text reads as wherever it is shown.
func (e *ErasedError) Text() string {
	return fmt.Sprintf("[erased on %s: %s]", e.At.UTC().Format("2006-01-02"), e.Ground)
}

// CaseKeys keeps one data key per case.
type CaseKeys interface {
	// ForCase returns the data key that seals new values of a case, making
	// one when the case has none; an erased case's is an *ErasedError.
	ForCase(caseID uuid.UUID) (cipher.AEAD, error)
	// Lookup returns a case's data key to open its values, or an *ErasedError.
	Lookup(caseID uuid.UUID) (cipher.AEAD, error)
}

// caseKeyPrefix starts the key id of a value sealed with a case's data key.
const caseKeyPrefix = "case:"

// CaseKeyID is the key id of the values sealed with a case's data key.
func CaseKeyID(caseID uuid.UUID) string { return caseKeyPrefix + caseID.String() }

// Keyring seals with its current key and opens with any key it holds; with
// a CaseKeys store it also seals and opens values under cases' data keys.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
	cases   CaseKeys
}

// WithCaseKeys is the keyring with a store of case data keys: the same
// master keys, plus SealCase and the opening of case-sealed values.
func (k *Keyring) WithCaseKeys(ck CaseKeys) *Keyring {
	return &Keyring{current: k.current, aeads: k.aeads, cases: ck}
}

// Master is the keyring without its store of case keys: what wraps them.
func (k *Keyring) Master() *Keyring {
	return &Keyring{current: k.current, aeads: k.aeads}
}

// NewKeyring builds a keyring from key ids to 32-byte keys; current seals new values.
func NewKeyring(keys map[string][]byte, current string) (*Keyring, error) {
	k := &Keyring{current: current, aeads: make(map[string]cipher.AEAD, len(keys))}
	for id, key := range keys {
		if len(id) == 0 || len(id) > 255 {
			return nil, fmt.Errorf("seal: key id %q must be 1 to 255 bytes", id)
		}
		if strings.HasPrefix(id, caseKeyPrefix) {
			return nil, fmt.Errorf("seal: key id %q must not start with %q (the ids of case keys)", id, caseKeyPrefix)
		}
		if len(key) != 32 {
			return nil, fmt.Errorf("seal: key %q must be 32 bytes", id)
		}
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("seal: key %q: %w", id, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("seal: key %q: %w", id, err)
		}
		k.aeads[id] = aead
	}
	if _, ok := k.aeads[current]; !ok {
		return nil, fmt.Errorf("seal: current key %q is not in the keyring", current)
	}
	return k, nil
}

// CurrentKeyID is the id of the key that seals new values.
func (k *Keyring) CurrentKeyID() string { return k.current }

// KeyIDs lists the ids of all keys held, sorted.
func (k *Keyring) KeyIDs() []string {
	ids := make([]string, 0, len(k.aeads))
	for id := range k.aeads {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Seal encrypts plaintext for purpose with the current master key. Values
// of a case use SealCase.
func (k *Keyring) Seal(purpose string, plaintext []byte) ([]byte, error) {
	return sealWith(k.aeads[k.current], k.current, purpose, plaintext)
}

// SealCase encrypts plaintext for purpose with the data key of a case.
func (k *Keyring) SealCase(caseID uuid.UUID, purpose string, plaintext []byte) ([]byte, error) {
	if k.cases == nil {
		return nil, ErrNoCaseKeys
	}
	aead, err := k.cases.ForCase(caseID)
	if err != nil {
		return nil, err
	}
	return sealWith(aead, CaseKeyID(caseID), purpose, plaintext)
}

// SealCaseString is SealCase for strings; the empty string seals to nil.
func (k *Keyring) SealCaseString(caseID uuid.UUID, purpose, s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	return k.SealCase(caseID, purpose, []byte(s))
}

func sealWith(aead cipher.AEAD, id, purpose string, plaintext []byte) ([]byte, error) {
	out := make([]byte, 0, 2+len(id)+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out = append(out, version, byte(len(id)))
	out = append(out, id...)
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal: nonce: %w", err)
	}
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plaintext, []byte(purpose)), nil
}

// SealString is Seal for strings; the empty string seals to nil (stored as NULL).
func (k *Keyring) SealString(purpose, s string) ([]byte, error) {
	if s == "" {
		return nil, nil
	}
	return k.Seal(purpose, []byte(s))
}

// Open decrypts a value sealed for purpose. A value of an erased case fails
// with an *ErasedError.
func (k *Keyring) Open(purpose string, sealed []byte) ([]byte, error) {
	id, body, err := split(sealed)
	if err != nil {
		return nil, err
	}
	aead, err := k.aead(id)
	if err != nil {
		return nil, err
	}
	if len(body) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrCorrupt
	}
	nonce, ct := body[:aead.NonceSize()], body[aead.NonceSize():]
	pt, err := aead.Open(nil, nonce, ct, []byte(purpose))
	if err != nil {
		return nil, ErrCorrupt
	}
	return pt, nil
}

func (k *Keyring) aead(id string) (cipher.AEAD, error) {
	if rest, ok := strings.CutPrefix(id, caseKeyPrefix); ok {
		caseID, err := uuid.Parse(rest)
		if err != nil {
			return nil, ErrCorrupt
		}
		if k.cases == nil {
			return nil, fmt.Errorf("%w %q", ErrUnknownKey, id)
		}
		return k.cases.Lookup(caseID)
	}
	aead, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, id)
	}
	return aead, nil
}

// OpenString is Open for strings; nil opens to "". A text of an erased case
// opens to what it reads as ("[erased on 2027-03-05: …]"), without error, so
// every page, email and export that shows it says so.
func (k *Keyring) OpenString(purpose string, sealed []byte) (string, error) {
	if sealed == nil {
		return "", nil
	}
	b, err := k.Open(purpose, sealed)
	if e := (*ErasedError)(nil); errors.As(err, &e) {
		return e.Text(), nil
	}
	return string(b), err
}

// KeyID returns the id of the key a value was sealed with (for rotation jobs).
func KeyID(sealed []byte) (string, error) {
	id, _, err := split(sealed)
	return id, err
}

func split(sealed []byte) (id string, body []byte, err error) {
	if len(sealed) < 2 || sealed[0] != version {
		return "", nil, ErrCorrupt
	}
	n := int(sealed[1])
	if n == 0 || len(sealed) < 2+n {
		return "", nil, ErrCorrupt
	}
	return string(sealed[2 : 2+n]), sealed[2+n:], nil
}
