package escalation

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/paging"
)

// Viewer is who reads a referral: a body's user sees only their body's
// referrals; staff (BodyUser nil) see the referrals of the case they name
// (CaseID), or any.
type Viewer struct {
	BodyUser *uuid.UUID
	CaseID   *uuid.UUID
}

// BodyRef names a body in a referral.
type BodyRef struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
	Type string    `json:"type"`
}

// Referral is a referral as its body and staff see it.
type Referral struct {
	ID            uuid.UUID      `json:"id"`
	CaseID        uuid.UUID      `json:"case_id"`
	Reference     string         `json:"reference"`
	Body          BodyRef        `json:"body"`
	Source        Source         `json:"source"`
	RequestedBy   *uuid.UUID     `json:"requested_by,omitempty"` // staff only
	Reason        string         `json:"reason"`
	LegalBasis    string         `json:"legal_basis"`
	ConsentScope  ConsentScope   `json:"consent_scope"`
	Status        ReferralStatus `json:"status"`
	Outcome       *string        `json:"outcome"`
	StatusAt      time.Time      `json:"status_at"`
	CreatedAt     time.Time      `json:"created_at"`
	ClosedAt      *time.Time     `json:"closed_at"`
	FirstOpenedAt *time.Time     `json:"first_opened_at"`
	// AllowedStatuses are the statuses the body may set next.
	AllowedStatuses []ReferralStatus `json:"allowed_statuses"`
	// The dossier as signed (verify its bytes from …/dossier), the PDF's
	// signature, and the redaction log.
	Dossier          json.RawMessage `json:"dossier,omitempty"`
	DossierSignature Signature       `json:"dossier_signature"`
	PDFSignature     Signature       `json:"pdf_signature"`
	Redactions       json.RawMessage `json:"redaction_log"`
	Messages         []Message       `json:"messages"`
	// Items: the body's findings, orders and recommendations, once it closed the referral.
	Items       []OutcomeItem `json:"items"`
	Disclosures []Disclosure  `json:"identity_disclosures"`
	// Deliveries: how the dossier reached the body (staff only).
	Deliveries []Delivery `json:"deliveries,omitempty"`
}

// Message is a message between a body and the organisation.
type Message struct {
	ID         uuid.UUID  `json:"id"`
	AuthorKind string     `json:"author_kind"` // body, organisation or complainant
	AuthorID   *uuid.UUID `json:"author_id,omitempty"`
	Body       string     `json:"body"`
	// ToComplainant: a body's message addressed to the complainant, who
	// reads it in full on their follow-up page and may answer.
	ToComplainant bool      `json:"to_complainant"`
	CreatedAt     time.Time `json:"created_at"`
}

type referralRow struct {
	ID               uuid.UUID
	CaseID           uuid.UUID
	Reference        string
	BodyID           uuid.UUID
	BodyName         string
	BodyType         string
	Source           Source
	RequestedBy      *uuid.UUID
	ReasonEnc        []byte
	LegalBasis       string
	ConsentScope     ConsentScope
	Status           ReferralStatus
	OutcomeEnc       []byte
	StatusAt         time.Time
	CreatedAt        time.Time
	ClosedAt         *time.Time
	FirstOpenedAt    *time.Time
	KeyID            string
	DossierSHA256    []byte `gorm:"column:dossier_sha256"`
	DossierSignature []byte
	PDFSHA256        []byte `gorm:"column:pdf_sha256"`
	PDFSignature     []byte `gorm:"column:pdf_signature"`
	Redactions       string
}

const referralColumns = `r.id, r.case_id, ` + referenceColumn + ` AS reference, r.body_id, b.name AS body_name, b.type AS body_type, r.source,
	r.requested_by, r.reason_enc, r.legal_basis, r.consent_scope, r.status, r.outcome_enc, r.status_at, r.created_at,
	r.closed_at, r.first_opened_at, r.key_id, r.dossier_sha256, r.dossier_signature, r.pdf_sha256, r.pdf_signature,
	r.redactions::text AS redactions
	FROM referrals r JOIN cases c ON c.id = r.case_id JOIN bodies b ON b.id = r.body_id`

// referenceColumn is the case reference a referral shows: an anonymous
// referral's is its own, A- and the first 8 hex digits of its id
// (anonymousReference), as the case's would point back at the person.
const referenceColumn = `CASE WHEN r.consent_scope = 'anonymous' THEN 'A-' || upper(left(r.id::text, 8)) ELSE c.reference END`

// visible is the SQL that limits a body's user to their body's referrals.
const visible = `(?::uuid IS NULL OR r.body_id = (SELECT body_id FROM users WHERE id = ? AND role = 'body' AND active))
	AND (?::uuid IS NULL OR r.case_id = ?)`

func viewerArgs(v *Viewer) []any {
	if v == nil {
		v = &Viewer{}
	}
	return []any{v.BodyUser, v.BodyUser, v.CaseID, v.CaseID}
}

var errReferralNotFound = fault.New(fault.NotFound, "referral_not_found", "No referral with that id was made to you.")

// referralRows reads referrals in q (the caller's transaction or the pool).
func (s *Service) referralRows(q *gorm.DB, where string, args ...any) ([]referralRow, error) {
	rows, err := referralRows(q, where, args...)
	if err != nil {
		return nil, fmt.Errorf("escalation: referrals: %w", err)
	}
	return rows, nil
}

func (s *Service) view(r referralRow, forStaff bool) (*Referral, error) {
	out := &Referral{ID: r.ID, CaseID: r.CaseID, Reference: r.Reference, Body: BodyRef{r.BodyID, r.BodyName, r.BodyType},
		Source: r.Source, LegalBasis: r.LegalBasis, ConsentScope: r.ConsentScope, Status: r.Status,
		StatusAt: r.StatusAt.UTC(), CreatedAt: r.CreatedAt.UTC(), ClosedAt: utc(r.ClosedAt), FirstOpenedAt: utc(r.FirstOpenedAt),
		AllowedStatuses:  append([]ReferralStatus{}, Transitions[r.Status]...),
		DossierSignature: signature(r.KeyID, r.DossierSignature, r.DossierSHA256),
		PDFSignature:     signature(r.KeyID, r.PDFSignature, r.PDFSHA256), Redactions: json.RawMessage(r.Redactions),
		Messages: []Message{}, Items: []OutcomeItem{}, Disclosures: []Disclosure{}}
	if forStaff {
		out.RequestedBy = r.RequestedBy
	}
	var err error
	if out.Reason, err = s.keys.OpenString(purposeReason(r.ID), r.ReasonEnc); err != nil {
		return nil, fmt.Errorf("escalation: open reason: %w", err)
	}
	if r.OutcomeEnc != nil {
		o, err := s.keys.OpenString(purposeOutcome(r.ID), r.OutcomeEnc)
		if err != nil {
			return nil, fmt.Errorf("escalation: open outcome: %w", err)
		}
		out.Outcome = &o
	}
	return out, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Referral returns one referral with its dossier, messages and disclosures;
// a body's user opening it the first time is recorded.
func (s *Service) Referral(ctx context.Context, id uuid.UUID, v *Viewer) (*Referral, error) {
	q := s.db.WithContext(ctx)
	rows, err := s.referralRows(q, `r.id = ? AND `+visible, append([]any{id}, viewerArgs(v)...)...)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errReferralNotFound
	}
	staff := v == nil || v.BodyUser == nil
	out, err := s.view(rows[0], staff)
	if err != nil {
		return nil, err
	}
	if out.Dossier, _, err = s.document(q, id, purposeDossier, "dossier_enc"); err != nil {
		return nil, err
	}
	if !staff {
		// A body reads the reason as its dossier has it: redacted as the consent allows.
		var d struct {
			Referral ReferralFact `json:"referral"`
		}
		if err := json.Unmarshal(out.Dossier, &d); err != nil {
			return nil, fmt.Errorf("escalation: dossier: %w", err)
		}
		out.Reason = d.Referral.Reason
	}
	if out.Messages, err = s.messages(q, id, staff); err != nil {
		return nil, err
	}
	if !staff && out.ConsentScope != IdentityShared {
		// The organisation's words to a body that may not know who the
		// complainant is go through the same masking as the dossier's.
		facts, err := s.complainantFacts(q, rows[0].CaseID)
		if err != nil {
			return nil, err
		}
		for i := range out.Messages {
			if out.Messages[i].AuthorKind == "organisation" || out.Messages[i].AuthorKind == "complainant" {
				out.Messages[i].Body, _ = MaskText(facts, out.Messages[i].Body)
			}
		}
	}
	if out.Disclosures, err = s.disclosures(q, id, staff); err != nil {
		return nil, err
	}
	if out.Items, err = s.items(q, id, true); err != nil {
		return nil, err
	}
	if staff {
		if out.Deliveries, err = s.deliveries(q, id); err != nil {
			return nil, err
		}
	} else if rows[0].FirstOpenedAt == nil {
		if err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
			if err := s.lockCase(tx, rows[0].CaseID); err != nil {
				return err
			}
			res := tx.Model(&referralRecord{}).Where("id = ? AND first_opened_at IS NULL", id).
				Update("first_opened_at", gorm.Expr("now()"))
			if res.Error != nil || res.RowsAffected == 0 {
				return res.Error
			}
			_, err := audit.Append(tx, audit.Event{CaseID: rows[0].CaseID, ActorKind: audit.ActorBody, ActorID: v.BodyUser,
				Action: "referral.opened", Public: true, Data: map[string]any{"referral_id": id, "body": rows[0].BodyName}})
			return err
		}); err != nil {
			return nil, fmt.Errorf("escalation: opened: %w", err)
		}
	}
	return out, nil
}

// document opens a sealed document of a referral, read in q.
func (s *Service) document(q *gorm.DB, id uuid.UUID, purpose func(uuid.UUID) string, column string) ([]byte, string, error) {
	var row sealedDocument
	if err := q.Model(&referralRecord{}).Select(column+" AS doc, key_id").Where("id = ?", id).
		Scan(&row).Error; err != nil {
		return nil, "", fmt.Errorf("escalation: document: %w", err)
	}
	b, err := s.keys.Open(purpose(id), row.Doc)
	if err != nil {
		return nil, "", fmt.Errorf("escalation: open document: %w", err)
	}
	return b, row.KeyID, nil
}

// File is a signed document to download.
type File struct {
	Bytes     []byte
	Signature Signature
	Reference string
}

// DossierFile returns the dossier's exact signed bytes (pdf: the PDF).
func (s *Service) DossierFile(ctx context.Context, id uuid.UUID, v *Viewer, pdf bool) (*File, error) {
	return s.dossierFile(s.db.WithContext(ctx), id, v, pdf)
}

// dossierFile is DossierFile read in q (the caller's transaction or the pool).
func (s *Service) dossierFile(q *gorm.DB, id uuid.UUID, v *Viewer, pdf bool) (*File, error) {
	rows, err := s.referralRows(q, `r.id = ? AND `+visible, append([]any{id}, viewerArgs(v)...)...)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errReferralNotFound
	}
	r := rows[0]
	purpose, column, sig, sum := purposeDossier, "dossier_enc", r.DossierSignature, r.DossierSHA256
	if pdf {
		purpose, column, sig, sum = purposePDF, "pdf_enc", r.PDFSignature, r.PDFSHA256
	}
	b, kid, err := s.document(q, id, purpose, column)
	if err != nil {
		return nil, err
	}
	return &File{Bytes: b, Signature: signature(kid, sig, sum), Reference: r.Reference}, nil
}

// ReferralSummary is a referral in a body's list.
type ReferralSummary struct {
	ID           uuid.UUID      `json:"id"`
	Reference    string         `json:"reference"`
	Kind         string         `json:"kind"`
	Source       Source         `json:"source"`
	LegalBasis   string         `json:"legal_basis"`
	ConsentScope ConsentScope   `json:"consent_scope"`
	Status       ReferralStatus `json:"status"`
	StatusAt     time.Time      `json:"status_at"`
	CreatedAt    time.Time      `json:"created_at"`
	Opened       bool           `json:"opened"`
	// AISystem is the register's name of the system, when the case names one.
	AISystem string `json:"ai_system,omitempty"`
	// AISystemOther is the system as the complainant named it, when it is not
	// in the register, and only when they shared their identity: without
	// that consent their words are read in the (masked) dossier.
	AISystemOther string `json:"ai_system_other,omitempty"`
	// Outcome is the body's outcome once it closed the referral.
	Outcome *string `json:"outcome,omitempty"`
}

// Referrals lists the referrals to a body's user's body, newest first,
// optionally of one status, keyset-paginated, with each one's AI system and
// outcome.
func (s *Service) Referrals(ctx context.Context, bodyUser uuid.UUID, status ReferralStatus, cursor *paging.Cursor, limit int) (*paging.Page[ReferralSummary], error) {
	if status != "" {
		var f fault.Fields
		if !fault.OneOf(&f, "status", status, ReferralStatuses, false) {
			return nil, f.Err()
		}
	}
	rows, err := referralSummaries(s.db.WithContext(ctx), bodyUser, status, cursor, limit+1)
	if err != nil {
		return nil, fmt.Errorf("escalation: list referrals: %w", err)
	}
	items := make([]ReferralSummary, len(rows))
	for i, r := range rows {
		it := r.ReferralSummary
		it.StatusAt, it.CreatedAt = it.StatusAt.UTC(), it.CreatedAt.UTC()
		if r.OutcomeEnc != nil {
			o, err := s.keys.OpenString(purposeOutcome(r.ID), r.OutcomeEnc)
			if err != nil {
				return nil, fmt.Errorf("escalation: open outcome: %w", err)
			}
			it.Outcome = &o
		}
		items[i] = it
	}
	return paging.NewPage(items, limit, func(r ReferralSummary) (time.Time, uuid.UUID) { return r.CreatedAt, r.ID }), nil
}

// CaseReferrals lists a case's referrals for staff, oldest first, without dossiers.
func (s *Service) CaseReferrals(ctx context.Context, caseID uuid.UUID) ([]Referral, error) {
	q := s.db.WithContext(ctx)
	rows, err := s.referralRows(q, `r.case_id = ?`, caseID)
	if err != nil {
		return nil, err
	}
	out := make([]Referral, 0, len(rows))
	for _, r := range rows {
		v, err := s.view(r, true)
		if err != nil {
			return nil, err
		}
		if v.Messages, err = s.messages(q, r.ID, true); err != nil {
			return nil, err
		}
		if v.Disclosures, err = s.disclosures(q, r.ID, true); err != nil {
			return nil, err
		}
		if v.Items, err = s.items(q, r.ID, true); err != nil {
			return nil, err
		}
		if v.Deliveries, err = s.deliveries(q, r.ID); err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, nil
}

// StatusRequest is POST /api/v1/referrals/{id}/status.
type StatusRequest struct {
	Status  ReferralStatus `json:"status"`
	Outcome string         `json:"outcome"`
	// Items: the outcome's findings, orders and recommendations (closed only).
	Items []OutcomeItemInput `json:"items"`
}

// SetStatus records a body's status for a referral (and, when it closes
// it, its outcome): on the case's record and the complainant's timeline.
func (s *Service) SetStatus(ctx context.Context, id uuid.UUID, bodyUser uuid.UUID, req StatusRequest) (*Referral, error) {
	var f fault.Fields
	fault.OneOf(&f, "status", req.Status, BodyStatuses, true)
	req.Outcome = strings.TrimSpace(req.Outcome)
	if req.Status == StatusClosed {
		f.Text("outcome", req.Outcome, 1, 4000)
	} else {
		f.Text("outcome", req.Outcome, 0, 4000)
	}
	checkItems(&f, req.Status, req.Items, time.Now())
	if err := f.Err(); err != nil {
		return nil, err
	}
	v := &Viewer{BodyUser: &bodyUser}
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		r, err := s.lockReferral(tx, id, v)
		if err != nil {
			return err
		}
		if !slices.Contains(Transitions[r.Status], req.Status) {
			return fault.New(fault.Conflict, "illegal_transition", fmt.Sprintf("A referral that is %s cannot become %s; it can become: %s.",
				r.Status, req.Status, orNothing(Transitions[r.Status])))
		}
		var outcome []byte
		if req.Outcome != "" {
			if outcome, err = s.keys.SealCaseString(r.CaseID, purposeOutcome(id), req.Outcome); err != nil {
				return err
			}
		}
		if outcome != nil { // first: a closed referral has an outcome (CHECK)
			if err := tx.Model(&referralRecord{}).Where("id = ?", id).Update("outcome_enc", outcome).Error; err != nil {
				return fmt.Errorf("escalation: outcome: %w", err)
			}
		}
		if err := tx.Model(&referralRecord{}).Where("id = ?", id).Updates(map[string]any{
			"status": req.Status, "status_at": gorm.Expr("now()"),
			"closed_at": gorm.Expr("CASE WHEN ? = 'closed' THEN now() END", req.Status),
		}).Error; err != nil {
			return fmt.Errorf("escalation: status: %w", err)
		}
		if err := s.addItems(tx, r, bodyUser, req.Items); err != nil {
			return err
		}
		if _, err := audit.Append(tx, audit.Event{CaseID: r.CaseID, ActorKind: audit.ActorBody, ActorID: &bodyUser,
			Action: "referral." + string(req.Status), Public: true, Data: map[string]any{"referral_id": id, "body": r.BodyName,
				"status": req.Status, "from": r.Status}}); err != nil {
			return err
		}
		_, err = outbox.Add(tx, events.ReferralUpdated, r.CaseID, events.Referral{ReferralID: id, BodyID: r.BodyID,
			Status: string(req.Status)})
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Referral(ctx, id, v)
}

func orNothing(s []ReferralStatus) string {
	if len(s) == 0 {
		return "nothing (it is closed)"
	}
	names := make([]string, len(s))
	for i, v := range s {
		names[i] = string(v)
	}
	return strings.Join(names, ", ")
}

// lockCase locks a case's row in tx: every write to a case's record takes it first.
func (s *Service) lockCase(tx *gorm.DB, caseID uuid.UUID) error {
	var locked []uuid.UUID
	if err := cases.Locked(tx, caseID, "id").Scan(&locked).Error; err != nil {
		return fmt.Errorf("escalation: lock case: %w", err)
	}
	return nil
}

// lockReferral locks, in tx, the referral's case, then reads the referral,
// as every write on a case does (case rows first).
func (s *Service) lockReferral(tx *gorm.DB, id uuid.UUID, v *Viewer) (*referralRow, error) {
	var row referralRecord
	if err := tx.Select("case_id").Where("id = ?", id).Find(&row).Error; err != nil {
		return nil, fmt.Errorf("escalation: referral: %w", err)
	}
	caseID := row.CaseID
	if caseID == uuid.Nil {
		return nil, errReferralNotFound
	}
	if err := s.lockCase(tx, caseID); err != nil {
		return nil, err
	}
	if err := lockReferralRow(tx, id); err != nil {
		return nil, fmt.Errorf("escalation: lock referral: %w", err)
	}
	rows, err := s.referralRows(tx, `r.id = ? AND `+visible, append([]any{id}, viewerArgs(v)...)...)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errReferralNotFound
	}
	return &rows[0], nil
}

// MessageRequest is a message about a referral.
type MessageRequest struct {
	Body string `json:"body"`
	// ToComplainant addresses a body's message to the complainant too.
	ToComplainant bool `json:"to_complainant"`
}

// AddMessage records a message between the body and the organisation:
// fromBody for a body's user (on their body's referral), else staff of
// the organisation (on the case's referral caseID).
func (s *Service) AddMessage(ctx context.Context, id uuid.UUID, caseID *uuid.UUID, user uuid.UUID, fromBody bool, req MessageRequest) (*Message, error) {
	var f fault.Fields
	req.Body = strings.TrimSpace(req.Body)
	f.Text("body", req.Body, 1, 10000)
	if req.ToComplainant && !fromBody {
		f.Add("to_complainant", "not_allowed", "the organisation writes to the complainant on the case itself: POST /api/v1/cases/{id}/messages")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var v *Viewer
	kind, actor := "organisation", audit.ActorStaff
	if fromBody {
		v, kind, actor = &Viewer{BodyUser: &user}, "body", audit.ActorBody
	}
	msg := &Message{ID: uuid.New(), AuthorKind: kind, AuthorID: &user, Body: req.Body, ToComplainant: req.ToComplainant}
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		r, err := s.lockReferral(tx, id, v)
		if err != nil {
			return err
		}
		if caseID != nil && r.CaseID != *caseID {
			return errReferralNotFound
		}
		sealed, err := s.keys.SealCaseString(r.CaseID, purposeMessage(msg.ID), req.Body)
		if err != nil {
			return err
		}
		if msg.CreatedAt, err = insertMessage(tx, msg.ID, id, kind, user, sealed, req.ToComplainant); err != nil {
			return fmt.Errorf("escalation: message: %w", err)
		}
		// What a body does is on the complainant's timeline; the
		// organisation's answers are in the case record.
		if _, err := audit.Append(tx, audit.Event{CaseID: r.CaseID, ActorKind: actor, ActorID: &user,
			Action: "referral.message", Public: fromBody, Data: map[string]any{"referral_id": id, "body": r.BodyName,
				"author": kind, "to_complainant": req.ToComplainant}}); err != nil {
			return err
		}
		_, err = outbox.Add(tx, events.ReferralMessage, r.CaseID, events.Referral{ReferralID: id, BodyID: r.BodyID,
			Author: kind, ToComplainant: req.ToComplainant})
		return err
	})
	if err != nil {
		return nil, err
	}
	msg.CreatedAt = msg.CreatedAt.UTC()
	return msg, nil
}

// messages reads a referral's messages in q (the caller's transaction or the pool).
func (s *Service) messages(q *gorm.DB, id uuid.UUID, forStaff bool) ([]Message, error) {
	var rows []referralMessage
	if err := q.Select("id, author_kind, author_id, body_enc, to_complainant, created_at").
		Where("referral_id = ?", id).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("escalation: messages: %w", err)
	}
	out := make([]Message, len(rows))
	for i, r := range rows {
		body, err := s.keys.OpenString(purposeMessage(r.ID), r.BodyEnc)
		if err != nil {
			return nil, fmt.Errorf("escalation: open message: %w", err)
		}
		out[i] = Message{ID: r.ID, AuthorKind: r.AuthorKind, Body: body, ToComplainant: r.ToComplainant, CreatedAt: r.CreatedAt.UTC()}
		// A body sees its own people, and the organisation (and the complainant) as such.
		if forStaff || r.AuthorKind == "body" {
			out[i].AuthorID = r.AuthorID
		}
	}
	return out, nil
}

// ComplainantReferral is a referral as the complainant sees it: where their
// case went, with what consent, what the body has done, and any disclosure
// of their identity (they are told before it happens).
type ComplainantReferral struct {
	ID           uuid.UUID      `json:"id"`
	Body         BodyRef        `json:"body"`
	Source       Source         `json:"source"`
	LegalBasis   string         `json:"legal_basis"`
	ConsentScope ConsentScope   `json:"consent_scope"`
	Status       ReferralStatus `json:"status"`
	Outcome      *string        `json:"outcome"`
	StatusAt     time.Time      `json:"status_at"`
	CreatedAt    time.Time      `json:"created_at"`
	ClosedAt     *time.Time     `json:"closed_at"`
	// Items: the body's findings, orders and recommendations, and how each stands.
	Items []OutcomeItem `json:"items"`
	// Messages: the body's messages addressed to the complainant, in full,
	// and the complainant's answers.
	Messages []ComplainantMessage `json:"messages"`
	// IdentityDisclosures: legal basis, when they were told, and whether it was made.
	IdentityDisclosures []ComplainantDisclosure `json:"identity_disclosures"`
}

// ComplainantDisclosure is a disclosure of the complainant's identity.
type ComplainantDisclosure struct {
	LegalBasis  string     `json:"legal_basis"`
	NoticeAt    time.Time  `json:"notified_at"`
	Status      string     `json:"status"`
	DisclosedAt *time.Time `json:"disclosed_at"`
}

// ForComplainant lists a case's referrals for its complainant.
func (s *Service) ForComplainant(ctx context.Context, caseID uuid.UUID) ([]ComplainantReferral, error) {
	q := s.db.WithContext(ctx)
	rows, err := s.referralRows(q, `r.case_id = ?`, caseID)
	if err != nil {
		return nil, err
	}
	out := make([]ComplainantReferral, 0, len(rows))
	for _, r := range rows {
		v, err := s.view(r, false)
		if err != nil {
			return nil, err
		}
		ds, err := s.disclosures(q, r.ID, true)
		if err != nil {
			return nil, err
		}
		cr := ComplainantReferral{ID: v.ID, Body: v.Body, Source: v.Source, LegalBasis: v.LegalBasis,
			ConsentScope: v.ConsentScope, Status: v.Status, Outcome: v.Outcome, StatusAt: v.StatusAt, CreatedAt: v.CreatedAt,
			ClosedAt: v.ClosedAt, IdentityDisclosures: []ComplainantDisclosure{}}
		if cr.Items, err = s.items(q, r.ID, false); err != nil {
			return nil, err
		}
		ms, err := s.messages(q, r.ID, false)
		if err != nil {
			return nil, err
		}
		cr.Messages = []ComplainantMessage{}
		for _, m := range ms {
			if m.ToComplainant || m.AuthorKind == "complainant" {
				cr.Messages = append(cr.Messages, ComplainantMessage{ID: m.ID, From: m.AuthorKind, Body: m.Body, CreatedAt: m.CreatedAt})
			}
		}
		for _, d := range ds {
			cr.IdentityDisclosures = append(cr.IdentityDisclosures, ComplainantDisclosure{LegalBasis: d.LegalBasis,
				NoticeAt: d.NoticeAt, Status: d.Status, DisclosedAt: d.ApprovedAt})
		}
		out = append(out, cr)
	}
	return out, nil
}
