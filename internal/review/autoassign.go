package review

import (
	"context"
	"fmt"

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

// Availability of a reviewer for auto-assignment.
const (
	Available = "available"
	Away      = "away"
)

// AutoAssign assigns unassigned cases in auto-assigning queues — the given
// ones, or when none are given up to limit of the most urgent waiting — each
// to the next member in turn. A case nobody may take now stays in the queue
// for claiming, and is tried again on the next pass. It returns how many were
// assigned. It runs in a transaction of its own; AutoAssignIn runs in the
// caller's.
func (s *Service) AutoAssign(ctx context.Context, limit int, caseIDs ...uuid.UUID) (int, error) {
	assigned := 0
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		assigned, err = s.AutoAssignIn(tx, limit, caseIDs...)
		return err
	})
	return assigned, err
}

// AutoAssignIn is AutoAssign in the caller's transaction tx.
func (s *Service) AutoAssignIn(tx *gorm.DB, limit int, caseIDs ...uuid.UUID) (int, error) {
	assigned := 0
	r := db.ReadsOn(tx)
	s.QueueAutoAssign(r, tx, limit, caseIDs, &assigned)
	err := r.Run()
	return assigned, err
}

// QueueAutoAssign queues on r AutoAssignIn's look for the waiting cases
// (a statement that locks them), and, once r has run, assigns them in tx,
// counting them in assigned. The routing sends the look with its writes
// (routing.Also.After): nearly every routed case waits for nobody, and then
// costs no round trip of its own.
func (s *Service) QueueAutoAssign(r *db.Reads, tx *gorm.DB, limit int, caseIDs []uuid.UUID, assigned *int) {
	var waiting []waitingCase
	queueWaitingCases(r, &waiting, limit, caseIDs)
	r.Then(func() error {
		n, err := s.assignWaiting(tx, waiting)
		*assigned += n
		return err
	})
}

// assignWaiting assigns each of the waiting cases to the member who gets it
// next, if any, in tx.
func (s *Service) assignWaiting(tx *gorm.DB, waiting []waitingCase) (int, error) {
	assigned := 0
	for _, c := range waiting {
		id := c.ID
		to, err := pick(tx, nextMember, id)
		if err != nil {
			return assigned, fmt.Errorf("review: auto-assign: next member: %w", err)
		}
		if len(to) == 0 && c.Status == cases.StatusAppealed {
			if to, err = pick(tx, nextAppealReviewer, id); err != nil {
				return assigned, fmt.Errorf("review: auto-assign: appeal reviewer: %w", err)
			}
		}
		if len(to) == 0 {
			continue
		}
		if err := cases.Assign(tx, id, to[0]); err != nil {
			return assigned, fmt.Errorf("review: auto-assign: %w", err)
		}
		if err := auth.MarkAssigned(tx, to[0]); err != nil {
			return assigned, fmt.Errorf("review: auto-assign: %w", err)
		}
		if _, err := audit.Append(tx, audit.Event{CaseID: id, ActorKind: audit.ActorSystem,
			Action: "case.auto_assigned", Data: map[string]any{"assignee_id": to[0]}}); err != nil {
			return assigned, err
		}
		if _, err := outbox.Add(tx, events.CaseAssigned, id,
			events.Assigned{AssigneeID: &to[0], Action: "case.auto_assigned"}); err != nil {
			return assigned, err
		}
		assigned++
	}
	return assigned, nil
}

// SetAvailability marks a reviewer available for auto-assignment or away.
func (s *Service) SetAvailability(ctx context.Context, userID uuid.UUID, status string) error {
	if status != Available && status != Away {
		var f fault.Fields
		f.Add("availability", "invalid", "must be available or away")
		return f.Err()
	}
	return auth.SetAvailability(s.db.WithContext(ctx), userID, status)
}

// AutoAssignment is a queue's auto-assignment setting.
type AutoAssignment struct {
	Enabled *bool `json:"enabled"`
	Cap     int   `json:"cap"`
}

// SetAutoAssignment turns a queue's auto-assignment on or off and sets the
// number of open cases a member may hold before being passed over.
func (s *Service) SetAutoAssignment(ctx context.Context, queueID uuid.UUID, a AutoAssignment) error {
	var f fault.Fields
	if a.Enabled == nil {
		f.Add("enabled", "required", "true turns auto-assignment on, false off")
	}
	if a.Cap < 1 || a.Cap > 1000 {
		f.Add("cap", "invalid", "must be from 1 to 1000 open cases")
	}
	if err := f.Err(); err != nil {
		return err
	}
	if err := s.Exists(ctx, queueID); err != nil {
		return err
	}
	return s.db.WithContext(ctx).Model(&queueRow{}).Where("id = ?", queueID).
		Updates(map[string]any{"auto_assign": *a.Enabled, "assign_cap": a.Cap}).Error
}
