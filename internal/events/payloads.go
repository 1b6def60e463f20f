package events

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/sla"
)

// Data is an event's payload: one of the named types of this file. Only
// this package's types are Data, so a map, or a struct declared elsewhere,
// cannot be published (outbox.Add takes Data) and a consumer decodes into
// the very type the producer wrote (Decode).
type Data interface {
	// payload marks the payload types; it does nothing.
	payload()
}

// payloads gives every subject its one payload type: the table outbox.Add
// checks what it publishes against and Decode checks what it reads
// against. A type may serve a family of subjects (StatusChanged, Remedy,
// Referral, SLA, SystemicLink, Checkin).
var payloads = map[string]reflect.Type{
	CaseSubmitted:             reflect.TypeFor[Submitted](),
	CaseAcknowledged:          reflect.TypeFor[StatusChanged](),
	CaseStatusChanged:         reflect.TypeFor[StatusChanged](),
	CaseMessageAdded:          reflect.TypeFor[MessageAdded](),
	CaseEvidenceAdded:         reflect.TypeFor[EvidenceAdded](),
	CaseRouted:                reflect.TypeFor[Routed](),
	CaseAssigned:              reflect.TypeFor[Assigned](),
	CaseTriaged:               reflect.TypeFor[Triaged](),
	CaseDecided:               reflect.TypeFor[Decided](),
	CaseAppealed:              reflect.TypeFor[Appealed](),
	CaseFeedback:              reflect.TypeFor[Feedback](),
	CaseBreakGlass:            reflect.TypeFor[BreakGlass](),
	CaseErased:                reflect.TypeFor[Erased](),
	SLAWarning:                reflect.TypeFor[SLA](),
	SLABreached:               reflect.TypeFor[SLA](),
	EscalationRequested:       reflect.TypeFor[EscalationRequest](),
	RemedyProposed:            reflect.TypeFor[Remedy](),
	RemedyStatusChanged:       reflect.TypeFor[Remedy](),
	RemedyOverdue:             reflect.TypeFor[Remedy](),
	SystemicLinked:            reflect.TypeFor[SystemicLink](),
	SystemicUnlinked:          reflect.TypeFor[SystemicLink](),
	SystemicAlert:             reflect.TypeFor[SystemicAlertData](),
	ReferralMade:              reflect.TypeFor[Referral](),
	ReferralUpdated:           reflect.TypeFor[Referral](),
	ReferralMessage:           reflect.TypeFor[Referral](),
	ReferralIdentityRequested: reflect.TypeFor[Referral](),
	ReferralIdentityDisclosed: reflect.TypeFor[Referral](),
	IncidentTaskDone:          reflect.TypeFor[IncidentTask](),
	ProviderRequested:         reflect.TypeFor[ProviderRequest](),
	OpsCaseUnrouted:           reflect.TypeFor[CaseUnrouted](),
	MeasureProposed:           reflect.TypeFor[Measure](),
	CheckinAsked:              reflect.TypeFor[Checkin](),
	CheckinAnswered:           reflect.TypeFor[Checkin](),
}

// Subjects are every subject Redress publishes, sorted.
func Subjects() []string {
	out := make([]string, 0, len(payloads))
	for s := range payloads {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// PayloadOf is the payload type of subject; false for a subject Redress
// does not publish.
func PayloadOf(subject string) (reflect.Type, bool) {
	t, ok := payloads[subject]
	return t, ok
}

// Check says whether d is the payload of subject: an error names the
// mismatch (a subject nobody declared, another subject's type, a pointer
// where the value belongs).
func Check(subject string, d Data) error {
	want, ok := payloads[subject]
	if !ok {
		return fmt.Errorf("events: %q is not a subject (declare it with its payload type in internal/events)", subject)
	}
	if got := reflect.TypeOf(d); got != want {
		return fmt.Errorf("events: %s carries events.%s, not %v", subject, want.Name(), got)
	}
	return nil
}

// Decode reads env's data as its payload type T, which must be the type
// of env's subject (a consumer asking for another type is a bug, reported
// as an error like unreadable data).
func Decode[T Data](env *Envelope) (T, error) {
	var d T
	if err := Check(env.Type, d); err != nil {
		return d, err
	}
	if err := json.Unmarshal(env.Data, &d); err != nil {
		return d, fmt.Errorf("events: %s data: %w", env.Type, err)
	}
	return d, nil
}

// CaseUnrouted is the data of OpsCaseUnrouted: ids, counts and times only.
type CaseUnrouted struct {
	Reference   string    `json:"reference"`
	SubmittedAt time.Time `json:"submitted_at"`
	// Attempts counts the reconciler's republications of this case, this one included.
	Attempts int `json:"attempts"`
	// EventID is the case.submitted event put back: the original's id, or,
	// when its outbox row was gone (OriginalLost), one the reconciler made.
	EventID      uuid.UUID `json:"event_id"`
	OriginalLost bool      `json:"original_lost"`
}

// BreakGlass is the data of CaseBreakGlass: the grant, who holds it and
// when it ends; never the reason.
type BreakGlass struct {
	GrantID   uuid.UUID `json:"grant_id"`
	UserID    uuid.UUID `json:"user_id"`
	OpenedAt  time.Time `json:"opened_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Erased is the data of CaseErased: when, and on which ground (a code:
// retention, request, staff).
type Erased struct {
	At     time.Time `json:"at"`
	Ground string    `json:"ground"`
}

// ProviderRequest is the data of ProviderRequested.
type ProviderRequest struct {
	RequestID  uuid.UUID `json:"request_id"`
	AISystemID uuid.UUID `json:"ai_system_id"`
}

// Referral is the data of the referral events: ids and codes only.
type Referral struct {
	ReferralID   uuid.UUID `json:"referral_id"`
	BodyID       uuid.UUID `json:"body_id"`
	Source       string    `json:"source,omitempty"`
	ConsentScope string    `json:"consent_scope,omitempty"`
	Status       string    `json:"status,omitempty"`
	Author       string    `json:"author,omitempty"` // body, organisation or complainant, for messages
	// ToComplainant: a body's message addressed to the complainant.
	ToComplainant bool       `json:"to_complainant,omitempty"`
	DisclosureID  *uuid.UUID `json:"disclosure_id,omitempty"`
}

// IncidentTask is the data of IncidentTaskDone: codes and times only, never
// the note.
type IncidentTask struct {
	Task       string        `json:"task"`
	Clock      sla.ClockName `json:"clock,omitempty"`
	DoneAt     time.Time     `json:"done_at"`
	Outcome    string        `json:"outcome,omitempty"` // suspension_decision: suspend or continue
	AISystemID *uuid.UUID    `json:"ai_system_id,omitempty"`
}

// Remedy is the data of the remedy events.
type Remedy struct {
	BundleID        uuid.UUID       `json:"bundle_id,omitempty"`
	ComponentIDs    []uuid.UUID     `json:"component_ids"`
	SystemicIssueID *uuid.UUID      `json:"systemic_issue_id,omitempty"`
	Status          string          `json:"status"`
	Actor           audit.ActorKind `json:"actor,omitempty"`
	DueAt           *time.Time      `json:"due_at,omitempty"`
}

// Submitted is the data of CaseSubmitted.
type Submitted struct {
	Reference     string     `json:"reference"`
	Kind          string     `json:"kind"`
	AISystemID    *uuid.UUID `json:"ai_system_id,omitempty"`
	Rights        []string   `json:"rights"`
	HarmTypes     []string   `json:"harm_types"`
	Language      string     `json:"language"`
	Anonymous     bool       `json:"anonymous"`
	Channel       string     `json:"channel,omitempty"`
	Severity      string     `json:"preliminary_severity,omitempty"`
	AcknowledgeBy time.Time  `json:"acknowledge_by"`
}

// StatusChanged is the data of CaseStatusChanged and CaseAcknowledged.
type StatusChanged struct {
	From   string          `json:"from"`
	To     string          `json:"to"`
	Actor  audit.ActorKind `json:"actor"`
	UserID *uuid.UUID      `json:"user_id,omitempty"`
}

// MessageAdded is the data of CaseMessageAdded.
type MessageAdded struct {
	MessageID  uuid.UUID       `json:"message_id"`
	AuthorKind audit.ActorKind `json:"author_kind"`
	Visibility string          `json:"visibility"`
}

// EvidenceAdded is the data of CaseEvidenceAdded (and of the evidence.added
// entry in the case record): the file's hash, size and sniffed type, never
// its name, description or content.
type EvidenceAdded struct {
	EvidenceID uuid.UUID       `json:"evidence_id"`
	SHA256     string          `json:"sha256"`
	SizeBytes  int64           `json:"size_bytes"`
	MediaType  string          `json:"media_type"`
	Source     string          `json:"source"`
	AuthorKind audit.ActorKind `json:"author_kind"`
}

// SLA is the data of SLAWarning and SLABreached: which clock, when it is
// due, the rule that set the date, and for a warning the share of the budget
// used (0.75, 0.9).
type SLA struct {
	Clock     sla.ClockName `json:"clock"`
	DueAt     time.Time     `json:"due_at"`
	Rule      sla.Rule      `json:"rule"`
	Statutory bool          `json:"statutory"`
	Fraction  float64       `json:"fraction,omitempty"`
	Priority  string        `json:"priority,omitempty"`
	// Notify says whether people are to be emailed (a breach, where the
	// policy's breach actions say so; every warning).
	Notify bool `json:"notify"`
}

// SystemicLink is the data of SystemicLinked and SystemicUnlinked.
type SystemicLink struct {
	IssueID    uuid.UUID `json:"issue_id"`
	Reference  string    `json:"reference"` // SI-00001
	AISystemID uuid.UUID `json:"ai_system_id"`
	Mechanism  string    `json:"mechanism"`
}

// SystemicAlertData is the data of SystemicAlert: ids and counts only (the
// alert itself lists the cases: GET /api/v1/systemic-alerts).
type SystemicAlertData struct {
	AlertID     uuid.UUID `json:"alert_id"`
	AISystemID  uuid.UUID `json:"ai_system_id"`
	CaseCount   int       `json:"case_count"`
	Threshold   int       `json:"threshold"`
	WindowHours int       `json:"window_hours"`
	WindowFrom  time.Time `json:"window_from"`
	WindowTo    time.Time `json:"window_to"`
}

// Routed is the data of CaseRouted: the rule that matched, and the queue
// and priority it gave the case.
type Routed struct {
	CaseID   uuid.UUID `json:"case_id"`
	RuleID   uuid.UUID `json:"rule_id"`
	RuleName string    `json:"rule"`
	QueueID  uuid.UUID `json:"queue_id"`
	Priority string    `json:"priority"`
	// StaffMailOwed: the routing owed the queue's members their emails
	// itself, in the transaction that routed the case (the worker's
	// routing does); the notify-staff consumer owes none for this event.
	StaffMailOwed bool `json:"staff_mail_owed,omitempty"`
}

// Assigned is the data of CaseAssigned: who holds the case now (null when
// it was released) and the case-record action that did it
// (case.claimed, case.released, case.reassigned, case.auto_assigned).
type Assigned struct {
	AssigneeID *uuid.UUID `json:"assignee_id"`
	Action     string     `json:"action"`
}

// Triaged is the data of CaseTriaged: the priority and how it changed
// (raised, lowered, unchanged, pending_approval); Reason says why when the
// system changed it (sla_breach).
type Triaged struct {
	Priority       string `json:"priority"`
	PriorityChange string `json:"priority_change"`
	Reason         string `json:"reason,omitempty"`
}

// Decided is the data of CaseDecided: the decision that became final and its outcome.
type Decided struct {
	DecisionID uuid.UUID `json:"decision_id"`
	Outcome    string    `json:"outcome"`
}

// Appealed is the data of CaseAppealed: the reviewers who may not take
// the appeal (who decided, approved or held the case).
type Appealed struct {
	ExcludedReviewers []uuid.UUID `json:"excluded_reviewers"`
}

// Feedback is the data of CaseFeedback: the complainant's rating, never their comment.
type Feedback struct {
	Satisfaction int `json:"satisfaction"`
}

// EscalationRequest is the data of EscalationRequested (and of the
// escalation.requested entry in the case record): the request, why it was
// opened, and for a missed deadline the clock and its rule.
type EscalationRequest struct {
	RequestID uuid.UUID     `json:"escalation_request_id"`
	Source    string        `json:"source"`
	Clock     sla.ClockName `json:"clock"`
	Rule      sla.Rule      `json:"rule"`
}

// Measure is the data of MeasureProposed (and of the measure.proposed
// entry in the case record): never the measure's description.
type Measure struct {
	MeasureID uuid.UUID `json:"measure_id"`
	Kind      string    `json:"kind"`
	DueAt     time.Time `json:"due_at"`
}

// Checkin is the data of CheckinAsked and CheckinAnswered (and of their
// entries in the case record). An answer says whether anything happened
// and, when it did, the retaliation case it opened; never the text.
type Checkin struct {
	CheckinID            uuid.UUID  `json:"checkin_id"`
	AfterDays            int        `json:"after_days"`
	Happened             *bool      `json:"happened,omitempty"`
	RetaliationCaseID    *uuid.UUID `json:"retaliation_case_id,omitempty"`
	RetaliationReference string     `json:"retaliation_reference,omitempty"`
}

func (Submitted) payload()         {}
func (Erased) payload()            {}
func (StatusChanged) payload()     {}
func (MessageAdded) payload()      {}
func (EvidenceAdded) payload()     {}
func (Routed) payload()            {}
func (Assigned) payload()          {}
func (Triaged) payload()           {}
func (Decided) payload()           {}
func (Appealed) payload()          {}
func (Feedback) payload()          {}
func (BreakGlass) payload()        {}
func (SLA) payload()               {}
func (EscalationRequest) payload() {}
func (Remedy) payload()            {}
func (SystemicLink) payload()      {}
func (SystemicAlertData) payload() {}
func (Referral) payload()          {}
func (IncidentTask) payload()      {}
func (ProviderRequest) payload()   {}
func (CaseUnrouted) payload()      {}
func (Measure) payload()           {}
func (Checkin) payload()           {}
