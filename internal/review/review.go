// Package review holds the review queues: their counts, claiming the next
// case atomically, releasing and reassigning, auto-assignment. It owns the
// tables queues and queue_members, and publishes case.assigned; its
// statements that need SQL's full power are in queries.go.
package review

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Service is the queues.
type Service struct {
	db     *gorm.DB
	claims combiner
}

// New returns the review service.
func New(gdb *gorm.DB) *Service { return &Service{db: gdb} }

// openStatuses are the statuses in which a case waits for, or is under, review.
var openStatuses = cases.OpenSQL

// claimable statuses: a reviewer can pick these up.
var claimable = cases.ClaimableSQL

// Queue is a queue with its counts.
type Queue struct {
	ID          uuid.UUID `json:"id"`
	Slug        string    `json:"slug"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Open        int       `json:"open"`
	Unassigned  int       `json:"unassigned"`
	Breaching   int       `json:"breaching"`
	DueToday    int       `json:"due_today"`
	AutoAssign  bool      `json:"auto_assign"`
	AssignCap   int       `json:"assign_cap"`
}

// Queues lists every queue with its open, unassigned, breaching and due-today counts.
// Today ends at midnight UTC. With a viewer, the counts are of the cases they
// may see (internal/access); without, they are the aggregate figures the
// admin's and supervisor's pages show, which name no case.
func (s *Service) Queues(ctx context.Context, now time.Time, viewer *access.Viewer) ([]Queue, error) {
	endOfDay := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
	visible, vargs := "true", []any(nil)
	if viewer != nil {
		visible, vargs = access.Visible(*viewer)
	}
	out, err := queuesWithCounts(s.db.WithContext(ctx), now, endOfDay, visible, vargs)
	if err != nil {
		return nil, fmt.Errorf("review: queues: %w", err)
	}
	return out, nil
}

// Exists reports NotFound for an unknown queue.
func (s *Service) Exists(ctx context.Context, id uuid.UUID) error {
	var n int64
	if err := s.db.WithContext(ctx).Model(&queueRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
		return err
	}
	if n == 0 {
		return fault.New(fault.NotFound, "queue_not_found", "No queue has that id.")
	}
	return nil
}

// Reviewer is who claims: their skills and languages decide what they may take.
type Reviewer struct {
	ID        uuid.UUID
	Skills    []string
	Languages []string
}

func eligibleArgs(r Reviewer) []any {
	return []any{db.TextSlice(r.Skills), db.TextSlice(r.Languages), r.ID, r.ID, r.ID, r.ID}
}

// recordAssignment audits an assignment and publishes it, in tx.
func recordAssignment(tx *gorm.DB, caseID uuid.UUID, action string, actor, assignee *uuid.UUID) error {
	if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: audit.ActorStaff, ActorID: actor,
		Action: action, Data: map[string]any{"assignee_id": assignee}}); err != nil {
		return err
	}
	_, err := outbox.Add(tx, events.CaseAssigned, caseID, events.Assigned{AssigneeID: assignee, Action: action})
	return err
}

// Release gives a case back to its queue. Only its assignee may, or one who
// may work any case (cases.Actor.MayWorkAnyCase; the routes admit no one
// else: access.Works; this check, under the row's lock, holds if the case
// changed hands since): anyone else gets 403 not_your_case, and a case
// nobody holds 409 not_assigned. actor is staff.
func (s *Service) Release(ctx context.Context, caseID uuid.UUID, actor cases.Actor) error {
	by := *actor.ID
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var c cases.Case
		if err := cases.Locked(tx, caseID, "assignee_id").Scan(&c).Error; err != nil {
			return fmt.Errorf("review: release: %w", err)
		}
		switch {
		case c.AssigneeID == nil:
			return fault.New(fault.Conflict, "not_assigned", "Nobody holds the case, so there is nothing to release.")
		case !actor.MayWork(c.AssigneeID):
			return access.ErrNotYours
		}
		if err := cases.Unassign(tx, caseID); err != nil {
			return fmt.Errorf("review: release: %w", err)
		}
		return recordAssignment(tx, caseID, "case.released", &by, nil)
	})
}

// Assign gives a case to a reviewer (a supervisor's reassignment), if they may take it.
func (s *Service) Assign(ctx context.Context, caseID, by uuid.UUID, to Reviewer) error {
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		ok, err := cases.AssignIfEligible(tx, caseID, to.ID, cases.Condition{SQL: eligible, Args: eligibleArgs(to)})
		if err != nil {
			return fmt.Errorf("review: assign: %w", err)
		}
		if !ok {
			return fault.New(fault.Conflict, "cannot_assign",
				"That reviewer cannot take this case: it is closed, they are not a member of its queue, they lack its skills or languages, or they are recused from its AI system or decision.")
		}
		return recordAssignment(tx, caseID, "case.reassigned", &by, &to.ID)
	})
}
