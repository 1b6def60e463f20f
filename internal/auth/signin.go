package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/seal"
)

// Strong staff sign-in (docs/sign-in.md): sessions a person can see and
// end, a TOTP second factor with one-time recovery codes, and which roles
// must use it.

// Session kinds: the pages' cookie, or an API token.
const (
	SessionPage = "page"
	SessionAPI  = "api"
)

// TwoFactorPage is where a person turns on their second factor.
const TwoFactorPage = "/account/two-factor"

// RecoveryCodeCount is how many recovery codes an account gets at once.
const RecoveryCodeCount = 10

// Throttle of wrong second-factor codes, per account, in the database (so
// it holds across processes): at most maxFactorFailures in factorWindow.
const (
	maxFactorFailures = 5
	factorWindow      = 5 * time.Minute
)

// Errors of sign-in.
var (
	ErrSecondFactorRequired = &fault.Error{Kind: fault.Unauthorized, Code: "second_factor_required",
		Message: "This account signs in with a second factor: send the code from the authenticator app, or a recovery code.",
		Fields:  []fault.FieldError{{Field: "code", Code: "required", Message: "is required"}}}
	ErrInvalidSecondFactor = &fault.Error{Kind: fault.Unauthorized, Code: "invalid_second_factor",
		Message: "The code is not right, or has been used already.",
		Fields:  []fault.FieldError{{Field: "code", Code: "invalid", Message: "is not right, or has been used already"}}}
	ErrEnrolmentRequired = fault.New(fault.Forbidden, "second_factor_enrolment_required",
		"Your role signs in with a second factor: turn it on first at "+TwoFactorPage+", then sign in again.")
	errFactorThrottled = fault.New(fault.TooMany, "too_many_attempts",
		"Too many wrong codes for this account; wait a few minutes and try again.")
	errFactorOn = fault.New(fault.Conflict, "second_factor_already_enabled",
		"The second factor is already on; turn it off first to set up another app.")
	errFactorOff = fault.New(fault.Conflict, "second_factor_not_enabled",
		"The second factor is not on for this account.")
	errNoEnrolment = fault.New(fault.Conflict, "second_factor_not_started",
		"Start setting up the second factor first.")
	errFactorRequired = fault.New(fault.Conflict, "second_factor_required_by_role",
		"Your role must sign in with a second factor; it cannot be turned off.")
	errSessionGone = fault.New(fault.Unauthorized, "invalid_token", "The session has ended; sign in again.")
)

// SignIn keeps the sessions, second factors and sign-in policies.
type SignIn struct {
	db       *gorm.DB
	keys     *seal.Keyring
	codeKeys [][]byte // the current first: see NewSignIn
	codeKID  string   // the kid of the token secret codeKeys[0] comes from
	now      func() time.Time
	// Issuer names Redress in authenticator apps.
	Issuer string
}

// NewSignIn returns the sign-in store; secret keys the recovery codes' HMACs
// (REDRESS_JWT_SECRET), and the previous secrets (REDRESS_JWT_SECRET_PREVIOUS)
// those of the codes made before a rotation, which still work.
func NewSignIn(gdb *gorm.DB, keys *seal.Keyring, secret []byte, previous ...[]byte) *SignIn {
	s := &SignIn{db: gdb, keys: keys, now: time.Now, Issuer: "Redress", codeKID: TokenKeyID(secret)}
	for _, k := range append([][]byte{secret}, previous...) {
		if len(k) == 0 {
			continue
		}
		m := hmac.New(sha256.New, k)
		m.Write([]byte("redress recovery codes v1"))
		s.codeKeys = append(s.codeKeys, m.Sum(nil))
	}
	return s
}

// WithClock replaces the clock (tests of codes at other times).
func (s *SignIn) WithClock(now func() time.Time) *SignIn {
	c := *s
	c.now = now
	return &c
}

// Session is one signed-in browser or API client of an account.
type Session struct {
	ID         uuid.UUID  `json:"id"`
	UserID     uuid.UUID  `json:"-"`
	Role       Role       `json:"role"`
	Kind       string     `json:"kind"`
	CreatedAt  time.Time  `json:"created_at"`
	LastSeenAt time.Time  `json:"last_seen_at"`
	ExpiresAt  time.Time  `json:"expires_at"`
	RevokedAt  *time.Time `json:"-"`
	UserAgent  string     `json:"user_agent"`
	Current    bool       `json:"current" gorm:"-"`
}

// TableName is the table Session maps.
func (Session) TableName() string { return "staff_sessions" }

// Open starts a session of u; its id is the token's JWT id.
func (s *SignIn) Open(ctx context.Context, u *User, kind, userAgent string, ttl time.Duration) (*Session, error) {
	out := &Session{UserID: u.ID, Role: u.Role, Kind: kind, UserAgent: DescribeUserAgent(userAgent)}
	if err := openSession(s.db.WithContext(ctx), out, ttl); err != nil {
		return nil, fmt.Errorf("auth: open session: %w", err)
	}
	return out, nil
}

// Live is a live session with its user.
type Live struct {
	User User
	// Restricted: the user's role requires a second factor they have not
	// turned on; such a session may only reach TwoFactorPage and sign out.
	Restricted bool
	// Extra is the answer to the statement's Extra column (nil: NULL).
	Extra *string
}

// Extra is one more column for the session read to answer in the same
// statement: an SQL expression over the user's row, aliased u, with its
// arguments. The staff middleware asks a case route's access ground so
// (access.GroundColumn).
type Extra struct {
	SQL  string
	Args []any
}

// Live loads the session id of user userID if it is live: not revoked, not
// expired, the user active and still holding the session's role. One
// statement, which also notes the session was seen (at most once a minute)
// and answers extra, if given.
func (s *SignIn) Live(ctx context.Context, id, userID uuid.UUID, extra *Extra) (*Live, error) {
	col, args := `NULL::text`, []any{}
	if extra != nil {
		col, args = extra.SQL, extra.Args
	}
	// A plain read on every request; the write of "last seen" only once a
	// minute per session.
	q := s.db.WithContext(ctx)
	rows, err := lookUpLive(q, id, userID, col, args)
	if err != nil {
		return nil, fmt.Errorf("auth: live session: %w", err)
	}
	if len(rows) == 0 {
		return nil, errSessionGone
	}
	if rows[0].Stale {
		if err := q.Model(&Session{}).Where("id = ? AND last_seen_at < now() - interval '1 minute'", id).
			Update("last_seen_at", gorm.Expr("now()")).Error; err != nil {
			return nil, fmt.Errorf("auth: session seen: %w", err)
		}
	}
	return &Live{User: rows[0].User, Restricted: rows[0].Restricted, Extra: rows[0].Extra}, nil
}

// Revoke ends one session of userID.
func (s *SignIn) Revoke(ctx context.Context, id, userID uuid.UUID) error {
	err := s.db.WithContext(ctx).Model(&Session{}).Where("id = ? AND user_id = ? AND revoked_at IS NULL", id, userID).
		Update("revoked_at", gorm.Expr("now()")).Error
	if err != nil {
		return fmt.Errorf("auth: revoke session: %w", err)
	}
	return nil
}

// RevokeAll ends every session of userID and returns how many were live.
func (s *SignIn) RevokeAll(ctx context.Context, userID uuid.UUID) (int64, error) {
	return revokeAll(s.db.WithContext(ctx), userID)
}

func revokeAll(conn *gorm.DB, userID uuid.UUID) (int64, error) {
	res := conn.Model(&Session{}).Where("user_id = ? AND revoked_at IS NULL", userID).Update("revoked_at", gorm.Expr("now()"))
	if res.Error != nil {
		return 0, fmt.Errorf("auth: revoke sessions: %w", res.Error)
	}
	return res.RowsAffected, nil
}

// Sessions lists the live sessions of userID, newest first; current marks one.
func (s *SignIn) Sessions(ctx context.Context, userID, current uuid.UUID) ([]Session, error) {
	out, err := liveSessions(s.db.WithContext(ctx), userID)
	if err != nil {
		return nil, fmt.Errorf("auth: sessions: %w", err)
	}
	for i := range out {
		out[i].Current = out[i].ID == current
	}
	return out, nil
}

// DescribeUserAgent shortens a User-Agent header to a browser and a system
// ("Firefox on Linux"), which is all the sessions page shows.
func DescribeUserAgent(ua string) string {
	browser := ""
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"HeadlessChrome/", "Chromium"},
		{"Chrome/", "Chrome"}, {"Chromium/", "Chromium"}, {"Safari/", "Safari"}, {"curl/", "curl"},
		{"Go-http-client", "Go client"}, {"python", "Python client"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, o := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, o.token) {
			system = o.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " on " + system
	case browser != "":
		return browser
	case system != "":
		return system
	}
	return ""
}

// Policy says whether a role must sign in with a second factor.
type Policy struct {
	Role                 Role      `json:"role"`
	SecondFactorRequired bool      `json:"second_factor_required"`
	UpdatedAt            time.Time `json:"updated_at"`
}

// TableName is the table Policy maps.
func (Policy) TableName() string { return "sign_in_policies" }

// Policies lists the sign-in policy of every role, in Roles' order.
func (s *SignIn) Policies(ctx context.Context) ([]Policy, error) {
	var rows []Policy
	if err := s.db.WithContext(ctx).Model(&Policy{}).Select("role", "second_factor_required", "updated_at").
		Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("auth: policies: %w", err)
	}
	out := make([]Policy, 0, len(Roles))
	for _, role := range Roles {
		p := Policy{Role: role}
		for _, r := range rows {
			if r.Role == role {
				p = r
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// SetPolicies sets whether each named role must use a second factor.
func (s *SignIn) SetPolicies(ctx context.Context, required map[Role]bool) ([]Policy, error) {
	var f fault.Fields
	for role := range required {
		if !fault.OneOf(&f, "role", role, Roles, true) {
			break
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		// In one order (Roles'), so two admins saving at once cannot
		// deadlock on each other's rows.
		for _, role := range Roles {
			req, ok := required[role]
			if !ok {
				continue
			}
			if err := setPolicy(tx, role, req); err != nil {
				return fmt.Errorf("auth: set policy: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Policies(ctx)
}

// Factor is an account's second factor as its owner sees it.
type Factor struct {
	Enabled       bool       `json:"enabled"`
	Required      bool       `json:"required"` // by the account's role
	EnabledAt     *time.Time `json:"enabled_at,omitempty"`
	RecoveryCodes int        `json:"recovery_codes_left"`
}

// Factor reads u's second factor.
func (s *SignIn) Factor(ctx context.Context, u *User) (*Factor, error) {
	row, err := factorStateOf(s.db.WithContext(ctx), u.ID, u.Role)
	if err != nil {
		return nil, fmt.Errorf("auth: factor: %w", err)
	}
	return &Factor{Enabled: row.ConfirmedAt != nil, Required: row.Required, EnabledAt: row.ConfirmedAt,
		RecoveryCodes: row.Left}, nil
}

// Enrolment is a secret being set up in an authenticator app.
type Enrolment struct {
	Secret  string `json:"secret"`
	Grouped string `json:"secret_grouped"`
	URL     string `json:"otpauth_url"`
	SVG     string `json:"qr_svg"`
}

func secretPurpose(userID uuid.UUID) string { return "user.totp_secret:" + userID.String() }

// StartEnrolment makes a new secret for u, kept sealed until a first code
// confirms it. fresh=false keeps a pending secret already made (a reload
// of the page shows the same QR code).
func (s *SignIn) StartEnrolment(ctx context.Context, u *User, fresh bool) (*Enrolment, error) {
	var row factorRow
	conn := s.db.WithContext(ctx)
	if err := conn.Model(&factorRow{}).Select("secret_sealed", "pending_sealed").Where("user_id = ?", u.ID).
		Scan(&row).Error; err != nil {
		return nil, fmt.Errorf("auth: enrolment: %w", err)
	}
	if row.SecretSealed != nil {
		return nil, errFactorOn
	}
	secret := ""
	if !fresh && row.PendingSealed != nil {
		if b, err := s.keys.Open(secretPurpose(u.ID), row.PendingSealed); err == nil {
			secret = string(b)
		}
	}
	if secret == "" {
		var err error
		if secret, err = NewTOTPSecret(); err != nil {
			return nil, err
		}
		sealed, err := s.keys.Seal(secretPurpose(u.ID), []byte(secret))
		if err != nil {
			return nil, err
		}
		if err := setPending(conn, u.ID, sealed); err != nil {
			return nil, fmt.Errorf("auth: enrolment: %w", err)
		}
	}
	url := OTPAuthURL(s.Issuer, u.Email, secret)
	svg, err := QRCodeSVG(url, "QR code for "+s.Issuer+": "+u.Email)
	if err != nil {
		return nil, err
	}
	return &Enrolment{Secret: secret, Grouped: GroupSecret(secret), URL: url, SVG: svg}, nil
}

// factorRow is the second factor's row (user_second_factors).
type factorRow struct {
	SecretSealed  []byte
	PendingSealed []byte
	LastStep      int64
	Failures      int
	FailuresSince time.Time
}

// TableName is the table factorRow maps.
func (factorRow) TableName() string { return "user_second_factors" }

// recoveryCode is a row of recovery_codes: the HMAC of an account's code.
type recoveryCode struct {
	UserID   uuid.UUID
	CodeHash []byte
	KeyID    *string // the kid of the token secret it is keyed by (nil: before kids)
	UsedAt   *time.Time
}

// TableName is the table recoveryCode maps.
func (recoveryCode) TableName() string { return "recovery_codes" }

// factorRow reads userID's second factor with q (the pool or a transaction).
func (s *SignIn) factorRow(q *gorm.DB, userID uuid.UUID) (*factorRow, error) {
	var rows []factorRow
	if err := q.Model(&factorRow{}).
		Select("secret_sealed", "pending_sealed", "last_step", "failures", "failures_since").
		Where("user_id = ?", userID).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("auth: second factor: %w", err)
	}
	if len(rows) == 0 {
		return &factorRow{}, nil
	}
	return &rows[0], nil
}

// throttled refuses an account with too many recent wrong codes.
func (s *SignIn) throttled(f *factorRow) error {
	if f.Failures >= maxFactorFailures && s.now().Sub(f.FailuresSince) < factorWindow {
		return errFactorThrottled
	}
	return nil
}

// failed counts a wrong code against userID, written with q.
func (s *SignIn) failed(q *gorm.DB, userID uuid.UUID) error {
	if err := countFailure(q, userID, s.now(), s.now().Add(-factorWindow)); err != nil {
		return fmt.Errorf("auth: count failure: %w", err)
	}
	return ErrInvalidSecondFactor
}

// acceptStep takes step as used, unless a step at or after it was: the
// conditional UPDATE (run with q) lets only one of two concurrent uses of a
// code pass.
func (s *SignIn) acceptStep(q *gorm.DB, userID uuid.UUID, step int64, confirm bool) (bool, error) {
	changed, err := takeStep(q, userID, step, confirm)
	if err != nil {
		return false, fmt.Errorf("auth: accept code: %w", err)
	}
	return changed == 1, nil
}

// normalCode keeps a code's letters and digits, upper-cased.
func normalCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9', r >= 'A' && r <= 'Z':
			return r
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return -1
	}, code)
}

func isTOTPShape(code string) bool {
	if len(code) != TOTPDigits {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// checkTOTP checks a six-digit code against sealed and takes its step with q.
func (s *SignIn) checkTOTP(q *gorm.DB, userID uuid.UUID, sealed []byte, code string, confirm bool) (bool, error) {
	secret, err := s.keys.Open(secretPurpose(userID), sealed)
	if err != nil {
		return false, fmt.Errorf("auth: open second factor: %w", err)
	}
	key, err := decodeTOTPSecret(string(secret))
	if err != nil {
		return false, fmt.Errorf("auth: second factor secret: %w", err)
	}
	step, ok := matchTOTP(key, code, s.now())
	if !ok {
		return false, nil
	}
	return s.acceptStep(q, userID, step, confirm)
}

// Enabled reports whether userID has turned the second factor on.
func (s *SignIn) Enabled(ctx context.Context, userID uuid.UUID) (bool, error) {
	f, err := s.factorRow(s.db.WithContext(ctx), userID)
	if err != nil {
		return false, err
	}
	return f.SecretSealed != nil, nil
}

// Verify checks a second-factor code of userID: a TOTP code never used
// before (a step after the last one accepted), or an unused recovery code,
// which is then spent. Wrong codes count against the account's throttle.
func (s *SignIn) Verify(ctx context.Context, userID uuid.UUID, code string) error {
	q := s.db.WithContext(ctx)
	f, err := s.factorRow(q, userID)
	if err != nil {
		return err
	}
	if f.SecretSealed == nil {
		return errFactorOff
	}
	if err := s.throttled(f); err != nil {
		return err
	}
	code = normalCode(code)
	if code == "" {
		return ErrSecondFactorRequired
	}
	if isTOTPShape(code) {
		ok, err := s.checkTOTP(q, userID, f.SecretSealed, code, false)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		return s.failed(q, userID)
	}
	res := q.Model(&recoveryCode{}).
		Where("user_id = ? AND code_hash IN ? AND used_at IS NULL", userID, s.recoveryHashes(userID, code)).
		Update("used_at", gorm.Expr("now()"))
	if res.Error != nil {
		return fmt.Errorf("auth: recovery code: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	return s.failed(q, userID)
}

// Confirm turns u's pending secret on with a first code from the app, and
// returns the new recovery codes, shown once.
func (s *SignIn) Confirm(ctx context.Context, u *User, code string) ([]string, error) {
	var codes []string
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		f, err := s.factorRow(tx, u.ID)
		if err != nil {
			return err
		}
		if f.SecretSealed != nil {
			return errFactorOn
		}
		if f.PendingSealed == nil {
			return errNoEnrolment
		}
		if err := s.throttled(f); err != nil {
			return err
		}
		code = normalCode(code)
		if !isTOTPShape(code) {
			return ErrInvalidSecondFactor
		}
		ok, err := s.checkTOTP(tx, u.ID, f.PendingSealed, code, true)
		if err != nil {
			return err
		}
		if !ok {
			return ErrInvalidSecondFactor
		}
		codes, err = s.replaceRecovery(tx, u.ID)
		return err
	})
	if errors.Is(err, ErrInvalidSecondFactor) {
		// Counted on the pool: the transaction was rolled back.
		return nil, s.failed(s.db.WithContext(ctx), u.ID)
	}
	return codes, err
}

// NewRecoveryCodes replaces u's recovery codes, after a current code.
func (s *SignIn) NewRecoveryCodes(ctx context.Context, u *User, code string) ([]string, error) {
	if err := s.Verify(ctx, u.ID, code); err != nil {
		return nil, err
	}
	var codes []string
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		codes, err = s.replaceRecovery(tx, u.ID)
		return err
	})
	return codes, err
}

// Disable turns u's second factor off, after a current code, unless u's role requires it.
func (s *SignIn) Disable(ctx context.Context, u *User, code string) error {
	f, err := s.Factor(ctx, u)
	if err != nil {
		return err
	}
	if f.Required {
		return errFactorRequired
	}
	if err := s.Verify(ctx, u.ID, code); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if err := tx.Where("user_id = ?", u.ID).Delete(&recoveryCode{}).Error; err != nil {
			return fmt.Errorf("auth: disable: %w", err)
		}
		// The row stays, with its last step, so a code used before cannot
		// be replayed after the factor is turned on again with the same app.
		return tx.Model(&factorRow{}).Where("user_id = ?", u.ID).Updates(map[string]any{"secret_sealed": nil,
			"pending_sealed": nil, "confirmed_at": nil, "updated_at": gorm.Expr("now()")}).Error
	})
}

// replaceRecovery makes RecoveryCodeCount fresh codes for userID and keeps
// only their HMACs, in tx (Confirm's or NewRecoveryCodes' transaction): the
// old codes go and the new ones come together, or neither does.
func (s *SignIn) replaceRecovery(tx *gorm.DB, userID uuid.UUID) ([]string, error) {
	if err := tx.Where("user_id = ?", userID).Delete(&recoveryCode{}).Error; err != nil {
		return nil, fmt.Errorf("auth: recovery codes: %w", err)
	}
	codes := make([]string, 0, RecoveryCodeCount)
	rows := make([]recoveryCode, 0, RecoveryCodeCount)
	for range RecoveryCodeCount {
		b := make([]byte, 10)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		code := formatCode(b) // ten Crockford characters, 50 bits: XXXXX-XXXXX
		codes = append(codes, code)
		rows = append(rows, recoveryCode{UserID: userID, CodeHash: s.recoveryHashes(userID, normalCode(code))[0],
			KeyID: &s.codeKID})
	}
	if err := tx.Select("user_id", "code_hash", "key_id").Create(&rows).Error; err != nil {
		return nil, fmt.Errorf("auth: recovery codes: %w", err)
	}
	return codes, nil
}

// recoveryHashes are the HMACs of userID's code under each key, the
// current's first (the one new codes are kept under).
func (s *SignIn) recoveryHashes(userID uuid.UUID, code string) [][]byte {
	out := make([][]byte, len(s.codeKeys))
	for i, k := range s.codeKeys {
		m := hmac.New(sha256.New, k)
		m.Write(userID[:])
		m.Write([]byte(code))
		out[i] = m.Sum(nil)
	}
	return out
}

// SecondFactorStep says what a sign-in with a right password needs next:
// nothing (no factor on, none required), a code (on), or enrolment first
// (required by the role and not on).
type SecondFactorStep int

// The steps.
const (
	StepNone SecondFactorStep = iota
	StepCode
	StepEnrol
)

// Next says what u, who gave the right password, needs next.
func (s *SignIn) Next(ctx context.Context, u *User) (SecondFactorStep, error) {
	f, err := s.Factor(ctx, u)
	if err != nil {
		return 0, err
	}
	switch {
	case f.Enabled:
		return StepCode, nil
	case f.Required:
		return StepEnrol, nil
	}
	return StepNone, nil
}

// NoSecondFactorRequired turns the two-step sign-in requirement off for
// every role (the demo signs in with a password alone).
func NoSecondFactorRequired(tx *gorm.DB) error {
	return tx.Table("sign_in_policies").Where("second_factor_required").
		Updates(map[string]any{"second_factor_required": false, "updated_at": gorm.Expr("now()")}).Error
}
