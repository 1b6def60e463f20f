package remedy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/seal"
	"github.com/redresshq/redress/internal/sla"
)

// Service keeps remedies: bundles and their components for a case or a
// systemic issue, their moves, and restitution exemptions.
type Service struct {
	db     *gorm.DB
	keys   *seal.Keyring
	clocks *clocks.Service
	ev     *evidence.Service
	move   Mover
}

// NewService returns the remedy service: keys seal the components' texts,
// clk keeps the remedy clock, ev checks the evidence a move cites.
func NewService(gdb *gorm.DB, keys *seal.Keyring, clk *clocks.Service, ev *evidence.Service, move Mover) *Service {
	return &Service{db: gdb, keys: keys, clocks: clk, ev: ev, move: move}
}

// Mover moves a case to status to inside the caller's transaction tx, with all
// a move entails (clocks, appeal window, the case record's entry with extra,
// the case.status_changed event): the case work's one way to move a case
// (internal/grievance), which remedy cannot import.
type Mover func(tx *gorm.DB, caseID uuid.UUID, by cases.Actor, to cases.Status, extra map[string]any) error

// RightsNotice is shown with every remedy offer: nothing offered, accepted or
// paid takes away the right to go elsewhere (Waiver keeps offers
// from saying otherwise).
const RightsNotice = "Accepting an offer never takes away your right to go to a court, a regulator, " +
	"an independent body or a union, before, during or after this process."

// Request is POST /api/v1/cases/{id}/remedies.
type Request struct {
	Components []ComponentInput `json:"components"`
	// Offer puts every component before the complainant at once; otherwise
	// they stay proposed until each is offered.
	Offer bool `json:"offer"`
}

// EvidenceNote is what was recorded when a component was implemented or
// verified: how, and the evidence files that show it.
type EvidenceNote struct {
	Status      Status      `json:"status"`
	Note        string      `json:"note"`
	EvidenceIDs []uuid.UUID `json:"evidence_ids"`
	By          uuid.UUID   `json:"by"`
	At          time.Time   `json:"at"`
}

// ComponentView is one component of a remedy bundle.
type ComponentView struct {
	ID              uuid.UUID      `json:"id"`
	BundleID        uuid.UUID      `json:"bundle_id"`
	SystemicIssueID *uuid.UUID     `json:"systemic_issue_id,omitempty"`
	Form            Form           `json:"form"`
	Subtype         string         `json:"subtype"`
	Description     string         `json:"description"`
	Responsible     string         `json:"responsible"`
	ResponsibleName *string        `json:"responsible_name,omitempty"`
	Amount          *string        `json:"amount,omitempty"`
	Currency        *string        `json:"currency,omitempty"`
	DueAt           time.Time      `json:"due_at"`
	Status          Status         `json:"status"`
	OfferedAt       *time.Time     `json:"offered_at,omitempty"`
	RespondedAt     *time.Time     `json:"responded_at,omitempty"`
	Comment         string         `json:"complainant_comment,omitempty"`
	ImplementedAt   *time.Time     `json:"implemented_at,omitempty"`
	ImplementedBy   *uuid.UUID     `json:"implemented_by,omitempty"`
	VerifiedAt      *time.Time     `json:"verified_at,omitempty"`
	VerifiedBy      *uuid.UUID     `json:"verified_by,omitempty"`
	Evidence        []EvidenceNote `json:"evidence"`
	Reason          string         `json:"reason,omitempty"` // why it will not be verified
	ReasonAt        *time.Time     `json:"reason_at,omitempty"`
	// Conditions are what the complainant is asked to do; a second person
	// approves them before the component is offered.
	Conditions           []string   `json:"conditions"`
	ConditionsApprovedBy *uuid.UUID `json:"conditions_approved_by,omitempty"`
	ConditionsApprovedAt *time.Time `json:"conditions_approved_at,omitempty"`
	// Withdrawn: reasoned away after the complainant saw it, approved by a
	// second person (ReasonApprovedBy); it never counts as a remedy met.
	Withdrawn         bool               `json:"withdrawn"`
	ReasonApprovedBy  *uuid.UUID         `json:"reason_approved_by,omitempty"`
	PendingWithdrawal *PendingWithdrawal `json:"pending_withdrawal,omitempty"`
	OverdueAt         *time.Time         `json:"overdue_at,omitempty"`
	// Settled: verified, or a reason is recorded; closing need not wait for it.
	Settled bool `json:"settled"`
}

func purposeRemedy(field string, id uuid.UUID) string { return "remedy." + field + ":" + id.String() }

// ProposeRemedies adds a remedy bundle to a decided case: its components
// proposed, or offered at once when r.Offer. Offering moves a decided case
// to remedy_in_progress.
func (s *Service) ProposeRemedies(ctx context.Context, caseID uuid.UUID, by cases.Actor, r Request) ([]ComponentView, error) {
	var ids []uuid.UUID
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		c, err := casework.LockForWork(tx, caseID, by)
		if err != nil {
			return err
		}
		if c.Status != cases.StatusDecided && c.Status != cases.StatusRemedyInProgress {
			return fault.New(fault.Conflict, "not_decided", fmt.Sprintf(
				"Remedies follow a final decision; this case is %s.", c.Status))
		}
		comps, err := Validate(r.Components, time.Now())
		if err != nil {
			return err
		}
		decisionID, err := finalDecision(tx, caseID)
		if err != nil {
			return err
		}
		ids, err = s.insertBundle(tx, &caseID, nil, &decisionID, by, comps, r.Offer)
		if err != nil {
			return err
		}
		if r.Offer {
			return s.offered(tx, caseID, by, c.Status, ids)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.componentsByID(s.db.WithContext(ctx), ids)
}

// ProposeSystemicRemedies adds guarantees of non-repetition to a systemic
// issue: they apply to every case linked to it, now or later.
func (s *Service) ProposeSystemicRemedies(ctx context.Context, issueID uuid.UUID, by cases.Actor, r Request) ([]ComponentView, error) {
	var ids []uuid.UUID
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		linked, err := s.lockIssue(tx, issueID, by, false)
		if err != nil {
			return err
		}
		comps, err := Validate(r.Components, time.Now(), NonRepetition)
		if err != nil {
			return err
		}
		var f fault.Fields
		for i, c := range comps {
			if len(c.Conditions) > 0 {
				f.Addf(fmt.Sprintf("components[%d].conditions", i), "not_allowed",
					"a guarantee of non-repetition is owed to everyone and asks nothing of anyone")
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if ids, err = s.insertBundle(tx, nil, &issueID, nil, by, comps, r.Offer); err != nil {
			return err
		}
		action := "remedy.proposed"
		if r.Offer {
			action = "remedy.offered"
		}
		for _, caseID := range linked {
			if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
				Action: action, Public: r.Offer, Data: map[string]any{"component_ids": ids, "systemic_issue_id": issueID}}); err != nil {
				return err
			}
			if err := s.reopenRemedyClock(tx, caseID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.componentsByID(s.db.WithContext(ctx), ids)
}

// lockIssue locks a systemic issue's linked cases (case rows first, as
// everywhere) and the issue, and returns the cases. by may not be recused
// from the issue's AI system. A resolved issue is refused unless
// resolvedToo (a reason may still be recorded on it).
func (s *Service) lockIssue(tx *gorm.DB, issueID uuid.UUID, by cases.Actor, resolvedToo bool) ([]uuid.UUID, error) {
	linked, err := lockIssueCases(tx, issueID, nil)
	if err != nil {
		return nil, err
	}
	issue, err := lockIssueRow(tx, issueID, by.ID)
	if err != nil {
		return nil, err
	}
	switch {
	case issue.Status == "":
		return nil, fault.New(fault.NotFound, "systemic_issue_not_found", "No systemic issue has that id.")
	case issue.Recused:
		return nil, fault.New(fault.Forbidden, "recused", "You own or operate the AI system this issue is about.")
	case issue.Status == "resolved" && !resolvedToo:
		return nil, fault.New(fault.Conflict, "issue_resolved", "The systemic issue is resolved; reopen work on a new one.")
	}
	// A link committed while this waited for the issue is locked too: its
	// transaction has ended, so nothing it held is waited for.
	more, err := lockIssueCases(tx, issueID, linked)
	if err != nil {
		return nil, err
	}
	return append(linked, more...), nil
}

func (s *Service) insertBundle(tx *gorm.DB, caseID, issueID, decisionID *uuid.UUID, by cases.Actor,
	comps []Component, offer bool) ([]uuid.UUID, error) {
	bundle := uuid.New()
	if decisionID != nil && *decisionID == uuid.Nil {
		decisionID = nil
	}
	if err := tx.Table("remedy_bundles").Create(map[string]any{"id": bundle, "case_id": caseID,
		"systemic_issue_id": issueID, "decision_id": decisionID, "proposed_by": *by.ID}).Error; err != nil {
		return nil, fmt.Errorf("remedy: insert bundle: %w", err)
	}
	status := Proposed
	var offeredAt any
	if offer {
		status, offeredAt = Offered, time.Now()
	}
	ids := make([]uuid.UUID, len(comps))
	summary := make([]map[string]any, len(comps))
	for i, c := range comps {
		ids[i] = uuid.New()
		desc, err := s.seal(caseID, purposeRemedy("description", ids[i]), []byte(c.Description))
		if err != nil {
			return nil, err
		}
		var conds []byte
		if len(c.Conditions) > 0 {
			if offer {
				return nil, conditionsUnapproved(i)
			}
			raw, _ := json.Marshal(c.Conditions)
			if conds, err = s.seal(caseID, purposeRemedy("conditions", ids[i]), raw); err != nil {
				return nil, err
			}
		}
		if err := insertComponent(tx, ids[i], bundle, i, c, desc, status, offeredAt, conds); err != nil {
			return nil, fmt.Errorf("remedy: insert remedy component: %w", err)
		}
		summary[i] = map[string]any{"id": ids[i], "form": c.Form, "subtype": c.Subtype, "responsible": c.Responsible,
			"amount": c.Amount, "currency": c.Currency, "due_at": c.DueAt, "conditions": len(c.Conditions)}
	}
	if caseID != nil {
		if _, err := audit.Append(tx, audit.Event{CaseID: *caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "remedy.proposed", Data: map[string]any{"bundle_id": bundle, "components": summary}}); err != nil {
			return nil, err
		}
		if err := s.reopenRemedyClock(tx, *caseID); err != nil {
			return nil, err
		}
	}
	ref := uuid.Nil
	if caseID != nil {
		ref = *caseID
	}
	_, err := outbox.Add(tx, events.RemedyProposed, ref, events.Remedy{BundleID: bundle, ComponentIDs: ids,
		SystemicIssueID: issueID, Status: string(status)})
	return ids, err
}

// offered records that components were put before the complainant, and
// moves a decided case to remedy_in_progress.
func (s *Service) offered(tx *gorm.DB, caseID uuid.UUID, by cases.Actor, status cases.Status, ids []uuid.UUID) error {
	if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
		Action: "remedy.offered", Public: true, Data: map[string]any{"component_ids": ids}}); err != nil {
		return err
	}
	if _, err := outbox.Add(tx, events.RemedyStatusChanged, caseID,
		events.Remedy{ComponentIDs: ids, Status: string(Offered)}); err != nil {
		return err
	}
	if status != cases.StatusDecided {
		return nil
	}
	return s.move(tx, caseID, by, cases.StatusRemedyInProgress, map[string]any{"component_ids": ids})
}

// StatusChange is POST …/remedies/{rid}/status: the organisation's moves.
type StatusChange struct {
	Status   Status `json:"status"` // offered, implemented or verified
	Evidence struct {
		Note        string   `json:"note"`
		EvidenceIDs []string `json:"evidence_ids"` // read as text so a bad one is named
	} `json:"evidence"`
	evidence []uuid.UUID // EvidenceIDs, parsed by validate
}

func (r *StatusChange) validate() error {
	var f fault.Fields
	fault.OneOf(&f, "status", r.Status, []Status{Offered, Implemented, Verified}, true)
	switch {
	case r.Status != Implemented && r.Status != Verified:
		if r.Evidence.Note != "" || len(r.Evidence.EvidenceIDs) > 0 {
			f.Add("evidence", "not_allowed", "evidence is recorded when a component is implemented or verified")
		}
	case len(r.Evidence.EvidenceIDs) > 50:
		f.Add("evidence.evidence_ids", "too_many", "at most 50 evidence files")
	default:
		f.Text("evidence.note", r.Evidence.Note, 10, casework.MaxLongText)
		r.evidence = make([]uuid.UUID, 0, len(r.Evidence.EvidenceIDs))
		for i, raw := range r.Evidence.EvidenceIDs {
			id, err := uuid.Parse(raw)
			if err != nil {
				f.Addf(fmt.Sprintf("evidence.evidence_ids[%d]", i), "invalid", "must be the id of an evidence file (a UUID)")
				continue
			}
			r.evidence = append(r.evidence, id)
		}
	}
	return f.Err()
}

// component is a component row locked for a move.
type lockedComponent struct {
	ID              uuid.UUID
	Form            Form
	Status          Status
	CaseID          *uuid.UUID
	SystemicIssueID *uuid.UUID
	ImplementedBy   *uuid.UUID
	EvidenceEnc     []byte
	ReasonAt        *time.Time
	ProposedBy      uuid.UUID
	HasConditions   bool
	ConditionsOK    bool
	PendingReasonBy *uuid.UUID
}

func (s *Service) lockComponent(tx *gorm.DB, id uuid.UUID) (*lockedComponent, error) {
	c, err := lockComponentRow(tx, id)
	if err != nil {
		return nil, err
	}
	if c.ID == uuid.Nil {
		return nil, fault.New(fault.NotFound, "remedy_not_found", "No remedy component has that id here.")
	}
	return &c, nil
}

// lockCaseComponent locks the open case caseID for by's work, then its own
// component componentID (a systemic issue's, or another case's, is not found).
func (s *Service) lockCaseComponent(tx *gorm.DB, caseID, componentID uuid.UUID, by cases.Actor) (*lockedComponent, error) {
	if _, err := casework.LockOpen(tx, caseID, by); err != nil {
		return nil, err
	}
	k, err := s.lockComponent(tx, componentID)
	if err != nil {
		return nil, err
	}
	if k.CaseID == nil || *k.CaseID != caseID {
		return nil, fault.New(fault.NotFound, "remedy_not_found", "No remedy component has that id here.")
	}
	return k, nil
}

// lockIssueComponent locks the systemic issue issueID for by (resolvedToo:
// a resolved issue too) and returns its linked cases, then locks its own
// component componentID (a case's, or another issue's, is not found).
func (s *Service) lockIssueComponent(tx *gorm.DB, issueID, componentID uuid.UUID, by cases.Actor,
	resolvedToo bool) ([]uuid.UUID, *lockedComponent, error) {
	linked, err := s.lockIssue(tx, issueID, by, resolvedToo)
	if err != nil {
		return nil, nil, err
	}
	k, err := s.lockComponent(tx, componentID)
	if err != nil {
		return nil, nil, err
	}
	if k.SystemicIssueID == nil || *k.SystemicIssueID != issueID {
		return nil, nil, fault.New(fault.NotFound, "remedy_not_found", "No remedy component has that id here.")
	}
	return linked, k, nil
}

// SetRemedyStatus moves one of a case's own components: offered,
// implemented (with evidence), verified (with evidence, by someone other than
// who recorded the implementation).
func (s *Service) SetRemedyStatus(ctx context.Context, caseID, componentID uuid.UUID, by cases.Actor, r StatusChange) error {
	if err := r.validate(); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		c, err := casework.LockForWork(tx, caseID, by)
		if err != nil {
			return err
		}
		k, err := s.lockComponent(tx, componentID)
		if err != nil {
			return err
		}
		if k.CaseID == nil || *k.CaseID != caseID {
			return fault.New(fault.NotFound, "remedy_not_found", "No remedy component has that id here.")
		}
		if err := casework.StillOpen(c.Status); err != nil {
			return err
		}
		if r.Status == Offered && c.Status != cases.StatusDecided && c.Status != cases.StatusRemedyInProgress {
			return fault.New(fault.Conflict, "not_decided", fmt.Sprintf(
				"Remedies are offered once the decision is final; this case is %s.", c.Status))
		}
		if err := s.moveComponent(tx, k, by, r, []uuid.UUID{caseID}); err != nil {
			return err
		}
		if r.Status == Offered {
			return s.offered(tx, caseID, by, c.Status, []uuid.UUID{componentID})
		}
		return s.endRemedyClockIfSettled(tx, caseID)
	})
}

// SetSystemicRemedyStatus moves a component of a systemic issue; the move
// lands in the record of every linked case.
func (s *Service) SetSystemicRemedyStatus(ctx context.Context, issueID, componentID uuid.UUID, by cases.Actor, r StatusChange) error {
	if err := r.validate(); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		linked, k, err := s.lockIssueComponent(tx, issueID, componentID, by, false)
		if err != nil {
			return err
		}
		if err := s.moveComponent(tx, k, by, r, linked); err != nil {
			return err
		}
		for _, id := range linked {
			if err := s.endRemedyClockIfSettled(tx, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// moveComponent makes the move, records the evidence, and writes the move to
// the record of each case it concerns.
func (s *Service) moveComponent(tx *gorm.DB, k *lockedComponent, by cases.Actor, r StatusChange, linked []uuid.UUID) error {
	if !CanMove(k.Form, k.Status, r.Status) {
		msg := fmt.Sprintf("A component that is %s cannot become %s.", k.Status, r.Status)
		if k.Status == Offered && r.Status == Implemented {
			msg += " It waits for the complainant to accept it; only a guarantee of non-repetition goes ahead without."
		}
		return fault.New(fault.Conflict, "illegal_remedy_move", msg)
	}
	if k.ReasonAt != nil {
		return fault.New(fault.Conflict, "remedy_reasoned", "A reason was recorded why this component will not be done.")
	}
	if r.Status == Offered && k.HasConditions && !k.ConditionsOK {
		return fault.New(fault.Conflict, "conditions_unapproved", "The component asks the complainant to do something "+
			"(conditions); a second person must approve them (POST …/remedies/{rid}/conditions/approve) before it is offered.")
	}
	if r.Status == Verified && k.ImplementedBy != nil && *k.ImplementedBy == *by.ID {
		return fault.New(fault.Forbidden, "four_eyes",
			"Someone other than the person who recorded the implementation must verify it.")
	}
	set := map[string]any{"status": r.Status}
	if r.Status == Offered {
		set["offered_at"] = gorm.Expr("now()")
	} else {
		if err := s.ev.BelongsToAny(tx, linked, "evidence.evidence_ids", r.evidence); err != nil {
			return err
		}
		var notes []EvidenceNote
		if k.EvidenceEnc != nil {
			if err := casework.OpenJSON(s.keys, purposeRemedy("evidence", k.ID), k.EvidenceEnc, &notes); err != nil {
				return err
			}
		}
		ids := r.evidence
		notes = append(notes, EvidenceNote{Status: r.Status, Note: strings.TrimSpace(r.Evidence.Note), EvidenceIDs: ids,
			By: *by.ID, At: time.Now().UTC()})
		raw, _ := json.Marshal(notes)
		sealed, err := s.seal(k.CaseID, purposeRemedy("evidence", k.ID), raw)
		if err != nil {
			return err
		}
		set["evidence_enc"] = sealed
		if r.Status == Implemented {
			set["implemented_at"], set["implemented_by"] = gorm.Expr("now()"), *by.ID
		} else {
			set["verified_at"], set["verified_by"] = gorm.Expr("now()"), *by.ID
		}
	}
	if err := components(tx, k.ID).Updates(set).Error; err != nil {
		if errors.Is(err, gorm.ErrCheckConstraintViolated) {
			return fault.New(fault.Conflict, "illegal_remedy_move", fmt.Sprintf(
				"A component that is %s cannot become %s.", k.Status, r.Status))
		}
		return fmt.Errorf("remedy: move remedy: %w", err)
	}
	if r.Status != Offered { // offered is recorded by offered(), once for the move and the case
		for _, id := range linked {
			if _, err := audit.Append(tx, audit.Event{CaseID: id, ActorKind: by.Kind, ActorID: by.ID,
				Action: "remedy." + string(r.Status), Public: true, Data: map[string]any{"component_id": k.ID, "form": k.Form,
					"evidence_ids": r.evidence, "systemic_issue_id": k.SystemicIssueID}}); err != nil {
				return err
			}
		}
	} else if k.SystemicIssueID != nil {
		for _, id := range linked {
			if _, err := audit.Append(tx, audit.Event{CaseID: id, ActorKind: by.Kind, ActorID: by.ID,
				Action: "remedy.offered", Public: true, Data: map[string]any{"component_ids": []uuid.UUID{k.ID},
					"systemic_issue_id": k.SystemicIssueID}}); err != nil {
				return err
			}
		}
	}
	ref := uuid.Nil
	if k.CaseID != nil {
		ref = *k.CaseID
	}
	if r.Status == Offered && k.CaseID != nil {
		return nil // offered() announces it
	}
	_, err := outbox.Add(tx, events.RemedyStatusChanged, ref, events.Remedy{ComponentIDs: []uuid.UUID{k.ID},
		SystemicIssueID: k.SystemicIssueID, Status: string(r.Status)})
	return err
}

// RecordRemedyReason records why a component will not be verified (declined,
// impossible, superseded …), so the case may close without it.
func (s *Service) RecordRemedyReason(ctx context.Context, caseID, componentID uuid.UUID, by cases.Actor, reason string) error {
	if err := validReason(reason); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		k, err := s.lockCaseComponent(tx, caseID, componentID, by)
		if err != nil {
			return err
		}
		if seen(k) {
			return s.requestWithdrawal(tx, k, by, reason, []uuid.UUID{caseID})
		}
		return s.reasonComponent(tx, k, by, reason, []uuid.UUID{caseID})
	})
}

// RecordSystemicRemedyReason records why a systemic issue's component will
// not be verified, on every linked case's record; linked cases may then
// close without it. It is allowed on a resolved issue too. On a guarantee the
// complainants have seen it is a request to withdraw it, as for a case's
// component (requestWithdrawal).
func (s *Service) RecordSystemicRemedyReason(ctx context.Context, issueID, componentID uuid.UUID, by cases.Actor, reason string) error {
	if err := validReason(reason); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		linked, k, err := s.lockIssueComponent(tx, issueID, componentID, by, true)
		if err != nil {
			return err
		}
		if seen(k) { // the complainants saw it: a second person must approve (ApproveSystemicRemedyWithdrawal)
			return s.requestWithdrawal(tx, k, by, reason, linked)
		}
		return s.reasonComponent(tx, k, by, reason, linked)
	})
}

func validReason(reason string) error {
	var f fault.Fields
	f.Text("reason", reason, 10, casework.MaxLongText)
	casework.CheckWaiver(&f, "reason", reason)
	return f.Err()
}

// reasonComponent records the reason, on the record of each case it concerns,
// and ends their remedy clocks once everything is settled.
func (s *Service) reasonComponent(tx *gorm.DB, k *lockedComponent, by cases.Actor, reason string, linked []uuid.UUID) error {
	switch {
	case k.Status == Verified:
		return fault.New(fault.Conflict, "remedy_verified", "The component is verified; it needs no reason.")
	case k.ReasonAt != nil:
		return fault.New(fault.Conflict, "remedy_reasoned", "A reason is already recorded for this component.")
	}
	sealed, err := s.seal(k.CaseID, purposeRemedy("reason", k.ID), []byte(strings.TrimSpace(reason)))
	if err != nil {
		return err
	}
	if err := components(tx, k.ID).Updates(map[string]any{"reason_enc": sealed, "reason_by": *by.ID,
		"reason_at": gorm.Expr("now()")}).Error; err != nil {
		return fmt.Errorf("remedy: remedy reason: %w", err)
	}
	for _, caseID := range linked {
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "remedy.reasoned", Public: true, Data: map[string]any{"component_id": k.ID, "status": k.Status,
				"systemic_issue_id": k.SystemicIssueID}}); err != nil {
			return err
		}
		if err := s.endRemedyClockIfSettled(tx, caseID); err != nil {
			return err
		}
	}
	return nil
}

// RespondToRemedy is the complainant accepting or declining an offer.
func (s *Service) RespondToRemedy(ctx context.Context, caseID, componentID uuid.UUID, accept *bool, comment string) error {
	var f fault.Fields
	if accept == nil {
		f.Add("accept", "required", "true accepts the offer, false declines it")
	}
	f.Text("comment", comment, 0, casework.MaxLongText)
	if err := f.Err(); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var status cases.Status
		if err := cases.Locked(tx, caseID, "status").Scan(&status).Error; err != nil {
			return fmt.Errorf("remedy: lock case: %w", err)
		}
		k, err := s.lockComponent(tx, componentID)
		if err != nil {
			return err
		}
		if k.CaseID == nil || *k.CaseID != caseID {
			return fault.New(fault.NotFound, "remedy_not_found", "Your case has no offer with this id.")
		}
		if status != cases.StatusDecided && status != cases.StatusRemedyInProgress {
			return fault.New(fault.Conflict, "not_answerable", fmt.Sprintf(
				"Offers are answered while the organisation is putting things right; your case is %s.", status))
		}
		if k.ReasonAt != nil {
			return fault.New(fault.Conflict, "offer_withdrawn",
				"This offer will not go ahead; the reason is shown with it. You can still tell us what you think in a message.")
		}
		if k.Status != Offered {
			if k.Status == Proposed {
				return fault.New(fault.NotFound, "remedy_not_found", "Your case has no offer with this id.")
			}
			return fault.New(fault.Conflict, "already_answered", fmt.Sprintf("This offer is %s; it cannot be answered now.", k.Status))
		}
		to := Declined
		if *accept {
			to = Accepted
		}
		var sealed []byte
		if c := strings.TrimSpace(comment); c != "" {
			if sealed, err = s.keys.SealCase(caseID, purposeRemedy("response", k.ID), []byte(c)); err != nil {
				return err
			}
		}
		if err := components(tx, k.ID).Updates(map[string]any{"status": to,
			"responded_at": gorm.Expr("now()"), "response_enc": sealed}).Error; err != nil {
			return fmt.Errorf("remedy: respond to remedy: %w", err)
		}
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: audit.ActorComplainant,
			Action: "remedy." + string(to), Public: true, Data: map[string]any{"component_id": k.ID, "form": k.Form}}); err != nil {
			return err
		}
		_, err = outbox.Add(tx, events.RemedyStatusChanged, caseID, events.Remedy{ComponentIDs: []uuid.UUID{k.ID},
			Status: string(to), Actor: audit.ActorComplainant})
		return err
	})
}

// Outstanding is a component of a case that is neither verified nor
// reasoned: closing the case waits for it.
type Outstanding struct {
	ID     uuid.UUID
	Status Status
}

// Outstanding lists the case's components (its own, and its systemic
// issues') that are neither verified nor reasoned, read through q (the
// caller's transaction, or the pool).
func (s *Service) Outstanding(q *gorm.DB, caseID uuid.UUID) ([]Outstanding, error) {
	return outstanding(q, caseID)
}

// reopenRemedyClock runs the case's remedy clock again when it had ended
// because every remedy was settled and a new one has come.
func (s *Service) reopenRemedyClock(tx *gorm.DB, caseID uuid.UUID) error {
	reopened, err := s.clocks.Reopen(tx, caseID, sla.Remedy, "remedied", sla.Unremedied)
	if err != nil || !reopened {
		return err
	}
	_, err = s.clocks.RecomputeIn(tx, caseID)
	return err
}

// endRemedyClockIfSettled ends the case's remedy clock once it has remedies
// and every one is verified or reasoned.
func (s *Service) endRemedyClockIfSettled(tx *gorm.DB, caseID uuid.UUID) error {
	left, err := s.Outstanding(tx, caseID)
	if err != nil || len(left) > 0 {
		return err
	}
	withdrawn, err := s.anyWithdrawn(tx, caseID)
	if err != nil {
		return err
	}
	if withdrawn {
		// Settled, but not remedied: the remedy figures never count it met.
		return s.clocks.End(tx, caseID, sla.Unremedied, sla.Remedy)
	}
	return s.clocks.End(tx, caseID, "remedied", sla.Remedy)
}

// QueueRemedies queues the read of the components that concern a case —
// its own and its systemic issues' — into out, opened; offeredOnly for the
// complainant, who never sees what is only proposed.
func (s *Service) QueueRemedies(rd *db.Reads, caseID uuid.UUID, offeredOnly bool, out *[]ComponentView) {
	q := componentSelect + ` WHERE (b.case_id = ? OR b.systemic_issue_id IN (SELECT issue_id FROM systemic_issue_cases WHERE case_id = ?))`
	if offeredOnly {
		q += ` AND k.status <> 'proposed'`
	}
	var rows []componentRow
	queueComponents(rd, &rows, q+` ORDER BY b.created_at, k.position`, caseID, caseID)
	rd.Then(func() (err error) {
		*out, err = s.openComponents(rows)
		return err
	})
}

// Remedies reads the components that concern a case (QueueRemedies).
func (s *Service) Remedies(ctx context.Context, caseID uuid.UUID, offeredOnly bool) ([]ComponentView, error) {
	var out []ComponentView
	rd := db.ReadsOn(s.db.WithContext(ctx))
	s.QueueRemedies(rd, caseID, offeredOnly, &out)
	return out, rd.Run()
}

func (s *Service) componentsByID(q *gorm.DB, ids []uuid.UUID) ([]ComponentView, error) {
	return s.loadComponents(q, componentSelect+` WHERE k.id IN ? ORDER BY b.created_at, k.position`, ids)
}

// SystemicRemedies are the components of a systemic issue.
func (s *Service) SystemicRemedies(ctx context.Context, issueID uuid.UUID) ([]ComponentView, error) {
	return s.loadComponents(s.db.WithContext(ctx), componentSelect+` WHERE b.systemic_issue_id = ? ORDER BY b.created_at, k.position`, issueID)
}

func (s *Service) loadComponents(conn *gorm.DB, q string, args ...any) ([]ComponentView, error) {
	rows, err := componentRows(conn, q, args...)
	if err != nil {
		return nil, err
	}
	return s.openComponents(rows)
}

// openComponents opens components as they were read.
func (s *Service) openComponents(rows []componentRow) ([]ComponentView, error) {
	out := make([]ComponentView, 0, len(rows))
	for _, r := range rows {
		c := ComponentView{ID: r.ID, BundleID: r.BundleID, SystemicIssueID: r.SystemicIssueID, Form: r.Form,
			Subtype: r.Subtype, Responsible: r.Responsible, ResponsibleName: r.ResponsibleName, Amount: r.Amount,
			Currency: r.Currency, DueAt: r.DueAt.UTC(), Status: r.Status, OfferedAt: casework.UTC(r.OfferedAt),
			RespondedAt: casework.UTC(r.RespondedAt), ImplementedAt: casework.UTC(r.ImplementedAt), ImplementedBy: r.ImplementedBy,
			VerifiedAt: casework.UTC(r.VerifiedAt), VerifiedBy: r.VerifiedBy, ReasonAt: casework.UTC(r.ReasonAt),
			OverdueAt: casework.UTC(r.OverdueAt), Evidence: []EvidenceNote{}, Conditions: []string{},
			ConditionsApprovedBy: r.ConditionsApprovedBy, ConditionsApprovedAt: casework.UTC(r.ConditionsApprovedAt),
			Withdrawn: r.Withdrawn, ReasonApprovedBy: r.ReasonApprovedBy}
		var err error
		if c.Description, err = s.keys.OpenString(purposeRemedy("description", c.ID), r.DescriptionEnc); err != nil {
			return nil, fmt.Errorf("remedy: open remedy: %w", err)
		}
		if r.ResponseEnc != nil {
			if c.Comment, err = s.keys.OpenString(purposeRemedy("response", c.ID), r.ResponseEnc); err != nil {
				return nil, fmt.Errorf("remedy: open remedy response: %w", err)
			}
		}
		if r.ReasonEnc != nil {
			if c.Reason, err = s.keys.OpenString(purposeRemedy("reason", c.ID), r.ReasonEnc); err != nil {
				return nil, fmt.Errorf("remedy: open remedy reason: %w", err)
			}
		}
		if r.EvidenceEnc != nil {
			if err := casework.OpenJSON(s.keys, purposeRemedy("evidence", c.ID), r.EvidenceEnc, &c.Evidence); err != nil {
				return nil, err
			}
		}
		if r.ConditionsEnc != nil {
			if err := casework.OpenJSON(s.keys, purposeRemedy("conditions", c.ID), r.ConditionsEnc, &c.Conditions); err != nil {
				return nil, err
			}
		}
		if r.PendingReasonEnc != nil {
			p := PendingWithdrawal{By: *r.PendingReasonBy, At: r.PendingReasonAt.UTC()}
			if p.Reason, err = s.keys.OpenString(purposeRemedy("pending_reason", c.ID), r.PendingReasonEnc); err != nil {
				return nil, fmt.Errorf("remedy: open remedy withdrawal: %w", err)
			}
			c.PendingWithdrawal = &p
		}
		c.Settled = c.Status == Verified || c.ReasonAt != nil
		out = append(out, c)
	}
	return out, nil
}

// SweepOverdueRemedies marks each component whose own clock ran out as
// overdue, once, with an entry in the record of every case it concerns and a
// redress.remedy.overdue event. Each component is handled in a transaction
// that locks its cases first (as every path does) and then marks it only if
// no other sweeper has, so N workers never mark one twice.
func (s *Service) SweepOverdueRemedies(ctx context.Context, limit int) (int, error) {
	ids, err := overdueComponents(s.db.WithContext(ctx), limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
			linked, err := lockComponentCases(tx, id)
			if err != nil {
				return err
			}
			k, err := markOverdue(tx, id)
			if err != nil {
				return err
			}
			if k.ID == uuid.Nil {
				return nil // another sweeper marked it, or it was settled meanwhile
			}
			due := k.DueAt.UTC()
			for _, caseID := range linked {
				if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: audit.ActorSystem,
					Action: "remedy.overdue", Public: true, Data: map[string]any{"component_id": k.ID, "form": k.Form,
						"status": k.Status, "due_at": due, "systemic_issue_id": k.SystemicIssueID}}); err != nil {
					return err
				}
			}
			ref := uuid.Nil
			if k.CaseID != nil {
				ref = *k.CaseID
			}
			if _, err := outbox.Add(tx, events.RemedyOverdue, ref, events.Remedy{ComponentIDs: []uuid.UUID{k.ID},
				SystemicIssueID: k.SystemicIssueID, Status: string(k.Status), DueAt: &due}); err != nil {
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

// seal seals a remedy's value with the data key of its case, or with the
// master keys when the remedy is a systemic issue's (caseID nil).
func (s *Service) seal(caseID *uuid.UUID, purpose string, b []byte) ([]byte, error) {
	if caseID == nil {
		return s.keys.Seal(purpose, b)
	}
	return s.keys.SealCase(*caseID, purpose, b)
}
