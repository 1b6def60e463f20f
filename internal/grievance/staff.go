package grievance

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/platform/paging"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/incident"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/sla"
)

// Filter selects cases for the staff list.
type Filter struct {
	// Viewer is who asks: the list holds only the cases they may see
	// (internal/access). Required.
	Viewer     access.Viewer
	Statuses   []string
	Kind       string
	QueueID    *uuid.UUID
	AISystemID *uuid.UUID
	AssigneeID *uuid.UUID
	Priority   string
	Reference  string // exactly this case reference (normalised by the caller)
	Breached   *bool  // an unsatisfied clock is past due
	Cursor     string
	Limit      int
}

// Summary is a case in a list.
type Summary struct {
	ID            uuid.UUID    `json:"id"`
	Reference     string       `json:"reference"`
	Kind          string       `json:"kind"`
	Status        cases.Status `json:"status"`
	Priority      *string      `json:"priority"`
	AISystemID    *uuid.UUID   `json:"ai_system_id"`
	AISystemName  *string      `json:"ai_system_name"`
	AISystemOther *string      `json:"ai_system_other,omitempty"`
	QueueID       *uuid.UUID   `json:"queue_id"`
	AssigneeID    *uuid.UUID   `json:"assignee_id"`
	Language      string       `json:"language"`
	Anonymous     bool         `json:"anonymous"`
	SubmittedAt   time.Time    `json:"submitted_at"`
	NextDueAt     *time.Time   `json:"next_due_at"`
	NextDueClock  *string      `json:"next_due_clock"`
}

// ValidateFilter checks a filter's values; the edge parses, the domain judges.
func ValidateFilter(f *Filter) error {
	var fs fault.Fields
	for i, st := range f.Statuses {
		if !slices.Contains(cases.Statuses, cases.Status(st)) {
			fs.Addf(fmt.Sprintf("status[%d]", i), "invalid", "must be one of %s", strings.Join(statusNames, ", "))
		}
	}
	fault.OneOf(&fs, "kind", cases.Kind(f.Kind), cases.Kinds, false)
	oneOf(&fs, "priority", f.Priority, []string{"P0", "P1", "P2", "P3"}, false)
	paging.PageArgs(&fs, &f.Limit, f.Cursor)
	return fs.Err()
}

// List returns cases newest first, keyset-paginated on (submitted_at, id).
func (s *Service) List(ctx context.Context, f Filter) (*paging.Page[Summary], error) {
	if err := ValidateFilter(&f); err != nil { // sets the page size
		return nil, err
	}
	stmt, args, err := ListStatement(f)
	if err != nil {
		return nil, err
	}
	items, err := caseList(s.db.WithContext(ctx), stmt, args)
	if err != nil {
		return nil, fmt.Errorf("grievance: list: %w", err)
	}
	for i := range items {
		items[i].SubmittedAt = items[i].SubmittedAt.UTC()
	}
	return paging.NewPage(items, f.Limit, func(c Summary) (time.Time, uuid.UUID) { return c.SubmittedAt, c.ID }), nil
}

// ListStatement is the statement List runs for f, with its arguments (one
// more case than the page, to know whether another follows): for the plans
// the tests and the bench check.
func ListStatement(f Filter) (string, []any, error) {
	if err := ValidateFilter(&f); err != nil {
		return "", nil, err
	}
	if f.Viewer.ID == uuid.Nil {
		return "", nil, fmt.Errorf("grievance: list: no viewer")
	}
	where := []string{}
	args := []any{}
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	visible, vargs := access.Visible(f.Viewer)
	add(visible, vargs...)
	if len(f.Statuses) > 0 {
		// Constants, not parameters (ValidateFilter checked each against the
		// vocabulary): a generic plan can then prove that the open statuses
		// imply the predicate of the partial indexes of the active cases
		// (migration 00036), which a sparse filter's last page needs.
		add("c.status IN " + cases.SQLList(f.Statuses))
	}
	if f.Kind != "" {
		add("c.kind = ?", f.Kind)
	}
	if f.QueueID != nil {
		add("c.queue_id = ?", *f.QueueID)
	}
	if f.AISystemID != nil {
		add("c.ai_system_id = ?", *f.AISystemID)
	}
	if f.AssigneeID != nil {
		add("c.assignee_id = ?", *f.AssigneeID)
	}
	if f.Priority != "" {
		add("c.priority = ?", f.Priority)
	}
	if f.Reference != "" {
		add("c.reference = ?", f.Reference)
	}
	if f.Breached != nil {
		cond := "EXISTS (SELECT 1 FROM case_clocks k WHERE k.case_id = c.id AND k.satisfied_at IS NULL AND k.due_at < now())"
		if !*f.Breached {
			cond = "NOT " + cond
		}
		add(cond)
	}
	if f.Cursor != "" {
		cur, _ := paging.DecodeCursor(f.Cursor)
		add("(c.submitted_at, c.id) < (?, ?)", cur.At, cur.ID)
	}
	return caseListSQL(strings.Join(where, " AND "), f.Limit+1), args, nil
}

// Classification is how a case is classified.
type Classification struct {
	Rights          []string `json:"rights"`
	HarmTypes       []string `json:"harm_types"`
	Mechanisms      []string `json:"mechanisms"`
	HarmStatus      *string  `json:"harm_status"`
	Scale           *int     `json:"scale"`
	Scope           *int     `json:"scope"`
	Irremediability *int     `json:"irremediability"`
	Rationale       *string  `json:"rationale"`
	Source          string   `json:"source"`
	// Per-dimension rationales and why the priority is what it is.
	ScaleRationale           *string         `json:"scale_rationale"`
	ScopeRationale           *string         `json:"scope_rationale"`
	IrremediabilityRationale *string         `json:"irremediability_rationale"`
	PriorityReasons          json.RawMessage `json:"priority_reasons"`
}

// Detail is everything staff see of a case, opened.
type Detail struct {
	Summary
	DecisionReference *string `json:"decision_reference"`
	DecisionDate      *string `json:"decision_date"`
	InformedOfAI      string  `json:"informed_of_ai"`
	Description       string  `json:"description"`
	DesiredOutcome    string  `json:"desired_outcome"`
	// The complainant's identity stays sealed in a case's detail: HasContact
	// and Represented say whether there is one, and Identity opens it on
	// request (GET …/identity), which the access log records.
	HasContact          bool            `json:"has_contact"`
	Represented         bool            `json:"represented"`
	PreferredChannel    *string         `json:"preferred_channel"`
	RelatedCaseID       *uuid.UUID      `json:"related_case_id"`
	PreliminarySeverity *string         `json:"preliminary_severity"`
	AcknowledgedAt      *time.Time      `json:"acknowledged_at"`
	ReceivedAt          *time.Time      `json:"received_by_worker_at"`
	StatusReason        *string         `json:"status_reason"`
	PendingPriority     *string         `json:"pending_priority"`
	PendingPriorityBy   *uuid.UUID      `json:"pending_priority_by"`
	Classification      Classification  `json:"classification"`
	DueDates            []DueDate       `json:"due_dates"`
	Messages            []Message       `json:"messages"`
	Decisions           []decision.View `json:"decisions"`
	Resolution
	AllowedTransitions []string      `json:"allowed_transitions"`
	SystemicIssues     []SystemicRef `json:"systemic_issues"`
	// The review workspace (workspace.go, evidence.go).
	AIDecision   *AIDecisionRecord   `json:"ai_decision"`
	PointsOfView []PointOfView       `json:"points_of_view"`
	Evidence     []evidence.Evidence `json:"evidence"`
	// Disclosures are the organisation's evidence disclosed to the
	// complainant, redacted (disclosure.go), newest first.
	Disclosures []Disclosure `json:"disclosures"`
	// Incident is the awareness, subtype and tasks of an incident case
	// (incident_tasks.go); null for other kinds.
	Incident *incident.Incident `json:"incident"`
}

// SystemicRef is a systemic issue a case is linked to (internal/systemic).
type SystemicRef struct {
	ID        uuid.UUID `json:"id"`
	Reference string    `json:"reference"`
	Title     string    `json:"title"`
}

// Get returns a case with its sensitive fields opened. The case and what
// hangs off it (clocks, messages, decisions, remedies, points of view,
// evidence, disclosures) are read in one round trip (db.Reads).
func (s *Service) Get(ctx context.Context, id uuid.UUID) (*Detail, error) {
	return s.GetIn(s.db.WithContext(ctx), id)
}

// GetIn is Get read through q: the pool, or the transaction of a caller that
// reads the case in it.
func (s *Service) GetIn(q *gorm.DB, id uuid.UUID) (*Detail, error) {
	var row detailRow
	d := &Detail{}
	rd := db.ReadsOn(q)
	s.keystore.QueueKey(rd, id) // first: the steps below open the case's values with it
	caseDetail(rd, id, &row)
	// Steps run in the order they are queued: the case's own first, so that
	// the others see its status, and none runs for a case that does not exist.
	rd.Then(func() error {
		if row.ID == uuid.Nil {
			return fault.New(fault.NotFound, "case_not_found", "No case has that id.")
		}
		return s.detail(&row, d)
	})
	s.dueDates(rd, id, &d.DueDates)
	s.messages(rd, id, true, &d.Messages)
	decision.Views(rd, s.keys, id, false, &d.Decisions)
	s.resolution(rd, id, &d.Status, true, &row.Resolution, &d.Resolution)
	s.pointsOfView(rd, id, &d.PointsOfView)
	s.ev.QueueOf(rd, id, false, &d.Evidence)
	s.disclosures(rd, id, &d.Disclosures)
	if err := rd.Run(); err != nil {
		return nil, fmt.Errorf("grievance: get: %w", err)
	}
	var err error
	if d.Incident, err = s.incidents.Of(q, id, d.Kind); err != nil {
		return nil, err
	}
	return d, nil
}

// detail fills d with the case's own row.
func (s *Service) detail(row *detailRow, d *Detail) (err error) {
	sid := row.ID.String()
	d.Summary, d.DecisionReference, d.InformedOfAI = row.Summary, row.DecisionReference, row.InformedOfAI
	d.PreferredChannel, d.RelatedCaseID, d.PreliminarySeverity = row.PreferredChannel, row.RelatedCaseID, row.PreliminarySeverity
	d.AcknowledgedAt, d.ReceivedAt, d.StatusReason = casework.UTC(row.AcknowledgedAt), casework.UTC(row.ReceivedAt), row.StatusReason
	d.Classification = Classification{Rights: row.Rights, HarmTypes: row.HarmTypes, Mechanisms: row.Mechanisms,
		HarmStatus: row.HarmStatus, Scale: row.Scale, Scope: row.Scope, Irremediability: row.Irremediability,
		Rationale: row.Rationale, Source: row.Source, ScaleRationale: row.ScaleRationale,
		ScopeRationale: row.ScopeRationale, IrremediabilityRationale: row.IrremediabilityRationale,
		PriorityReasons: json.RawMessage(row.PriorityReasons)}
	d.PendingPriority, d.PendingPriorityBy = row.PendingPriority, row.PendingPriorityBy
	d.AllowedTransitions = cases.Strings(transitionsFrom(cases.Status(row.Status)))
	d.SubmittedAt = d.SubmittedAt.UTC()
	if row.DecisionDate != nil {
		s := row.DecisionDate.Format(time.DateOnly)
		d.DecisionDate = &s
	}
	if d.Description, err = s.keys.OpenString(purposeDescription(sid), row.DescriptionEnc); err != nil {
		return fmt.Errorf("grievance: open description: %w", err)
	}
	if d.DesiredOutcome, err = s.keys.OpenString(purposeDesiredOutcome(sid), row.DesiredOutcomeEnc); err != nil {
		return fmt.Errorf("grievance: open desired outcome: %w", err)
	}
	d.HasContact, d.Represented = row.HasContact, row.Represented
	d.SystemicIssues = []SystemicRef{}
	if err := json.Unmarshal(row.SystemicIssues, &d.SystemicIssues); err != nil {
		return fmt.Errorf("grievance: systemic issues: %w", err)
	}
	if d.AIDecision, err = s.openAIDecision(row.ID, row.AIDecision); err != nil {
		return err
	}
	return nil
}

func (s *Service) openJSON(purpose string, sealed []byte, v any) error {
	return casework.OpenJSON(s.keys, purpose, sealed, v)
}

// Transition moves a case to status to with one conditional UPDATE; the
// WHERE clause admits only the moves in case_transitions. The audit entry
// and the event are written in the same transaction.
//
// Only the case's reviewer, or a supervisor, moves it, and never someone
// recused from it. Moves that carry more than a reason have their own
// endpoints: a decision, closing, an appeal, and offering a remedy (which
// starts remedy_in_progress); a case under appeal is decided on, not rejected.
func (s *Service) Transition(ctx context.Context, caseID uuid.UUID, by cases.Actor, to cases.Status, reason string) (cases.Status, error) {
	var f fault.Fields
	if fault.OneOf(&f, "to", to, cases.Statuses, true) && to == cases.StatusAcknowledged {
		f.Add("to", "use_acknowledge", "acknowledge a case with POST /api/v1/cases/{id}/acknowledge")
	}
	switch {
	case isDecisionMove(to):
		f.Add("to", "use_decision", "decide a case with POST /api/v1/cases/{id}/decision, which records the reasons")
	case to == cases.StatusClosed:
		f.Add("to", "use_close", "close a case with POST /api/v1/cases/{id}/close, which checks its remedies and records the root cause")
	case to == cases.StatusAppealed:
		f.Add("to", "use_appeal", "only the complainant appeals, with POST /api/v1/complainant/case/appeal")
	case to == cases.StatusRemedyInProgress:
		f.Add("to", "use_remedies", "a case is putting things right once a remedy is offered: POST /api/v1/cases/{id}/remedies")
	}
	text(&f, "reason", reason, 1, maxLongText)
	if err := f.Err(); err != nil {
		return "", err
	}
	var from cases.Status
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		c, err := casework.LockForWork(tx, caseID, by)
		if err != nil {
			return err
		}
		if to == cases.StatusRejected && c.AppealState != nil && *c.AppealState == string(cases.AppealOpen) {
			return fault.New(fault.Conflict, "appeal_open",
				"The case is under appeal: decide the appeal, with its reasons, with POST /api/v1/cases/{id}/decision.")
		}
		if to == cases.StatusEscalated {
			// The case is in an independent body's hands only once it has gone there.
			n, err := openReferrals(tx, caseID)
			if err != nil {
				return fmt.Errorf("grievance: referrals: %w", err)
			}
			if n == 0 {
				return fault.New(fault.Conflict, "no_referral",
					"A case is escalated once it is referred to a body: POST /api/v1/cases/{id}/escalations first.")
			}
		}
		if from, err = s.Move(tx, caseID, to, map[string]any{"status_reason": strings.TrimSpace(reason)}); err != nil {
			return err
		}
		extra := map[string]any{"reason": reason}
		if to == cases.StatusAwaitingComplainant {
			// The reason is the question: it goes to the complainant as a message.
			id, err := s.askComplainant(tx, caseID, by, reason)
			if err != nil {
				return err
			}
			extra["message_id"] = id
		}
		return casework.RecordMove(tx, caseID, by, from, to, extra, events.CaseStatusChanged)
	})
	return from, err
}

// decisionMoves are the statuses only a decision (internal/decision) enters.
var decisionMoves = []cases.Status{cases.StatusDecided, cases.StatusPendingApproval}

func isDecisionMove(to cases.Status) bool { return slices.Contains(decisionMoves, to) }

// ownEndpoint are the statuses reached only through their own endpoint, not
// POST …/transitions.
var ownEndpoint = []cases.Status{cases.StatusAcknowledged, cases.StatusPendingApproval, cases.StatusDecided, cases.StatusClosed, cases.StatusAppealed,
	cases.StatusRemedyInProgress}

// transitionsFrom are the moves POST …/transitions makes from status.
func transitionsFrom(status cases.Status) []cases.Status {
	out := []cases.Status{}
	for _, to := range cases.Transitions[status] {
		if !slices.Contains(ownEndpoint, to) {
			out = append(out, to)
		}
	}
	return out
}

// Acknowledge moves a submitted case to acknowledged, ends the acknowledge
// clock and restarts the feedback clock from now.
func (s *Service) Acknowledge(ctx context.Context, caseID uuid.UUID, by cases.Actor) error {
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		from, err := s.Move(tx, caseID, cases.StatusAcknowledged, nil)
		if err != nil {
			return err
		}
		extra := map[string]any{}
		due, err := clocks.DueAt(tx, caseID, sla.Feedback)
		if err != nil {
			return fmt.Errorf("grievance: feedback clock: %w", err)
		}
		if len(due) > 0 {
			extra["feedback_due"] = due[0].UTC()
		}
		return casework.RecordMove(tx, caseID, by, from, cases.StatusAcknowledged, extra, events.CaseAcknowledged)
	})
}

// clocksEndedBy are the clocks that entering a status ends; nil ends them all.
var clocksEndedBy = map[cases.Status][]sla.ClockName{
	cases.StatusDecided:   {sla.FirstResponse, sla.Decision, sla.Feedback, sla.GDPRReply, sla.Appeal},
	cases.StatusRejected:  {sla.Acknowledge, sla.FirstResponse, sla.Decision, sla.Feedback, sla.GDPRReply, sla.Appeal},
	cases.StatusClosed:    nil,
	cases.StatusWithdrawn: nil,
	// An escalated case's appeal is in an independent body's hands.
	cases.StatusEscalated: {sla.Appeal},
}

// afterMove keeps the clocks true to a status change: leaving "submitted"
// acknowledges, waiting on the complainant pauses and an answer resumes, a
// decision ends the clocks it answers and starts the remedy clock, closing or
// withdrawing ends them all, in tx.
func (s *Service) afterMove(tx *gorm.DB, caseID uuid.UUID, from, to cases.Status) error {
	if from == cases.StatusSubmitted {
		if err := s.clocks.End(tx, caseID, "acknowledged", sla.Acknowledge); err != nil {
			return err
		}
	}
	switch {
	case to == cases.StatusAwaitingComplainant:
		if err := s.clocks.Pause(tx, caseID); err != nil {
			return err
		}
	case from == cases.StatusAwaitingComplainant:
		if err := s.clocks.Resume(tx, caseID); err != nil {
			return err
		}
	}
	switch to {
	case cases.StatusDecided, cases.StatusRejected:
		if err := decision.OpenAppealWindow(tx, s.clocks, caseID, to); err != nil {
			return err
		}
	case cases.StatusClosed, cases.StatusWithdrawn:
		// An appeal still open when the case ends (after an escalation, or
		// withdrawn) ends with it, so it can never block a new one forever.
		if err := cases.EndOpenAppeal(tx, caseID); err != nil {
			return err
		}
	}
	if names, ends := clocksEndedBy[to]; ends {
		if err := s.clocks.End(tx, caseID, string(to), names...); err != nil {
			return err
		}
		if names == nil {
			return nil
		}
	}
	_, err := s.clocks.RecomputeIn(tx, caseID)
	return err
}

// Move moves the case to status to, setting the given columns too
// (cases.Move), and does what the move entails (afterMove), in tx, and
// returns the status moved from; the caller records the move
// (casework.RecordMove). It checks no permission: the caller's step has. It
// is internal/decision's way to move a case (decision.Mover).
func (s *Service) Move(tx *gorm.DB, caseID uuid.UUID, to cases.Status, columns map[string]any) (cases.Status, error) {
	from, err := cases.Move(tx, caseID, to, columns)
	if err != nil {
		return "", err
	}
	return from, s.afterMove(tx, caseID, from, to)
}

// MoveCase moves a case to status to inside the caller's transaction tx and
// does all a move entails (Move, casework.RecordMove): the sibling packages'
// way to move a case (remedy.Mover). It checks no permission: the caller's
// step has.
func (s *Service) MoveCase(tx *gorm.DB, caseID uuid.UUID, by cases.Actor, to cases.Status, extra map[string]any) error {
	from, err := s.Move(tx, caseID, to, nil)
	if err != nil {
		return err
	}
	return casework.RecordMove(tx, caseID, by, from, to, extra, events.CaseStatusChanged)
}

// MarkReceived records that the worker received the case's submitted event.
// It is idempotent: a second call changes nothing and returns false. It
// writes in tx, the worker's transaction for the event.
func (s *Service) MarkReceived(tx *gorm.DB, caseID uuid.UUID) (bool, error) {
	return cases.MarkReceived(tx, caseID)
}

// Status returns a case's status, or NotFound.
func (s *Service) Status(ctx context.Context, id uuid.UUID) (string, error) {
	return casework.Status(s.db.WithContext(ctx), id)
}
