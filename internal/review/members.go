package review

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Member is a staff member who hears of every new case routed to a queue.
type Member struct {
	UserID uuid.UUID `json:"user_id"`
	Email  string    `json:"email"`
	Name   string    `json:"name"`
	Role   auth.Role `json:"role"`
	Active bool      `json:"active"`
	// NotifyNewCases: they are emailed of every new case routed to the queue.
	NotifyNewCases bool      `json:"notify_new_cases"`
	CreatedAt      time.Time `json:"created_at"` // when they joined the queue
}

// Members lists a queue's members by email.
func (s *Service) Members(ctx context.Context, queueID uuid.UUID) ([]Member, error) {
	if err := s.Exists(ctx, queueID); err != nil {
		return nil, err
	}
	out, err := members(s.db.WithContext(ctx), queueID)
	if err != nil {
		return nil, fmt.Errorf("review: queue members: %w", err)
	}
	for i := range out {
		out[i].CreatedAt = out[i].CreatedAt.UTC()
	}
	return out, nil
}

// AddMember makes an active reviewer, supervisor or admin a member of a
// queue — who may work its cases (internal/access) — emailed of every new
// case in it when notify; adding a member again sets notify and changes
// nothing else.
//
// Nobody adds themselves: membership opens a queue's cases (need to know),
// so an admin who could join any queue would never need break-glass, whose
// reason and notice to the supervisors are the check on them. Another admin
// must add them.
func (s *Service) AddMember(ctx context.Context, queueID, userID, by uuid.UUID, notify bool) error {
	if err := s.Exists(ctx, queueID); err != nil {
		return err
	}
	if userID == by {
		return ErrOwnMembership
	}
	conn := s.db.WithContext(ctx)
	role, err := activeRole(conn, userID)
	if err != nil {
		return fmt.Errorf("review: user: %w", err)
	}
	if role == "" {
		return fault.New(fault.NotFound, "user_not_found", "No active user has that id.")
	}
	if role == "body" {
		var f fault.Fields
		f.Add("user_id", "not_staff", "independent bodies cannot be members of a queue")
		return f.Err()
	}
	if err := conn.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "queue_id"}, {Name: "user_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"notify_new_cases"})}).
		Create(&memberRow{QueueID: queueID, UserID: userID, NotifyNewCases: notify}).Error; err != nil {
		return fmt.Errorf("review: add queue member: %w", err)
	}
	return nil
}

// RemoveMember takes a staff member out of a queue: they no longer see its
// cases (unless they hold one) nor hear of new ones;
// removing someone who is not a member changes nothing.
func (s *Service) RemoveMember(ctx context.Context, queueID, userID uuid.UUID) error {
	if err := s.Exists(ctx, queueID); err != nil {
		return err
	}
	if err := s.db.WithContext(ctx).Where("queue_id = ? AND user_id = ?", queueID, userID).Delete(&memberRow{}).
		Error; err != nil {
		return fmt.Errorf("review: remove queue member: %w", err)
	}
	return nil
}

// ErrOwnMembership refuses an admin adding themselves to a queue.
var ErrOwnMembership = fault.New(fault.Forbidden, "own_membership",
	"You cannot add yourself to a queue: it would open its cases to you. Ask another admin, or open one case by break-glass.")
