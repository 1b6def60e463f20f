package decision

import (
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/seal"
)

// View is a decision as staff and, once final, the complainant see it.
type View struct {
	ID          uuid.UUID    `json:"id"`
	Outcome     Outcome      `json:"outcome"`
	Rationale   string       `json:"rationale"`
	Explanation *Explanation `json:"explanation,omitempty"`
	Signposting string       `json:"signposting,omitempty"`
	// Answers are the decision's answers to the complainant's points of view.
	Answers     []Answer `json:"answers"`
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

// Views queues the read of a case's decisions into out, opened with keys,
// newest first; finalOnly for the complainant (who sees neither author nor
// approver). The case's views (internal/grievance) read them so.
func Views(rd *db.Reads, keys *seal.Keyring, caseID uuid.UUID, finalOnly bool, out *[]View) {
	var rows []decisionRow
	decisionsOf(rd, caseID, finalOnly, &rows)
	rd.Then(func() (err error) {
		*out, err = openDecisions(keys, rows, finalOnly)
		return err
	})
}

func openDecisions(keys *seal.Keyring, rows []decisionRow, finalOnly bool) ([]View, error) {
	out := make([]View, 0, len(rows))
	for _, r := range rows {
		sid := r.ID.String()
		v := View{ID: r.ID, Outcome: r.Outcome, Status: r.Status, Stage: r.Stage, FinalAt: casework.UTC(r.FinalAt),
			CreatedAt: r.CreatedAt.UTC(), ReviewedAt: r.ReviewedAt}
		v.Involvement.Deployer, v.Involvement.Provider = r.DeployerInvolvement, r.ProviderInvolvement
		if !finalOnly {
			v.DecidedBy, v.ApprovedBy = &r.DecidedBy, r.ApprovedBy
		}
		var err error
		if v.Rationale, err = keys.OpenString(purposeDecision("rationale", sid), r.RationaleEnc); err != nil {
			return nil, fmt.Errorf("decision: open rationale: %w", err)
		}
		if r.ExplanationEnc != nil {
			v.Explanation = &Explanation{}
			if err := casework.OpenJSON(keys, purposeDecision("explanation", sid), r.ExplanationEnc, v.Explanation); err != nil {
				return nil, err
			}
		}
		if v.Answers, err = openAnswers(keys, sid, r.AnswersEnc); err != nil {
			return nil, fmt.Errorf("decision: open answers: %w", err)
		}
		if r.SignpostingEnc != nil {
			if v.Signposting, err = keys.OpenString(purposeDecision("signposting", sid), r.SignpostingEnc); err != nil {
				return nil, fmt.Errorf("decision: open signposting: %w", err)
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// Answer is an answer to a point of view as a decision shows it.
type Answer struct {
	PointID uuid.UUID `json:"point_id"`
	Answer  string    `json:"answer"`
}

// openAnswers opens a decision's answers ([] when it has none).
func openAnswers(keys *seal.Keyring, decisionID string, sealed []byte) ([]Answer, error) {
	out := []Answer{}
	if sealed == nil {
		return out, nil
	}
	if err := casework.OpenJSON(keys, purposeDecision("answers", decisionID), sealed, &out); err != nil {
		return nil, err
	}
	return out, nil
}
