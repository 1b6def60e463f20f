package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// User is a staff or body account.
type User struct {
	ID           uuid.UUID    `gorm:"type:uuid;primaryKey;default:gen_random_uuid()" json:"id"`
	Email        string       `json:"email"`
	Name         string       `json:"name"`
	Role         Role         `json:"role"`
	PasswordHash string       `json:"-"`
	Languages    db.TextSlice `gorm:"type:text[]" json:"languages"`
	Skills       db.TextSlice `gorm:"type:text[]" json:"skills"`
	Active       bool         `json:"active"`
	// BodyID is the independent body a user of role body works for.
	BodyID    *uuid.UUID `json:"body_id,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Users is the store of staff and body accounts.
type Users struct {
	db        *gorm.DB
	cost      PasswordCost
	dummyHash string
	limit     *HashLimiter
}

// NewUsers returns the user store; new passwords are hashed at cost (the
// zero cost is DefaultPasswordCost).
func NewUsers(gdb *gorm.DB, cost PasswordCost) *Users {
	if cost == (PasswordCost{}) {
		cost = DefaultPasswordCost
	}
	// What an unknown email's password is checked against, so the check
	// costs what a known one's does (Authenticate).
	h, _ := placeholderHash(cost)
	return &Users{db: gdb, cost: cost, dummyHash: h, limit: ProcessHashLimiter()}
}

// SetHashLimiter replaces the process's hash limiter (tests measure their own).
func (u *Users) SetHashLimiter(l *HashLimiter) { u.limit = l }

// HashLimiter is the limiter every password hash of u runs under.
func (u *Users) HashLimiter() *HashLimiter { return u.limit }

// hash hashes password at u's cost within the process's cap.
func (u *Users) hash(ctx context.Context, password string) (string, error) {
	var (
		h   string
		err error
	)
	if lerr := u.limit.Do(ctx, func() { h, err = HashPasswordCost(password, u.cost) }); lerr != nil {
		return "", lerr
	}
	return h, err
}

// check checks password against hash within the process's cap.
func (u *Users) check(ctx context.Context, hash, password string) (bool, error) {
	var (
		ok  bool
		err error
	)
	if lerr := u.limit.Do(ctx, func() { ok, err = CheckPassword(hash, password) }); lerr != nil {
		return false, lerr
	}
	return ok, err
}

// ErrBadCredentials is returned for every failed sign-in alike.
var ErrBadCredentials = fault.New(fault.Unauthorized, "invalid_credentials", "The email or password is not right.")

// Authenticate checks email and password. An unknown email costs the same
// password check as a known one, so timing does not tell which emails
// exist; both wait for a slot of the process's hash limiter, and an attempt
// that finds none in time is a 429 (too_many_requests) before any check.
func (u *Users) Authenticate(ctx context.Context, email, password string) (*User, error) {
	var user User
	err := u.db.WithContext(ctx).Where("email = ? AND active", strings.ToLower(strings.TrimSpace(email))).Take(&user).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		if _, err := u.check(ctx, u.dummyHash, password); fault.Is(err, fault.TooMany) {
			return nil, err
		}
		return nil, ErrBadCredentials
	}
	if err != nil {
		return nil, fmt.Errorf("auth: find user: %w", err)
	}
	ok, err := u.check(ctx, user.PasswordHash, password)
	if fault.Is(err, fault.TooMany) {
		return nil, err
	}
	if err != nil || !ok {
		return nil, ErrBadCredentials
	}
	return &user, nil
}

// Get loads an active user by id.
func (u *Users) Get(ctx context.Context, id uuid.UUID) (*User, error) {
	var user User
	err := u.db.WithContext(ctx).Where("id = ? AND active", id).Take(&user).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fault.New(fault.Unauthorized, "unknown_user", "The account does not exist or is disabled.")
	}
	if err != nil {
		return nil, fmt.Errorf("auth: get user: %w", err)
	}
	return &user, nil
}

// NewUser is the input to Create.
type NewUser struct {
	Email, Name, Password string
	Role                  Role
	Languages, Skills     []string
	BodyID                *uuid.UUID // required for role body: the body they work for
}

// Upsert adds a user, or updates the name, role and password of an existing
// one with that email; a changed role ends the account's sessions.
func (u *Users) Upsert(ctx context.Context, in NewUser) (*User, error) {
	user, err := in.user(ctx, u)
	if err != nil {
		return nil, err
	}
	// The account and the end of the sessions its new role or password
	// makes stale, together.
	err = db.Transact(ctx, u.db, func(tx *gorm.DB) error {
		if err := upsertUser(tx, user); err != nil {
			return fmt.Errorf("auth: upsert user: %w", err)
		}
		return endStaleSessions(tx, user.ID)
	})
	if err != nil {
		return nil, err
	}
	return user, nil
}

// ErrEmailTaken is an address that belongs to another account.
var ErrEmailTaken = &fault.Error{Kind: fault.Conflict, Code: "email_taken",
	Message: "That address belongs to another account; a body's user needs an address of their own.",
	Fields:  []fault.FieldError{{Field: "email", Code: "taken", Message: "belongs to another account"}}}

// AddBodyUser adds a portal user of an independent body (in.BodyID), or
// updates one of that same body's users with that address. In one statement,
// so no account of staff or of another body is ever taken over, even by a
// race: such an address is ErrEmailTaken.
func (u *Users) AddBodyUser(ctx context.Context, in NewUser) (*User, error) {
	in.Role = RoleBody
	user, err := in.user(ctx, u)
	if err != nil {
		return nil, err
	}
	added, err := upsertBodyUser(u.db.WithContext(ctx), user)
	if err != nil {
		return nil, fmt.Errorf("auth: add body user: %w", err)
	}
	if !added {
		return nil, ErrEmailTaken
	}
	return user, nil
}

// user checks in and makes the account it describes, its password hashed
// at u's cost.
func (in NewUser) user(ctx context.Context, u *Users) (*User, error) {
	var f fault.Fields
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if !strings.Contains(email, "@") {
		f.Add("email", "invalid", "must be an email address")
	}
	fault.OneOf(&f, "role", in.Role, Roles, true)
	if (in.Role == RoleBody) != (in.BodyID != nil) {
		f.Add("body_id", "invalid", "is required for a user of an independent body, and only for one")
	}
	if len(in.Password) < 12 {
		f.Add("password", "too_short", "must be at least 12 characters")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	hash, err := u.hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	return &User{Email: email, Name: in.Name, Role: in.Role, PasswordHash: hash,
		Languages: in.Languages, Skills: in.Skills, Active: true, BodyID: in.BodyID}, nil
}

// endStaleSessions revokes the sessions of userID opened under another role
// than the account's, or of an account no longer active (the middleware
// refuses them anyway; this ends them for good).
func endStaleSessions(conn *gorm.DB, userID uuid.UUID) error {
	if err := endStaleSessionsOf(conn, userID); err != nil {
		return fmt.Errorf("auth: end sessions: %w", err)
	}
	return nil
}

// Writes to users that internal/review's auto-assignment needs.

// MarkAssigned notes that user was just given a case: auto-assignment's
// round robin takes the member assigned longest ago.
func MarkAssigned(tx *gorm.DB, userID uuid.UUID) error {
	return tx.Table("users").Where("id = ?", userID).Update("last_assigned_at", gorm.Expr("clock_timestamp()")).Error
}

// SetAvailability marks a user available for auto-assignment or away
// (internal/review checks the value).
func SetAvailability(tx *gorm.DB, userID uuid.UUID, status string) error {
	return tx.Table("users").Where("id = ?", userID).Update("availability", status).Error
}
