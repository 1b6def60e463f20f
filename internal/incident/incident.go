// Package incident is the work a serious incident case owes (docs/incidents.md):
// when the organisation became aware of it and its subtype (the case's
// incident_aware_at and incident_subtype, written through internal/cases),
// and its tasks — reports to the authority, telling the provider, deciding
// whether to suspend the AI system. It owns the incident_tasks table and
// publishes incident.task_done; a suspension is written to the register
// through registry.Suspend.
package incident

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/seal"
)

// Service records incidents and their tasks.
type Service struct {
	db     *gorm.DB
	keys   *seal.Keyring
	clocks *clocks.Service
}

// NewService returns the incident service: keys seal the tasks' notes, clk
// keeps the incident's clocks.
func NewService(gdb *gorm.DB, keys *seal.Keyring, clk *clocks.Service) *Service {
	return &Service{db: gdb, keys: keys, clocks: clk}
}

// Subtypes pick the AI Act art. 73 reporting period: 2 days for a
// widespread infringement or a serious disruption of critical
// infrastructure, 10 for a death, 15 for any other serious incident.
var Subtypes = []string{"widespread", "death", "other"}

// Record records when the organisation became aware of a serious
// incident and what kind it is; its three clocks (incident_report,
// provider_notice, suspension_decision) run from that moment, and its tasks
// are set (incident_tasks.go). Awareness may be moved earlier as facts come to light, never later:
// a later date would quietly buy time the law does not give.
func (s *Service) Record(ctx context.Context, caseID uuid.UUID, by cases.Actor, awareAt time.Time, subtype string) error {
	var f fault.Fields
	f.OneOf("subtype", subtype, Subtypes, true)
	if awareAt.IsZero() {
		f.Add("aware_at", "required", "when the organisation became aware of the incident (RFC 3339)")
	} else if awareAt.After(time.Now().Add(time.Minute)) {
		f.Add("aware_at", "in_future", "awareness cannot be in the future")
	}
	if err := f.Err(); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var c caseIncident
		if err := cases.Locked(tx, caseID, "kind", "incident_aware_at", "incident_subtype").
			Scan(&c).Error; err != nil {
			return fmt.Errorf("incident: %w", err)
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
		if err := cases.SetIncident(tx, caseID, awareAt.UTC(), cases.IncidentSubtype(subtype)); err != nil {
			return err
		}
		if _, err := s.clocks.RecomputeIn(tx, caseID); err != nil {
			return err
		}
		if err := ensureTasks(tx, caseID); err != nil {
			return err
		}
		_, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "incident.recorded", Data: map[string]any{"aware_at": awareAt.UTC(), "subtype": subtype,
				"previous_aware_at": c.IncidentAwareAt, "previous_subtype": c.IncidentSubtype}})
		return err
	})
}
