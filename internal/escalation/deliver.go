package escalation

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/notify"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/sla"
)

// Webhooks owes a body's webhook endpoint a delivery (notify.Notifier): it
// is signed (HMAC, Redress-Signature), retried with back-off and logged.
type Webhooks interface {
	OweBodyWebhook(tx *gorm.DB, bodyID, referralID, eventID uuid.UUID, subject string, payload []byte) (bool, error)
}

// ErrPoison marks an event no retry can fix; the worker dead-letters it.
var ErrPoison = errors.New("escalation: event cannot be handled")

// Package is what a body's webhook receives: the signed document as its
// exact bytes (base64), with its signature, and for a dossier the PDF too.
// Verify the Ed25519 signature over the decoded bytes with the key
// published at /.well-known/redress-signing-key, then parse them.
type Package struct {
	Type         string     `json:"type"` // the event: redress.referral.made or …identity_disclosed
	EventID      uuid.UUID  `json:"event_id"`
	ReferralID   uuid.UUID  `json:"referral_id"`
	Reference    string     `json:"reference"`
	Document     string     `json:"document"` // dossier or identity_addendum
	Content      string     `json:"content_base64"`
	Signature    Signature  `json:"signature"`
	PDF          string     `json:"pdf_base64,omitempty"`
	PDFSignature *Signature `json:"pdf_signature,omitempty"`
	PortalURL    string     `json:"portal_url"`
}

// HandleDelivery owes the body's webhook the referral's dossier or identity
// addendum (the notifier sends the emails). It runs in tx, the transaction
// that records the event as processed, so a redelivered event owes nothing twice.
func (s *Service) HandleDelivery(tx *gorm.DB, env *events.Envelope) error {
	if s.webhooks == nil {
		return nil
	}
	d, err := events.Decode[events.Referral](env)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrPoison, err)
	}
	rows, err := s.referralRows(tx, `r.id = ?`, d.ReferralID)
	if err != nil {
		return err
	}
	if len(rows) == 0 {
		return fmt.Errorf("%w: referral %s does not exist", ErrPoison, d.ReferralID)
	}
	r := rows[0]
	p := Package{Type: env.Type, EventID: env.ID, ReferralID: r.ID, Reference: r.Reference,
		PortalURL: s.publicURL + "/referrals/" + r.ID.String()}
	switch env.Type {
	case events.ReferralMade:
		f, err := s.dossierFile(tx, r.ID, nil, false)
		if err != nil {
			return err
		}
		pdf, err := s.dossierFile(tx, r.ID, nil, true)
		if err != nil {
			return err
		}
		p.Document, p.Content, p.Signature = "dossier", base64.StdEncoding.EncodeToString(f.Bytes), f.Signature
		p.PDF, p.PDFSignature = base64.StdEncoding.EncodeToString(pdf.Bytes), &pdf.Signature
	case events.ReferralIdentityDisclosed:
		if d.DisclosureID == nil {
			return fmt.Errorf("%w: no disclosure id", ErrPoison)
		}
		x, err := s.disclosure(tx, r.ID, *d.DisclosureID)
		if err != nil {
			return err
		}
		if x.AddendumSignature == nil {
			return fmt.Errorf("%w: disclosure %s was not approved", ErrPoison, x.ID)
		}
		p.Document, p.Content, p.Signature = "identity_addendum", base64.StdEncoding.EncodeToString(x.Addendum), *x.AddendumSignature
	default:
		return nil
	}
	payload, err := json.Marshal(p)
	if err != nil {
		return err
	}
	_, err = s.webhooks.OweBodyWebhook(tx, r.BodyID, r.ID, env.ID, env.Type, payload)
	return err
}

// Attachments are the signed files a body's email carries: for a dossier,
// its JSON, its PDF and their signatures; for an identity addendum, the
// addendum and its signature.
func (s *Service) Attachments(ctx context.Context, referralID, document string) ([]notify.Attachment, error) {
	id, err := uuid.Parse(referralID)
	if err != nil {
		return nil, fmt.Errorf("escalation: attachments: %w", err)
	}
	q := s.db.WithContext(ctx)
	var out []notify.Attachment
	sigFile := func(name string, sig Signature) error {
		b, err := json.MarshalIndent(sig, "", "  ")
		out = append(out, notify.Attachment{Name: name, ContentType: "application/json", Data: b})
		return err
	}
	switch document {
	case "dossier":
		f, err := s.dossierFile(q, id, nil, false)
		if err != nil {
			return nil, err
		}
		pdf, err := s.dossierFile(q, id, nil, true)
		if err != nil {
			return nil, err
		}
		out = append(out, notify.Attachment{Name: f.Reference + "-dossier.json", ContentType: "application/json", Data: f.Bytes},
			notify.Attachment{Name: f.Reference + "-dossier.pdf", ContentType: "application/pdf", Data: pdf.Bytes})
		if err := sigFile(f.Reference+"-dossier.json.sig.json", f.Signature); err != nil {
			return nil, err
		}
		if err := sigFile(f.Reference+"-dossier.pdf.sig.json", pdf.Signature); err != nil {
			return nil, err
		}
	case "identity_addendum":
		all, err := s.disclosures(q, id, true)
		if err != nil {
			return nil, err
		}
		for _, x := range all {
			if x.AddendumSignature != nil {
				out = append(out, notify.Attachment{Name: "identity-addendum.json", ContentType: "application/json", Data: x.Addendum})
				if err := sigFile("identity-addendum.json.sig.json", *x.AddendumSignature); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// Delivery is how a referral's document reached its body.
type Delivery struct {
	Channel      string     `json:"channel"`  // webhook or email
	Document     string     `json:"document"` // dossier or identity_addendum
	Status       string     `json:"status"`   // pending, delivered/sent, failed, gave_up, skipped
	Attempts     int        `json:"attempts"`
	ResponseCode *int       `json:"response_code,omitempty"`
	Error        *string    `json:"error,omitempty"`
	NextAttempt  *time.Time `json:"next_attempt_at,omitempty"`
	DoneAt       *time.Time `json:"done_at,omitempty"`
}

func (s *Service) deliveries(q *gorm.DB, referralID uuid.UUID) ([]Delivery, error) {
	out, err := deliveries(q, referralID)
	if err != nil {
		return nil, fmt.Errorf("escalation: deliveries: %w", err)
	}
	for i := range out {
		out[i].NextAttempt, out[i].DoneAt = utc(out[i].NextAttempt), utc(out[i].DoneAt)
	}
	if out == nil {
		out = []Delivery{}
	}
	return out, nil
}

// policyBodyType is the type of body a missed statutory deadline goes to.
var policyBodyType = map[string]string{
	"gdpr_reply":          DataProtection,
	"incident_report":     MarketSurveillance,
	"provider_notice":     MarketSurveillance,
	"suspension_decision": MarketSurveillance,
	"acknowledge":         WhistleblowingChannel,
	"feedback":            WhistleblowingChannel,
}

// HandleRequest turns an escalation by policy into a referral: a missed
// statutory deadline (redress.escalation.requested, from the SLA sweeper)
// or a possible serious incident triaged P0 (redress.case.triaged). The
// referral is anonymous: nothing identifying leaves without the
// complainant's consent. With no active body of the right type, the
// request stays open, in the case record, for a supervisor. It runs in tx,
// the transaction that records the event as processed.
func (s *Service) HandleRequest(tx *gorm.DB, env *events.Envelope) error {
	var reqID uuid.UUID
	switch env.Type {
	case events.EscalationRequested:
		d, err := events.Decode[events.EscalationRequest](env)
		if err != nil || d.RequestID == uuid.Nil {
			return fmt.Errorf("%w: no escalation request id", ErrPoison)
		}
		reqID = d.RequestID
	case events.CaseTriaged:
		id, err := s.incidentRequest(tx, env)
		if err != nil || id == uuid.Nil {
			return err
		}
		reqID = id
	default:
		return nil
	}
	return s.referByPolicy(tx, reqID)
}

// incidentRequest opens, in tx, the escalation request of an incident case now P0.
func (s *Service) incidentRequest(tx *gorm.DB, env *events.Envelope) (uuid.UUID, error) {
	var c cases.Case
	if err := tx.Select("kind, priority").Where("id = ?", env.CaseID).Find(&c).Error; err != nil {
		return uuid.Nil, fmt.Errorf("escalation: case: %w", err)
	}
	if c.Kind == "" {
		return uuid.Nil, fmt.Errorf("%w: case %s does not exist", ErrPoison, env.CaseID)
	}
	if c.Kind != cases.KindIncident || c.Priority == nil || *c.Priority != cases.P0 {
		return uuid.Nil, nil
	}
	if err := s.lockCase(tx, env.CaseID); err != nil {
		return uuid.Nil, err
	}
	id, err := insertIncidentRequest(tx, env.CaseID)
	if err != nil {
		return uuid.Nil, fmt.Errorf("escalation: incident request: %w", err)
	}
	if id == uuid.Nil {
		return uuid.Nil, nil // asked for already
	}
	_, err = audit.Append(tx, audit.Event{CaseID: env.CaseID, ActorKind: audit.ActorSystem,
		Action: "escalation.requested", Data: map[string]any{"escalation_request_id": id, "source": SourceIncident,
			"clock": "incident_report"}})
	return id, err
}

// referByPolicy makes, in tx, the referral escalation request reqID asks for.
func (s *Service) referByPolicy(tx *gorm.DB, reqID uuid.UUID) error {
	var r escalationRequest
	if err := tx.Select("case_id, source, clock, rule::text AS rule, reason, status, referral_id").
		Where("id = ?", reqID).Find(&r).Error; err != nil {
		return fmt.Errorf("escalation: request: %w", err)
	}
	if r.CaseID == uuid.Nil {
		return fmt.Errorf("%w: escalation request %s does not exist", ErrPoison, reqID)
	}
	if r.Status != RequestOpen || r.ReferralID != nil {
		return nil
	}
	if err := s.lockCase(tx, r.CaseID); err != nil {
		return err
	}
	clock := ""
	if r.Clock != nil {
		clock = *r.Clock
	}
	typ, ok := policyBodyType[clock]
	if !ok {
		typ = MarketSurveillance
		if r.Source != SourceIncident {
			s.log.Warn("escalation request names no clock a body type answers for", "request_id", reqID, "clock", clock)
			return nil
		}
	}
	org, err := s.organisation.GetIn(tx)
	if err != nil {
		return err
	}
	body, err := s.bodyFor(tx, typ, org.Jurisdiction)
	if err != nil {
		return err
	}
	if body == nil {
		if err := tx.Model(&escalationRequest{}).Where("id = ?", reqID).Update("body_type", typ).Error; err != nil {
			return fmt.Errorf("escalation: request: %w", err)
		}
		_, err := audit.Append(tx, audit.Event{CaseID: r.CaseID, ActorKind: audit.ActorSystem,
			Action: "escalation.no_body", Data: map[string]any{"escalation_request_id": reqID, "body_type": typ}})
		return err
	}
	legal, reason := body.LegalBases[0], r.Reason
	if r.Rule != nil {
		var rule sla.Rule
		if json.Unmarshal([]byte(*r.Rule), &rule) == nil && rule.Source != "" {
			legal = rule.Source
			reason = fmt.Sprintf("The organisation missed a deadline the law sets (%s: %s), and its policy refers such cases to an independent body.",
				rule.Source, rule.Period)
		}
	}
	if r.Source == SourceIncident {
		legal = "AI Act (Regulation 2024/1689) art. 73"
		reason = "A possible serious incident involving an AI system was triaged P0; the organisation's policy reports it at once."
	}
	_, err = s.refer(tx, r.CaseID, body.ID, Requester{Source: r.Source, RequestID: &reqID},
		ReferralRequest{BodyID: body.ID.String(), ConsentScope: Anonymous, Reason: reason, LegalBasis: legal})
	if fault.Is(err, fault.Conflict) {
		// Already with that body (a complainant or staff referral): this request is answered by it.
		return answeredByOpenReferral(tx, reqID, r.CaseID, body.ID)
	}
	return err
}
