package decision

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/platform/db"
)

// triageRow is what triage reads of a case under its lock.
type triageRow struct {
	Status              cases.Status
	Kind                string
	Priority            *string
	AssigneeID          *uuid.UUID
	PreliminarySeverity *string
}

// pendingPriorityRow is a case's priority and the downgrade waiting for
// approval, read under the case's lock.
type pendingPriorityRow struct {
	Status            string
	Priority          *string
	PendingPriority   *string
	PendingPriorityBy *uuid.UUID
}

// extensionRow is a case's status and extension notice with one of its
// clocks (none: nil due and satisfied), and the database's now.
type extensionRow struct {
	Status            string
	ExtensionNoticeAt *time.Time
	DueAt             *time.Time
	SatisfiedAt       *time.Time
	Now               time.Time
}

// lockForExtension locks a case (not its clock) and reads what an extension
// notice on its clock needs; a missing case has an empty status.
func lockForExtension(tx *gorm.DB, caseID uuid.UUID, clock string) (extensionRow, error) {
	var c extensionRow
	err := tx.Raw(`SELECT c.status, c.extension_notice_at, k.due_at, k.satisfied_at, now() AS now
			  FROM cases c LEFT JOIN case_clocks k ON k.case_id = c.id AND k.clock = ?
			 WHERE c.id = ? FOR UPDATE OF c`, clock, caseID).Scan(&c).Error
	return c, err
}

// FirstClassification writes the complainant's classification of a case
// just filed (source complainant), which triage later revises.
func FirstClassification(tx *gorm.DB, caseID uuid.UUID, rights, harmTypes []string) error {
	if err := tx.Exec(`INSERT INTO case_classifications (case_id, rights, harm_types, source) VALUES (?, ?, ?, 'complainant')`,
		caseID, db.TextSlice(rights), db.TextSlice(harmTypes)).Error; err != nil {
		return fmt.Errorf("decision: classification: %w", err)
	}
	return nil
}
