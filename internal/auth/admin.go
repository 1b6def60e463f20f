package auth

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// StaffRoles are the roles of staff accounts (body users belong to their
// body and are added there).
var StaffRoles = []Role{RoleReviewer, RoleSupervisor, RoleAdmin}

var (
	languageTag = regexp.MustCompile(`^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$`)
	skillCode   = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)
)

// Staff lists the staff accounts, inactive ones too, by name.
func (u *Users) Staff(ctx context.Context) ([]User, error) {
	var out []User
	if err := u.db.WithContext(ctx).Where("role IN ?", StaffRoles).Order("lower(name), email").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("auth: staff: %w", err)
	}
	return out, nil
}

// GetAny loads a user by id, active or not.
func (u *Users) GetAny(ctx context.Context, id uuid.UUID) (*User, error) {
	return getAny(u.db.WithContext(ctx), id)
}

// getAny loads a user by id, active or not, read with q (the pool or a
// transaction).
func getAny(q *gorm.DB, id uuid.UUID) (*User, error) {
	var out []User
	if err := q.Where("id = ?", id).Limit(1).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("auth: get user: %w", err)
	}
	if len(out) == 0 {
		return nil, errUserNotFound
	}
	return &out[0], nil
}

var errUserNotFound = fault.New(fault.NotFound, "user_not_found", "No user has that id.")

// CreateStaff adds a staff account. Unlike Upsert it never touches an
// existing account: an email already in use is a conflict naming the field.
func (u *Users) CreateStaff(ctx context.Context, in NewUser) (*User, error) {
	var f fault.Fields
	in.Name = strings.TrimSpace(in.Name)
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	f.Text("name", in.Name, 1, 200)
	if at := strings.Index(in.Email, "@"); at < 1 || at == len(in.Email)-1 || len(in.Email) > 320 ||
		strings.ContainsAny(in.Email, " \t\r\n<>,;\"") {
		f.Add("email", "invalid", "must be an email address")
	}
	fault.OneOf(&f, "role", in.Role, StaffRoles, true)
	if len(in.Password) < 12 {
		f.Add("password", "too_short", "must be at least 12 characters")
	} else if len(in.Password) > 1024 {
		f.Add("password", "too_long", "must be at most 1024 bytes")
	}
	in.Languages = cleanList(&f, "languages", in.Languages, languageTag, "must be language tags such as en or pt-BR")
	in.Skills = cleanList(&f, "skills", in.Skills, skillCode, "must be codes of lower-case letters, digits, _ and -")
	if err := f.Err(); err != nil {
		return nil, err
	}
	var n int64
	if err := u.db.WithContext(ctx).Model(&User{}).Where("email = ?", in.Email).Count(&n).Error; err != nil {
		return nil, fmt.Errorf("auth: create: %w", err)
	}
	if n > 0 {
		return nil, errEmailTaken()
	}
	hash, err := u.hash(ctx, in.Password)
	if err != nil {
		return nil, err
	}
	user := User{Email: in.Email, Name: in.Name, Role: in.Role, PasswordHash: hash,
		Languages: db.TextSlice(in.Languages), Skills: db.TextSlice(in.Skills)}
	err = insertStaff(u.db.WithContext(ctx), &user)
	if db.IsUniqueViolation(err) {
		return nil, errEmailTaken()
	}
	if err != nil {
		return nil, fmt.Errorf("auth: create: %w", err)
	}
	return u.GetAny(ctx, user.ID)
}

func errEmailTaken() error {
	return &fault.Error{Kind: fault.Conflict, Code: "email_taken", Message: "Another account has this email address.",
		Fields: []fault.FieldError{{Field: "email", Code: "taken", Message: "another account has this email address"}}}
}

// cleanList trims, drops empty entries and duplicates, and checks each
// entry against pattern.
func cleanList(f *fault.Fields, field string, in []string, pattern *regexp.Regexp, msg string) []string {
	out := []string{}
	for _, v := range in {
		v = strings.TrimSpace(v)
		if v == "" || slices.Contains(out, v) {
			continue
		}
		if !pattern.MatchString(v) {
			if !f.Has(field) {
				f.Add(field, "invalid", msg)
			}
			continue
		}
		out = append(out, v)
	}
	if len(out) > 30 {
		f.Add(field, "too_many", "may hold at most 30 entries")
	}
	return out
}

// errLastAdmin refuses to leave the organisation without an active admin.
var errLastAdmin = fault.New(fault.Conflict, "last_admin",
	"This is the last active administrator: make another user an administrator first.")

// change updates one staff account in a transaction that first locks every
// active admin's row, so two admins demoting or deactivating each other at
// once cannot both succeed: the second sees the first's change.
func (u *Users) change(ctx context.Context, id uuid.UUID, column string, value any, stillAdmin func(*User) bool) (*User, error) {
	err := db.Transact(ctx, u.db, func(tx *gorm.DB) error {
		var admins []uuid.UUID
		if err := tx.Model(&User{}).Select("id").Where("role = ? AND active", RoleAdmin).Order("id").
			Clauses(clause.Locking{Strength: "UPDATE"}).Scan(&admins).Error; err != nil {
			return fmt.Errorf("auth: lock admins: %w", err)
		}
		cur, err := getAny(tx, id)
		if err != nil {
			return err
		}
		if !slices.Contains(StaffRoles, cur.Role) {
			return fault.New(fault.Conflict, "not_staff", "This account belongs to an independent body; change it on the body's page.")
		}
		if slices.Contains(admins, id) && len(admins) == 1 && !stillAdmin(cur) {
			return errLastAdmin
		}
		if err := tx.Model(&User{}).Where("id = ?", id).
			Updates(map[string]any{column: value, "updated_at": gorm.Expr("now()")}).Error; err != nil {
			return err
		}
		return endStaleSessions(tx, id)
	})
	if err != nil {
		return nil, err
	}
	return u.GetAny(ctx, id)
}

// SetRole changes a staff account's role, which ends the account's sessions.
// The last active admin keeps theirs.
func (u *Users) SetRole(ctx context.Context, id uuid.UUID, role Role) (*User, error) {
	var f fault.Fields
	fault.OneOf(&f, "role", role, StaffRoles, true)
	if err := f.Err(); err != nil {
		return nil, err
	}
	return u.change(ctx, id, "role", role, func(*User) bool { return role == RoleAdmin })
}

// SetActive deactivates a staff account (it can no longer sign in, and
// its sessions end: they are revoked, and every request checks the user is
// active) or reactivates it. The last active admin stays active.
func (u *Users) SetActive(ctx context.Context, id uuid.UUID, active bool) (*User, error) {
	return u.change(ctx, id, "active", active, func(*User) bool { return active })
}

// BodyUsers lists the accounts of an independent body, by email.
func (u *Users) BodyUsers(ctx context.Context, bodyID uuid.UUID) ([]User, error) {
	var out []User
	if err := u.db.WithContext(ctx).Where("role = ? AND body_id = ?", RoleBody, bodyID).Order("email").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("auth: body users: %w", err)
	}
	return out, nil
}
