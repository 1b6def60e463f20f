package grievance

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/incident"
)

// Incidents moved to internal/incident; these names keep the callers
// building until the rename script (GRV-rename-incident.sh) runs in the
// next commit, which deletes this file.

type IncidentTaskRequest = incident.TaskRequest

var (
	IncidentSubtypes   = incident.Subtypes
	SuspensionOutcomes = incident.SuspensionOutcomes
)

func (s *Service) RecordIncident(ctx context.Context, caseID uuid.UUID, by cases.Actor, awareAt time.Time, subtype string) error {
	return s.incidents.Record(ctx, caseID, by, awareAt, subtype)
}

func (s *Service) CompleteIncidentTask(ctx context.Context, caseID uuid.UUID, by cases.Actor, task string, r incident.TaskRequest) error {
	return s.incidents.CompleteTask(ctx, caseID, by, task, r)
}
