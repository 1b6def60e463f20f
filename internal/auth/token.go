package auth

import (
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

// Tokens issues and verifies HS256 tokens; the algorithm is pinned.
type Tokens struct {
	secret []byte
	now    func() time.Time
}

// NewTokens returns a token service keyed with secret (at least 32 bytes).
func NewTokens(secret []byte) *Tokens {
	return &Tokens{secret: secret, now: time.Now}
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
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.secret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign: %w", err)
	}
	return s, exp, nil
}

// Verify checks signature, algorithm, issuer, audience and lifetime, and returns the subject and claims.
func (t *Tokens) Verify(token, audience string) (uuid.UUID, *Claims, error) {
	claims := &Claims{}
	_, err := jwt.ParseWithClaims(token, claims, func(*jwt.Token) (any, error) { return t.secret, nil },
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

// SessionID is the session a staff token names (its JWT id).
func (c *Claims) SessionID() (uuid.UUID, bool) {
	id, err := uuid.Parse(c.ID)
	return id, err == nil
}

// WithClock replaces the clock (tests of expiry).
func (t *Tokens) WithClock(now func() time.Time) *Tokens { return &Tokens{secret: t.secret, now: now} }
