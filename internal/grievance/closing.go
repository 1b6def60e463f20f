package grievance

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// RootCauses are why a case arose, recorded on closure (learning).
var RootCauses = []string{"data", "model", "threshold", "process", "human_error", "none"}

// Close closes a case once every remedy component that concerns it is
// verified or has a recorded reason, with the root cause and the reason.
func (s *Service) Close(ctx context.Context, caseID uuid.UUID, by cases.Actor, rootCause, reason string) error {
	var f fault.Fields
	oneOf(&f, "root_cause", rootCause, RootCauses, true)
	text(&f, "reason", reason, 10, maxLongText)
	casework.CheckWaiver(&f, "reason", reason)
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
		from, err := s.Move(tx, caseID, cases.StatusClosed, map[string]any{"root_cause": rootCause,
			"closed_at": gorm.Expr("now()"), "status_reason": strings.TrimSpace(reason)})
		if err != nil {
			return err
		}
		return casework.RecordMove(tx, caseID, by, from, cases.StatusClosed, map[string]any{"root_cause": rootCause, "reason": reason},
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
			if sealed, err = s.keys.SealCase(caseID, purposeFeedback(caseID), []byte(c)); err != nil {
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
