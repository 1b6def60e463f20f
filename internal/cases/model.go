package cases

import (
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/platform/db"
)

// Status is the status of a case (cases.status).
type Status string

// Statuses of a case.
const (
	StatusSubmitted           Status = "submitted"
	StatusAcknowledged        Status = "acknowledged"
	StatusInReview            Status = "in_review"
	StatusAwaitingComplainant Status = "awaiting_complainant"
	StatusPendingApproval     Status = "pending_approval"
	StatusDecided             Status = "decided"
	StatusRemedyInProgress    Status = "remedy_in_progress"
	StatusClosed              Status = "closed"
	StatusAppealed            Status = "appealed"
	StatusEscalated           Status = "escalated"
	StatusWithdrawn           Status = "withdrawn"
	StatusRejected            Status = "rejected"
)

// Statuses lists every status.
var Statuses = []Status{StatusSubmitted, StatusAcknowledged, StatusInReview, StatusAwaitingComplainant,
	StatusPendingApproval, StatusDecided, StatusRemedyInProgress, StatusClosed, StatusAppealed, StatusEscalated,
	StatusWithdrawn, StatusRejected}

// Claimable are the statuses of a case a reviewer can claim from a queue
// (the partial index cases_claim_idx has the same list).
var Claimable = []Status{StatusSubmitted, StatusAcknowledged, StatusInReview, StatusAppealed}

// Transitions are the legal moves; they must equal the case_transitions table
// of migrations/00001_foundation.sql (TestTransitionsMatchDatabase checks).
var Transitions = map[Status][]Status{
	StatusSubmitted:           {StatusAcknowledged, StatusInReview, StatusRejected, StatusWithdrawn, StatusEscalated},
	StatusAcknowledged:        {StatusInReview, StatusAwaitingComplainant, StatusRejected, StatusWithdrawn, StatusEscalated},
	StatusInReview:            {StatusAwaitingComplainant, StatusPendingApproval, StatusDecided, StatusRejected, StatusWithdrawn, StatusEscalated},
	StatusAwaitingComplainant: {StatusInReview, StatusRejected, StatusWithdrawn, StatusEscalated},
	StatusPendingApproval:     {StatusDecided, StatusInReview},
	StatusDecided:             {StatusRemedyInProgress, StatusAppealed, StatusEscalated, StatusClosed},
	StatusRemedyInProgress:    {StatusClosed, StatusAppealed, StatusEscalated},
	StatusAppealed:            {StatusInReview, StatusEscalated, StatusWithdrawn},
	StatusRejected:            {StatusAppealed, StatusEscalated},
	StatusEscalated:           {StatusInReview, StatusClosed},
	StatusClosed:              {StatusAppealed, StatusEscalated},
}

// CanTransition reports whether from → to is a legal move.
func CanTransition(from, to Status) bool { return slices.Contains(Transitions[from], to) }

// Kind is the kind of a case (cases.kind).
type Kind string

// Kinds of case.
const (
	KindContestDecision    Kind = "contest_decision"
	KindExplanationRequest Kind = "explanation_request"
	KindConcern            Kind = "concern"
	KindIncident           Kind = "incident"
	KindRetaliation        Kind = "retaliation"
)

// Kinds lists every kind.
var Kinds = []Kind{KindContestDecision, KindExplanationRequest, KindConcern, KindIncident, KindRetaliation}

// Priority is a case's priority (cases.priority and cases.pending_priority),
// P0 the most urgent.
type Priority string

// Priorities, most urgent first.
const (
	P0 Priority = "P0"
	P1 Priority = "P1"
	P2 Priority = "P2"
	P3 Priority = "P3"
)

// Priorities lists every priority, most urgent first.
var Priorities = []Priority{P0, P1, P2, P3}

// AppealState is where an appeal of the case stands (cases.appeal_state):
// none (NULL), open, or decided.
type AppealState string

// Appeal states.
const (
	AppealOpen    AppealState = "open"
	AppealDecided AppealState = "decided"
)

// AppealStates lists every appeal state.
var AppealStates = []AppealState{AppealOpen, AppealDecided}

// IncidentSubtype is the AI Act art. 73 subtype of a serious incident
// (cases.incident_subtype), which sets its reporting clock.
type IncidentSubtype string

// Incident subtypes.
const (
	IncidentWidespread IncidentSubtype = "widespread"
	IncidentDeath      IncidentSubtype = "death"
	IncidentOther      IncidentSubtype = "other"
)

// IncidentSubtypes lists every incident subtype.
var IncidentSubtypes = []IncidentSubtype{IncidentWidespread, IncidentDeath, IncidentOther}

// RootCause is the root cause recorded when a case is closed (cases.root_cause).
type RootCause string

// Root causes.
const (
	RootCauseData       RootCause = "data"
	RootCauseModel      RootCause = "model"
	RootCauseThreshold  RootCause = "threshold"
	RootCauseProcess    RootCause = "process"
	RootCauseHumanError RootCause = "human_error"
	RootCauseNone       RootCause = "none"
)

// RootCauses lists every root cause.
var RootCauses = []RootCause{RootCauseData, RootCauseModel, RootCauseThreshold, RootCauseProcess,
	RootCauseHumanError, RootCauseNone}

// Case is a row of the cases table. Encrypted columns (…_enc) hold the
// sealed bytes; grievance opens them.
type Case struct {
	ID                    uuid.UUID `gorm:"primaryKey"`
	Reference             string
	ReceiptHash           []byte
	CodeHash              []byte
	Kind                  Kind
	Status                Status
	StatusChangedAt       time.Time
	StatusReason          *string
	AISystemID            *uuid.UUID `gorm:"column:ai_system_id"`
	AISystemOther         *string    `gorm:"column:ai_system_other"`
	DecisionReference     *string
	DecisionDate          *time.Time
	DecisionTakerID       *uuid.UUID
	InformedOfAI          string `gorm:"column:informed_of_ai"`
	DescriptionEnc        []byte
	DesiredOutcomeEnc     []byte
	Language              string
	Anonymous             bool
	ContactEnc            []byte
	PreferredChannel      *string
	RepresentativeEnc     []byte
	ComplainantCountry    *string
	RelatedCaseID         *uuid.UUID
	PreliminarySeverity   *string
	QueueID               *uuid.UUID
	AssigneeID            *uuid.UUID
	AssignedAt            *time.Time
	Priority              *Priority
	PendingPriority       *Priority
	PendingPriorityBy     *uuid.UUID
	PendingPriorityReason *string
	RoutingRuleID         *uuid.UUID
	RoutedAt              *time.Time
	RequiredSkills        db.TextSlice
	RequiredLanguages     db.TextSlice
	SLAPolicyID           *uuid.UUID `gorm:"column:sla_policy_id"`
	NextDueAt             *time.Time
	SubmittedAt           time.Time
	AcknowledgedAt        *time.Time
	ReceivedAt            *time.Time
	DecidedAt             *time.Time
	ExtensionNoticeAt     *time.Time
	IncidentAwareAt       *time.Time
	IncidentSubtype       *IncidentSubtype
	ExcludedReviewers     db.TextSlice `gorm:"->"` // uuid[], read as text
	AppealBy              *time.Time
	AppealWindowRule      *string // jsonb: the sla.Rule that set appeal_by
	AppealedAt            *time.Time
	AppealReasonEnc       []byte
	AppealState           *AppealState
	RootCause             *RootCause
	ClosedAt              *time.Time
	// ErasedAt and ErasureGround: the case's personal data was erased (its
	// data key destroyed, internal/keystore), when and why.
	ErasedAt      *time.Time
	ErasureGround *string
	UpdatedAt     time.Time `gorm:"autoUpdateTime:false"` // the trigger sets it
}

// TableName is the table Case maps.
func (Case) TableName() string { return "cases" }

// Strings are a named vocabulary's values as plain strings (for views and
// filters that carry codes).
func Strings[T ~string](list []T) []string {
	out := make([]string, len(list))
	for i, v := range list {
		out[i] = string(v)
	}
	return out
}
