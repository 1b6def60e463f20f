package grievance

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/platform/db"
)

// DecisionView is a decision as staff and, once final, the complainant see it.
type DecisionView struct {
	ID          uuid.UUID             `json:"id"`
	Outcome     decision.Outcome      `json:"outcome"`
	Rationale   string                `json:"rationale"`
	Explanation *decision.Explanation `json:"explanation,omitempty"`
	Signposting string                `json:"signposting,omitempty"`
	// Answers are the decision's answers to the complainant's points of view.
	Answers     []DecisionAnswer `json:"answers"`
	Involvement struct {
		Deployer string `json:"deployer"`
		Provider string `json:"provider"`
	} `json:"involvement"`
	Status string `json:"status"`
	// Stage is first, or appeal: a decision on appeal is final at this level.
	Stage      string     `json:"stage"`
	FinalAt    *time.Time `json:"final_at,omitempty"`
	DecidedBy  *uuid.UUID `json:"decided_by,omitempty"`
	ApprovedBy *uuid.UUID `json:"approved_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	ReviewedAt *time.Time `json:"reviewed_at,omitempty"`
}

// decisions queues the read of a case's decisions into out, opened, newest
// first; finalOnly for the complainant.
func (s *Service) decisions(rd *db.Reads, caseID uuid.UUID, finalOnly bool, out *[]DecisionView) {
	var rows []decisionRow
	decisionsOf(rd, caseID, finalOnly, &rows)
	rd.Then(func() (err error) {
		*out, err = s.openDecisions(rows, finalOnly)
		return err
	})
}

func (s *Service) openDecisions(rows []decisionRow, finalOnly bool) ([]DecisionView, error) {
	out := make([]DecisionView, 0, len(rows))
	for _, r := range rows {
		sid := r.ID.String()
		v := DecisionView{ID: r.ID, Outcome: r.Outcome, Status: r.Status, Stage: r.Stage, FinalAt: casework.UTC(r.FinalAt),
			CreatedAt: r.CreatedAt.UTC(), ReviewedAt: r.ReviewedAt}
		v.Involvement.Deployer, v.Involvement.Provider = r.DeployerInvolvement, r.ProviderInvolvement
		if !finalOnly {
			v.DecidedBy, v.ApprovedBy = &r.DecidedBy, r.ApprovedBy
		}
		var err error
		if v.Rationale, err = s.keys.OpenString(decision.Purpose("rationale", sid), r.RationaleEnc); err != nil {
			return nil, fmt.Errorf("grievance: open rationale: %w", err)
		}
		if r.ExplanationEnc != nil {
			v.Explanation = &decision.Explanation{}
			if err := s.openJSON(decision.Purpose("explanation", sid), r.ExplanationEnc, v.Explanation); err != nil {
				return nil, err
			}
		}
		if v.Answers, err = s.openAnswers(sid, r.AnswersEnc); err != nil {
			return nil, fmt.Errorf("grievance: open answers: %w", err)
		}
		if r.SignpostingEnc != nil {
			if v.Signposting, err = s.keys.OpenString(decision.Purpose("signposting", sid), r.SignpostingEnc); err != nil {
				return nil, fmt.Errorf("grievance: open signposting: %w", err)
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// decisionMoves are the statuses only a decision enters.
var decisionMoves = []cases.Status{cases.StatusDecided, cases.StatusPendingApproval}

func isDecisionMove(to cases.Status) bool { return slices.Contains(decisionMoves, to) }
