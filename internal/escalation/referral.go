package escalation

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/registry"
	"github.com/redresshq/redress/internal/remedy"
)

// ConsentScope is what of the complainant's identity a referral carries
// (referrals.consent_scope).
type ConsentScope string

// Consent scopes.
const (
	IdentityShared   ConsentScope = "identity_shared"   // name and contact details go to the body
	IdentityWithheld ConsentScope = "identity_withheld" // no identity; the body writes through the organisation
	Anonymous        ConsentScope = "anonymous"         // and nothing that could point back at the person
)

// ConsentScopes in order of what they share; they are the values
// referrals.consent_scope allows (a test checks).
var ConsentScopes = []ConsentScope{IdentityShared, IdentityWithheld, Anonymous}

// Source is who or what asked for a referral (referrals.source, and
// escalation_requests.source for a request that may lead to one).
type Source string

// Sources of a referral.
const (
	SourceComplainant Source = "complainant"
	SourceStaff       Source = "staff"
	SourceSLABreach   Source = "sla_breach"
	SourceIncident    Source = "incident"
)

// Sources lists every source; they are the values referrals.source and
// escalation_requests.source allow (a test checks).
var Sources = []Source{SourceComplainant, SourceStaff, SourceSLABreach, SourceIncident}

// RequestStatus is where an escalation request stands
// (escalation_requests.status): open until a referral answers it.
type RequestStatus string

// Escalation request statuses.
const (
	RequestOpen     RequestStatus = "open" // the column's default
	RequestReferred RequestStatus = "referred"
	RequestDeclined RequestStatus = "declined"
)

// RequestStatuses lists every RequestStatus.
var RequestStatuses = []RequestStatus{RequestOpen, RequestReferred, RequestDeclined}

// ReferralStatus is where a referral stands, as its body says
// (referrals.status).
type ReferralStatus string

// Referral statuses, set by the body.
const (
	StatusSent                 ReferralStatus = "sent"
	StatusReceived             ReferralStatus = "received"
	StatusInvestigating        ReferralStatus = "investigating"
	StatusInformationRequested ReferralStatus = "information_requested"
	StatusClosed               ReferralStatus = "closed"
)

// ReferralStatuses lists every status; they are the values referrals.status
// allows (a test checks).
var ReferralStatuses = []ReferralStatus{StatusSent, StatusReceived, StatusInvestigating, StatusInformationRequested, StatusClosed}

// Statuses a body may set.
var BodyStatuses = []ReferralStatus{StatusReceived, StatusInvestigating, StatusInformationRequested, StatusClosed}

// Transitions a body may make; the database's referral_transitions holds
// the same (a test checks).
var Transitions = map[ReferralStatus][]ReferralStatus{
	StatusSent:                 {StatusReceived, StatusInvestigating, StatusInformationRequested, StatusClosed},
	StatusReceived:             {StatusInvestigating, StatusInformationRequested, StatusClosed},
	StatusInvestigating:        {StatusInformationRequested, StatusClosed},
	StatusInformationRequested: {StatusInvestigating, StatusClosed},
}

// ReferralRequest asks for a referral: POST /api/v1/cases/{id}/escalations
// (staff) and POST /api/v1/complainant/case/escalations (the complainant,
// whose legal basis is the body's own).
type ReferralRequest struct {
	BodyID       string       `json:"body_id"`
	ConsentScope ConsentScope `json:"consent_scope"`
	Reason       string       `json:"reason"`
	LegalBasis   string       `json:"legal_basis"`
}

// Requester is who asks: the complainant, a staff member, or the system.
type Requester struct {
	Source Source
	Actor  cases.Actor // staff: who, their role, whether they may work any case
	// RequestID is the escalation request (by policy) this referral answers.
	RequestID *uuid.UUID
}

func purposeReason(id uuid.UUID) string   { return "referral.reason:" + id.String() }
func purposeOutcome(id uuid.UUID) string  { return "referral.outcome:" + id.String() }
func purposeDossier(id uuid.UUID) string  { return "referral.dossier:" + id.String() }
func purposePDF(id uuid.UUID) string      { return "referral.pdf:" + id.String() }
func purposeMessage(id uuid.UUID) string  { return "referral.message:" + id.String() }
func purposeAddendum(id uuid.UUID) string { return "referral.addendum:" + id.String() }

func (r *ReferralRequest) validate(by Requester) (uuid.UUID, error) {
	var f fault.Fields
	var bodyID uuid.UUID
	if r.BodyID == "" {
		f.Add("body_id", "required", "is required: the id of a body from GET /api/v1/bodies")
	} else if id, err := uuid.Parse(r.BodyID); err != nil {
		f.Add("body_id", "invalid", "must be the id of a body from GET /api/v1/bodies")
	} else {
		bodyID = id
	}
	fault.OneOf(&f, "consent_scope", r.ConsentScope, ConsentScopes, true)
	r.Reason, r.LegalBasis = strings.TrimSpace(r.Reason), strings.TrimSpace(r.LegalBasis)
	switch by.Source {
	case SourceComplainant:
		f.Text("reason", r.Reason, 0, 4000)
		if r.LegalBasis != "" {
			f.Add("legal_basis", "not_allowed", "is set from the body's own legal basis; leave it out")
		}
	default:
		f.Text("reason", r.Reason, 1, 4000)
		f.Text("legal_basis", r.LegalBasis, 1, 500)
		// Only the complainant consents to their identity going out; staff
		// who need it to go use the disclosure procedure (Directive 2019/1937 art. 16).
		if by.Source == SourceStaff && r.ConsentScope == IdentityShared {
			f.Add("consent_scope", "consent_required", "only the complainant can share their identity with a body; "+
				"refer with identity_withheld or anonymous, and disclose the identity later with a legal basis, a second "+
				"approver and notice to the complainant")
		}
	}
	return bodyID, f.Err()
}

// Refer makes a referral of a case to a body, in one transaction: the
// dossier built, redacted, signed and sealed, an entry on the case's
// record (public: the complainant sees where their case went) and the
// event the worker delivers it on.
func (s *Service) Refer(ctx context.Context, caseID uuid.UUID, by Requester, req ReferralRequest) (*Referral, error) {
	bodyID, err := req.validate(by)
	if err != nil {
		return nil, err
	}
	var id uuid.UUID
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		id, err = s.refer(tx, caseID, bodyID, by, req)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Referral(ctx, id, nil)
}

// refer makes the referral in tx (Refer's transaction, or the worker's for
// a referral by policy).
func (s *Service) refer(tx *gorm.DB, caseID, bodyID uuid.UUID, by Requester, req ReferralRequest) (uuid.UUID, error) {
	if by.Source == SourceStaff {
		if err := s.cases.CheckWorker(tx, caseID, by.Actor); err != nil {
			return uuid.Nil, err
		}
	} else {
		var anonymous []bool
		if err := cases.Locked(tx, caseID, "anonymous").Scan(&anonymous).Error; err != nil {
			return uuid.Nil, fmt.Errorf("escalation: lock case: %w", err)
		}
		if len(anonymous) == 0 {
			return uuid.Nil, fault.New(fault.NotFound, "case_not_found", "No case has that id.")
		}
		// Someone who complained anonymously has no identity to share: the
		// pages do not offer it, and no route may record it as consented.
		if anonymous[0] && req.ConsentScope == IdentityShared {
			var f fault.Fields
			f.Add("consent_scope", "anonymous_case", "you made your complaint anonymously: there is no identity to share")
			return uuid.Nil, f.Err()
		}
	}
	body, err := s.body(tx, bodyID)
	if fault.Is(err, fault.NotFound) || (err == nil && !body.Active) {
		var f fault.Fields
		f.Add("body_id", "unknown", "no active body has that id: see GET /api/v1/bodies")
		return uuid.Nil, f.Err()
	}
	if err != nil {
		return uuid.Nil, err
	}
	if body.SignpostOnly {
		return uuid.Nil, fault.New(fault.Conflict, "signpost_only", fmt.Sprintf(
			"%s is listed as a place to go, not one Redress delivers to: the complainant can contact it directly "+
				"(see its website and requirements in GET /api/v1/bodies).", body.Name))
	}
	var open int64
	if err := tx.Model(&referralRecord{}).Where("case_id = ? AND body_id = ? AND status <> 'closed'", caseID, bodyID).
		Count(&open).Error; err != nil {
		return uuid.Nil, fmt.Errorf("escalation: open referrals: %w", err)
	}
	if open > 0 {
		return uuid.Nil, fault.New(fault.Conflict, "already_referred",
			fmt.Sprintf("The case is already with %s; follow that referral, or wait until the body closes it.", body.Name))
	}
	legal := req.LegalBasis
	if legal == "" {
		legal = body.LegalBases[0]
	}
	reason := req.Reason
	if reason == "" {
		reason = "The complainant asked for their case to be referred to this body."
	}
	id := uuid.New()
	d, err := s.buildDossier(tx, caseID, id, body, ReferralFact{Source: by.Source, RequestedBy: requestedBy(by),
		Reason: reason, LegalBasis: legal, ConsentScope: req.ConsentScope})
	if err != nil {
		return uuid.Nil, err
	}
	// One key signs both documents, and the dossier names it.
	key, err := s.signer(tx)
	if err != nil {
		return uuid.Nil, err
	}
	d.SigningKeyID, d.SigningKeySet = key.id, s.publicURL+KeySetPath
	doc, err := json.Marshal(d)
	if err != nil {
		return uuid.Nil, err
	}
	pdf, err := RenderPDF(d)
	if err != nil {
		return uuid.Nil, fmt.Errorf("escalation: render dossier: %w", err)
	}
	kid, docSig, pdfSig := key.id, key.sign(doc), key.sign(pdf)
	docSum, pdfSum := sha256.Sum256(doc), sha256.Sum256(pdf)
	sealedReason, err := s.keys.SealCaseString(caseID, purposeReason(id), reason)
	if err != nil {
		return uuid.Nil, err
	}
	sealedDoc, err := s.keys.SealCase(caseID, purposeDossier(id), doc)
	if err != nil {
		return uuid.Nil, err
	}
	sealedPDF, err := s.keys.SealCase(caseID, purposePDF(id), pdf)
	if err != nil {
		return uuid.Nil, err
	}
	redactions, err := json.Marshal(d.Redactions)
	if err != nil {
		return uuid.Nil, err
	}
	err = tx.Create(&referralRecord{ID: id, CaseID: caseID, BodyID: bodyID, Source: by.Source, RequestedBy: staffID(by),
		ReasonEnc: sealedReason, LegalBasis: legal, ConsentScope: req.ConsentScope, KeyID: kid, DossierEnc: sealedDoc,
		DossierSHA256: docSum[:], DossierSignature: docSig, PDFEnc: sealedPDF, PDFSHA256: pdfSum[:], PDFSignature: pdfSig,
		Redactions: string(redactions)}).Error
	if db.IsUniqueViolation(err) {
		return uuid.Nil, fault.New(fault.Conflict, "already_referred", "The case is already with that body.")
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("escalation: referral: %w", err)
	}
	if by.RequestID != nil {
		if err := tx.Model(&escalationRequest{}).Where("id = ?", *by.RequestID).
			Updates(map[string]any{"referral_id": id, "status": RequestReferred}).Error; err != nil {
			return uuid.Nil, fmt.Errorf("escalation: request referred: %w", err)
		}
	}
	actor := audit.Event{CaseID: caseID, ActorKind: actorKind(by), ActorID: staffID(by), Action: "referral.made", Public: true,
		Data: map[string]any{"referral_id": id, "body": body.Name, "body_type": body.Type, "source": by.Source,
			"consent_scope": req.ConsentScope, "legal_basis": legal, "dossier_sha256": fmt.Sprintf("%x", docSum)}}
	if _, err := audit.Append(tx, actor); err != nil {
		return uuid.Nil, err
	}
	if _, err := outbox.Add(tx, events.ReferralMade, caseID, events.Referral{ReferralID: id, BodyID: bodyID,
		Source: string(by.Source), ConsentScope: string(req.ConsentScope)}); err != nil {
		return uuid.Nil, err
	}
	return id, nil
}

func requestedBy(by Requester) string {
	switch by.Source {
	case SourceStaff:
		return string(by.Actor.Role)
	case SourceComplainant:
		return "complainant"
	}
	return "system"
}

func staffID(by Requester) *uuid.UUID {
	if by.Source == SourceStaff {
		return by.Actor.ID
	}
	return nil
}

func actorKind(by Requester) audit.ActorKind {
	switch by.Source {
	case SourceStaff:
		return audit.ActorStaff
	case SourceComplainant:
		return audit.ActorComplainant
	}
	return audit.ActorSystem
}

// buildDossier gathers the case as it stands, read in q, then redacts it as
// the consent allows.
func (s *Service) buildDossier(q *gorm.DB, caseID, referralID uuid.UUID, body *Body, ref ReferralFact) (*Dossier, error) {
	c, err := s.cases.GetIn(q, caseID)
	if err != nil {
		return nil, err
	}
	org, err := s.organisation.GetIn(q)
	if err != nil {
		return nil, err
	}
	now := time.Now().UTC().Truncate(time.Second)
	d := &Dossier{Schema: Schema, ReferralID: referralID.String(), GeneratedAt: now, DatePrecision: PrecisionSecond,
		Organisation: org.LegalName, OrganisationDetails: organisationFacts(org),
		Body:     DossierBody{ID: body.ID.String(), Name: body.Name, Type: body.Type, Jurisdiction: body.Jurisdiction},
		Referral: ref,
		Case: CaseFacts{Reference: c.Reference, Kind: c.Kind, Status: string(c.Status), Priority: c.Priority, Language: c.Language,
			FiledAnonymous: &c.Anonymous, SubmittedAt: c.SubmittedAt, AcknowledgedAt: c.AcknowledgedAt,
			Description: c.Description, DesiredOutcome: c.DesiredOutcome},
		Contested: ContestedDecision{SystemOther: c.AISystemOther, DecisionReference: c.DecisionReference,
			DecisionDate: c.DecisionDate, InformedOfAI: c.InformedOfAI},
		Classification: ClassificationFact{Rights: casework.NonNil(c.Classification.Rights), HarmTypes: casework.NonNil(c.Classification.HarmTypes),
			Mechanisms: casework.NonNil(c.Classification.Mechanisms), HarmStatus: c.Classification.HarmStatus,
			Scale: c.Classification.Scale, Scope: c.Classification.Scope, Irremediability: c.Classification.Irremediability,
			Rationale: c.Classification.Rationale, ScaleRationale: c.Classification.ScaleRationale,
			ScopeRationale: c.Classification.ScopeRationale, IrremediabilityRationale: c.Classification.IrremediabilityRationale,
			PriorityReasons: c.Classification.PriorityReasons},
		Chronology: []ChronologyEntry{}, Deadlines: []DeadlineFact{}, Remedies: []RemedyFact{}, Evidence: []EvidenceFact{},
		Redactions: []Redaction{},
	}
	if len(d.Classification.PriorityReasons) == 0 {
		d.Classification.PriorityReasons = json.RawMessage("[]")
	}
	var inc cases.Case
	if err := q.Select("incident_aware_at, incident_subtype").Where("id = ?", caseID).
		Find(&inc).Error; err != nil {
		return nil, fmt.Errorf("escalation: incident: %w", err)
	}
	if inc.IncidentAwareAt != nil {
		t := inc.IncidentAwareAt.UTC()
		d.Case.IncidentAwareAt, d.Case.IncidentSubtype = &t, (*string)(inc.IncidentSubtype)
	}
	if c.AISystemID != nil {
		var sys SystemFacts
		if err := q.Model(&registry.AISystem{}).
			Select("name, provider, version, purpose, risk_area, eu_database_id AS eu_database_id").
			Where("id = ?", *c.AISystemID).Scan(&sys).Error; err != nil {
			return nil, fmt.Errorf("escalation: ai system: %w", err)
		}
		d.AISystem = &sys
	}
	if a := c.AIDecision; a != nil {
		d.Contested.SystemVersion, d.Contested.Inputs, d.Contested.Output = &a.SystemVersion, a.Inputs, &a.Output
		d.Contested.SolelyAutomated, d.Contested.HumanOversight = &a.SolelyAutomated, &a.HumanOversight
		d.Contested.OversightDetail, d.Contested.PersonInformed = &a.OversightDetail, &a.PersonInformed
		if a.DecisionReference != nil {
			d.Contested.DecisionReference = a.DecisionReference
		}
		if a.DecisionDate != nil {
			d.Contested.DecisionDate = a.DecisionDate
		}
	}
	entries, err := audit.Entries(q, caseID)
	if err != nil {
		return nil, err
	}
	roles, err := s.actorRoles(q, entries)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		d.Chronology = append(d.Chronology, ChronologyEntry{Seq: e.Seq, At: e.At.UTC(), Actor: roles(e), Action: e.Action})
	}
	for _, k := range c.DueDates {
		d.Deadlines = append(d.Deadlines, DeadlineFact{Clock: k.Clock, StartedAt: k.StartedAt.UTC(), DueAt: k.DueAt,
			SatisfiedAt: k.SatisfiedAt, BreachedAt: k.BreachedAt, Paused: k.Paused, Rule: k.Rule, State: clockState(k)})
	}
	h := &d.Handling
	h.Decisions, h.Messages = []DecisionFact{}, []MessageFact{}
	for _, x := range c.Decisions {
		df := DecisionFact{Stage: x.Stage, Outcome: x.Outcome, Status: x.Status, Rationale: x.Rationale,
			Signposting: x.Signposting, Deployer: x.Involvement.Deployer, Provider: x.Involvement.Provider,
			DecidedAt: x.CreatedAt.UTC(), FinalAt: x.FinalAt}
		if x.Explanation != nil {
			if df.Explanation, err = json.Marshal(x.Explanation); err != nil {
				return nil, err
			}
		}
		h.Decisions = append(h.Decisions, df)
	}
	if c.Appeal.AppealedAt != nil {
		h.Appeal = &AppealFact{AppealedAt: c.Appeal.AppealedAt, State: c.Appeal.State}
	}
	h.RootCause, h.ClosedAt = c.RootCause, c.ClosedAt
	for _, m := range c.Messages {
		if m.Visibility == grievance.VisibilityInternal {
			continue
		}
		author := "staff"
		if m.AuthorKind == audit.ActorComplainant {
			author = "complainant"
		}
		h.Messages = append(h.Messages, MessageFact{At: m.CreatedAt.UTC(), Author: author, Body: m.Body})
	}
	for _, r := range c.Remedies {
		if r.Status == remedy.Proposed {
			continue // a draft the complainant never saw
		}
		d.Remedies = append(d.Remedies, RemedyFact{Form: r.Form, Subtype: r.Subtype, Description: r.Description,
			Responsible: r.Responsible, Amount: r.Amount, Currency: r.Currency, Status: r.Status, DueAt: r.DueAt.UTC(),
			OfferedAt: r.OfferedAt, RespondedAt: r.RespondedAt, ImplementedAt: r.ImplementedAt, VerifiedAt: r.VerifiedAt,
			Reason: r.Reason, Systemic: r.SystemicIssueID != nil})
	}
	for _, e := range c.Evidence {
		name, desc := e.Filename, e.Description
		d.Evidence = append(d.Evidence, EvidenceFact{ID: e.ID.String(), SHA256: e.SHA256, SizeBytes: e.SizeBytes,
			MediaType: e.MediaType, Source: e.Source, AddedAt: e.CreatedAt.UTC(), Filename: &name, Description: &desc})
	}
	if d.Complainant, err = s.complainantFacts(q, caseID); err != nil {
		return nil, err
	}
	Redact(d, ref.ConsentScope)
	return d, nil
}

// complainantFacts is the identity a case's complainant gave (nil if none):
// what the dossier carries with consent, and what MaskText looks for without.
func (s *Service) complainantFacts(q *gorm.DB, caseID uuid.UUID) (*ComplainantFacts, error) {
	who, err := s.cases.IdentityIn(q, caseID)
	if err != nil {
		return nil, err
	}
	if who.Contact == nil && who.Representative == nil {
		return nil, nil
	}
	c := &ComplainantFacts{}
	if k := who.Contact; k != nil {
		c.Name, c.Email, c.Phone = k.Name, k.Email, k.Phone
		c.Address, c.PreferredChannel, c.CustomerNumber = k.Address, k.PreferredChannel, k.CustomerNumber
	}
	if r := who.Representative; r != nil {
		c.RepresentativeName, c.RepresentativeOrg = r.Name, r.Organisation
		c.RepresentativeEmail, c.RepresentativeMandate = r.Email, r.Mandate
	}
	return c, nil
}

// actorRoles returns how the dossier names an entry's actor: by role, never
// by person (the roles read in q).
func (s *Service) actorRoles(q *gorm.DB, entries []audit.Entry) (func(audit.Entry) string, error) {
	ids := []uuid.UUID{}
	for _, e := range entries {
		if e.ActorID != nil {
			ids = append(ids, *e.ActorID)
		}
	}
	role := map[uuid.UUID]string{}
	if len(ids) > 0 {
		rows, err := userRoles(q, ids)
		if err != nil {
			return nil, fmt.Errorf("escalation: actor roles: %w", err)
		}
		for _, r := range rows {
			role[r.ID] = string(r.Role)
		}
	}
	return func(e audit.Entry) string {
		if e.ActorID != nil && role[*e.ActorID] != "" {
			return role[*e.ActorID]
		}
		return string(e.ActorKind)
	}, nil
}

func clockState(k grievance.DueDate) string {
	switch {
	case k.SatisfiedAt != nil && k.BreachedAt != nil:
		return "met_late"
	case k.SatisfiedAt != nil:
		return "met"
	case k.BreachedAt != nil:
		return "breached"
	case k.Paused:
		return "paused"
	}
	return "running"
}
