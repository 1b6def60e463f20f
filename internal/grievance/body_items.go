package grievance

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// openBodyItem is an independent body's order or recommendation that still
// holds its case open (internal/escalation/outcomes.go records them).
type openBodyItem struct {
	ID       uuid.UUID
	Kind     string
	Status   string
	DueAt    time.Time
	BodyName string
}

// bodyItemsOutstanding is the rule that a case cannot close while a body's
// order or recommendation is neither complied with (verified by a second
// person) nor settled by the body: a 409 naming each, or nil.
func (s *Service) bodyItemsOutstanding(ctx context.Context, caseID uuid.UUID) error {
	var left []openBodyItem
	if err := db.Conn(ctx, s.db).Raw(`SELECT i.id, i.kind, i.status, i.due_at, b.name AS body_name
		  FROM referral_outcome_items i JOIN referrals r ON r.id = i.referral_id JOIN bodies b ON b.id = r.body_id
		 WHERE i.case_id = ? AND i.status IN ('open', 'awaiting_verification') ORDER BY i.due_at, i.id`, caseID).
		Scan(&left).Error; err != nil {
		return fmt.Errorf("grievance: body items: %w", err)
	}
	if len(left) == 0 {
		return nil
	}
	names := make([]string, len(left))
	for i, it := range left {
		names[i] = fmt.Sprintf("%s's %s due %s (%s)", it.BodyName, it.Kind, it.DueAt.UTC().Format("2006-01-02"),
			strings.ReplaceAll(it.Status, "_", " "))
	}
	e := fault.New(fault.Conflict, "body_orders_outstanding", fmt.Sprintf(
		"The case cannot close while an independent body's order or recommendation is open: %s. Record compliance with "+
			"evidence and have a second person verify it, or the body records it settled.", strings.Join(names, "; ")))
	for _, it := range left {
		e.Fields = append(e.Fields, fault.FieldError{Field: "body_items[" + it.ID.String() + "]", Code: it.Status,
			Message: "the " + it.Kind + " of " + it.BodyName + " is " + strings.ReplaceAll(it.Status, "_", " ")})
	}
	return e
}
