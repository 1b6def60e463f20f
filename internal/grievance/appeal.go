package grievance

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/remedy"
	"github.com/redresshq/redress/internal/sla"
)

// Appeal states.
const (
	AppealOpen    = "open"
	AppealDecided = "decided"
)

// appealable are the statuses a complainant may appeal from: a decision, or
// a refusal to take the case forward.
var appealable = []cases.Status{cases.StatusDecided, cases.StatusRemedyInProgress, cases.StatusClosed, cases.StatusRejected}

const maxAppealReason = 20000

func purposeAppeal(caseID uuid.UUID) string { return "case.appeal_reason:" + caseID.String() }

// Appeal is the complainant contesting the decision, within the window the
// case's policy allows, once. The case goes back to its queue with every
// reviewer who decided, approved or held it excluded; the appeal clock starts.
func (s *Service) Appeal(ctx context.Context, caseID uuid.UUID, reason string) error {
	var f fault.Fields
	text(&f, "reason", reason, 10, maxAppealReason)
	if err := f.Err(); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var c appealFacts
		if err := cases.Locked(tx, caseID, "status", "appeal_state", "appeal_by", "appeal_window_rule", "sla_policy_id", "decided_at", "status_changed_at", "assignee_id").Scan(&c).Error; err != nil {
			return fmt.Errorf("grievance: appeal: %w", err)
		}
		switch {
		case c.Status == "":
			return fault.New(fault.NotFound, "case_not_found", "The case does not exist.")
		case c.AppealState != nil && *c.AppealState == AppealDecided:
			return fault.New(fault.Conflict, "appeal_decided",
				"Your appeal has been decided and that decision is final here. You can take your complaint to an independent body.")
		case c.AppealState != nil:
			return fault.New(fault.Conflict, "appeal_open", "Your appeal is already being reviewed.")
		case !slices.Contains(appealable, c.Status):
			return fault.New(fault.Conflict, "nothing_to_appeal",
				"You can appeal once a decision has been made on your complaint (or it was not taken forward).")
		}
		by, rule, err := s.appealWindow(tx, c.AppealBy, c.AppealRule, c.SLAPolicyID, c.DecidedAt, c.StatusChangedAt)
		if err != nil {
			return err
		}
		if time.Now().After(by) {
			return fault.New(fault.Conflict, "appeal_out_of_time", fmt.Sprintf(
				"The time to appeal ended on %s (%s, %s). You can still take your complaint to an independent body.",
				by.UTC().Format("2 January 2006, 15:04 UTC"), rule.Source, rule.Period))
		}
		excluded, err := decidersOf(tx, caseID)
		if err != nil {
			return fmt.Errorf("grievance: appeal: deciders: %w", err)
		}
		// Who rejected the case decided it too (the case record names them).
		rejecters, err := rejectersOf(tx, caseID)
		if err != nil {
			return fmt.Errorf("grievance: appeal: rejecters: %w", err)
		}
		for _, id := range append(rejecters, derefs(c.AssigneeID)...) {
			if !slices.Contains(excluded, id) {
				excluded = append(excluded, id)
			}
		}
		sealed, err := s.keys.Seal(purposeAppeal(caseID), []byte(strings.TrimSpace(reason)))
		if err != nil {
			return err
		}
		list := make([]string, len(excluded))
		for i, id := range excluded {
			list[i] = id.String()
		}
		from, err := s.move(tx, caseID, cases.StatusAppealed, map[string]any{
			"appealed_at": gorm.Expr("now()"), "appeal_state": cases.AppealOpen, "appeal_reason_enc": sealed,
			"excluded_reviewers": gorm.Expr("?::uuid[]", "{"+strings.Join(list, ",")+"}"), "assignee_id": nil,
			"assigned_at": nil, "status_reason": nil, "closed_at": nil, "root_cause": nil})
		if err != nil {
			return err
		}
		if err := s.recordMove(tx, caseID, cases.Actor{Kind: audit.ActorComplainant}, from, cases.StatusAppealed,
			map[string]any{"appeal_by": by.UTC(), "excluded_reviewers": len(excluded)}, events.CaseStatusChanged); err != nil {
			return err
		}
		_, err = outbox.Add(tx, events.CaseAppealed, caseID, events.Appealed{ExcludedReviewers: excluded})
		return err
	})
}

// RootCauses are why a case arose, recorded on closure (learning).
var RootCauses = []string{"data", "model", "threshold", "process", "human_error", "none"}

// Close closes a case once every remedy component that concerns it is
// verified or has a recorded reason, with the root cause and the reason.
func (s *Service) Close(ctx context.Context, caseID uuid.UUID, by cases.Actor, rootCause, reason string) error {
	var f fault.Fields
	oneOf(&f, "root_cause", rootCause, RootCauses, true)
	text(&f, "reason", reason, 10, maxLongText)
	remedy.CheckWaiver(&f, "reason", reason)
	if err := f.Err(); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		c, err := casework.LockForWork(tx, caseID, by)
		if err != nil {
			return err
		}
		if !cases.CanTransition(c.Status, cases.StatusClosed) {
			return fault.New(fault.Conflict, "illegal_transition", fmt.Sprintf(
				"A case that is %s cannot be closed; it closes after its decision (and remedies), or after escalation.", c.Status))
		}
		left, err := s.remedies.Outstanding(tx, caseID)
		if err != nil {
			return err
		}
		if len(left) > 0 {
			e := fault.New(fault.Conflict, "remedies_outstanding", fmt.Sprintf(
				"%d remedy component(s) are neither verified nor have a recorded reason; verify them or record why they will not be.",
				len(left)))
			for _, o := range left {
				e.Fields = append(e.Fields, fault.FieldError{Field: "remedies[" + o.ID.String() + "]", Code: string(o.Status),
					Message: "is " + string(o.Status) + ", not verified"})
			}
			return e
		}
		if err := s.remedies.CheckRestitution(tx, caseID); err != nil {
			return err
		}
		if err := s.bodyItemsOutstanding(tx, caseID); err != nil {
			return err
		}
		from, err := s.move(tx, caseID, cases.StatusClosed, map[string]any{"root_cause": rootCause,
			"closed_at": gorm.Expr("now()"), "status_reason": strings.TrimSpace(reason)})
		if err != nil {
			return err
		}
		return s.recordMove(tx, caseID, by, from, cases.StatusClosed, map[string]any{"root_cause": rootCause, "reason": reason},
			events.CaseStatusChanged)
	})
}

// feedbackAfter are the statuses in which the complainant may rate the process.
var feedbackAfter = []cases.Status{cases.StatusDecided, cases.StatusRemedyInProgress, cases.StatusClosed, cases.StatusRejected, cases.StatusWithdrawn, cases.StatusEscalated}

func purposeFeedback(caseID uuid.UUID) string { return "case.feedback:" + caseID.String() }

// Feedback is the complainant's rating of the process (1–5) and a comment,
// once per case, after a decision.
func (s *Service) Feedback(ctx context.Context, caseID uuid.UUID, satisfaction *int, comment string) error {
	var f fault.Fields
	if satisfaction == nil || *satisfaction < 1 || *satisfaction > 5 {
		f.Add("satisfaction", "out_of_range", "a whole number from 1 (very unsatisfied) to 5 (very satisfied)")
	}
	text(&f, "comment", comment, 0, maxLongText)
	if err := f.Err(); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var status cases.Status
		if err := cases.Locked(tx, caseID, "status").Scan(&status).Error; err != nil {
			return fmt.Errorf("grievance: feedback: %w", err)
		}
		if status == "" {
			return fault.New(fault.NotFound, "case_not_found", "The case does not exist.")
		}
		if !slices.Contains(feedbackAfter, status) {
			return fault.New(fault.Conflict, "too_early", "You can rate the process once a decision has been made.")
		}
		var sealed []byte
		if c := strings.TrimSpace(comment); c != "" {
			var err error
			if sealed, err = s.keys.Seal(purposeFeedback(caseID), []byte(c)); err != nil {
				return err
			}
		}
		res := insertFeedback(tx, caseID, *satisfaction, sealed)
		if res.Error != nil {
			return fmt.Errorf("grievance: feedback: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return fault.New(fault.Conflict, "feedback_given", "You have already rated this process. Thank you.")
		}
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: audit.ActorComplainant,
			Action: "feedback.given", Public: true, Data: map[string]any{"satisfaction": *satisfaction}}); err != nil {
			return err
		}
		_, err := outbox.Add(tx, events.CaseFeedback, caseID, events.Feedback{Satisfaction: *satisfaction})
		return err
	})
}

// openAppealWindow records a decision (decided_at) or a refusal, and opens
// the window for appealing it, in tx; a decision on appeal closes the appeal.
func (s *Service) openAppealWindow(tx *gorm.DB, caseID uuid.UUID, to cases.Status) error {
	c, err := appealStateOf(tx, caseID)
	if err != nil {
		return fmt.Errorf("grievance: appeal window: %w", err)
	}
	if c.AppealState != nil {
		return cases.DecideAppeal(tx, caseID, to)
	}
	now := time.Now()
	by, rule, err := s.clocks.AppealBy(tx, c.SLAPolicyID, now)
	if err != nil {
		return err
	}
	raw, _ := json.Marshal(rule)
	return cases.OpenAppealWindow(tx, caseID, to, by, string(raw))
}

// appealWindow is when the window to appeal closes and the rule behind it:
// as stored when the decision (or refusal) was made, or, for a case decided
// before windows were stored, counted from its decision by its policy (read
// through clocks with ctx, which may carry the caller's transaction).
func (s *Service) appealWindow(q *gorm.DB, by *time.Time, rule *string, policyID *uuid.UUID,
	decidedAt *time.Time, statusChangedAt time.Time) (time.Time, sla.Rule, error) {
	var r sla.Rule
	if by != nil {
		if rule != nil {
			_ = json.Unmarshal([]byte(*rule), &r)
		}
		return *by, r, nil
	}
	from := statusChangedAt
	if decidedAt != nil {
		from = *decidedAt
	}
	return s.clocks.AppealBy(q, policyID, from)
}

func derefs(id *uuid.UUID) []uuid.UUID {
	if id == nil {
		return nil
	}
	return []uuid.UUID{*id}
}
