// Package grievance is the case aggregate: kinds, the status machine, intake,
// messages, the complainant's view and the staff's basic work on a case.
//
// Status changes are single conditional UPDATEs whose WHERE clause allows
// only the moves listed in the case_transitions table, and a trigger on the
// cases table refuses any other move, whoever issues it.
package grievance

import "slices"

// Kinds of case.
var Kinds = []string{"contest_decision", "explanation_request", "concern", "incident", "retaliation"}

// Statuses.
const (
	StatusSubmitted           = "submitted"
	StatusAcknowledged        = "acknowledged"
	StatusInReview            = "in_review"
	StatusAwaitingComplainant = "awaiting_complainant"
	StatusPendingApproval     = "pending_approval"
	StatusDecided             = "decided"
	StatusRemedyInProgress    = "remedy_in_progress"
	StatusClosed              = "closed"
	StatusAppealed            = "appealed"
	StatusEscalated           = "escalated"
	StatusWithdrawn           = "withdrawn"
	StatusRejected            = "rejected"
)

// Statuses lists every status.
var Statuses = []string{StatusSubmitted, StatusAcknowledged, StatusInReview, StatusAwaitingComplainant,
	StatusPendingApproval, StatusDecided, StatusRemedyInProgress, StatusClosed, StatusAppealed, StatusEscalated,
	StatusWithdrawn, StatusRejected}

// Transitions are the legal moves; they must equal the case_transitions table
// of migrations/00001_foundation.sql (TestTransitionsMatchDatabase checks).
var Transitions = map[string][]string{
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
func CanTransition(from, to string) bool { return slices.Contains(Transitions[from], to) }

// Taxonomy codes (DESIGN.md); labels are translated by the frontend.
var (
	Rights = []string{"non_discrimination", "privacy", "work", "social_security", "credit_and_essential_services",
		"education", "health", "expression", "assembly_and_association", "due_process", "movement_and_asylum",
		"children", "property_and_consumer", "other"}
	HarmTypes = []string{"physical", "psychological", "financial", "loss_of_opportunity", "reputational",
		"privacy_intrusion", "discriminatory_treatment", "procedural", "collective", "property_or_environment"}
	Mechanisms = []string{"erroneous_output", "biased_output", "no_explanation", "no_human_oversight", "not_informed",
		"data_error", "outside_intended_purpose", "surveillance", "manipulation", "security_breach", "retaliation"}
	HarmStatuses        = []string{"occurred", "ongoing", "imminent", "potential"}
	InformedOfAI        = []string{"yes", "no", "unsure"}
	Channels            = []string{"email", "phone", "post", "follow_up_page"}
	PreliminarySeverity = []string{"imminent_loss", "serious", "none"}
	Visibilities        = []string{"complainant", "internal"}
)

// stages turn statuses into the plain words a complainant sees.
var stages = map[string]struct{ Code, Label string }{
	StatusSubmitted:           {"received", "We have received your complaint."},
	StatusAcknowledged:        {"acknowledged", "We have acknowledged your complaint and will review it."},
	StatusInReview:            {"in_review", "A person is reviewing your complaint."},
	StatusAwaitingComplainant: {"waiting_for_you", "We need more information from you."},
	StatusPendingApproval:     {"in_review", "A person is reviewing your complaint."},
	StatusDecided:             {"decided", "A decision has been made."},
	StatusRemedyInProgress:    {"putting_right", "We are putting things right."},
	StatusClosed:              {"closed", "Your complaint is closed."},
	StatusAppealed:            {"appeal", "Your appeal is being reviewed by a different person."},
	StatusEscalated:           {"escalated", "Your complaint has been referred to an independent body."},
	StatusWithdrawn:           {"withdrawn", "The complaint was withdrawn."},
	StatusRejected:            {"not_taken_forward", "We could not take your complaint forward; see the reasons and where else you can go."},
}

// Stage is a status in the complainant's words.
type Stage struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// StageOf returns the stage shown to the complainant for status.
func StageOf(status string) Stage {
	s := stages[status]
	return Stage{Code: s.Code, Label: s.Label}
}
