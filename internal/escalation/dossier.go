package escalation

import (
	"encoding/json"
	"time"

	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/organisation"
	"github.com/redresshq/redress/internal/remedy"
	"github.com/redresshq/redress/internal/sla"
)

// Schema names the version of the dossier's JSON; a change that is not an
// addition gets a new version. docs/escalation.md describes every field.
const Schema = "https://redress.example/schemas/dossier/v1"

// Dossier is what a referral sends an independent body: the case as the
// organisation handled it, with identity and contact details only as the
// complainant's consent allows. It is built once, when the referral is
// made, signed, and never changed; an identity disclosed later travels in a
// signed addendum of its own.
type Dossier struct {
	Schema string `json:"schema"`
	// SigningKeyID names the key that signs the dossier and its PDF: in the
	// key set at SigningKeySet (/.well-known/redress-signing-key) with its
	// validity period, after a rotation too.
	SigningKeyID  string    `json:"signing_key_id"`
	SigningKeySet string    `json:"signing_key_set"`
	ReferralID    string    `json:"referral_id"`
	GeneratedAt   time.Time `json:"generated_at"`
	// DatePrecision is "second", or "month" for an anonymous referral:
	// then every timestamp is the first of its month at 00:00 UTC, and the
	// decision date is YYYY-MM.
	DatePrecision string `json:"date_precision"`
	// Organisation is the legal name of who runs the mechanism
	// (internal/organisation: REDRESS_ORGANISATION_NAME, or an admin's
	// setting); OrganisationDetails is all of its profile.
	Organisation        string             `json:"organisation"`
	OrganisationDetails *OrganisationFacts `json:"organisation_details,omitempty"`
	Body                DossierBody        `json:"body"`
	Referral            ReferralFact       `json:"referral"`
	Case                CaseFacts          `json:"case"`
	AISystem            *SystemFacts       `json:"ai_system"`
	// Contested is the AI decision complained about.
	Contested      ContestedDecision  `json:"contested_decision"`
	Classification ClassificationFact `json:"classification"`
	// Chronology is the case's record in order, with the deadlines each
	// clock ran against.
	Chronology []ChronologyEntry `json:"chronology"`
	Deadlines  []DeadlineFact    `json:"deadlines"`
	Handling   HandlingFacts     `json:"handling"`
	Remedies   []RemedyFact      `json:"remedies"`
	Evidence   []EvidenceFact    `json:"evidence"`
	// Complainant is present only when the consent is identity_shared.
	Complainant *ComplainantFacts `json:"complainant"`
	// Redactions says what was withheld or masked, and why.
	Redactions []Redaction `json:"redaction_log"`
}

// OrganisationFacts is the organisation that runs the mechanism and makes
// the referral: its legal name, postal address, jurisdiction (ISO 3166-1
// alpha-2, or EU) and contact point.
type OrganisationFacts struct {
	LegalName    string `json:"legal_name"`
	Address      string `json:"address"`
	Jurisdiction string `json:"jurisdiction"`
	Contact      string `json:"contact"`
}

func organisationFacts(p organisation.Profile) *OrganisationFacts {
	return &OrganisationFacts{LegalName: p.LegalName, Address: p.Address, Jurisdiction: p.Jurisdiction, Contact: p.Contact}
}

// DossierBody is the body the dossier is addressed to.
type DossierBody struct {
	ID           string `json:"id"`
	Name         string `json:"name"`
	Type         string `json:"type"`
	Jurisdiction string `json:"jurisdiction"`
}

// ReferralFact is who asked for the referral, why, under what legal basis
// and with what consent.
type ReferralFact struct {
	Source       Source       `json:"source"`       // complainant, staff, sla_breach, incident
	RequestedBy  string       `json:"requested_by"` // complainant, a staff role, or system
	Reason       string       `json:"reason"`
	LegalBasis   string       `json:"legal_basis"`
	ConsentScope ConsentScope `json:"consent_scope"` // identity_shared, identity_withheld, anonymous
}

// CaseFacts identifies the case and where it stands.
type CaseFacts struct {
	// Reference is the referral's own in an anonymous referral (A-…).
	Reference string  `json:"reference"`
	Kind      string  `json:"kind"`
	Status    string  `json:"status"`
	Priority  *string `json:"priority"`
	Language  string  `json:"language"`
	// FiledAnonymous is left out of an anonymous referral (see anonymise.go).
	FiledAnonymous *bool      `json:"filed_anonymously,omitempty"`
	SubmittedAt    time.Time  `json:"submitted_at"`
	AcknowledgedAt *time.Time `json:"acknowledged_at"`
	Description    string     `json:"description"`
	DesiredOutcome string     `json:"desired_outcome"`
	// Incident: for a possible serious incident, awareness and subtype.
	IncidentAwareAt *time.Time `json:"incident_aware_at,omitempty"`
	IncidentSubtype *string    `json:"incident_subtype,omitempty"`
}

// SystemFacts is the AI system from the register.
type SystemFacts struct {
	Name         string `json:"name"`
	Provider     string `json:"provider"`
	Version      string `json:"version"`
	Purpose      string `json:"purpose"`
	RiskArea     string `json:"risk_area"`
	EUDatabaseID string `json:"eu_database_id"`
}

// ContestedDecision is the AI decision as the complainant described it and
// as the reviewer recorded it.
type ContestedDecision struct {
	SystemOther       *string `json:"ai_system_other,omitempty"`
	DecisionReference *string `json:"decision_reference"`
	DecisionDate      *string `json:"decision_date"`
	InformedOfAI      string  `json:"informed_of_ai"`
	// Recorded by the reviewer (PUT /cases/{id}/ai-decision), when there is one.
	SystemVersion   *string  `json:"system_version,omitempty"`
	Inputs          []string `json:"inputs,omitempty"`
	Output          *string  `json:"output,omitempty"`
	SolelyAutomated *bool    `json:"solely_automated,omitempty"`
	HumanOversight  *string  `json:"human_oversight,omitempty"`
	OversightDetail *string  `json:"oversight_detail,omitempty"`
	PersonInformed  *string  `json:"person_informed,omitempty"`
}

// ClassificationFact is the classification and severity, with rationale.
type ClassificationFact struct {
	Rights          []string `json:"rights"`
	HarmTypes       []string `json:"harm_types"`
	Mechanisms      []string `json:"mechanisms"`
	HarmStatus      *string  `json:"harm_status"`
	Scale           *int     `json:"scale"`
	Scope           *int     `json:"scope"`
	Irremediability *int     `json:"irremediability"`
	Rationale       *string  `json:"rationale"`
	// Each severity dimension's own rationale (set at triage).
	ScaleRationale           *string         `json:"scale_rationale"`
	ScopeRationale           *string         `json:"scope_rationale"`
	IrremediabilityRationale *string         `json:"irremediability_rationale"`
	PriorityReasons          json.RawMessage `json:"priority_reasons"`
}

// ChronologyEntry is one entry of the case record. Actors are roles, never
// people: complainant, reviewer, supervisor, admin, body, system.
type ChronologyEntry struct {
	Seq    int       `json:"seq"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"`
}

// DeadlineFact is a clock of the case: its due date, the rule behind it,
// and whether it was met.
type DeadlineFact struct {
	Clock       sla.ClockName   `json:"clock"`
	StartedAt   time.Time       `json:"started_at"`
	DueAt       *time.Time      `json:"due_at"`
	SatisfiedAt *time.Time      `json:"satisfied_at"`
	BreachedAt  *time.Time      `json:"breached_at"`
	Paused      bool            `json:"paused"`
	Rule        json.RawMessage `json:"rule"`
	// State: met, met_late, breached, running, paused.
	State string `json:"state"`
}

// HandlingFacts is the internal handling and its outcome.
type HandlingFacts struct {
	Decisions []DecisionFact `json:"decisions"`
	Appeal    *AppealFact    `json:"appeal"`
	RootCause *string        `json:"root_cause"`
	ClosedAt  *time.Time     `json:"closed_at"`
	// Messages exchanged with the complainant (never internal notes), by role.
	Messages []MessageFact `json:"messages"`
}

// DecisionFact is a reasoned decision.
type DecisionFact struct {
	Stage       string           `json:"stage"`
	Outcome     decision.Outcome `json:"outcome"`
	Status      string           `json:"status"`
	Rationale   string           `json:"rationale"`
	Explanation json.RawMessage  `json:"explanation,omitempty"`
	Signposting string           `json:"signposting,omitempty"`
	Deployer    string           `json:"deployer_involvement"`
	Provider    string           `json:"provider_involvement"`
	DecidedAt   time.Time        `json:"decided_at"`
	FinalAt     *time.Time       `json:"final_at"`
}

// AppealFact is the complainant's appeal.
type AppealFact struct {
	AppealedAt *time.Time `json:"appealed_at"`
	State      *string    `json:"state"`
}

// MessageFact is a message between the organisation and the complainant.
type MessageFact struct {
	At     time.Time `json:"at"`
	Author string    `json:"author"` // complainant or staff
	Body   string    `json:"body"`
}

// RemedyFact is a remedy component and what became of it.
type RemedyFact struct {
	Form          remedy.Form   `json:"form"`
	Subtype       string        `json:"subtype"`
	Description   string        `json:"description"`
	Responsible   string        `json:"responsible"`
	Amount        *string       `json:"amount,omitempty"`
	Currency      *string       `json:"currency,omitempty"`
	Status        remedy.Status `json:"status"`
	DueAt         time.Time     `json:"due_at"`
	OfferedAt     *time.Time    `json:"offered_at,omitempty"`
	RespondedAt   *time.Time    `json:"responded_at,omitempty"`
	ImplementedAt *time.Time    `json:"implemented_at,omitempty"`
	VerifiedAt    *time.Time    `json:"verified_at,omitempty"`
	Reason        string        `json:"reason,omitempty"`
	Systemic      bool          `json:"systemic"`
}

// EvidenceFact is a file on the case, named by its hash: the body can ask
// for the file and check it is the one the organisation holds.
type EvidenceFact struct {
	ID          string          `json:"id"`
	SHA256      string          `json:"sha256"`
	SizeBytes   int64           `json:"size_bytes"`
	MediaType   string          `json:"media_type"`
	Source      evidence.Source `json:"source"`
	AddedAt     time.Time       `json:"added_at"`
	Filename    *string         `json:"filename"`    // withheld unless identity_shared
	Description *string         `json:"description"` // withheld unless identity_shared
}

// ComplainantFacts is the complainant's identity and contact details, and
// their representative's: only with identity_shared consent (or a
// disclosure made under the disclosure procedure, in its addendum).
type ComplainantFacts struct {
	Name                  string `json:"name,omitempty"`
	Email                 string `json:"email,omitempty"`
	Phone                 string `json:"phone,omitempty"`
	Address               string `json:"address,omitempty"`
	CustomerNumber        string `json:"customer_number,omitempty"`
	PreferredChannel      string `json:"preferred_channel,omitempty"`
	RepresentativeName    string `json:"representative_name,omitempty"`
	RepresentativeOrg     string `json:"representative_organisation,omitempty"`
	RepresentativeEmail   string `json:"representative_email,omitempty"`
	RepresentativeMandate string `json:"representative_mandate,omitempty"`
}

// Addendum is the signed document that discloses an identity to a body
// after the fact (Directive 2019/1937 art. 16): the legal basis, when the
// complainant was told, when it was approved, and the identity.
type Addendum struct {
	Schema        string           `json:"schema"`
	SigningKeyID  string           `json:"signing_key_id"` // as the dossier's
	SigningKeySet string           `json:"signing_key_set"`
	ReferralID    string           `json:"referral_id"`
	Reference     string           `json:"reference"`
	DisclosureID  string           `json:"disclosure_id"`
	LegalBasis    string           `json:"legal_basis"`
	NoticeAt      time.Time        `json:"complainant_notified_at"`
	ApprovedAt    time.Time        `json:"approved_at"`
	Complainant   ComplainantFacts `json:"complainant"`
}

// AddendumSchema names the version of the addendum's JSON.
const AddendumSchema = "https://redress.example/schemas/identity-addendum/v1"

// Redaction is one entry of the redaction log: a field withheld, or text
// in which identifying words were masked, and how many times.
type Redaction struct {
	Field  string `json:"field"`
	Action string `json:"action"` // withheld or masked
	Reason string `json:"reason"`
	Count  int    `json:"count,omitempty"`
}
