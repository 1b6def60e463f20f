package escalation

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/db"
)

// KeyStatus is where a dossier-signing key is in its life: the current key
// signs; a rotation makes it previous; an operator retires a key that must
// never sign again. Every key stays published, so what it signed verifies.
type KeyStatus string

// The key statuses (signing_keys.status's CHECK lists the same).
const (
	KeyCurrent  KeyStatus = "current"
	KeyPrevious KeyStatus = "previous"
	KeyRetired  KeyStatus = "retired"
)

// KeyStatuses are every key status.
var KeyStatuses = []KeyStatus{KeyCurrent, KeyPrevious, KeyRetired}

// KeySetPath is where the signing keys are published.
const KeySetPath = "/.well-known/redress-signing-key"

// PublicKey is a dossier-signing key as a JSON Web Key (RFC 8037), served
// in the key set at /.well-known/redress-signing-key with its PEM for
// openssl users. A key signed from NotBefore until NotAfter (null while it
// is current).
type PublicKey struct {
	KID       string     `json:"kid"`
	Kty       string     `json:"kty"` // OKP
	Crv       string     `json:"crv"` // Ed25519
	X         string     `json:"x"`   // the 32-byte key, base64url without padding
	Alg       string     `json:"alg"` // EdDSA
	Use       string     `json:"use"` // sig
	PEM       string     `json:"pem"` // SubjectPublicKeyInfo
	Status    KeyStatus  `json:"status"`
	NotBefore time.Time  `json:"not_before"`
	NotAfter  *time.Time `json:"not_after"`
	CreatedAt time.Time  `json:"created_at"`
	RetiredAt *time.Time `json:"retired_at,omitempty"`
}

// Signature is an Ed25519 signature over the exact bytes of a document.
type Signature struct {
	Alg    string `json:"alg"` // Ed25519
	KeyID  string `json:"key_id"`
	Value  string `json:"value"`  // base64 (standard, padded) of the 64-byte signature
	SHA256 string `json:"sha256"` // hex digest of the signed bytes
}

// Errors of the key commands.
var (
	ErrNoSuchKey      = errors.New("escalation: no signing key has that id")
	ErrKeyIsCurrent   = errors.New("escalation: the key is current: rotate first (redress keys signing rotate), then retire it")
	ErrAlreadyRetired = errors.New("escalation: the key is retired already")
)

func purposeSigningKey(kid string) string { return "signing_key:" + kid }

func keyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return base64.RawURLEncoding.EncodeToString(sum[:12])
}

type signingKey struct {
	id   string
	priv ed25519.PrivateKey
}

// signer returns the current signing key, making one the first time (in q,
// the caller's transaction or the pool): the partial unique index keeps one
// current key when two processes race.
//
// The current key's id is read on every signing (one primary-key-sized
// index read of a table of a few rows, locked FOR SHARE in the caller's
// transaction), so a rotation or a retirement made by another process is
// seen at the next signing, and one that is committing waits for the
// signings under way: no key signs after it stopped being current. Only the
// opened private keys are cached, by id. The read costs about one round
// trip, under 1% of a signing, which renders a PDF (BENCHMARKS.md, seventh
// session).
func (s *Service) signer(q *gorm.DB) (*signingKey, error) {
	row, err := currentSigningKey(q)
	if err != nil {
		return nil, fmt.Errorf("escalation: signing key: %w", err)
	}
	if row == nil {
		// None yet, or a rotation committed while this read waited for it
		// (the row it locked is no longer current): read again first.
		if row, err = currentSigningKey(q); err != nil {
			return nil, fmt.Errorf("escalation: signing key: %w", err)
		}
	}
	if row == nil {
		kid, pub, sealed, err := s.newSigningKey()
		if err != nil {
			return nil, err
		}
		if err := insertSigningKey(q, kid, pub, sealed); err != nil {
			return nil, fmt.Errorf("escalation: new signing key: %w", err)
		}
		if row, err = currentSigningKey(q); err != nil || row == nil {
			return nil, fmt.Errorf("escalation: signing key after making one: %v", err)
		}
	}
	s.keyMu.Lock()
	k := s.opened[row.ID]
	s.keyMu.Unlock()
	if k != nil {
		return k, nil
	}
	seed, err := s.keys.Open(purposeSigningKey(row.ID), row.PrivateKeyEnc)
	if err != nil {
		return nil, fmt.Errorf("escalation: open signing key %s: %w", row.ID, err)
	}
	if len(seed) != ed25519.SeedSize {
		return nil, errors.New("escalation: signing key has the wrong size")
	}
	k = &signingKey{id: row.ID, priv: ed25519.NewKeyFromSeed(seed)}
	s.keyMu.Lock()
	if s.opened == nil {
		s.opened = map[string]*signingKey{}
	}
	s.opened[row.ID] = k
	s.keyMu.Unlock()
	return k, nil
}

// newSigningKey makes a key pair and seals its private half.
func (s *Service) newSigningKey() (kid string, pub ed25519.PublicKey, sealed []byte, err error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", nil, nil, err
	}
	kid = keyID(pub)
	sealed, err = s.keys.Seal(purposeSigningKey(kid), priv.Seed())
	return kid, pub, sealed, err
}

// sign signs b with k.
func (k *signingKey) sign(b []byte) []byte { return ed25519.Sign(k.priv, b) }

// RotateSigningKey makes a new current signing key and the current one
// previous (it stays published, and stops signing), and returns the new
// key's id. Every process signs with the new key from its next signing.
func (s *Service) RotateSigningKey(ctx context.Context) (string, error) {
	kid, pub, sealed, err := s.newSigningKey()
	if err != nil {
		return "", err
	}
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		return rotateSigningKey(tx, kid, pub, sealed)
	})
	if err != nil {
		return "", fmt.Errorf("escalation: rotate signing key: %w", err)
	}
	return kid, nil
}

// RetireSigningKey retires a previous key: it stays published, so what it
// signed verifies, and never signs again. The current key cannot be retired
// (ErrKeyIsCurrent): rotate first.
func (s *Service) RetireSigningKey(ctx context.Context, kid string) error {
	var from KeyStatus
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		from, err = retireSigningKey(tx, kid)
		return err
	})
	if err != nil {
		return fmt.Errorf("escalation: retire signing key: %w", err)
	}
	switch from {
	case "":
		return ErrNoSuchKey
	case KeyCurrent:
		return ErrKeyIsCurrent
	case KeyRetired:
		return ErrAlreadyRetired
	}
	return nil
}

// PublicKeys lists every signing key, current first, then the previous and
// the retired ones, newest first; one is made if there is none yet, so the
// key is published before the first dossier.
func (s *Service) PublicKeys(ctx context.Context) ([]PublicKey, error) {
	keys, err := s.SigningKeys(ctx)
	if err != nil || (len(keys) > 0 && keys[0].Status == KeyCurrent) {
		return keys, err // a plain read: the public URL locks nothing
	}
	if _, err := s.signer(s.db.WithContext(ctx)); err != nil {
		return nil, err
	}
	return s.SigningKeys(ctx)
}

// SigningKeys lists every signing key as PublicKeys does, making none.
func (s *Service) SigningKeys(ctx context.Context) ([]PublicKey, error) {
	rows, err := signingKeys(s.db.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("escalation: public keys: %w", err)
	}
	out := make([]PublicKey, len(rows))
	for i, r := range rows {
		der, err := x509.MarshalPKIXPublicKey(ed25519.PublicKey(r.PublicKey))
		if err != nil {
			return nil, err
		}
		out[i] = PublicKey{KID: r.ID, Kty: "OKP", Crv: "Ed25519", Alg: "EdDSA", Use: "sig",
			X:   base64.RawURLEncoding.EncodeToString(r.PublicKey),
			PEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), Status: r.Status,
			NotBefore: r.CreatedAt.UTC(), CreatedAt: r.CreatedAt.UTC(), NotAfter: utc(r.NotAfter), RetiredAt: utc(r.RetiredAt)}
	}
	return out, nil
}

// Verify checks sig over b against the published key kid: what a body does
// with the key set from the well-known URL. A key of any status verifies
// what it signed.
func Verify(keys []PublicKey, b []byte, sig Signature) error {
	for _, k := range keys {
		if k.KID != sig.KeyID {
			continue
		}
		pub, err := base64.RawURLEncoding.DecodeString(k.X)
		if err != nil || len(pub) != ed25519.PublicKeySize {
			return errors.New("escalation: the published key is malformed")
		}
		raw, err := base64.StdEncoding.DecodeString(sig.Value)
		if err != nil {
			return errors.New("escalation: the signature is not base64")
		}
		if !ed25519.Verify(ed25519.PublicKey(pub), b, raw) {
			return errors.New("escalation: the signature does not match")
		}
		return nil
	}
	return fmt.Errorf("escalation: no published key %q", sig.KeyID)
}

func signature(kid string, sig, digest []byte) Signature {
	return Signature{Alg: "Ed25519", KeyID: kid, Value: base64.StdEncoding.EncodeToString(sig),
		SHA256: fmt.Sprintf("%x", digest)}
}
