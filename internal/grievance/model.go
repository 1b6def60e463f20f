// Package grievance is the work on a case: intake, messages, closing and
// feedback, the complainant's view and the staff's, the workspace's records
// (the AI decision record, points of view, and the burden of proof they
// carry: BurdenOfProof, CheckBurden), and adding evidence to a case
// (AddEvidence: its files are internal/evidence). Triage, the extension
// notice, deciding, approving and appealing, and a case's decisions are
// internal/decision, which moves a case through grievance's Move and weighs
// the burden through CheckBurden (both handed to it by internal/app).
// Remedies are internal/remedy (a case's resolution reads them, and closing
// checks them, through remedy.Service); incidents and their tasks are
// internal/incident; the lock a case is worked under, and a move's record
// (casework.RecordMove), are internal/casework; paging is
// internal/platform/paging. The case itself — the cases table, its
// vocabulary, the status machine and every write to the table — is
// internal/cases; grievance moves a case through cases.Move and does what a
// move entails (clocks, the appeal window through
// decision.OpenAppealWindow).
package grievance

import "github.com/redresshq/redress/internal/cases"

// statusNames are the statuses as strings.
var statusNames = cases.Strings(cases.Statuses)

// Intake's codes (DESIGN.md); labels are translated by the frontend. The
// classification's taxonomy (rights, harm types, mechanisms, harm status) is
// internal/decision's.
var (
	InformedOfAI        = []string{"yes", "no", "unsure"}
	Channels            = []string{"email", "phone", "post", "follow_up_page"}
	PreliminarySeverity = []string{"imminent_loss", "serious", "none"}
)

// Visibility says who reads a message on a case (messages.visibility).
type Visibility string

const (
	// VisibilityComplainant: the complainant reads the message (and staff).
	VisibilityComplainant Visibility = "complainant"
	// VisibilityInternal: a note only staff read.
	VisibilityInternal Visibility = "internal"
)

// Visibilities are every Visibility.
var Visibilities = []Visibility{VisibilityComplainant, VisibilityInternal}

// stages turn statuses into the plain words a complainant sees.
var stages = map[cases.Status]struct{ Code, Label string }{
	cases.StatusSubmitted:           {"received", "We have received your complaint."},
	cases.StatusAcknowledged:        {"acknowledged", "We have acknowledged your complaint and will review it."},
	cases.StatusInReview:            {"in_review", "A person is reviewing your complaint."},
	cases.StatusAwaitingComplainant: {"waiting_for_you", "We need more information from you."},
	cases.StatusPendingApproval:     {"in_review", "A person is reviewing your complaint."},
	cases.StatusDecided:             {"decided", "A decision has been made."},
	cases.StatusRemedyInProgress:    {"putting_right", "We are putting things right."},
	cases.StatusClosed:              {"closed", "Your complaint is closed."},
	cases.StatusAppealed:            {"appeal", "Your appeal is being reviewed by a different person."},
	cases.StatusEscalated:           {"escalated", "Your complaint has been referred to an independent body."},
	cases.StatusWithdrawn:           {"withdrawn", "The complaint was withdrawn."},
	cases.StatusRejected:            {"not_taken_forward", "We could not take your complaint forward; see the reasons and where else you can go."},
}

// Stage is a status in the complainant's words.
type Stage struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// StageOf returns the stage shown to the complainant for status.
func StageOf(status cases.Status) Stage {
	s := stages[status]
	return Stage{Code: s.Code, Label: s.Label}
}
