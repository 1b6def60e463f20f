package escalation

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/sla"
)

// A body's outcome, item by item (issue 16, item 4; docs/escalation.md):
// findings are noted; each order or recommendation has a deadline, is a
// task on the case with its own clock (clocks.SetTask), and holds the case
// open (grievance.Close) until staff record compliance with evidence and a
// second person verifies it, or the body records that it is settled.

// ItemKind is what a body's outcome item is (referral_outcome_items.kind).
type ItemKind string

// Outcome item kinds.
const (
	ItemFinding        ItemKind = "finding"
	ItemOrder          ItemKind = "order"
	ItemRecommendation ItemKind = "recommendation"
)

// ItemKinds are the kinds of a body's outcome items; they are the values
// referral_outcome_items.kind allows (a test checks).
var ItemKinds = []ItemKind{ItemFinding, ItemOrder, ItemRecommendation}

// ItemStatus is where an outcome item stands
// (referral_outcome_items.status).
type ItemStatus string

// Outcome item statuses.
const (
	ItemNoted                ItemStatus = "noted" // a finding
	ItemOpen                 ItemStatus = "open"
	ItemAwaitingVerification ItemStatus = "awaiting_verification"
	ItemComplied             ItemStatus = "complied"
	ItemSettled              ItemStatus = "settled"
)

// ItemStatuses lists every item status; they are the values
// referral_outcome_items.status allows (a test checks).
var ItemStatuses = []ItemStatus{ItemNoted, ItemOpen, ItemAwaitingVerification, ItemComplied, ItemSettled}

// MaxItems is how many items one outcome may hold.
const MaxItems = 50

// OutcomeItemInput is one item of a body's outcome, sent when it closes a
// referral (StatusRequest.Items).
type OutcomeItemInput struct {
	Kind  ItemKind   `json:"kind"`
	Text  string     `json:"text"`
	DueAt *time.Time `json:"due_at"`
}

// OutcomeItem is an item of a body's outcome as staff, the body and (without
// the evidence) the complainant see it.
type OutcomeItem struct {
	ID       uuid.UUID  `json:"id"`
	Position int        `json:"position"`
	Kind     ItemKind   `json:"kind"`
	Text     string     `json:"text"`
	DueAt    *time.Time `json:"due_at"`
	Status   ItemStatus `json:"status"`
	// Clock is the name of the item's clock on the case (orders and recommendations).
	Clock       *sla.ClockName `json:"clock,omitempty"`
	Evidence    *string        `json:"evidence,omitempty"`
	EvidenceRef *string        `json:"evidence_reference,omitempty"`
	CompliedAt  *time.Time     `json:"complied_at"`
	VerifiedAt  *time.Time     `json:"verified_at"`
	SettledAt   *time.Time     `json:"settled_at"`
	SettledNote *string        `json:"settled_note,omitempty"`
}

func purposeItem(id uuid.UUID) string     { return "referral.item:" + id.String() }
func purposeEvidence(id uuid.UUID) string { return "referral.item.evidence:" + id.String() }
func purposeSettled(id uuid.UUID) string  { return "referral.item.settled:" + id.String() }

// ItemClock is the name of an item's clock.
func ItemClock(id uuid.UUID) sla.ClockName { return clocks.BodyItemClock(id) }

// checkItems validates the items of an outcome; they come only with a closing.
func checkItems(f *fault.Fields, status ReferralStatus, items []OutcomeItemInput, now time.Time) {
	if len(items) == 0 {
		return
	}
	if status != StatusClosed {
		f.Add("items", "only_on_close", "findings, orders and recommendations are the outcome: send them when the status is closed")
		return
	}
	if len(items) > MaxItems {
		f.Addf("items", "too_many", "at most %d items", MaxItems)
		return
	}
	for i := range items {
		it := &items[i]
		field := fmt.Sprintf("items[%d]", i)
		fault.OneOf(f, field+".kind", it.Kind, ItemKinds, true)
		it.Text = strings.TrimSpace(it.Text)
		f.Text(field+".text", it.Text, 1, 4000)
		switch {
		case it.Kind == ItemFinding && it.DueAt != nil:
			f.Add(field+".due_at", "not_allowed", "a finding has no deadline; an order or a recommendation does")
		case (it.Kind == ItemOrder || it.Kind == ItemRecommendation) && it.DueAt == nil:
			f.Add(field+".due_at", "required", "an order or a recommendation needs the deadline by which it must be complied with")
		case it.DueAt != nil && !it.DueAt.After(now):
			f.Add(field+".due_at", "in_the_past", "the deadline must be in the future")
		}
	}
}

// addItems records a closing body's items in tx, SetStatus's transaction:
// each order or recommendation starts its clock.
func (s *Service) addItems(tx *gorm.DB, r *referralRow, bodyUser uuid.UUID, items []OutcomeItemInput) error {
	if len(items) == 0 {
		return nil
	}
	tasks := 0
	for i, it := range items {
		id := uuid.New()
		sealed, err := s.keys.SealCaseString(r.CaseID, purposeItem(id), it.Text)
		if err != nil {
			return err
		}
		status := ItemOpen
		if it.Kind == ItemFinding {
			status = ItemNoted
		}
		var due *time.Time
		if it.DueAt != nil {
			t := it.DueAt.UTC()
			due = &t
		}
		if err := tx.Select("id", "referral_id", "case_id", "position", "kind", "text_enc", "due_at", "status").
			Create(&itemRow{ID: id, ReferralID: r.ID, CaseID: r.CaseID, Position: i + 1, Kind: it.Kind, TextEnc: sealed,
				DueAt: due, Status: status}).Error; err != nil {
			return fmt.Errorf("escalation: outcome item: %w", err)
		}
		if it.DueAt == nil {
			continue
		}
		if s.clocks == nil {
			return fmt.Errorf("escalation: no clock service for a body's %s", it.Kind)
		}
		if err := s.clocks.SetTask(tx, r.CaseID, ItemClock(id), *it.DueAt, sla.Rule{Code: "body_" + string(it.Kind),
			Source: r.BodyName, Period: "set by the body when it closed its referral"}); err != nil {
			return err
		}
		tasks++
	}
	_, err := audit.Append(tx, audit.Event{CaseID: r.CaseID, ActorKind: audit.ActorBody, ActorID: &bodyUser,
		Action: "referral.outcome_items", Public: true, Data: map[string]any{"referral_id": r.ID, "body": r.BodyName,
			"items": len(items), "tasks": tasks}})
	return err
}

type itemRow struct {
	ID          uuid.UUID
	ReferralID  uuid.UUID
	CaseID      uuid.UUID
	Position    int
	Kind        ItemKind
	TextEnc     []byte
	DueAt       *time.Time
	Status      ItemStatus
	EvidenceEnc []byte
	EvidenceRef *string
	CompliedBy  *uuid.UUID
	CompliedAt  *time.Time
	VerifiedAt  *time.Time
	SettledAt   *time.Time
	SettledEnc  []byte
}

// TableName is the outcome items' table.
func (itemRow) TableName() string { return "referral_outcome_items" }

const itemColumns = `id, referral_id, case_id, position, kind, text_enc, due_at, status, evidence_enc, evidence_ref,
	complied_by, complied_at, verified_at, settled_at, settled_enc`

// items lists a referral's outcome items, read in q; withEvidence for staff and the body.
func (s *Service) items(q *gorm.DB, referralID uuid.UUID, withEvidence bool) ([]OutcomeItem, error) {
	var rows []itemRow
	if err := q.Select(itemColumns).Where("referral_id = ?", referralID).Order("position").
		Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("escalation: outcome items: %w", err)
	}
	out := make([]OutcomeItem, 0, len(rows))
	for _, r := range rows {
		it, err := s.itemView(r, withEvidence)
		if err != nil {
			return nil, err
		}
		out = append(out, *it)
	}
	return out, nil
}

func (s *Service) itemView(r itemRow, withEvidence bool) (*OutcomeItem, error) {
	it := &OutcomeItem{ID: r.ID, Position: r.Position, Kind: r.Kind, DueAt: utc(r.DueAt), Status: r.Status,
		CompliedAt: utc(r.CompliedAt), VerifiedAt: utc(r.VerifiedAt), SettledAt: utc(r.SettledAt)}
	var err error
	if it.Text, err = s.keys.OpenString(purposeItem(r.ID), r.TextEnc); err != nil {
		return nil, fmt.Errorf("escalation: open item: %w", err)
	}
	if r.DueAt != nil {
		c := ItemClock(r.ID)
		it.Clock = &c
	}
	if r.SettledEnc != nil {
		n, err := s.keys.OpenString(purposeSettled(r.ID), r.SettledEnc)
		if err != nil {
			return nil, fmt.Errorf("escalation: open settlement: %w", err)
		}
		it.SettledNote = &n
	}
	if withEvidence && r.EvidenceEnc != nil {
		e, err := s.keys.OpenString(purposeEvidence(r.ID), r.EvidenceEnc)
		if err != nil {
			return nil, fmt.Errorf("escalation: open evidence: %w", err)
		}
		it.Evidence, it.EvidenceRef = &e, r.EvidenceRef
	}
	return it, nil
}

var errItemNotFound = fault.New(fault.NotFound, "item_not_found", "That referral has no outcome item with that id.")

// lockedItem reads and locks, in tx, an item of a referral (its case already locked).
func (s *Service) lockedItem(tx *gorm.DB, referralID, itemID uuid.UUID) (*itemRow, error) {
	var rows []itemRow
	if err := tx.Select(itemColumns).Where("id = ? AND referral_id = ?", itemID, referralID).
		Clauses(clause.Locking{Strength: "UPDATE"}).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("escalation: outcome item: %w", err)
	}
	if len(rows) == 0 {
		return nil, errItemNotFound
	}
	return &rows[0], nil
}

// ComplianceRequest is POST /api/v1/cases/{id}/referrals/{rid}/items/{item}/compliance.
type ComplianceRequest struct {
	Evidence          string `json:"evidence"`
	EvidenceReference string `json:"evidence_reference"`
}

// RecordCompliance records, by staff who may work the case, that an order
// or recommendation was complied with, with the evidence; it then awaits a
// second person's verification.
func (s *Service) RecordCompliance(ctx context.Context, caseID, referralID, itemID uuid.UUID, actor cases.Actor, req ComplianceRequest) (*OutcomeItem, error) {
	var f fault.Fields
	req.Evidence, req.EvidenceReference = strings.TrimSpace(req.Evidence), strings.TrimSpace(req.EvidenceReference)
	f.Text("evidence", req.Evidence, 10, 4000)
	f.Text("evidence_reference", req.EvidenceReference, 0, 500)
	if err := f.Err(); err != nil {
		return nil, err
	}
	by := *actor.ID
	var out *OutcomeItem
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if err := s.cases.CheckWorker(tx, caseID, actor); err != nil {
			return err
		}
		it, err := s.caseItem(tx, caseID, referralID, itemID)
		if err != nil {
			return err
		}
		if it.Status != ItemOpen {
			return fault.New(fault.Conflict, "item_not_open", fmt.Sprintf("This %s is %s: only an open one can be recorded as complied with.",
				it.Kind, it.Status))
		}
		sealed, err := s.keys.SealCaseString(caseID, purposeEvidence(itemID), req.Evidence)
		if err != nil {
			return err
		}
		var ref any
		if req.EvidenceReference != "" {
			ref = req.EvidenceReference
		}
		if err := tx.Model(&itemRow{}).Where("id = ?", itemID).Updates(map[string]any{
			"status": ItemAwaitingVerification, "evidence_enc": sealed, "evidence_ref": ref, "complied_by": by,
			"complied_at": gorm.Expr("now()"),
		}).Error; err != nil {
			return fmt.Errorf("escalation: compliance: %w", err)
		}
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: audit.ActorStaff, ActorID: &by,
			Action: "referral.item_complied", Data: map[string]any{"referral_id": referralID, "item_id": itemID,
				"kind": it.Kind}}); err != nil {
			return err
		}
		out, err = s.reread(tx, itemID)
		return err
	})
	return out, err
}

// VerifyCompliance is a second person's check of recorded compliance: the
// item is complied with and its clock ends.
func (s *Service) VerifyCompliance(ctx context.Context, caseID, referralID, itemID, by uuid.UUID) (*OutcomeItem, error) {
	var out *OutcomeItem
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		// A supervisor or admin of the case's reach (the route's gate), never one recused from it.
		if err := s.cases.CheckNotRecused(tx, caseID, cases.Actor{Kind: audit.ActorStaff, ID: &by}); err != nil {
			return err
		}
		it, err := s.caseItem(tx, caseID, referralID, itemID)
		if err != nil {
			return err
		}
		if it.Status != ItemAwaitingVerification {
			return fault.New(fault.Conflict, "nothing_to_verify", fmt.Sprintf(
				"This %s is %s: compliance is verified once it is recorded, with POST …/compliance.", it.Kind, it.Status))
		}
		if it.CompliedBy != nil && *it.CompliedBy == by {
			return fault.New(fault.Forbidden, "four_eyes", "A second person verifies compliance: you recorded it.")
		}
		if err := tx.Model(&itemRow{}).Where("id = ?", itemID).Updates(map[string]any{
			"status": ItemComplied, "verified_by": by, "verified_at": gorm.Expr("now()"),
		}).Error; err != nil {
			return fmt.Errorf("escalation: verify: %w", err)
		}
		if err := s.endItemClock(tx, caseID, itemID, "complied"); err != nil {
			return err
		}
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: audit.ActorStaff, ActorID: &by,
			Action: "referral.item_verified", Public: true, Data: map[string]any{"referral_id": referralID, "item_id": itemID,
				"kind": it.Kind}}); err != nil {
			return err
		}
		out, err = s.reread(tx, itemID)
		return err
	})
	return out, err
}

// SettleRequest is POST /api/v1/referrals/{id}/items/{item}/settle.
type SettleRequest struct {
	Note string `json:"note"`
}

// Settle is the body's record that an order or recommendation is settled
// (it is satisfied, or no longer asks anything): its clock ends.
func (s *Service) Settle(ctx context.Context, referralID, itemID, bodyUser uuid.UUID, req SettleRequest) (*OutcomeItem, error) {
	var f fault.Fields
	req.Note = strings.TrimSpace(req.Note)
	f.Text("note", req.Note, 1, 4000)
	if err := f.Err(); err != nil {
		return nil, err
	}
	var out *OutcomeItem
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		r, err := s.lockReferral(tx, referralID, &Viewer{BodyUser: &bodyUser})
		if err != nil {
			return err
		}
		it, err := s.lockedItem(tx, referralID, itemID)
		if err != nil {
			return err
		}
		if it.Status != ItemOpen && it.Status != ItemAwaitingVerification {
			return fault.New(fault.Conflict, "item_not_open", fmt.Sprintf("This %s is %s: only an open one can be settled.",
				it.Kind, it.Status))
		}
		sealed, err := s.keys.SealCaseString(r.CaseID, purposeSettled(itemID), req.Note)
		if err != nil {
			return err
		}
		if err := tx.Model(&itemRow{}).Where("id = ?", itemID).Updates(map[string]any{
			"status": ItemSettled, "settled_by": bodyUser, "settled_at": gorm.Expr("now()"), "settled_enc": sealed,
		}).Error; err != nil {
			return fmt.Errorf("escalation: settle: %w", err)
		}
		if err := s.endItemClock(tx, r.CaseID, itemID, "settled"); err != nil {
			return err
		}
		if _, err := audit.Append(tx, audit.Event{CaseID: r.CaseID, ActorKind: audit.ActorBody, ActorID: &bodyUser,
			Action: "referral.item_settled", Public: true, Data: map[string]any{"referral_id": referralID, "item_id": itemID,
				"kind": it.Kind, "body": r.BodyName}}); err != nil {
			return err
		}
		out, err = s.reread(tx, itemID)
		return err
	})
	return out, err
}

// caseItem reads and locks, in tx, an item of a referral of a case (the case locked).
func (s *Service) caseItem(tx *gorm.DB, caseID, referralID, itemID uuid.UUID) (*itemRow, error) {
	it, err := s.lockedItem(tx, referralID, itemID)
	if err != nil {
		return nil, err
	}
	if it.CaseID != caseID {
		return nil, errItemNotFound
	}
	return it, nil
}

// endItemClock ends an item's clock in tx.
func (s *Service) endItemClock(tx *gorm.DB, caseID, itemID uuid.UUID, by string) error {
	if s.clocks == nil {
		return nil
	}
	return s.clocks.End(tx, caseID, by, ItemClock(itemID))
}

// reread reads an item again, in q.
func (s *Service) reread(q *gorm.DB, itemID uuid.UUID) (*OutcomeItem, error) {
	var rows []itemRow
	if err := q.Select(itemColumns).Where("id = ?", itemID).Find(&rows).Error; err != nil || len(rows) == 0 {
		return nil, fmt.Errorf("escalation: outcome item: %w", err)
	}
	return s.itemView(rows[0], true)
}

// ComplainantMessage is a message the complainant reads on their follow-up
// page: a body's, addressed to them, or their own answer (From "complainant").
type ComplainantMessage struct {
	ID        uuid.UUID `json:"id"`
	From      string    `json:"from"` // body or complainant
	Body      string    `json:"body"`
	CreatedAt time.Time `json:"created_at"`
}

// ComplainantAnswer records the complainant's answer to a body that wrote to
// them, on the referral of their own case: the body reads it (masked as its
// dossier is, unless they shared their identity).
func (s *Service) ComplainantAnswer(ctx context.Context, caseID, referralID uuid.UUID, req MessageRequest) (*ComplainantMessage, error) {
	var f fault.Fields
	req.Body = strings.TrimSpace(req.Body)
	f.Text("body", req.Body, 1, 10000)
	if req.ToComplainant {
		f.Add("to_complainant", "not_allowed", "only a body addresses a message to the complainant")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	msg := &ComplainantMessage{ID: uuid.New(), From: "complainant", Body: req.Body}
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		r, err := s.lockReferral(tx, referralID, &Viewer{CaseID: &caseID})
		if err != nil {
			return err
		}
		var wrote int64
		if err := tx.Model(&referralMessage{}).Where("referral_id = ? AND to_complainant", referralID).
			Count(&wrote).Error; err != nil {
			return fmt.Errorf("escalation: messages to the complainant: %w", err)
		}
		if wrote == 0 {
			return fault.New(fault.Conflict, "body_has_not_written",
				"You can answer a body once it writes to you; to add to your complaint, write to the organisation.")
		}
		sealed, err := s.keys.SealCaseString(caseID, purposeMessage(msg.ID), req.Body)
		if err != nil {
			return err
		}
		if msg.CreatedAt, err = insertComplainantMessage(tx, msg.ID, referralID, sealed); err != nil {
			return fmt.Errorf("escalation: complainant's answer: %w", err)
		}
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: audit.ActorComplainant,
			Action: "referral.message", Public: true, Data: map[string]any{"referral_id": referralID, "body": r.BodyName,
				"author": "complainant"}}); err != nil {
			return err
		}
		_, err = outbox.Add(tx, events.ReferralMessage, caseID, events.Referral{ReferralID: referralID, BodyID: r.BodyID,
			Author: "complainant"})
		return err
	})
	if err != nil {
		return nil, err
	}
	msg.CreatedAt = msg.CreatedAt.UTC()
	return msg, nil
}
