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
)

// PublicKey is a dossier-signing key as a JSON Web Key (RFC 8037), served
// at /.well-known/redress-signing-key with its PEM for openssl users.
type PublicKey struct {
	KID       string     `json:"kid"`
	Kty       string     `json:"kty"` // OKP
	Crv       string     `json:"crv"` // Ed25519
	X         string     `json:"x"`   // the 32-byte key, base64url without padding
	Alg       string     `json:"alg"` // EdDSA
	Use       string     `json:"use"` // sig
	PEM       string     `json:"pem"` // SubjectPublicKeyInfo
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
func (s *Service) signer(q *gorm.DB) (*signingKey, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	var row signingKeyRow
	read := func() error {
		return q.Select("id, private_key_enc").Where("retired_at IS NULL").Find(&row).Error
	}
	if err := read(); err != nil {
		return nil, fmt.Errorf("escalation: signing key: %w", err)
	}
	if row.ID == "" {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		kid := keyID(pub)
		sealed, err := s.keys.Seal(purposeSigningKey(kid), priv.Seed())
		if err != nil {
			return nil, err
		}
		if err := insertSigningKey(q, kid, pub, sealed); err != nil {
			return nil, fmt.Errorf("escalation: new signing key: %w", err)
		}
		if err := read(); err != nil {
			return nil, fmt.Errorf("escalation: signing key: %w", err)
		}
	}
	seed, err := s.keys.Open(purposeSigningKey(row.ID), row.PrivateKeyEnc)
	if err != nil {
		return nil, fmt.Errorf("escalation: open signing key %s: %w", row.ID, err)
	}
	if len(seed) != ed25519.SeedSize {
		return nil, errors.New("escalation: signing key has the wrong size")
	}
	s.key = &signingKey{id: row.ID, priv: ed25519.NewKeyFromSeed(seed)}
	return s.key, nil
}

// sign signs b with the current key (read or made in q).
func (s *Service) sign(q *gorm.DB, b []byte) (kid string, sig []byte, err error) {
	k, err := s.signer(q)
	if err != nil {
		return "", nil, err
	}
	return k.id, ed25519.Sign(k.priv, b), nil
}

// PublicKeys lists every signing key, current first; one is made if there
// is none yet, so the key is published before the first dossier.
func (s *Service) PublicKeys(ctx context.Context) ([]PublicKey, error) {
	q := s.db.WithContext(ctx)
	if _, err := s.signer(q); err != nil {
		return nil, err
	}
	var rows []signingKeyRow
	if err := q.Select("id, public_key, created_at, retired_at").
		Order("retired_at DESC NULLS FIRST, created_at DESC").Find(&rows).Error; err != nil {
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
			PEM: string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), CreatedAt: r.CreatedAt.UTC()}
		if r.RetiredAt != nil {
			t := r.RetiredAt.UTC()
			out[i].RetiredAt = &t
		}
	}
	return out, nil
}

// Verify checks sig over b against the published key kid: what a body does
// with the key from the well-known URL.
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
