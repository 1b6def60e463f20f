// Package events defines the JetStream stream, the subjects and the payloads
// Redress publishes. Payloads carry ids and codes only: never a description,
// a contact detail or a message body, so nothing personal sits in the stream.
//
// Each subject has exactly one payload type (payloads.go): a named struct
// that implements Data, used by the producer (outbox.Add checks it against
// the subject) and by every consumer (Decode). A type may serve a family of
// subjects (StatusChanged, SLA, Remedy, Referral, SystemicLink, Checkin).
// Its JSON field names are the wire format, and the stream keeps old events:
// events_payload_test.go holds their golden JSON.
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

// OutboxCommitted is the core NATS subject (outside the stream: nothing
// keeps it) on which a process says it committed outbox rows, so the relays
// of the others claim them at once (worker.AnnounceCommits). Its payload is
// the announcing process's outbox.Signal ID.
const OutboxCommitted = "_redress.outbox.committed"

// Subjects. Every subject begins with "redress.".
const (
	CaseSubmitted     = "redress.case.submitted"
	CaseAcknowledged  = "redress.case.acknowledged"
	CaseStatusChanged = "redress.case.status_changed"
	CaseMessageAdded  = "redress.case.message_added"
	CaseRouted        = "redress.case.routed"   // Routed data
	CaseAssigned      = "redress.case.assigned" // Assigned data
	CaseTriaged       = "redress.case.triaged"  // Triaged data
	CaseDecided       = "redress.case.decided"  // a decision became final (Decided data)
	SLAWarning        = "redress.sla.warning"   // a share of a clock's budget is used (SLA data)
	SLABreached       = "redress.sla.breached"  // a clock ran out unsatisfied (SLA data)
	// EscalationRequested: a case should go to an independent body (issue
	// #5 acts on it; EscalationRequest data).
	EscalationRequested = "redress.escalation.requested"
	// CaseAppealed: the complainant appealed; a different reviewer must
	// take it (Appealed data).
	CaseAppealed = "redress.case.appealed"
	// CaseFeedback: the complainant rated the process (Feedback data).
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
	// CaseErased: a case's personal data was erased, its data key
	// destroyed (Erased data; issue 19, docs/retention.md).
	CaseErased = "redress.case.erased"
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
	// interim or protective measure proposed for their consent (Measure
	// data); a check-in after closure asked of them, and answered (Checkin
	// data). The complainant hears of the first two.
	MeasureProposed = "redress.measure.proposed"
	CheckinAsked    = "redress.checkin.asked"
	CheckinAnswered = "redress.checkin.answered"
)

// CaseEvidenceAdded: staff or the complainant added evidence to a case (EvidenceAdded).
const CaseEvidenceAdded = "redress.case.evidence_added"

// Envelope is the JSON body of every event.
type Envelope struct {
	ID         uuid.UUID       `json:"id"` // the outbox id, also the Nats-Msg-Id
	Type       string          `json:"type"`
	OccurredAt time.Time       `json:"occurred_at"`
	CaseID     uuid.UUID       `json:"case_id"`
	Data       json.RawMessage `json:"data"`
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
	// ConsumerSubmitted handles each case.submitted in one transaction, in
	// three stages named as the consumers it replaced: ConsumerIntake
	// records that the worker received the case, ConsumerRouter routes it,
	// ConsumerSystemic checks its AI system's alert threshold. Each stage
	// keeps its own processed_events rows and dead letters.
	ConsumerSubmitted = "submitted"
	ConsumerIntake    = "intake"
	ConsumerRouter    = "router"
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
