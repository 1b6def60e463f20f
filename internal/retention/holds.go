package retention

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Hold is a legal hold on a case: while it is on, no schedule and no
// request erases the case.
type Hold struct {
	ID            uuid.UUID  `json:"id"`
	CaseID        uuid.UUID  `json:"case_id"`
	Reason        string     `json:"reason"`
	PlacedBy      uuid.UUID  `json:"placed_by"`
	PlacedAt      time.Time  `json:"placed_at"`
	Until         *time.Time `json:"until" gorm:"type:date"`
	ReleasedBy    *uuid.UUID `json:"released_by,omitempty"`
	ReleasedAt    *time.Time `json:"released_at,omitempty"`
	ReleaseReason *string    `json:"release_reason,omitempty"`
}

// TableName is the holds' table.
func (Hold) TableName() string { return "legal_holds" }

// Active reports whether the hold is on at now.
func (h *Hold) Active(now time.Time) bool {
	if h.ReleasedAt != nil {
		return false
	}
	return h.Until == nil || !now.UTC().Truncate(24*time.Hour).After(h.Until.UTC())
}

// HoldInput places a hold: a reason, and optionally its last day.
type HoldInput struct {
	Reason string `json:"reason"`
	Until  string `json:"until"` // YYYY-MM-DD, or empty: until released
}

// ReleaseInput releases a hold.
type ReleaseInput struct {
	Reason string `json:"reason"`
}

// activeHold is the SQL condition of a hold that is on today.
const activeHold = "released_at IS NULL AND (until IS NULL OR until >= current_date)"

// heldNow reports whether a case is under a legal hold.
func heldNow(q *gorm.DB, caseID uuid.UUID) (bool, error) {
	var n int64
	if err := q.Model(&Hold{}).Where("case_id = ? AND "+activeHold, caseID).Count(&n).Error; err != nil {
		return false, fmt.Errorf("retention: holds: %w", err)
	}
	return n > 0, nil
}

// Holds lists a case's holds, newest first.
func Holds(q *gorm.DB, caseID uuid.UUID) ([]Hold, error) {
	var out []Hold
	if err := q.Where("case_id = ?", caseID).Order("placed_at DESC").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("retention: holds: %w", err)
	}
	return out, nil
}

// PlaceHold puts case caseID under a legal hold: a supervisor's or admin's
// of its queue, with a reason of 10 to 2,000 characters and an optional last
// day (not in the past).
func (s *Service) PlaceHold(ctx context.Context, caseID uuid.UUID, by cases.Actor, in HoldInput) (*Hold, error) {
	who, err := staffWho(by)
	if err != nil {
		return nil, err
	}
	if err := supervisorOnly(by); err != nil {
		return nil, err
	}
	h := &Hold{ID: uuid.New(), CaseID: caseID, Reason: trimmed(in.Reason), PlacedBy: who,
		PlacedAt: time.Now().UTC().Truncate(time.Microsecond)}
	var f fault.Fields
	if n := len([]rune(h.Reason)); n < 10 || n > 2000 {
		f.Addf("reason", "length", "reason must be 10 to 2,000 characters: why the case must be kept")
	}
	if in.Until != "" {
		d, err := time.Parse(time.DateOnly, in.Until)
		switch {
		case err != nil:
			f.Addf("until", "invalid", "until must be a date, YYYY-MM-DD")
		case d.Before(h.PlacedAt.Truncate(24 * time.Hour)):
			f.Addf("until", "past", "until must not be in the past")
		default:
			h.Until = &d
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	err = s.transact(ctx, func(tx *gorm.DB) error {
		c, err := casework.LockUnlessRecused(tx, caseID, by)
		if err != nil {
			return err
		}
		if c.ErasedAt != nil {
			return fault.New(fault.Conflict, "case_erased", "The case is already erased: there is nothing left to hold.")
		}
		if err := tx.Create(h).Error; err != nil {
			return fmt.Errorf("retention: place hold: %w", err)
		}
		_, err = audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "case.legal_hold_placed", Data: map[string]any{"hold_id": h.ID, "reason": h.Reason, "until": in.Until}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// ReleaseHold ends a hold on case caseID, with a reason.
func (s *Service) ReleaseHold(ctx context.Context, caseID, holdID uuid.UUID, by cases.Actor, in ReleaseInput) (*Hold, error) {
	who, err := staffWho(by)
	if err != nil {
		return nil, err
	}
	if err := supervisorOnly(by); err != nil {
		return nil, err
	}
	reason := trimmed(in.Reason)
	if n := len([]rune(reason)); n < 10 || n > 2000 {
		var f fault.Fields
		f.Addf("reason", "length", "reason must be 10 to 2,000 characters: why the case need no longer be kept")
		return nil, f.Err()
	}
	var h Hold
	err = s.transact(ctx, func(tx *gorm.DB) error {
		if _, err := casework.LockUnlessRecused(tx, caseID, by); err != nil {
			return err
		}
		if err := tx.Where("id = ? AND case_id = ?", holdID, caseID).Take(&h).Error; err != nil {
			if err == gorm.ErrRecordNotFound {
				return fault.New(fault.NotFound, "hold_not_found", "The case has no legal hold with this id.")
			}
			return fmt.Errorf("retention: release hold: %w", err)
		}
		if h.ReleasedAt != nil {
			return fault.New(fault.Conflict, "hold_released", "This legal hold is already released.")
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		h.ReleasedAt, h.ReleasedBy, h.ReleaseReason = &now, &who, &reason
		if err := tx.Model(&Hold{}).Where("id = ?", h.ID).Updates(map[string]any{"released_at": now,
			"released_by": who, "release_reason": reason}).Error; err != nil {
			return fmt.Errorf("retention: release hold: %w", err)
		}
		_, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "case.legal_hold_released", Data: map[string]any{"hold_id": h.ID, "reason": reason}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &h, nil
}
