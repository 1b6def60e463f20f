package clocks

import (
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/sla"
)

// Reads of case_clocks other packages need (issue 17: one owner per table).

// DueAt returns when a case's clock is due (the earliest, if several), or
// none: the worker's reconciler rebuilds a lost case.submitted with it.
func DueAt(tx *gorm.DB, caseID uuid.UUID, clock sla.ClockName) ([]time.Time, error) {
	var out []time.Time
	err := tx.Table("case_clocks").Where("case_id = ? AND clock = ?", caseID, clock).
		Order("due_at").Limit(1).Pluck("due_at", &out).Error
	return out, err
}
