package grievance

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/remedy"
	"github.com/redresshq/redress/internal/sla"
)

// Protection of the complainant (issue 16, item 6; docs/protection.md):
// interim and protective measures, with their own clock and the
// complainant's consent, and the check-ins after closure whose "yes" opens a
// linked retaliation case.

// MeasureKinds are the interim and protective measures staff can propose.
var MeasureKinds = []string{"pause_decision", "suspend_enforcement", "protection_note", "change_line_manager"}

// Measure statuses: proposed → consented | declined; consented → in_place.
const (
	MeasureProposed  = "proposed"
	MeasureConsented = "consented"
	MeasureDeclined  = "declined"
	MeasureInPlace   = "in_place"
)

// MeasureWarnFraction is the share of a measure's time after which its clock
// warns (the default SLA policy's last warning).
const MeasureWarnFraction = 0.75

// ClockMeasure names a measure's clock in SLA events and emails.
const ClockMeasure = "protective_measure"

// Measure is one interim or protective measure on a case.
type Measure struct {
	ID          uuid.UUID  `json:"id"`
	Kind        string     `json:"kind"`
	Description string     `json:"description"`
	Status      string     `json:"status"`
	ProposedAt  time.Time  `json:"proposed_at"`
	DueAt       time.Time  `json:"due_at"`
	WarnedAt    *time.Time `json:"warned_at"`
	BreachedAt  *time.Time `json:"breached_at"`
	AnsweredAt  *time.Time `json:"answered_at"`
	InPlaceAt   *time.Time `json:"in_place_at"`
	// Overdue: its clock ran out and it is still not in place (nor declined).
	Overdue bool `json:"overdue"`
}

// MeasureRequest is the body of POST /api/v1/cases/{id}/measures.
type MeasureRequest struct {
	Kind        string `json:"kind"`
	Description string `json:"description"`
	DueAt       string `json:"due_at"` // RFC 3339, or a date meaning the end of that day (UTC)
}

func purposeMeasure(id string) string { return "measure.description:" + id }
func purposeCheckin(id string) string { return "checkin.text:" + id }

// ProposeMeasure records a measure proposed to the complainant, whose clock
// runs from now until it is in place. By the case's holder, or a supervisor.
func (s *Service) ProposeMeasure(ctx context.Context, caseID uuid.UUID, by cases.Actor, r MeasureRequest) (*Measure, error) {
	var f fault.Fields
	f.OneOf("kind", r.Kind, MeasureKinds, true)
	f.Text("description", r.Description, 10, maxLongText)
	now := time.Now().UTC().Truncate(time.Microsecond)
	due, err := remedy.ParseDue(r.DueAt)
	switch {
	case r.DueAt == "":
		f.Add("due_at", "required", "when the measure must be in place, e.g. 2027-01-31 or 2027-01-31T17:00:00Z")
	case err != nil:
		f.Add("due_at", "invalid", "a date (2027-01-31) or date and time (2027-01-31T17:00:00Z)")
	case !due.After(now):
		f.Add("due_at", "in_the_past", "must be in the future")
	case due.After(now.AddDate(1, 0, 0)):
		f.Add("due_at", "too_far", "an interim measure is due within a year")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	id := uuid.New()
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		c, err := casework.LockForWork(tx, caseID, by)
		if err != nil {
			return err
		}
		if c.Status == cases.StatusWithdrawn || c.Status == cases.StatusRejected {
			return fault.New(fault.Conflict, "case_ended", fmt.Sprintf("The case is %s: no measure can be proposed on it.", c.Status))
		}
		sealed, err := s.keys.SealCaseString(caseID, purposeMeasure(id.String()), r.Description)
		if err != nil {
			return err
		}
		warn := now.Add(time.Duration(float64(due.Sub(now)) * MeasureWarnFraction))
		if err := insertMeasure(tx, id, caseID, r.Kind, sealed, by.ID, now, due, warn); err != nil {
			return fmt.Errorf("grievance: propose measure: %w", err)
		}
		data := events.Measure{MeasureID: id, Kind: r.Kind, DueAt: due}
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "measure.proposed", Public: true, Data: data}); err != nil {
			return err
		}
		_, err = outbox.Add(tx, events.MeasureProposed, caseID, data)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.measure(ctx, caseID, id)
}

// AnswerMeasure records the complainant's consent to a proposed measure, or
// their refusal (which ends its clock: nothing is put in place without it).
func (s *Service) AnswerMeasure(ctx context.Context, caseID, measureID uuid.UUID, consent *bool) (*Measure, error) {
	if consent == nil {
		var f fault.Fields
		f.Add("consent", "required", "true to agree to the measure, false to decline it")
		return nil, f.Err()
	}
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if _, err := casework.LockForWork(tx, caseID, cases.Actor{Kind: audit.ActorComplainant}); err != nil {
			return err
		}
		to, action := MeasureDeclined, "measure.declined"
		if *consent {
			to, action = MeasureConsented, "measure.consented"
		}
		res := answerMeasure(tx, caseID, measureID, to, *consent)
		if res.Error != nil {
			return fmt.Errorf("grievance: answer measure: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return s.measureMissing(tx, caseID, measureID, "You have already answered about this measure.")
		}
		_, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: audit.ActorComplainant, Action: action,
			Public: true, Data: map[string]any{"measure_id": measureID}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.measure(ctx, caseID, measureID)
}

// MeasureInPlace records that a consented measure is in place, which ends
// its clock. By the case's holder, or a supervisor.
func (s *Service) MeasureInPlace(ctx context.Context, caseID, measureID uuid.UUID, by cases.Actor) (*Measure, error) {
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if _, err := casework.LockForWork(tx, caseID, by); err != nil {
			return err
		}
		var m measureRow
		if err := tx.Select("status").Where("id = ? AND case_id = ?", measureID, caseID).
			Clauses(clause.Locking{Strength: "UPDATE"}).Find(&m).Error; err != nil {
			return fmt.Errorf("grievance: measure: %w", err)
		}
		switch m.Status {
		case "":
			return fault.New(fault.NotFound, "measure_not_found", "This case has no measure with that id.")
		case MeasureProposed:
			return fault.New(fault.Conflict, "consent_needed",
				"The complainant has not consented to this measure yet: it cannot be put in place without their consent.")
		case MeasureDeclined:
			return fault.New(fault.Conflict, "declined", "The complainant declined this measure: it cannot be put in place.")
		case MeasureInPlace:
			return fault.New(fault.Conflict, "already_in_place", "This measure is already in place.")
		}
		if err := tx.Model(&measureRow{}).Where("id = ?", measureID).Updates(map[string]any{
			"status": MeasureInPlace, "in_place_at": gorm.Expr("now()"), "in_place_by": by.ID, "next_fire_at": nil}).Error; err != nil {
			return fmt.Errorf("grievance: measure in place: %w", err)
		}
		_, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "measure.in_place", Public: true, Data: map[string]any{"measure_id": measureID}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.measure(ctx, caseID, measureID)
}

func (s *Service) measureMissing(tx *gorm.DB, caseID, measureID uuid.UUID, answered string) error {
	var n int64
	if err := tx.Model(&measureRow{}).Where("id = ? AND case_id = ?", measureID, caseID).
		Count(&n).Error; err != nil {
		return fmt.Errorf("grievance: measure: %w", err)
	}
	if n == 0 {
		return fault.New(fault.NotFound, "measure_not_found", "This case has no measure with that id.")
	}
	return fault.New(fault.Conflict, "already_answered", answered)
}

func (s *Service) openMeasure(r measureRow) (Measure, error) {
	text, err := s.keys.OpenString(purposeMeasure(r.ID.String()), r.DescriptionEnc)
	if err != nil {
		return Measure{}, err
	}
	return Measure{ID: r.ID, Kind: r.Kind, Description: text, Status: r.Status, ProposedAt: r.ProposedAt.UTC(),
		DueAt: r.DueAt.UTC(), WarnedAt: r.WarnedAt, BreachedAt: r.BreachedAt, AnsweredAt: r.AnsweredAt,
		InPlaceAt: r.InPlaceAt, Overdue: r.BreachedAt != nil && (r.Status == MeasureProposed || r.Status == MeasureConsented)}, nil
}

// Measures returns a case's measures, oldest first.
func (s *Service) Measures(ctx context.Context, caseID uuid.UUID) ([]Measure, error) {
	return s.measures(s.db.WithContext(ctx), caseID)
}

// measures is Measures reading on q.
func (s *Service) measures(q *gorm.DB, caseID uuid.UUID) ([]Measure, error) {
	var rows []measureRow
	if err := q.Select(measureColumns).Where("case_id = ?", caseID).Order("proposed_at, id").
		Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("grievance: measures: %w", err)
	}
	out := make([]Measure, 0, len(rows))
	for _, r := range rows {
		m, err := s.openMeasure(r)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func (s *Service) measure(ctx context.Context, caseID, id uuid.UUID) (*Measure, error) {
	var r measureRow
	if err := s.db.WithContext(ctx).Select(measureColumns).Where("id = ? AND case_id = ?", id, caseID).
		Find(&r).Error; err != nil {
		return nil, fmt.Errorf("grievance: measure: %w", err)
	}
	if r.ID == uuid.Nil {
		return nil, fault.New(fault.NotFound, "measure_not_found", "This case has no measure with that id.")
	}
	m, err := s.openMeasure(r)
	return &m, err
}

// SweepMeasures fires the measures' clocks that are due: a warning when
// MeasureWarnFraction of the time is used, a breach when the due date
// passes before the measure is in place. Each is an entry in the case
// record and an SLA event (clock "protective_measure"), as any clock's.
// Each measure is handled in its own transaction that locks its case first
// (SKIP LOCKED, as the SLA sweep does) and then the measure, so N workers
// never fire one twice.
func (s *Service) SweepMeasures(ctx context.Context, limit int) (int, error) {
	var due []dueRow
	if err := s.db.WithContext(ctx).Model(&measureRow{}).Select("id", "case_id").
		Where("next_fire_at IS NOT NULL AND next_fire_at <= now()").Order("next_fire_at").Limit(limit).
		Find(&due).Error; err != nil {
		return 0, fmt.Errorf("grievance: due measures: %w", err)
	}
	n := 0
	for _, d := range due {
		err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
			var c cases.Case
			if err := cases.LockedOrSkip(tx, d.CaseID, "id", "priority").Scan(&c).Error; err != nil {
				return fmt.Errorf("grievance: lock case: %w", err)
			}
			if c.ID == uuid.Nil {
				return nil // someone is working on it: the next sweep looks again
			}
			m, err := dueMeasure(tx, d.ID)
			if err != nil {
				return fmt.Errorf("grievance: due measure: %w", err)
			}
			if m.ID == uuid.Nil {
				return nil // another sweeper fired it, or it was settled meanwhile
			}
			priority := ""
			if c.Priority != nil {
				priority = string(*c.Priority)
			}
			rule := sla.Rule{Code: "protective_measure",
				Source: "Interim measure (" + m.Kind + ")", Period: "in place by " + m.DueAt.UTC().Format(time.RFC3339)}
			data := events.SLA{Clock: ClockMeasure, DueAt: m.DueAt.UTC(), Rule: rule, Priority: priority, Notify: true}
			action, subject := "measure.warning", events.SLAWarning
			if !m.DueAt.After(m.Now) {
				action, subject = "measure.breached", events.SLABreached
				if err := tx.Model(&measureRow{}).Where("id = ?", m.ID).Updates(map[string]any{"breached_at": gorm.Expr("now()"),
					"warned_at": gorm.Expr("COALESCE(warned_at, now())"), "next_fire_at": nil}).Error; err != nil {
					return fmt.Errorf("grievance: measure breach: %w", err)
				}
			} else {
				data.Fraction = MeasureWarnFraction
				if err := tx.Model(&measureRow{}).Where("id = ?", m.ID).Updates(map[string]any{"warned_at": gorm.Expr("now()"),
					"next_fire_at": gorm.Expr("due_at")}).Error; err != nil {
					return fmt.Errorf("grievance: measure warning: %w", err)
				}
			}
			if _, err := audit.Append(tx, audit.Event{CaseID: d.CaseID, ActorKind: audit.ActorSystem, Action: action,
				Public: subject == events.SLABreached, Data: map[string]any{"measure_id": m.ID, "kind": m.Kind,
					"due_at": m.DueAt.UTC(), "status": m.Status}}); err != nil {
				return err
			}
			if _, err := outbox.Add(tx, subject, d.CaseID, data); err != nil {
				return err
			}
			n++
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
