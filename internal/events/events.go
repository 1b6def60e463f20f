// Package events defines the JetStream stream, the subjects and the payloads
// Redress publishes. Payloads carry ids and codes only: never a description,
// a contact detail or a message body, so nothing personal sits in the stream.
package events

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
)

// Stream is the one JetStream stream holding every Redress event.
const Stream = "REDRESS"

// Subjects. Every subject begins with "redress.".
const (
	CaseSubmitted     = "redress.case.submitted"
	CaseAcknowledged  = "redress.case.acknowledged"
	CaseStatusChanged = "redress.case.status_changed"
	CaseMessageAdded  = "redress.case.message_added"
	CaseRouted        = "redress.case.routed"
	CaseAssigned      = "redress.case.assigned"
	CaseTriaged       = "redress.case.triaged"
	CaseDecided       = "redress.case.decided" // a decision became final: {decision_id, outcome}
	SLAWarning        = "redress.sla.warning"  // a share of a clock's budget is used (SLA data)
	SLABreached       = "redress.sla.breached" // a clock ran out unsatisfied (SLA data)
	// EscalationRequested: a case should go to an independent body (issue #5 acts on it).
	EscalationRequested = "redress.escalation.requested"
	// CaseAppealed: the complainant appealed; a different reviewer must take it.
	CaseAppealed = "redress.case.appealed"
	// CaseFeedback: the complainant rated the process {satisfaction}.
	CaseFeedback = "redress.case.feedback"
	// RemedyProposed, RemedyStatusChanged, RemedyOverdue: remedy components
	// (Remedy data). A systemic issue's components carry a nil case id.
	RemedyProposed      = "redress.remedy.proposed"
	RemedyStatusChanged = "redress.remedy.status_changed"
	RemedyOverdue       = "redress.remedy.overdue"
	// Systemic issues (issue #4): a case linked to or unlinked from an issue
	// (SystemicLink data), and enough cases about one AI system opened within
	// its window (SystemicAlertData; case_id is the case that crossed the threshold).
	SystemicLinked   = "redress.systemic.linked"
	SystemicUnlinked = "redress.systemic.unlinked"
	SystemicAlert    = "redress.systemic.alert"
	// Referrals to independent bodies (issue #5; Referral data): made (the
	// worker delivers the dossier), updated by the body (status, message),
	// a message from the organisation to the body, and an identity disclosed
	// after the fact (the worker delivers the addendum).
	ReferralMade              = "redress.referral.made"
	ReferralUpdated           = "redress.referral.updated"
	ReferralMessage           = "redress.referral.message"
	ReferralIdentityRequested = "redress.referral.identity_requested"
	ReferralIdentityDisclosed = "redress.referral.identity_disclosed"
	// IncidentTaskDone: a task of a serious incident was done (IncidentTask
	// data): a report to the market surveillance authority, the notice to
	// the AI system's provider, or the decision whether to suspend it.
	IncidentTaskDone = "redress.incident.task_done"
	// CaseBreakGlass: an admin opened a case outside their reach, with a
	// reason, for a limited time (BreakGlass data; issue 14). The reason
	// stays in the case record: the event carries ids and times only.
	CaseBreakGlass = "redress.case.break_glass"
	// ProviderRequested: staff sent the case's AI system's provider a
	// request for information (ProviderRequest data: ids only; the notifier
	// emails the provider the questions).
	ProviderRequested = "redress.provider.requested"
	// OpsCaseUnrouted: an operations alert (CaseUnrouted data). A case was
	// still not routed a bound after it was submitted, so the worker's
	// reconciler put its case.submitted back through the outbox. Its
	// event was lost, or the router cannot route it: someone should look.
	OpsCaseUnrouted = "redress.ops.case_unrouted"
	// Protection of the complainant (issue 16; docs/protection.md): an
	// interim or protective measure proposed for their consent
	// {measure_id, kind, due_at}; a check-in after closure asked of them
	// {checkin_id, after_days}, and answered {checkin_id, happened,
	// retaliation_case_id}. The complainant hears of the first two.
	MeasureProposed = "redress.measure.proposed"
	CheckinAsked    = "redress.checkin.asked"
	CheckinAnswered = "redress.checkin.answered"
)

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
	Task       string     `json:"task"`
	Clock      string     `json:"clock,omitempty"`
	DoneAt     time.Time  `json:"done_at"`
	Outcome    string     `json:"outcome,omitempty"` // suspension_decision: suspend or continue
	AISystemID *uuid.UUID `json:"ai_system_id,omitempty"`
}

// Remedy is the data of the remedy events.
type Remedy struct {
	BundleID        uuid.UUID   `json:"bundle_id,omitempty"`
	ComponentIDs    []uuid.UUID `json:"component_ids"`
	SystemicIssueID *uuid.UUID  `json:"systemic_issue_id,omitempty"`
	Status          string      `json:"status"`
	Actor           string      `json:"actor,omitempty"`
	DueAt           *time.Time  `json:"due_at,omitempty"`
}

// Envelope is the JSON body of every event.
type Envelope struct {
	ID         uuid.UUID       `json:"id"` // the outbox id, also the Nats-Msg-Id
	Type       string          `json:"type"`
	OccurredAt time.Time       `json:"occurred_at"`
	CaseID     uuid.UUID       `json:"case_id"`
	Data       json.RawMessage `json:"data"`
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
	From   string     `json:"from"`
	To     string     `json:"to"`
	Actor  string     `json:"actor"`
	UserID *uuid.UUID `json:"user_id,omitempty"`
}

// MessageAdded is the data of CaseMessageAdded.
type MessageAdded struct {
	MessageID  uuid.UUID `json:"message_id"`
	AuthorKind string    `json:"author_kind"`
	Visibility string    `json:"visibility"`
}

// CaseEvidenceAdded: staff or the complainant added evidence to a case (EvidenceAdded).
const CaseEvidenceAdded = "redress.case.evidence_added"

// EvidenceAdded is the data of CaseEvidenceAdded (and of the evidence.added
// entry in the case record): the file's hash, size and sniffed type, never
// its name, description or content.
type EvidenceAdded struct {
	EvidenceID uuid.UUID `json:"evidence_id"`
	SHA256     string    `json:"sha256"`
	SizeBytes  int64     `json:"size_bytes"`
	MediaType  string    `json:"media_type"`
	Source     string    `json:"source"`
	AuthorKind string    `json:"author_kind"`
}

// SLA is the data of SLAWarning and SLABreached: which clock, when it is
// due, the rule that set the date, and for a warning the share of the budget
// used (0.75, 0.9).
type SLA struct {
	Clock     string          `json:"clock"`
	DueAt     time.Time       `json:"due_at"`
	Rule      json.RawMessage `json:"rule"` // sla.Rule: {code, source, period}
	Statutory bool            `json:"statutory"`
	Fraction  float64         `json:"fraction,omitempty"`
	Priority  string          `json:"priority,omitempty"`
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

// StreamConfig is the stream definition; replicas is 1 for one server, 3 in a cluster.
func StreamConfig(replicas int) jetstream.StreamConfig {
	return jetstream.StreamConfig{
		Name:        Stream,
		Description: "Redress case events (ids and codes only)",
		Subjects:    []string{"redress.>"},
		Storage:     jetstream.FileStorage,
		Retention:   jetstream.LimitsPolicy,
		MaxAge:      90 * 24 * time.Hour,
		Duplicates:  2 * time.Hour,
		Replicas:    replicas,
		Discard:     jetstream.DiscardOld,
	}
}

// EnsureStream creates or updates the stream.
func EnsureStream(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.Stream, error) {
	return ensure(ctx, js, StreamConfig(replicas))
}

// ensure creates the stream, or updates it only when its definition
// differs: every process calls this at start, and an update that changes
// nothing still makes the server rewrite the stream's store while other
// processes create their consumers on it (nats-server 2.15 races there).
func ensure(ctx context.Context, js jetstream.JetStream, want jetstream.StreamConfig) (jetstream.Stream, error) {
	if s, err := js.Stream(ctx, want.Name); err == nil {
		have := s.CachedInfo().Config
		if have.Description == want.Description && slices.Equal(have.Subjects, want.Subjects) &&
			have.Storage == want.Storage && have.Retention == want.Retention && have.MaxAge == want.MaxAge &&
			have.Duplicates == want.Duplicates && max(have.Replicas, 1) == max(want.Replicas, 1) && have.Discard == want.Discard {
			return s, nil
		}
	}
	s, err := js.CreateOrUpdateStream(ctx, want)
	if err != nil {
		return nil, fmt.Errorf("events: stream %s: %w", want.Name, err)
	}
	return s, nil
}

// AdvisoryStream keeps JetStream's max-deliveries advisories for the REDRESS
// stream, so a dead letter is recorded even when no worker was listening at
// the moment the server gave up on a message.
const AdvisoryStream = "REDRESS_ADVISORIES"

// MaxDeliveriesSubject is where the server announces a message that reached a consumer's MaxDeliver.
const MaxDeliveriesSubject = "$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES." + Stream + ".*"

// MaxDeliveries is the advisory's body.
type MaxDeliveries struct {
	Stream     string `json:"stream"`
	Consumer   string `json:"consumer"`
	StreamSeq  uint64 `json:"stream_seq"`
	Deliveries uint64 `json:"deliveries"`
}

// EnsureAdvisoryStream creates or updates the advisory stream.
func EnsureAdvisoryStream(ctx context.Context, js jetstream.JetStream, replicas int) (jetstream.Stream, error) {
	return ensure(ctx, js, jetstream.StreamConfig{
		Name:        AdvisoryStream,
		Description: "JetStream max-deliveries advisories of the REDRESS stream",
		Subjects:    []string{MaxDeliveriesSubject},
		Storage:     jetstream.FileStorage,
		MaxAge:      30 * 24 * time.Hour,
		Duplicates:  2 * time.Minute, // the server's default, said so that ensure sees no change
		Replicas:    replicas,
	})
}

// Consumer names.
const (
	ConsumerIntake = "intake"
	ConsumerRouter = "router"
	// ConsumerAppeals gives each appealed case to a different reviewer.
	ConsumerAppeals = "appeals"
	// ConsumerSystemic checks each submitted case against its AI system's alert threshold.
	ConsumerSystemic = "systemic-alerts"
	// ConsumerEscalations turns escalation requests by policy (a missed
	// statutory deadline, a P0 incident) into referrals.
	ConsumerEscalations = "escalations"
	// ConsumerReferrals delivers dossiers and identity addenda to bodies.
	ConsumerReferrals = "referrals"
	// ConsumerDeadLetters reads the advisory stream.
	ConsumerDeadLetters = "dead-letters"
)

// ConsumerConfig is a durable pull consumer with explicit acks on subject.
func ConsumerConfig(name, subject string) jetstream.ConsumerConfig {
	return jetstream.ConsumerConfig{
		Durable:       name,
		FilterSubject: subject,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       30 * time.Second,
		MaxDeliver:    10,
		BackOff:       []time.Duration{time.Second, 5 * time.Second, 30 * time.Second},
		DeliverPolicy: jetstream.DeliverAllPolicy,
		MaxAckPending: 1000,
	}
}
