package escalation

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Disclosure is an identity revealed to a body after the referral was made
// (Directive 2019/1937 art. 16): asked for with a legal basis, the
// complainant told at once, then approved by a second person, and only
// then sent, as a signed addendum.
type Disclosure struct {
	ID          uuid.UUID  `json:"id"`
	LegalBasis  string     `json:"legal_basis"`
	Reason      string     `json:"reason,omitempty"` // staff only
	RequestedBy *uuid.UUID `json:"requested_by,omitempty"`
	RequestedAt time.Time  `json:"requested_at"`
	NoticeAt    time.Time  `json:"complainant_notified_at"`
	ApprovedBy  *uuid.UUID `json:"approved_by,omitempty"`
	ApprovedAt  *time.Time `json:"approved_at"`
	Status      string     `json:"status"` // awaiting_approval or disclosed
	// Addendum is the signed document, once disclosed (bodies and staff).
	Addendum          json.RawMessage `json:"addendum,omitempty"`
	AddendumSignature *Signature      `json:"addendum_signature,omitempty"`
	// AddendumBytes is the addendum exactly as signed, base64: verify these.
	AddendumBytes string `json:"addendum_base64,omitempty"`
}

// DisclosureRequest is POST …/referrals/{rid}/identity-disclosures.
type DisclosureRequest struct {
	LegalBasis string `json:"legal_basis"`
	Reason     string `json:"reason"`
}

// disclosures reads a referral's disclosures in q (the caller's transaction or the pool).
func (s *Service) disclosures(q *gorm.DB, referralID uuid.UUID, forStaff bool) ([]Disclosure, error) {
	var rows []identityDisclosure
	if err := q.Select("id, legal_basis, reason_enc, requested_by, requested_at, notice_at, approved_by, "+
		"approved_at, key_id, addendum_enc, addendum_signature").Where("referral_id = ?", referralID).
		Order("requested_at").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("escalation: disclosures: %w", err)
	}
	out := []Disclosure{}
	for _, r := range rows {
		if !forStaff && r.ApprovedAt == nil {
			continue // a body learns of a disclosure when it is made
		}
		d := Disclosure{ID: r.ID, LegalBasis: r.LegalBasis, RequestedAt: r.RequestedAt.UTC(), NoticeAt: r.NoticeAt.UTC(),
			ApprovedAt: utc(r.ApprovedAt), Status: "awaiting_approval"}
		if forStaff {
			reason, err := s.keys.OpenString(purposeReason(r.ID), r.ReasonEnc)
			if err != nil {
				return nil, fmt.Errorf("escalation: open disclosure reason: %w", err)
			}
			by := r.RequestedBy
			d.Reason, d.RequestedBy, d.ApprovedBy = reason, &by, r.ApprovedBy
		}
		if r.ApprovedAt != nil {
			d.Status = "disclosed"
			b, err := s.keys.Open(purposeAddendum(r.ID), r.AddendumEnc)
			if err != nil {
				return nil, fmt.Errorf("escalation: open addendum: %w", err)
			}
			sum := sha256.Sum256(b)
			sig := signature(*r.KeyID, r.AddendumSignature, sum[:])
			d.Addendum, d.AddendumSignature, d.AddendumBytes = b, &sig, base64.StdEncoding.EncodeToString(b)
		}
		out = append(out, d)
	}
	return out, nil
}

// RequestDisclosure asks to reveal the complainant's identity to the body of
// a referral that withheld it. The complainant is told now, on their
// timeline (and by email if they gave one): before anything is revealed.
func (s *Service) RequestDisclosure(ctx context.Context, caseID, referralID, by uuid.UUID, req DisclosureRequest) (*Disclosure, error) {
	var f fault.Fields
	req.LegalBasis, req.Reason = strings.TrimSpace(req.LegalBasis), strings.TrimSpace(req.Reason)
	f.Text("legal_basis", req.LegalBasis, 1, 500)
	f.Text("reason", req.Reason, 1, 4000)
	if err := f.Err(); err != nil {
		return nil, err
	}
	id := uuid.New()
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		r, err := s.lockReferral(tx, referralID, nil)
		if err != nil {
			return err
		}
		if r.CaseID != caseID {
			return errReferralNotFound
		}
		if r.ConsentScope == IdentityShared {
			return fault.New(fault.Conflict, "identity_shared", "The complainant already shared their identity with this body.")
		}
		var has []bool
		if err := tx.Model(&cases.Case{}).Where("id = ?", caseID).
			Pluck("contact_enc IS NOT NULL OR representative_enc IS NOT NULL AS identity", &has).Error; err != nil {
			return fmt.Errorf("escalation: identity: %w", err)
		}
		if len(has) == 0 || !has[0] {
			return fault.New(fault.Conflict, "nothing_to_disclose", "The complainant filed anonymously: there is no identity to disclose.")
		}
		sealed, err := s.keys.SealCaseString(caseID, purposeReason(id), req.Reason)
		if err != nil {
			return err
		}
		err = tx.Model(&identityDisclosure{}).Create(map[string]any{"id": id, "referral_id": referralID,
			"legal_basis": req.LegalBasis, "reason_enc": sealed, "requested_by": by, "notice_at": gorm.Expr("now()")}).Error
		if db.IsUniqueViolation(err) {
			return fault.New(fault.Conflict, "disclosure_exists", "A disclosure to this body was already asked for.")
		}
		if err != nil {
			return fmt.Errorf("escalation: disclosure: %w", err)
		}
		// The notice: public, so it is on the complainant's timeline before anything is revealed.
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: audit.ActorStaff, ActorID: &by,
			Action: "identity.disclosure_requested", Public: true, Data: map[string]any{"referral_id": referralID,
				"disclosure_id": id, "body": r.BodyName, "legal_basis": req.LegalBasis}}); err != nil {
			return err
		}
		_, err = outbox.Add(tx, events.ReferralIdentityRequested, caseID, events.Referral{ReferralID: referralID,
			BodyID: r.BodyID, DisclosureID: &id})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.disclosure(s.db.WithContext(ctx), referralID, id)
}

// disclosure reads one of a referral's disclosures in q (the caller's transaction or the pool).
func (s *Service) disclosure(q *gorm.DB, referralID, id uuid.UUID) (*Disclosure, error) {
	all, err := s.disclosures(q, referralID, true)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == id {
			return &all[i], nil
		}
	}
	return nil, fault.New(fault.NotFound, "disclosure_not_found", "No identity disclosure has that id.")
}

// ApproveDisclosure is the second person's approval: it signs the addendum
// with the identity, and the worker delivers it to the body.
func (s *Service) ApproveDisclosure(ctx context.Context, caseID, referralID, id, by uuid.UUID) (*Disclosure, error) {
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		r, err := s.lockReferral(tx, referralID, nil)
		if err != nil {
			return err
		}
		if r.CaseID != caseID {
			return errReferralNotFound
		}
		var d identityDisclosure
		if err := tx.Select("requested_by, legal_basis, notice_at, approved_at").
			Where("id = ? AND referral_id = ?", id, referralID).Clauses(clause.Locking{Strength: "UPDATE"}).
			Find(&d).Error; err != nil {
			return fmt.Errorf("escalation: disclosure: %w", err)
		}
		switch {
		case d.RequestedBy == uuid.Nil:
			return fault.New(fault.NotFound, "disclosure_not_found", "No identity disclosure has that id.")
		case d.ApprovedAt != nil:
			return fault.New(fault.Conflict, "already_disclosed", "The identity was already disclosed.")
		case d.RequestedBy == by:
			return fault.New(fault.Forbidden, "four_eyes", "Someone other than who asked for the disclosure must approve it.")
		}
		c, err := s.cases.GetIn(tx, caseID)
		if err != nil {
			return err
		}
		who, err := s.cases.IdentityIn(tx, caseID)
		if err != nil {
			return err
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		if now.Before(d.NoticeAt) { // the database's clock and ours: notice comes first whatever they say
			now = d.NoticeAt.UTC()
		}
		add := Addendum{Schema: AddendumSchema, ReferralID: referralID.String(), Reference: c.Reference,
			DisclosureID: id.String(), LegalBasis: d.LegalBasis, NoticeAt: d.NoticeAt.UTC(), ApprovedAt: now}
		if k := who.Contact; k != nil {
			add.Complainant.Name, add.Complainant.Email, add.Complainant.Phone = k.Name, k.Email, k.Phone
			add.Complainant.Address, add.Complainant.PreferredChannel = k.Address, k.PreferredChannel
			add.Complainant.CustomerNumber = k.CustomerNumber
		}
		if rp := who.Representative; rp != nil {
			add.Complainant.RepresentativeName, add.Complainant.RepresentativeOrg = rp.Name, rp.Organisation
			add.Complainant.RepresentativeEmail, add.Complainant.RepresentativeMandate = rp.Email, rp.Mandate
		}
		key, err := s.signer(tx)
		if err != nil {
			return err
		}
		add.SigningKeyID, add.SigningKeySet = key.id, s.publicURL+KeySetPath
		doc, err := json.Marshal(add)
		if err != nil {
			return err
		}
		kid, sig := key.id, key.sign(doc)
		sealed, err := s.keys.SealCase(caseID, purposeAddendum(id), doc)
		if err != nil {
			return err
		}
		if err := tx.Model(&identityDisclosure{}).Where("id = ?", id).Updates(map[string]any{
			"approved_by": by, "approved_at": now, "key_id": kid, "addendum_enc": sealed, "addendum_signature": sig,
		}).Error; err != nil {
			return fmt.Errorf("escalation: approve disclosure: %w", err)
		}
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: audit.ActorStaff, ActorID: &by,
			Action: "identity.disclosed", Public: true, Data: map[string]any{"referral_id": referralID, "disclosure_id": id,
				"body": r.BodyName, "legal_basis": d.LegalBasis}}); err != nil {
			return err
		}
		_, err = outbox.Add(tx, events.ReferralIdentityDisclosed, caseID, events.Referral{ReferralID: referralID,
			BodyID: r.BodyID, DisclosureID: &id})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.disclosure(s.db.WithContext(ctx), referralID, id)
}
