package grievance

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// IncidentSubtypes pick the AI Act art. 73 reporting period: 2 days for a
// widespread infringement or a serious disruption of critical
// infrastructure, 10 for a death, 15 for any other serious incident.
var IncidentSubtypes = []string{"widespread", "death", "other"}

// RecordIncident records when the organisation became aware of a serious
// incident and what kind it is; its three clocks (incident_report,
// provider_notice, suspension_decision) run from that moment, and its tasks
// are set (incident_tasks.go). Awareness may be moved earlier as facts come to light, never later:
// a later date would quietly buy time the law does not give.
func (s *Service) RecordIncident(ctx context.Context, caseID uuid.UUID, by cases.Actor, awareAt time.Time, subtype string) error {
	var f fault.Fields
	oneOf(&f, "subtype", subtype, IncidentSubtypes, true)
	if awareAt.IsZero() {
		f.Add("aware_at", "required", "when the organisation became aware of the incident (RFC 3339)")
	} else if awareAt.After(time.Now().Add(time.Minute)) {
		f.Add("aware_at", "in_future", "awareness cannot be in the future")
	}
	if err := f.Err(); err != nil {
		return err
	}
	return db.InTx(ctx, s.db, func(ctx context.Context) error {
		conn := db.Conn(ctx, s.db)
		var c struct {
			Kind            string
			IncidentAwareAt *time.Time
			IncidentSubtype *string
		}
		if err := cases.Locked(conn, caseID, "kind", "incident_aware_at", "incident_subtype").
			Scan(&c).Error; err != nil {
			return fmt.Errorf("grievance: incident: %w", err)
		}
		switch {
		case c.Kind == "":
			return fault.New(fault.NotFound, "case_not_found", "No case has that id.")
		case c.Kind != "incident":
			return fault.New(fault.Conflict, "not_an_incident", "Only incident cases have an awareness time and subtype.")
		case c.IncidentAwareAt != nil && awareAt.After(*c.IncidentAwareAt):
			return fault.New(fault.Conflict, "awareness_later", fmt.Sprintf(
				"Awareness was recorded at %s; it may move earlier, never later.", c.IncidentAwareAt.UTC().Format(time.RFC3339)))
		}
		if err := cases.SetIncident(conn, caseID, awareAt.UTC(), cases.IncidentSubtype(subtype)); err != nil {
			return err
		}
		if _, err := s.clocks.Recompute(ctx, caseID); err != nil {
			return err
		}
		if err := s.ensureIncidentTasks(ctx, caseID); err != nil {
			return err
		}
		_, err := audit.Append(ctx, s.db, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "incident.recorded", Data: map[string]any{"aware_at": awareAt.UTC(), "subtype": subtype,
				"previous_aware_at": c.IncidentAwareAt, "previous_subtype": c.IncidentSubtype}})
		return err
	})
}
