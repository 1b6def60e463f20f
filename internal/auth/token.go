package auth

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

// Role is what a staff or body user is: the roles table's CHECK lists the
// same values (TestRolesMatchDatabase).
type Role string

// Roles of staff and body users.
const (
	RoleReviewer   Role = "reviewer"
	RoleSupervisor Role = "supervisor"
	RoleAdmin      Role = "admin"
	RoleBody       Role = "body"
)

// Who may do what: the roles of the API's and the pages' route tables.
var (
	CaseWorkers = []Role{RoleReviewer, RoleSupervisor, RoleAdmin}
	AnyUser     = []Role{RoleReviewer, RoleSupervisor, RoleAdmin, RoleBody}
	Claimers    = []Role{RoleReviewer, RoleSupervisor}
	Supervisors = []Role{RoleSupervisor, RoleAdmin}
	Admins      = []Role{RoleAdmin}
	BodyUsers   = []Role{RoleBody}
)

// Roles lists every role.
var Roles = []Role{RoleReviewer, RoleSupervisor, RoleAdmin, RoleBody}

// Token audiences keep a complainant token from ever passing as a staff token.
const (
	AudienceStaff       = "redress-staff"
	AudienceComplainant = "redress-complainant"
	issuer              = "redress"
)

// ErrInvalidToken covers every token that does not verify.
var ErrInvalidToken = errors.New("auth: invalid token")

// Claims are the JWT claims Redress issues.
type Claims struct {
	Role Role `json:"role,omitempty"`
	jwt.RegisteredClaims
}

// Tokens issues and verifies HS256 tokens; the algorithm is pinned. The
// current secret signs; a previous one (REDRESS_JWT_SECRET_PREVIOUS) still
// verifies, so the tokens of before a rotation work until they expire. A
// token names its secret in its kid header, a short hash of the secret.
type Tokens struct {
	keys []TokenKey // the current first
	now  func() time.Time
}

// TokenKey is a token secret and its id.
type TokenKey struct {
	ID     string
	secret []byte
}

// TokenKeyID is the id a token names its secret by: 8 characters of a
// domain-separated SHA-256 of it. The secrets are 32 random bytes or more,
// so the id tells nothing of the secret.
func TokenKeyID(secret []byte) string {
	h := sha256.New()
	h.Write([]byte("redress token key id\x00"))
	h.Write(secret)
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:6])
}

// NewTokens returns a token service that signs with secret (at least 32
// bytes) and verifies with it and the previous secrets (none, or empty, is
// no previous secret).
func NewTokens(secret []byte, previous ...[]byte) *Tokens {
	t := &Tokens{keys: []TokenKey{{ID: TokenKeyID(secret), secret: secret}}, now: time.Now}
	for _, p := range previous {
		if len(p) > 0 && string(p) != string(secret) {
			t.keys = append(t.keys, TokenKey{ID: TokenKeyID(p), secret: p})
		}
	}
	return t
}

// KeyIDs are the ids of the secrets, the current first.
func (t *Tokens) KeyIDs() []string {
	out := make([]string, len(t.keys))
	for i, k := range t.keys {
		out[i] = k.ID
	}
	return out
}

// Issue signs a token for subject in audience, valid for ttl.
func (t *Tokens) Issue(audience string, subject uuid.UUID, role Role, ttl time.Duration) (string, time.Time, error) {
	return t.issue(audience, subject, role, uuid.NewString(), ttl)
}

// IssueSession signs a staff or body token naming its session: the JWT id
// is the session's id, which the Staff middleware checks is still live.
func (t *Tokens) IssueSession(s *Session, ttl time.Duration) (string, time.Time, error) {
	return t.issue(AudienceStaff, s.UserID, s.Role, s.ID.String(), ttl)
}

func (t *Tokens) issue(audience string, subject uuid.UUID, role Role, id string, ttl time.Duration) (string, time.Time, error) {
	now := t.now().UTC()
	exp := now.Add(ttl).Truncate(time.Second)
	claims := Claims{Role: role, RegisteredClaims: jwt.RegisteredClaims{
		Issuer: issuer, Subject: subject.String(), Audience: jwt.ClaimStrings{audience},
		IssuedAt: jwt.NewNumericDate(now), NotBefore: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		ID: id,
	}}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, claims)
	tok.Header["kid"] = t.keys[0].ID
	s, err := tok.SignedString(t.keys[0].secret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign: %w", err)
	}
	return s, exp, nil
}

// Verify checks signature, algorithm, issuer, audience and lifetime, and returns the subject and claims.
func (t *Tokens) Verify(token, audience string) (uuid.UUID, *Claims, error) {
	claims := &Claims{}
	_, err := jwt.ParseWithClaims(token, claims, t.key,
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(issuer), jwt.WithAudience(audience), jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(), jwt.WithTimeFunc(t.now), jwt.WithLeeway(5*time.Second))
	if err != nil {
		return uuid.Nil, nil, ErrInvalidToken
	}
	id, err := uuid.Parse(claims.Subject)
	if err != nil {
		return uuid.Nil, nil, ErrInvalidToken
	}
	return id, claims, nil
}

// key is the secret that verifies tok: the one its kid names, or each in
// turn for a token of before kids (none names no known secret).
func (t *Tokens) key(tok *jwt.Token) (any, error) {
	kid, named := tok.Header["kid"]
	if !named {
		set := jwt.VerificationKeySet{Keys: make([]jwt.VerificationKey, len(t.keys))}
		for i, k := range t.keys {
			set.Keys[i] = k.secret
		}
		return set, nil
	}
	for _, k := range t.keys {
		if k.ID == kid {
			return k.secret, nil
		}
	}
	return nil, errors.New("auth: the token names an unknown key")
}

// SessionID is the session a staff token names (its JWT id).
func (c *Claims) SessionID() (uuid.UUID, bool) {
	id, err := uuid.Parse(c.ID)
	return id, err == nil
}

// WithClock replaces the clock (tests of expiry).
func (t *Tokens) WithClock(now func() time.Time) *Tokens { return &Tokens{keys: t.keys, now: now} }
