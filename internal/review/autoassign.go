package review

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/audit"
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

// nextMember picks, for case c, the member of its queue who gets it next:
// available, active, a reviewer or supervisor, below their cap (their own, or
// the queue's), allowed to take it (skills, languages, recusal), and assigned
// longest ago — round-robin. Their row is locked, so two workers never push
// one member past the cap.
var nextMember = `
	SELECT u.id FROM cases c
	  JOIN queues q ON q.id = c.queue_id
	  JOIN queue_members m ON m.queue_id = q.id
	  JOIN users u ON u.id = m.user_id
	 WHERE c.id = ? AND u.active AND u.role IN ('reviewer', 'supervisor') AND u.availability = 'available'
	   AND ` + mayTake + `
	   AND (SELECT count(*) FROM cases o WHERE o.assignee_id = u.id AND o.status IN ` + openStatuses + `)
	       < COALESCE(u.max_open_cases, q.assign_cap)
	 ORDER BY u.last_assigned_at NULLS FIRST, u.id
	 LIMIT 1
	 FOR UPDATE OF u`

// mayTake is the condition under which user u may take case c (see eligible).
const mayTake = `c.required_skills <@ u.skills AND c.required_languages <@ u.languages
	   AND c.decision_taker_id IS DISTINCT FROM u.id AND NOT u.id = ANY (c.excluded_reviewers)
	   AND NOT EXISTS (SELECT 1 FROM ai_system_staff r WHERE r.ai_system_id = c.ai_system_id AND r.user_id = u.id)`

// nextAppealReviewer picks, for an appealed case whose queue has no member
// who may take it, any available reviewer or supervisor who may, in turn: an
// appeal must reach a different person even when the queue is small.
var nextAppealReviewer = `
	SELECT u.id FROM cases c, users u
	 WHERE c.id = ? AND u.active AND u.role IN ('reviewer', 'supervisor') AND u.availability = 'available'
	   AND ` + mayTake + `
	   AND (u.max_open_cases IS NULL
	        OR (SELECT count(*) FROM cases o WHERE o.assignee_id = u.id AND o.status IN ` + openStatuses + `) < u.max_open_cases)
	 ORDER BY u.last_assigned_at NULLS FIRST, u.id
	 LIMIT 1
	 FOR UPDATE OF u`

// AutoAssign assigns unassigned cases in auto-assigning queues — the given
// ones, or when none are given up to limit of the most urgent waiting — each
// to the next member in turn. A case nobody may take now stays in the queue
// for claiming, and is tried again on the next pass. It returns how many were
// assigned.
func (s *Service) AutoAssign(ctx context.Context, limit int, caseIDs ...uuid.UUID) (int, error) {
	assigned := 0
	err := db.InTx(ctx, s.db, func(ctx context.Context) error {
		conn := db.Conn(ctx, s.db)
		// Appeals are always assigned: they must land with a different person.
		// An appeal of a case never routed (rejected at once) has no queue.
		q := `SELECT c.id, c.status FROM cases c LEFT JOIN queues q ON q.id = c.queue_id
			 WHERE (q.auto_assign OR c.status IN ` + cases.SQLList([]cases.Status{cases.StatusAppealed}) + `) AND c.assignee_id IS NULL AND c.status IN ` + claimable
		args := []any{}
		if len(caseIDs) > 0 {
			q += ` AND c.id IN ?`
			args = append(args, caseIDs)
		}
		q += ` ORDER BY c.priority NULLS LAST, c.submitted_at LIMIT ? FOR UPDATE OF c SKIP LOCKED`
		var waiting []struct {
			ID     uuid.UUID
			Status cases.Status
		}
		if err := conn.Raw(q, append(args, limit)...).Scan(&waiting).Error; err != nil {
			return fmt.Errorf("review: auto-assign: %w", err)
		}
		for _, c := range waiting {
			id := c.ID
			var to []uuid.UUID
			if err := conn.Raw(nextMember, id).Scan(&to).Error; err != nil {
				return fmt.Errorf("review: auto-assign: next member: %w", err)
			}
			if len(to) == 0 && c.Status == cases.StatusAppealed {
				if err := conn.Raw(nextAppealReviewer, id).Scan(&to).Error; err != nil {
					return fmt.Errorf("review: auto-assign: appeal reviewer: %w", err)
				}
			}
			if len(to) == 0 {
				continue
			}
			if err := cases.Assign(conn, id, to[0]); err != nil {
				return fmt.Errorf("review: auto-assign: %w", err)
			}
			if err := conn.Exec(`UPDATE users SET last_assigned_at = clock_timestamp() WHERE id = ?`, to[0]).Error; err != nil {
				return fmt.Errorf("review: auto-assign: %w", err)
			}
			if _, err := audit.Append(ctx, s.db, audit.Event{CaseID: id, ActorKind: audit.ActorSystem,
				Action: "case.auto_assigned", Data: map[string]any{"assignee_id": to[0]}}); err != nil {
				return err
			}
			if _, err := outbox.Add(ctx, s.db, events.CaseAssigned, id,
				events.Assigned{AssigneeID: &to[0], Action: "case.auto_assigned"}); err != nil {
				return err
			}
			assigned++
		}
		return nil
	})
	return assigned, err
}

// SetAvailability marks a reviewer available for auto-assignment or away.
func (s *Service) SetAvailability(ctx context.Context, userID uuid.UUID, status string) error {
	if status != Available && status != Away {
		var f fault.Fields
		f.Add("availability", "invalid", "must be available or away")
		return f.Err()
	}
	return db.Conn(ctx, s.db).Exec(`UPDATE users SET availability = ? WHERE id = ?`, status, userID).Error
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
	return db.Conn(ctx, s.db).Exec(`UPDATE queues SET auto_assign = ?, assign_cap = ? WHERE id = ?`,
		*a.Enabled, a.Cap, queueID).Error
}
