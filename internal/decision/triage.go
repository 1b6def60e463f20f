package decision

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// TriageRequest is the body of POST /api/v1/cases/{id}/triage.
type TriageRequest struct {
	Scale                    int      `json:"scale"`
	ScaleRationale           string   `json:"scale_rationale"`
	Scope                    int      `json:"scope"`
	ScopeRationale           string   `json:"scope_rationale"`
	Irremediability          int      `json:"irremediability"`
	IrremediabilityRationale string   `json:"irremediability_rationale"`
	Rationale                string   `json:"rationale,omitempty"`
	Rights                   []string `json:"rights"`
	HarmTypes                []string `json:"harm_types"`
	Mechanisms               []string `json:"mechanisms"`
	HarmStatus               string   `json:"harm_status"`
}

// TriageResult says what triage did to the priority.
type TriageResult struct {
	Computed string   `json:"computed_priority"`
	Reasons  []Reason `json:"reasons"`
	// Change is "raised", "unchanged", or "pending_approval" (a downgrade waits for a supervisor).
	Change string `json:"priority_change"`
}

// triageable statuses: the case is still being handled.
var triageable = []cases.Status{cases.StatusSubmitted, cases.StatusAcknowledged, cases.StatusInReview, cases.StatusAwaitingComplainant,
	cases.StatusAppealed, cases.StatusEscalated}

func (r *TriageRequest) validate() error {
	var f fault.Fields
	for _, d := range []struct {
		name      string
		v         int
		rationale string
	}{{"scale", r.Scale, r.ScaleRationale}, {"scope", r.Scope, r.ScopeRationale},
		{"irremediability", r.Irremediability, r.IrremediabilityRationale}} {
		if d.v < 1 || d.v > 4 {
			f.Addf(d.name, "out_of_range", "must be 1 (low) to 4 (grave)")
		}
		f.Text(d.name+"_rationale", d.rationale, 1, casework.MaxLongText)
	}
	f.Text("rationale", r.Rationale, 0, casework.MaxLongText)
	casework.Codes(&f, "rights", r.Rights, Rights, 1)
	casework.Codes(&f, "harm_types", r.HarmTypes, HarmTypes, 0)
	casework.Codes(&f, "mechanisms", r.Mechanisms, Mechanisms, 0)
	f.OneOf("harm_status", r.HarmStatus, HarmStatuses, true)
	return f.Err()
}

// Triage classifies a case and sets its priority by the maximum rule. A
// priority that rises applies at once; one that would fall waits for a
// supervisor other than the person who asked (ApprovePriority). A reviewer
// may triage only a case assigned to them; one who may work any case
// (cases.Actor.MayWorkAnyCase: a supervisor or admin of its queue) triages
// any. by is staff.
func (s *Service) Triage(ctx context.Context, caseID uuid.UUID, actor cases.Actor, r TriageRequest) (*TriageResult, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	by := *actor.ID
	var out *TriageResult
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var c triageRow
		if err := cases.Locked(tx, caseID, "status", "kind", "priority", "assignee_id", "preliminary_severity").Scan(&c).Error; err != nil {
			return fmt.Errorf("decision: triage: %w", err)
		}
		switch {
		case c.Status == "":
			return fault.New(fault.NotFound, "case_not_found", "No case has that id.")
		case !slices.Contains(triageable, c.Status):
			return fault.New(fault.Conflict, "not_triageable", "A case that is "+string(c.Status)+" is no longer triaged.")
		case !actor.MayWork(c.AssigneeID):
			// The route's gate decides who may act (access.Works); under
			// the row's lock this holds if the case changed hands since.
			return access.ErrNotYours
		}
		prelim := ""
		if c.PreliminarySeverity != nil {
			prelim = *c.PreliminarySeverity
		}
		p, reasons := Priority(Severity{r.Scale, r.Scope, r.Irremediability},
			Factors{Kind: c.Kind, HarmStatus: r.HarmStatus, Rights: r.Rights, PreliminarySeverity: prelim})
		out = &TriageResult{Computed: p, Reasons: reasons, Change: "unchanged"}
		reasonsJSON, _ := json.Marshal(reasons)
		if err := tx.Table("case_classifications").Where("case_id = ?", caseID).Updates(map[string]any{
			"rights": db.TextSlice(r.Rights), "harm_types": db.TextSlice(r.HarmTypes),
			"mechanisms": db.TextSlice(r.Mechanisms), "harm_status": r.HarmStatus,
			"scale": r.Scale, "scale_rationale": r.ScaleRationale, "scope": r.Scope, "scope_rationale": r.ScopeRationale,
			"irremediability": r.Irremediability, "irremediability_rationale": r.IrremediabilityRationale,
			"rationale": casework.Nullable(r.Rationale), "priority_reasons": string(reasonsJSON), "source": "triage",
			"classified_by": by, "updated_at": gorm.Expr("now()")}).Error; err != nil {
			return fmt.Errorf("decision: triage: %w", err)
		}
		switch {
		case MoreUrgent(p, c.Priority):
			out.Change = "raised"
			if err := cases.RaisePriority(tx, caseID, cases.Priority(p)); err != nil {
				return err
			}
		case p != *c.Priority:
			out.Change = "pending_approval"
			if err := cases.RequestPriority(tx, caseID, cases.Priority(p), by, "triage: "+reasons[0].Factor); err != nil {
				return err
			}
		}
		data := map[string]any{"scale": r.Scale, "scope": r.Scope, "irremediability": r.Irremediability,
			"harm_status": r.HarmStatus, "computed_priority": p, "reasons": reasons, "priority_change": out.Change,
			"previous_priority": c.Priority}
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: audit.ActorStaff, ActorID: &by,
			Action: "case.triaged", Data: data}); err != nil {
			return err
		}
		if _, err := outbox.Add(tx, events.CaseTriaged, caseID,
			events.Triaged{Priority: p, PriorityChange: out.Change}); err != nil {
			return err
		}
		if out.Change == "raised" {
			_, err := s.clocks.RecomputeIn(tx, caseID) // the tier of the new priority
			return err
		}
		return nil
	})
	return out, err
}

// ApprovePriority decides a pending downgrade. The approver must be another
// person than the one who asked for it: four eyes.
func (s *Service) ApprovePriority(ctx context.Context, caseID, approver uuid.UUID, approve bool, reason string) error {
	var f fault.Fields
	f.Text("reason", reason, 1, casework.MaxLongText)
	if err := f.Err(); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var c pendingPriorityRow
		if err := cases.Locked(tx, caseID, "status", "priority", "pending_priority", "pending_priority_by").Scan(&c).Error; err != nil {
			return err
		}
		switch {
		case c.Status == "":
			return fault.New(fault.NotFound, "case_not_found", "No case has that id.")
		case c.PendingPriority == nil:
			return fault.New(fault.Conflict, "no_pending_downgrade", "No priority downgrade is waiting for approval on this case.")
		case *c.PendingPriorityBy == approver:
			return fault.New(fault.Forbidden, "four_eyes", "Someone other than the person who asked for the downgrade must decide it.")
		}
		action := "priority.downgrade_approved"
		if !approve {
			action = "priority.downgrade_refused"
		}
		if err := cases.DecidePendingPriority(tx, caseID, approve); err != nil {
			return err
		}
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: audit.ActorStaff, ActorID: &approver,
			Action: action, Data: map[string]any{"from": c.Priority, "to": c.PendingPriority, "requested_by": c.PendingPriorityBy,
				"reason": reason}}); err != nil {
			return err
		}
		if approve {
			if _, err := outbox.Add(tx, events.CaseTriaged, caseID, events.Triaged{Priority: *c.PendingPriority,
				PriorityChange: "lowered"}); err != nil {
				return err
			}
			_, err := s.clocks.RecomputeIn(tx, caseID)
			return err
		}
		return nil
	})
}
