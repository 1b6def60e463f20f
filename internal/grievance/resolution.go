package grievance

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/remedy"
	"github.com/redresshq/redress/internal/sla"
)

// AppealView is the appeal as people see it: whether and until when one may
// be made, and once made, its state.
type AppealView struct {
	CanAppeal  bool       `json:"can_appeal"`
	AppealBy   *time.Time `json:"appeal_by,omitempty"`
	Rule       *sla.Rule  `json:"rule,omitempty"`
	AppealedAt *time.Time `json:"appealed_at,omitempty"`
	State      *string    `json:"state,omitempty"` // open, or decided (final at this level)
	Reason     string     `json:"reason,omitempty"`
	// ExcludedReviewers may not take the case again (staff only).
	ExcludedReviewers []uuid.UUID `json:"excluded_reviewers,omitempty"`
}

// FeedbackView is the complainant's rating of the process.
type FeedbackView struct {
	Asked        bool       `json:"asked"` // the process reached a point where it is asked for
	Given        bool       `json:"given"`
	Satisfaction *int       `json:"satisfaction,omitempty"`
	Comment      string     `json:"comment,omitempty"`
	GivenAt      *time.Time `json:"given_at,omitempty"`
}

// Resolution is what follows a decision: remedies, the appeal, closure and
// the complainant's rating.
type Resolution struct {
	Remedies  []remedy.ComponentView `json:"remedies"`
	Appeal    AppealView             `json:"appeal"`
	RootCause *string                `json:"root_cause,omitempty"`
	ClosedAt  *time.Time             `json:"closed_at,omitempty"`
	Feedback  FeedbackView           `json:"feedback"`
	// Restitution is what an overturned or modified decision owes (staff only).
	Restitution *remedy.RestitutionView `json:"restitution,omitempty"`
}

// resolutionRow is what a case's resolution is read from: the case's row
// and its feedback. Get reads it in the case's own statement.
type resolutionRow struct {
	AppealBy          *time.Time
	AppealWindowRule  *string
	AppealedAt        *time.Time
	AppealState       *string
	AppealReasonEnc   []byte
	ExcludedReviewers string
	RootCause         *string
	ClosedAt          *time.Time
	Satisfaction      *int
	CommentEnc        []byte
	GivenAt           *time.Time
	SLAPolicyID       *uuid.UUID
	DecidedAt         *time.Time
	StatusChangedAt   time.Time
}

// resolutionColumns select a resolutionRow over cases c LEFT JOIN case_feedback f.
const resolutionColumns = `c.appeal_by, c.appeal_window_rule::text AS appeal_window_rule, c.appealed_at,
		       c.sla_policy_id, c.decided_at, c.status_changed_at,
		       c.appeal_state, c.appeal_reason_enc, array_to_json(c.excluded_reviewers)::text AS excluded_reviewers,
		       c.root_cause, c.closed_at, f.satisfaction, f.comment_enc, f.created_at AS given_at`

// resolution queues the read of a case's resolution into out; forStaff adds
// what only staff see (proposed remedies, who acted, the excluded
// reviewers). row, when given, is the case's resolution row, read in the same
// set; status is read once the reads have run.
func (s *Service) resolution(rd *db.Reads, caseID uuid.UUID, status *cases.Status, forStaff bool,
	row *resolutionRow, out *Resolution) {
	if row == nil {
		row = &resolutionRow{}
		resolutionOf(rd, caseID, row)
	}
	s.remedies.QueueRemedies(rd, caseID, !forStaff, &out.Remedies)
	if forStaff {
		s.remedies.QueueRestitution(rd, caseID, &out.Restitution)
	}
	rd.Then(func() error { return s.resolve(rd.On(), caseID, *status, forStaff, row, out) })
}

// resolve fills out from the case's resolution row and its remedies, read.
func (s *Service) resolve(q *gorm.DB, caseID uuid.UUID, status cases.Status, forStaff bool, row *resolutionRow,
	r *Resolution) error {
	r.RootCause, r.ClosedAt = row.RootCause, casework.UTC(row.ClosedAt)
	var err error
	a := &r.Appeal
	a.AppealedAt, a.State = casework.UTC(row.AppealedAt), row.AppealState
	if row.AppealState == nil && slices.Contains(decision.Appealable, status) {
		by, rule, err := decision.AppealWindow(s.clocks, q, row.AppealBy, row.AppealWindowRule, row.SLAPolicyID, row.DecidedAt,
			row.StatusChangedAt)
		if err != nil {
			return err
		}
		by = by.UTC()
		a.AppealBy, a.Rule, a.CanAppeal = &by, &rule, time.Now().Before(by)
	} else if row.AppealBy != nil {
		a.AppealBy = casework.UTC(row.AppealBy)
		if row.AppealWindowRule != nil {
			a.Rule = &sla.Rule{}
			_ = json.Unmarshal([]byte(*row.AppealWindowRule), a.Rule)
		}
	}
	if row.AppealReasonEnc != nil {
		if a.Reason, err = s.keys.OpenString(decision.PurposeAppeal(caseID), row.AppealReasonEnc); err != nil {
			return fmt.Errorf("grievance: open appeal reason: %w", err)
		}
	}
	fb := &r.Feedback
	fb.Asked = slices.Contains(feedbackAfter, status)
	fb.Given, fb.Satisfaction, fb.GivenAt = row.Satisfaction != nil, row.Satisfaction, casework.UTC(row.GivenAt)
	if row.CommentEnc != nil {
		if fb.Comment, err = s.keys.OpenString(purposeFeedback(caseID), row.CommentEnc); err != nil {
			return fmt.Errorf("grievance: open feedback: %w", err)
		}
	}
	if forStaff {
		if err := json.Unmarshal([]byte(row.ExcludedReviewers), &a.ExcludedReviewers); err != nil {
			return fmt.Errorf("grievance: excluded reviewers: %w", err)
		}
		return nil
	}
	// Staff identities stay with the organisation.
	for i := range r.Remedies {
		c := &r.Remedies[i]
		c.ImplementedBy, c.VerifiedBy = nil, nil
		c.ConditionsApprovedBy, c.ReasonApprovedBy, c.PendingWithdrawal = nil, nil, nil
		for j := range c.Evidence {
			c.Evidence[j].By = uuid.Nil
		}
	}
	return nil
}

// Step is something the complainant can do next, or where they can go.
type Step struct {
	Code  string     `json:"code"`
	Label string     `json:"label"`
	Until *time.Time `json:"until,omitempty"`
}

// nextSteps says, in plain words, what the complainant can do now. Going to
// an independent body is always among them; once the case is with one
// (referred), following that referral is, and an anonymous complainant is
// not offered to share an identity they never gave.
func nextSteps(status cases.Status, r *Resolution, anonymous, referred bool) []Step {
	var out []Step
	if status == cases.StatusAwaitingComplainant {
		out = append(out, Step{Code: "answer", Label: "We need more information from you: please answer our question, shown in full in question and among the messages."})
	}
	for _, c := range r.Remedies {
		if c.Status == remedy.Offered && c.SystemicIssueID == nil && c.ReasonAt == nil {
			out = append(out, Step{Code: "respond_to_offer", Label: "Tell us whether you accept each offer to put things right."})
			break
		}
	}
	if r.Appeal.CanAppeal {
		out = append(out, Step{Code: "appeal", Until: r.Appeal.AppealBy,
			Label: "If you disagree with the decision, you can appeal: a different person will look at your case again."})
	}
	if r.Appeal.State != nil && *r.Appeal.State == string(cases.AppealDecided) {
		out = append(out, Step{Code: "appeal_final",
			Label: "The decision on your appeal is final within this organisation."})
	}
	if r.Feedback.Asked && !r.Feedback.Given {
		out = append(out, Step{Code: "give_feedback", Label: "Tell us how we handled your complaint (1 to 5)."})
	}
	if referred {
		return append(out, Step{Code: "follow_referral",
			Label: "Your complaint is with an independent body: its status is in referrals. You can still take it to " +
				"another body or to a court. " + remedy.RightsNotice})
	}
	choice := "choose whether they may know who you are (identity_shared), not know it (identity_withheld), or " +
		"receive nothing that could point back at you (anonymous)"
	if anonymous {
		choice = "choose whether they may read your complaint (identity_withheld) or receive nothing that could " +
			"point back at you (anonymous)"
	}
	return append(out, Step{Code: "independent_body",
		Label: "At any time you can take your complaint to an independent body, such as a regulator, an ombudsman, " +
			"a data protection authority or a court. The bodies listed at /api/v1/bodies can receive it from us: ask, " +
			"and " + choice + ". " + remedy.RightsNotice})
}
