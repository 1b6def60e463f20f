package incident

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// The statements on incident_tasks that need SQL's full power, and the
// named rows the package reads.

const tasksTable = "incident_tasks"

// caseIncident is what the package reads of an incident's case row.
type caseIncident struct {
	Kind            string
	IncidentAwareAt *time.Time
	IncidentSubtype *string
	AISystemID      *uuid.UUID
	Now             time.Time
}

// taskDone is whether a task of a case is done.
type taskDone struct {
	Task   string
	DoneAt *time.Time
}

// taskRow is a task as staff see it, its note still sealed.
type taskRow struct {
	Task
	NoteEnc []byte
}

// ensureTasks gives an incident whose awareness is recorded its four tasks
// (once), and sets the due dates of the first three from their clocks as
// they stand: when awareness moves earlier, they follow.
func ensureTasks(tx *gorm.DB, caseID uuid.UUID) error {
	if err := tx.Exec(`INSERT INTO incident_tasks (case_id, task, clock) VALUES
		(?, 'initial_report', 'incident_report'), (?, 'complete_report', NULL),
		(?, 'provider_notice', 'provider_notice'), (?, 'suspension_decision', 'suspension_decision')
		ON CONFLICT (case_id, task) DO NOTHING`, caseID, caseID, caseID, caseID).Error; err != nil {
		return fmt.Errorf("incident: tasks: %w", err)
	}
	if err := tx.Exec(`UPDATE incident_tasks t SET due_at = k.due_at FROM case_clocks k
		WHERE t.case_id = ? AND k.case_id = t.case_id AND k.clock = t.clock AND k.due_at IS NOT NULL`, caseID).Error; err != nil {
		return fmt.Errorf("incident: task due dates: %w", err)
	}
	return nil
}

// taskRows are the tasks of case caseID in the order people read them. A
// task's due date is its clock's as it stands, else the one stored (a clock
// a policy no longer sets, or the complete report's).
func taskRows(tx *gorm.DB, caseID uuid.UUID) ([]taskRow, error) {
	var rows []taskRow
	if err := tx.Raw(`SELECT t.task, t.clock, COALESCE(k.due_at, t.due_at) AS due_at, t.done_at, t.done_by, t.note_enc,
		       t.outcome, t.authority_reference
		  FROM incident_tasks t LEFT JOIN case_clocks k ON k.case_id = t.case_id AND k.clock = t.clock
		 WHERE t.case_id = ?
		 ORDER BY array_position(ARRAY['initial_report', 'complete_report', 'provider_notice', 'suspension_decision'], t.task)`,
		caseID).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("incident: tasks: %w", err)
	}
	return rows, nil
}
