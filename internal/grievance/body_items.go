package grievance

import (
	"fmt"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/fault"
)

// bodyItemsOutstanding is the rule that a case cannot close while a body's
// order or recommendation is neither complied with (verified by a second
// person) nor settled by the body: a 409 naming each, or nil. It reads in
// tx, the closing transaction.
func (s *Service) bodyItemsOutstanding(tx *gorm.DB, caseID uuid.UUID) error {
	left, err := openBodyItems(tx, caseID)
	if err != nil {
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
