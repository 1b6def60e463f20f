// Package seal encrypts sensitive fields at rest with AES-256-GCM.
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
)

const version = 1

// ErrUnknownKey means a value was sealed with a key id this process does not hold.
var ErrUnknownKey = errors.New("seal: unknown key id")

// ErrCorrupt means a value does not open: wrong key, wrong purpose or tampered bytes.
var ErrCorrupt = errors.New("seal: value does not open")

// Keyring seals with its current key and opens with any key it holds.
type Keyring struct {
	current string
	aeads   map[string]cipher.AEAD
}

// NewKeyring builds a keyring from key ids to 32-byte keys; current seals new values.
func NewKeyring(keys map[string][]byte, current string) (*Keyring, error) {
	k := &Keyring{current: current, aeads: make(map[string]cipher.AEAD, len(keys))}
	for id, key := range keys {
		if len(id) == 0 || len(id) > 255 {
			return nil, fmt.Errorf("seal: key id %q must be 1 to 255 bytes", id)
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

// Seal encrypts plaintext for purpose with the current key.
func (k *Keyring) Seal(purpose string, plaintext []byte) ([]byte, error) {
	aead := k.aeads[k.current]
	out := make([]byte, 0, 2+len(k.current)+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out = append(out, version, byte(len(k.current)))
	out = append(out, k.current...)
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

// Open decrypts a value sealed for purpose.
func (k *Keyring) Open(purpose string, sealed []byte) ([]byte, error) {
	id, body, err := split(sealed)
	if err != nil {
		return nil, err
	}
	aead, ok := k.aeads[id]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, id)
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

// OpenString is Open for strings; nil opens to "".
func (k *Keyring) OpenString(purpose string, sealed []byte) (string, error) {
	if sealed == nil {
		return "", nil
	}
	b, err := k.Open(purpose, sealed)
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
