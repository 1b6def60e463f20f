package remedy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Remedies that hold (issue 16): conditions approved by a second person
// before an offer reaches the complainant, a seen offer withdrawn only with a
// second person's approval, and restitution owed by an overturned or
// modified decision unless a second person approves an exemption.

// PendingWithdrawal is a request to withdraw a component the complainant has
// seen, waiting for a second person (staff only).
type PendingWithdrawal struct {
	Reason string    `json:"reason"`
	By     uuid.UUID `json:"requested_by"`
	At     time.Time `json:"requested_at"`
}

// RestitutionView says whether the case's final decision owes restitution
// and how it is met: a restitution component verified or declined by the
// complainant, or an exemption approved by a second person.
type RestitutionView struct {
	Owed      bool                  `json:"owed"`
	Met       bool                  `json:"met"`
	Exemption *RestitutionExemption `json:"exemption,omitempty"`
}

// RestitutionExemption is why a decision that changed the AI's decision owes
// no restitution, asked for by one person and approved by another.
type RestitutionExemption struct {
	Reason      string     `json:"reason"`
	RequestedBy uuid.UUID  `json:"requested_by"`
	RequestedAt time.Time  `json:"requested_at"`
	ApprovedBy  *uuid.UUID `json:"approved_by,omitempty"`
	ApprovedAt  *time.Time `json:"approved_at,omitempty"`
}

func purposeExemption(id uuid.UUID) string { return "restitution_exemption.reason:" + id.String() }

func conditionsUnapproved(i int) error {
	e := fault.New(fault.Conflict, "conditions_unapproved", "A component with conditions cannot be offered at once: "+
		"a second person must approve its conditions first (POST …/remedies/{rid}/conditions/approve); propose it without offer.")
	e.Fields = append(e.Fields, fault.FieldError{Field: fmt.Sprintf("components[%d].conditions", i), Code: "unapproved",
		Message: "needs a second person's approval before the offer reaches the complainant"})
	return e
}

// seen reports whether the complainant has seen the component: withdrawing
// it then needs a second person.
func seen(k *lockedComponent) bool {
	return k.Status == Offered || k.Status == Accepted || k.Status == Implemented
}

// requestWithdrawal records a request to withdraw a seen component, on the
// record of each case it concerns; it takes effect when another person
// approves it (decideWithdrawal). The one rule for a case's components and a
// systemic issue's guarantees alike.
func (s *Service) requestWithdrawal(tx *gorm.DB, k *lockedComponent, by cases.Actor, reason string, linked []uuid.UUID) error {
	switch {
	case k.ReasonAt != nil:
		return fault.New(fault.Conflict, "remedy_reasoned", "A reason is already recorded for this component.")
	case k.PendingReasonBy != nil:
		return fault.New(fault.Conflict, "withdrawal_pending", "A withdrawal of this component already waits for approval.")
	}
	sealed, err := s.seal(k.CaseID, purposeRemedy("pending_reason", k.ID), []byte(strings.TrimSpace(reason)))
	if err != nil {
		return err
	}
	if err := components(tx, k.ID).Updates(map[string]any{"pending_reason_enc": sealed,
		"pending_reason_by": *by.ID, "pending_reason_at": gorm.Expr("now()")}).Error; err != nil {
		return fmt.Errorf("remedy: request withdrawal: %w", err)
	}
	for _, caseID := range linked {
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "remedy.withdrawal_requested", Data: map[string]any{"component_id": k.ID, "status": k.Status,
				"systemic_issue_id": k.SystemicIssueID}}); err != nil {
			return err
		}
	}
	return nil
}

// ApproveRemedyWithdrawal is a second person approving the withdrawal of a
// component the complainant has seen: the reason becomes the component's,
// shown to the complainant, who is told there is news.
// approve false refuses it, with a reason: the component stays as it was.
func (s *Service) ApproveRemedyWithdrawal(ctx context.Context, caseID, componentID uuid.UUID, by cases.Actor,
	approve bool, note string) error {
	return s.secondPerson(ctx, caseID, componentID, by, approve, note, func(tx *gorm.DB, k *lockedComponent) error {
		return s.decideWithdrawal(tx, k, by, approve, note, []uuid.UUID{caseID})
	})
}

// secondPerson runs a second person's decision on a case's component: a
// refusal needs its reason; then decide runs on the component, locked, in
// one transaction.
func (s *Service) secondPerson(ctx context.Context, caseID, componentID uuid.UUID, by cases.Actor, approve bool,
	note string, decide func(*gorm.DB, *lockedComponent) error) error {
	if err := refusalReason(approve, note); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		k, err := s.lockCaseComponent(tx, caseID, componentID, by)
		if err != nil {
			return err
		}
		return decide(tx, k)
	})
}

// ApproveSystemicRemedyWithdrawal is ApproveRemedyWithdrawal for a systemic
// issue's guarantee: the withdrawal lands in every linked case's record and
// each linked case's complainant is told there is news.
func (s *Service) ApproveSystemicRemedyWithdrawal(ctx context.Context, issueID, componentID uuid.UUID, by cases.Actor,
	approve bool, note string) error {
	if err := refusalReason(approve, note); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		linked, k, err := s.lockIssueComponent(tx, issueID, componentID, by, true)
		if err != nil {
			return err
		}
		return s.decideWithdrawal(tx, k, by, approve, note, linked)
	})
}

// decideWithdrawal is the second person's decision on a pending withdrawal,
// recorded on each case the component concerns (the component and those
// cases are locked by the caller).
func (s *Service) decideWithdrawal(tx *gorm.DB, k *lockedComponent, by cases.Actor, approve bool, note string, linked []uuid.UUID) error {
	switch {
	case k.PendingReasonBy == nil:
		return fault.New(fault.Conflict, "no_withdrawal_pending", "No withdrawal of this component waits for approval.")
	case *k.PendingReasonBy == *by.ID:
		return fault.New(fault.Forbidden, "four_eyes", "Someone other than the person who asked to withdraw it must approve.")
	}
	if !approve {
		if err := components(tx, k.ID).Updates(map[string]any{"pending_reason_enc": nil, "pending_reason_by": nil,
			"pending_reason_at": nil}).Error; err != nil {
			return fmt.Errorf("remedy: refuse withdrawal: %w", err)
		}
		for _, caseID := range linked {
			if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
				Action: "remedy.withdrawal_refused", Data: map[string]any{"component_id": k.ID, "reason": strings.TrimSpace(note),
					"systemic_issue_id": k.SystemicIssueID}}); err != nil {
				return err
			}
		}
		return nil
	}
	var row pendingReasonRow
	if err := tx.Table("remedy_components").Select("pending_reason_enc").Where("id = ?", k.ID).
		Scan(&row).Error; err != nil {
		return fmt.Errorf("remedy: withdrawal: %w", err)
	}
	reason, err := s.keys.OpenString(purposeRemedy("pending_reason", k.ID), row.PendingReasonEnc)
	if err != nil {
		return fmt.Errorf("remedy: open withdrawal: %w", err)
	}
	sealed, err := s.seal(k.CaseID, purposeRemedy("reason", k.ID), []byte(reason))
	if err != nil {
		return err
	}
	if err := components(tx, k.ID).Updates(map[string]any{"reason_enc": sealed,
		"reason_by": gorm.Expr("pending_reason_by"), "reason_at": gorm.Expr("now()"), "reason_approved_by": *by.ID,
		"withdrawn": true, "pending_reason_enc": nil, "pending_reason_by": nil, "pending_reason_at": nil}).Error; err != nil {
		return fmt.Errorf("remedy: withdraw remedy: %w", err)
	}
	for _, caseID := range linked {
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "remedy.withdrawn", Public: true, Data: map[string]any{"component_id": k.ID, "form": k.Form,
				"status": k.Status, "requested_by": k.PendingReasonBy, "systemic_issue_id": k.SystemicIssueID}}); err != nil {
			return err
		}
	}
	// One event per case concerned, naming it: each complainant is told
	// (a systemic guarantee's withdrawal reaches every linked complainant).
	for _, caseID := range linked {
		if _, err := outbox.Add(tx, events.RemedyStatusChanged, caseID, events.Remedy{
			ComponentIDs: []uuid.UUID{k.ID}, SystemicIssueID: k.SystemicIssueID, Status: "withdrawn"}); err != nil {
			return err
		}
		if err := s.endRemedyClockIfSettled(tx, caseID); err != nil {
			return err
		}
	}
	return nil
}

// ApproveRemedyConditions is a second person (not who proposed the bundle)
// approving a proposed component's conditions, so it may be offered.
// approve false refuses them, with a reason: the component cannot be offered
// as it stands (propose it again without them).
func (s *Service) ApproveRemedyConditions(ctx context.Context, caseID, componentID uuid.UUID, by cases.Actor,
	approve bool, note string) error {
	return s.secondPerson(ctx, caseID, componentID, by, approve, note, func(tx *gorm.DB, k *lockedComponent) error {
		switch {
		case !k.HasConditions:
			return fault.New(fault.Conflict, "no_conditions", "This component asks nothing of the complainant; there is nothing to approve.")
		case k.ConditionsOK:
			return fault.New(fault.Conflict, "conditions_approved", "Its conditions are already approved.")
		case k.Status != Proposed:
			return fault.New(fault.Conflict, "not_proposed", "Conditions are approved before the component is offered.")
		case k.ProposedBy == *by.ID:
			return fault.New(fault.Forbidden, "four_eyes", "Someone other than the person who proposed it must approve its conditions.")
		}
		if !approve {
			_, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
				Action: "remedy.conditions_refused", Data: map[string]any{"component_id": k.ID, "reason": strings.TrimSpace(note)}})
			return err
		}
		if err := components(tx, k.ID).Updates(map[string]any{"conditions_approved_by": *by.ID,
			"conditions_approved_at": gorm.Expr("now()")}).Error; err != nil {
			return fmt.Errorf("remedy: approve conditions: %w", err)
		}
		_, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "remedy.conditions_approved", Data: map[string]any{"component_id": k.ID, "proposed_by": k.ProposedBy}})
		return err
	})
}

// anyWithdrawn reports whether a component of the case (its own, or a
// guarantee of a systemic issue it is linked to) was
// withdrawn after the complainant saw it.
func (s *Service) anyWithdrawn(q *gorm.DB, caseID uuid.UUID) (bool, error) {
	n, err := countWithdrawn(q, caseID)
	return n > 0, err
}

// PromiseKey is the catalogue key of the remedy clock's promise after
// outcome (the pages' grievance.FollowOutcome).
func PromiseKey(outcome decision.Outcome) string {
	if outcome == "" || OwesRestitution(outcome) {
		return "cp.clock.remedy"
	}
	return "followup.remedy_promise_offered"
}

// OwesRestitution reports whether an outcome changes the AI's decision, so
// that restitution is owed.
func OwesRestitution(outcome decision.Outcome) bool {
	o := decision.CurrentOutcome(outcome)
	return o == decision.OutcomeOverturned || o == decision.OutcomeModified
}

func (s *Service) restitutionRow(q *gorm.DB, caseID uuid.UUID) (*restitutionRow, error) {
	var r restitutionRow
	rd := db.ReadsOn(q)
	loadRestitution(rd, caseID, &r)
	if err := rd.Run(); err != nil {
		return nil, fmt.Errorf("remedy: restitution: %w", err)
	}
	if r.DecisionID == uuid.Nil {
		return nil, nil
	}
	return &r, nil
}

// QueueRestitution queues the read of whether the case's final decision owes
// restitution and how it is met into out (nil when it owes none).
func (s *Service) QueueRestitution(rd *db.Reads, caseID uuid.UUID, out **RestitutionView) {
	var r restitutionRow
	loadRestitution(rd, caseID, &r)
	rd.Then(func() (err error) {
		*out = nil
		if r.DecisionID == uuid.Nil || !OwesRestitution(r.Outcome) {
			return nil
		}
		v := &RestitutionView{Owed: true, Met: r.Delivered}
		if r.ExemptionID != nil {
			x := &RestitutionExemption{RequestedBy: *r.RequestedBy, RequestedAt: r.RequestedAt.UTC(), ApprovedBy: r.ApprovedBy,
				ApprovedAt: casework.UTC(r.ApprovedAt)}
			if x.Reason, err = s.keys.OpenString(purposeExemption(*r.ExemptionID), r.ReasonEnc); err != nil {
				return fmt.Errorf("remedy: open exemption: %w", err)
			}
			v.Exemption = x
			v.Met = v.Met || x.ApprovedBy != nil
		}
		*out = v
		return nil
	})
}

// Restitution reads whether the case's final decision owes restitution and
// how it is met (QueueRestitution).
func (s *Service) Restitution(ctx context.Context, caseID uuid.UUID) (*RestitutionView, error) {
	var v *RestitutionView
	rd := db.ReadsOn(s.db.WithContext(ctx))
	s.QueueRestitution(rd, caseID, &v)
	return v, rd.Run()
}

// CheckRestitution refuses to close a case whose final decision overturned
// or modified the AI's decision until restitution is delivered (a
// restitution component verified, or declined by the complainant) or an
// exemption is approved by a second person.
func (s *Service) CheckRestitution(q *gorm.DB, caseID uuid.UUID) error {
	r, err := s.restitutionRow(q, caseID)
	if err != nil || r == nil || !OwesRestitution(r.Outcome) || r.Delivered || r.ApprovedBy != nil {
		return err
	}
	e := fault.New(fault.Conflict, "restitution_missing", fmt.Sprintf("The decision is %s, so restitution is owed: "+
		"a restitution component verified (or declined by the complainant), or an exemption with a reason approved by "+
		"a second person (POST /api/v1/cases/{id}/restitution-exemption, then …/approve).", decision.CurrentOutcome(r.Outcome)))
	code, msg := "required", "no restitution component is verified or declined"
	if r.ExemptionID != nil {
		code, msg = "exemption_unapproved", "the exemption waits for a second person's approval"
	}
	e.Fields = append(e.Fields, fault.FieldError{Field: "restitution", Code: code, Message: msg})
	return e
}

// RequestRestitutionExemption records why the case's final decision owes no
// restitution; it holds once another person approves it.
func (s *Service) RequestRestitutionExemption(ctx context.Context, caseID uuid.UUID, by cases.Actor, reason string) error {
	var f fault.Fields
	f.Text("reason", reason, 20, casework.MaxLongText)
	casework.CheckWaiver(&f, "reason", reason)
	if err := f.Err(); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if _, err := casework.LockOpen(tx, caseID, by); err != nil {
			return err
		}
		r, err := s.restitutionRow(tx, caseID)
		switch {
		case err != nil:
			return err
		case r == nil || !OwesRestitution(r.Outcome):
			return fault.New(fault.Conflict, "restitution_not_owed",
				"Only a final decision that overturned or modified the AI's decision owes restitution.")
		case r.ExemptionID != nil:
			return fault.New(fault.Conflict, "exemption_exists", "An exemption is already recorded for this decision.")
		}
		id := uuid.New()
		sealed, err := s.keys.SealCase(caseID, purposeExemption(id), []byte(strings.TrimSpace(reason)))
		if err != nil {
			return err
		}
		if err := tx.Table("restitution_exemptions").Create(map[string]any{"id": id, "case_id": caseID,
			"decision_id": r.DecisionID, "reason_enc": sealed, "requested_by": *by.ID}).Error; err != nil {
			return fmt.Errorf("remedy: exemption: %w", err)
		}
		_, err = audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "restitution.exemption_requested", Data: map[string]any{"decision_id": r.DecisionID}})
		return err
	})
}

// ApproveRestitutionExemption is a second person approving the exemption.
// approve false refuses it, with a reason: the request is removed.
func (s *Service) ApproveRestitutionExemption(ctx context.Context, caseID uuid.UUID, by cases.Actor, approve bool,
	note string) error {
	if err := refusalReason(approve, note); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if _, err := casework.LockOpen(tx, caseID, by); err != nil {
			return err
		}
		r, err := s.restitutionRow(tx, caseID)
		switch {
		case err != nil:
			return err
		case r == nil || r.ExemptionID == nil:
			return fault.New(fault.Conflict, "no_exemption", "No restitution exemption waits for approval on this case.")
		case r.ApprovedBy != nil:
			return fault.New(fault.Conflict, "exemption_approved", "The exemption is already approved.")
		case *r.RequestedBy == *by.ID:
			return fault.New(fault.Forbidden, "four_eyes", "Someone other than the person who asked for the exemption must approve it.")
		}
		if !approve {
			if err := deleteExemption(tx, *r.ExemptionID); err != nil {
				return fmt.Errorf("remedy: refuse exemption: %w", err)
			}
			_, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
				Action: "restitution.exemption_refused", Data: map[string]any{"decision_id": r.DecisionID,
					"reason": strings.TrimSpace(note)}})
			return err
		}
		if err := tx.Table("restitution_exemptions").Where("id = ?", *r.ExemptionID).
			Updates(map[string]any{"approved_by": *by.ID, "approved_at": gorm.Expr("now()")}).Error; err != nil {
			return fmt.Errorf("remedy: approve exemption: %w", err)
		}
		_, err = audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "restitution.exemption_approved", Data: map[string]any{"decision_id": r.DecisionID,
				"requested_by": r.RequestedBy}})
		return err
	})
}

// refusalReason asks a refusal for its reason (10 characters or more).
func refusalReason(approve bool, note string) error {
	var f fault.Fields
	if approve {
		f.Text("reason", note, 0, casework.MaxLongText)
	} else {
		f.Text("reason", note, 10, casework.MaxLongText)
	}
	return f.Err()
}
