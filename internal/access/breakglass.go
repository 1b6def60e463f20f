package access

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Break-glass: an admin opens a case outside their reach, giving a reason,
// for a limited time. It is written to the case record and the supervisors of
// the case's queue are told at once (the redress.case.break_glass event;
// internal/notify emails them). The grant only lets its holder READ the case
// (Ground.MayWork is false for break_glass).
const (
	// BreakGlassFor is how long a grant lasts.
	BreakGlassFor = time.Hour
	// BreakGlassMinReason and BreakGlassMaxReason bound the reason's length
	// in characters, without its surrounding white space (the break_glass
	// table checks the same).
	BreakGlassMinReason = 20
	BreakGlassMaxReason = 2000
	// ActionBreakGlass is the case record's entry of a grant.
	ActionBreakGlass = "case.break_glass"
)

// ReadOnly reports whether g lets its holder only read the case: an admin
// who broke the glass may read it, open its contact details and files, but
// neither write to it nor act on it (the route tables refuse their writes
// with ErrReadOnly).
func (g Ground) ReadOnly() bool { return g == BreakGlass }

// ErrReadOnly answers a write by whoever sees a case only by break-glass.
var ErrReadOnly = fault.New(fault.Forbidden, "not_your_case",
	"You opened this case by break-glass: you may read it, not act on it.")

// Grant is an admin's break-glass opening of one case.
type Grant struct {
	ID        uuid.UUID `json:"id"`
	CaseID    uuid.UUID `json:"case_id"`
	Reference string    `json:"reference"`
	UserID    uuid.UUID `json:"user_id"`
	Reason    string    `json:"reason"`
	OpenedAt  time.Time `json:"opened_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// ErrNoCase answers a break-glass on a reference no case has and on a case
// the admin is recused from alike (404 case_not_found, as ErrNotFound).
var ErrNoCase = fault.New(fault.NotFound, "case_not_found", "No case you may open has that reference.")

// ErrWithinReach answers a break-glass on a case the admin may already see
// on another ground: there is nothing to break.
var ErrWithinReach = fault.New(fault.Conflict, "within_reach",
	"You may already open this case (you are a member of its queue or hold it): open it without break-glass.")

// BreakGlass opens the case with reference for admin v, for BreakGlassFor,
// with reason, in one transaction: the grant, its entry in the case record
// and the event that tells the supervisors of the case's queue. Only admins
// may (403 forbidden); the reason must have BreakGlassMinReason characters
// (422 naming reason); a reference no case has, or a case the admin is
// recused from, is 404 case_not_found alike, so the recused do not learn
// that it exists; a case already within the admin's reach is 409
// within_reach. An admin whose earlier grant is still running may open the
// case again (a new grant, recorded and told like the first).
func (s *Service) BreakGlass(ctx context.Context, v Viewer, reference, reason string) (*Grant, error) {
	if v.Role != auth.RoleAdmin {
		return nil, fault.New(fault.Forbidden, "forbidden", "Only an administrator may open a case by break-glass.")
	}
	var f fault.Fields
	ref, err := auth.NormalizeReference(reference)
	switch {
	case strings.TrimSpace(reference) == "":
		f.Add("reference", "required", "is required")
	case err != nil:
		f.Add("reference", "invalid", "must be a case reference, such as RD-123-456-789")
	}
	f.Text("reason", reason, BreakGlassMinReason, BreakGlassMaxReason)
	if err := f.Err(); err != nil {
		return nil, err
	}
	g := &Grant{Reference: ref, UserID: v.ID, Reason: strings.TrimSpace(reason)}
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var found []uuid.UUID
		if err := tx.Model(&cases.Case{}).Where("reference = ?", ref).Pluck("id", &found).Error; err != nil {
			return fmt.Errorf("access: break-glass: case: %w", err)
		}
		if len(found) == 0 {
			return ErrNoCase
		}
		g.CaseID = found[0]
		row, err := insertGrant(tx, g, BreakGlassFor)
		if err != nil {
			return fmt.Errorf("access: break-glass: grant: %w", err)
		}
		g.ID, g.OpenedAt, g.ExpiresAt = row.ID, row.OpenedAt.UTC(), row.ExpiresAt.UTC()
		// The one rule decides, with the grant in place: the recused get no
		// ground whatever they hold, and a ground the rule tries before
		// break_glass means the admin had reach already. Either way the
		// transaction is rolled back, the grant with it.
		ground, err := groundOf(tx, v, g.CaseID)
		if err != nil {
			return fmt.Errorf("access: break-glass: ground: %w", err)
		}
		switch {
		case ground == nil:
			return ErrNoCase
		case Ground(*ground) != BreakGlass:
			return ErrWithinReach
		}
		if _, err := audit.Append(tx, audit.Event{CaseID: g.CaseID, ActorKind: audit.ActorStaff, ActorID: &v.ID,
			Action: ActionBreakGlass, Data: map[string]any{"user_id": v.ID, "reason": g.Reason,
				"expires_at": g.ExpiresAt}}); err != nil {
			return err
		}
		_, err = outbox.Add(tx, events.CaseBreakGlass, g.CaseID, events.BreakGlass{GrantID: g.ID,
			UserID: v.ID, OpenedAt: g.OpenedAt, ExpiresAt: g.ExpiresAt})
		return err
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// ActiveGrant is user's running break-glass grant on the case that lasts
// longest, or nil.
func (s *Service) ActiveGrant(ctx context.Context, caseID, userID uuid.UUID) (*Grant, error) {
	rows, err := activeGrants(s.db.WithContext(ctx), caseID, userID)
	if err != nil {
		return nil, fmt.Errorf("access: active grant: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	g := rows[0]
	g.OpenedAt, g.ExpiresAt = g.OpenedAt.UTC(), g.ExpiresAt.UTC()
	return &g, nil
}

// GrantByID reads a grant (for the email that tells of it) with q: the
// pool, or the caller's transaction.
func (s *Service) GrantByID(q *gorm.DB, id uuid.UUID) (*Grant, error) {
	rows, err := grantByID(q, id)
	if err != nil {
		return nil, fmt.Errorf("access: grant: %w", err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	g := rows[0]
	g.OpenedAt, g.ExpiresAt = g.OpenedAt.UTC(), g.ExpiresAt.UTC()
	return &g, nil
}
