package decision

import (
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/cases"
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
