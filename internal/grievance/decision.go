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
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/remedy"
)

// Explanation is what an explanation_request is owed: the AI's role, the
// main factors and inputs it relied on, and how to contest.
type Explanation struct {
	AIRole       string   `json:"ai_role"`
	MainFactors  []string `json:"main_factors"`
	Inputs       []string `json:"inputs"`
	HowToContest string   `json:"how_to_contest"`
}

// DecisionRequest is POST /api/v1/cases/{id}/decision.
type DecisionRequest struct {
	Outcome     decision.Outcome `json:"outcome"`
	Rationale   string           `json:"rationale"`
	Explanation *Explanation     `json:"explanation"`
	Signposting string           `json:"signposting"`
	// Answers answer the complainant's points of view (burden.go): each
	// one, when the decision confirms the AI's decision on a case that
	// carries the burden of proof.
	Answers     []PointAnswer `json:"answers"`
	Attestation struct {
		HadAuthority   bool `json:"had_authority"`
		NotAModelRerun bool `json:"not_a_model_rerun"`
	} `json:"attestation"`
	Involvement struct {
		Deployer string `json:"deployer"`
		Provider string `json:"provider"`
	} `json:"involvement"`
}

// DecisionView is a decision as staff and, once final, the complainant see it.
type DecisionView struct {
	ID          uuid.UUID        `json:"id"`
	Outcome     decision.Outcome `json:"outcome"`
	Rationale   string           `json:"rationale"`
	Explanation *Explanation     `json:"explanation,omitempty"`
	Signposting string           `json:"signposting,omitempty"`
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

func purposeDecision(field, id string) string { return "decision." + field + ":" + id }

func (r *DecisionRequest) validate(kind string, appeal bool) error {
	var f fault.Fields
	if renamed, ok := decision.RenamedOutcomes[r.Outcome]; ok {
		f.Addf("outcome", "renamed", "%q was renamed %s; the outcomes are %s (%s: the AI's decision stands)",
			r.Outcome, renamed, strings.Join(cases.Strings(decision.Outcomes), ", "), decision.OutcomeConfirmed)
	} else {
		fault.OneOf(&f, "outcome", r.Outcome, decision.Outcomes, true)
	}
	text(&f, "rationale", r.Rationale, 20, maxLongText)
	if !r.Attestation.HadAuthority {
		f.Add("attestation.had_authority", "must_attest",
			"must be true: only a reviewer with authority to change the AI's decision may decide")
	}
	if !r.Attestation.NotAModelRerun {
		f.Add("attestation.not_a_model_rerun", "must_attest",
			"must be true: a human review is more than running the model again")
	}
	oneOf(&f, "involvement.deployer", r.Involvement.Deployer, decision.Involvements, true)
	oneOf(&f, "involvement.provider", r.Involvement.Provider, decision.Involvements, true)
	switch {
	case r.Outcome == decision.OutcomeNotWithinScope:
		text(&f, "signposting", r.Signposting, 10, maxLongText)
	case appeal && r.Signposting == "":
		f.Add("signposting", "required", "a decision on appeal is final here, so it must say which independent bodies "+
			"the complainant can go to next")
	case appeal:
		text(&f, "signposting", r.Signposting, 10, maxLongText)
	case r.Signposting != "":
		text(&f, "signposting", r.Signposting, 0, maxLongText)
	}
	remedy.CheckWaiver(&f, "rationale", r.Rationale)
	remedy.CheckWaiver(&f, "signposting", r.Signposting)
	if e := r.Explanation; e != nil {
		oneOf(&f, "explanation.ai_role", e.AIRole, decision.AIRoles, true)
		list := func(field string, items []string) {
			if len(items) == 0 || len(items) > 50 {
				f.Add(field, "required", "give 1 to 50 items")
				return
			}
			for i, it := range items {
				text(&f, fmt.Sprintf("%s[%d]", field, i), it, 1, 1000)
			}
		}
		list("explanation.main_factors", e.MainFactors)
		list("explanation.inputs", e.Inputs)
		text(&f, "explanation.how_to_contest", e.HowToContest, 10, maxLongText)
	}
	// A missing explanation on a case that carries the burden of proof is a
	// 409 naming each missing part (BurdenOfProof), not a field error.
	return f.Err()
}

// Decide records the reviewer's reasoned decision on a case in review. The
// reviewer must hold the case and must not have taken or operated the
// contested decision. A P0 or P1 case, or one with a priority downgrade
// pending, waits in pending_approval for a supervisor (ApproveDecision);
// any other becomes decided at once.
func (s *Service) Decide(ctx context.Context, caseID uuid.UUID, by cases.Actor, r DecisionRequest) (cases.Status, error) {
	var status cases.Status
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		c, err := casework.LockUnlessRecused(tx, caseID, by) // even a supervisor decides only a case they hold
		if err != nil {
			return err
		}
		switch {
		case c.AssigneeID == nil || *c.AssigneeID != *by.ID:
			return fault.New(fault.Forbidden, "not_your_case", "Only the reviewer the case is assigned to may decide it.")
		case c.Status != cases.StatusInReview:
			return fault.New(fault.Conflict, "not_in_review", fmt.Sprintf(
				"A case is decided while in review; this one is %s.", c.Status))
		}
		appeal := c.AppealState != nil && *c.AppealState == AppealOpen
		if err := r.validate(c.Kind, appeal); err != nil {
			return err
		}
		if err := s.burdenCheck(tx, caseID, c.Kind, &r); err != nil {
			return err
		}
		id := uuid.New()
		sid := id.String()
		answers, err := s.sealAnswers(sid, r.Answers)
		if err != nil {
			return err
		}
		rationale, err := s.keys.Seal(purposeDecision("rationale", sid), []byte(r.Rationale))
		if err != nil {
			return err
		}
		var explanation, signposting []byte
		if r.Explanation != nil {
			raw, _ := json.Marshal(r.Explanation)
			if explanation, err = s.keys.Seal(purposeDecision("explanation", sid), raw); err != nil {
				return err
			}
		}
		if r.Signposting != "" {
			if signposting, err = s.keys.Seal(purposeDecision("signposting", sid), []byte(r.Signposting)); err != nil {
				return err
			}
		}
		needsApproval := c.PendingPriority != nil || (c.Priority != nil && (*c.Priority == "P0" || *c.Priority == "P1"))
		status = cases.StatusDecided
		dstatus := "final"
		if needsApproval {
			status, dstatus = cases.StatusPendingApproval, "pending_approval"
		}
		stage := "first"
		if appeal {
			stage = "appeal"
		}
		if err := insertDecision(tx, decisionInsert{id: id, caseID: caseID, outcome: r.Outcome, rationale: rationale,
			explanation: explanation, signposting: signposting, answers: answers, deployer: r.Involvement.Deployer,
			provider: r.Involvement.Provider, by: *by.ID, status: dstatus, stage: stage}); err != nil {
			return fmt.Errorf("grievance: decide: %w", err)
		}
		from, err := s.move(tx, caseID, status, map[string]any{"status_reason": nil})
		if err != nil {
			return err
		}
		action, public := "decision.made", true
		if needsApproval {
			action, public = "decision.proposed", false
		}
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID, Action: action,
			Public: public, Data: map[string]any{"decision_id": id, "outcome": r.Outcome, "answers": len(r.Answers),
				"explanation": r.Explanation != nil,
				"involvement": r.Involvement, "attestation": r.Attestation, "needs_approval": needsApproval}}); err != nil {
			return err
		}
		if err := s.recordMove(tx, caseID, by, from, status, map[string]any{"decision_id": id}, events.CaseStatusChanged); err != nil {
			return err
		}
		if !needsApproval {
			_, err = outbox.Add(tx, events.CaseDecided, caseID, events.Decided{DecisionID: id, Outcome: string(r.Outcome)})
		}
		return err
	})
	return status, err
}

// ApproveDecision is the second pair of eyes on a pending decision: a
// supervisor other than its author, not recused, makes it final (the case is
// decided) or refuses it with a reason (the case goes back to review).
func (s *Service) ApproveDecision(ctx context.Context, caseID uuid.UUID, by cases.Actor, approve bool, reason string) error {
	var f fault.Fields
	if !approve {
		text(&f, "reason", reason, 1, maxLongText)
	} else {
		text(&f, "reason", reason, 0, maxLongText)
	}
	if err := f.Err(); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		d, err := lockPendingDecision(tx, caseID, by.ID)
		if err != nil {
			return fmt.Errorf("grievance: approve decision: %w", err)
		}
		switch {
		case d.ID == uuid.Nil:
			var n int64
			tx.Model(&cases.Case{}).Where("id = ?", caseID).Count(&n)
			if n == 0 {
				return fault.New(fault.NotFound, "case_not_found", "No case has that id.")
			}
			return fault.New(fault.Conflict, "no_pending_decision", "No decision on this case is waiting for approval.")
		case d.DecidedBy == *by.ID:
			return fault.New(fault.Forbidden, "four_eyes", "Someone other than the decision's author must approve it.")
		case d.Recused:
			return fault.New(fault.Forbidden, "recused",
				"You took, own or operate the decision or AI system this case contests, or decided it before its appeal.")
		}
		dstatus, to, action := "final", cases.StatusDecided, "decision.approved"
		if !approve {
			dstatus, to, action = "refused", cases.StatusInReview, "decision.refused"
		}
		if err := reviewDecision(tx, d.ID, dstatus, *by.ID); err != nil {
			return fmt.Errorf("grievance: approve decision: %w", err)
		}
		from, err := s.move(tx, caseID, to, map[string]any{"status_reason": casework.Nullable(strings.TrimSpace(reason))})
		if err != nil {
			return err
		}
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID, Action: action,
			Public: approve, Data: map[string]any{"decision_id": d.ID, "outcome": d.Outcome, "decided_by": d.DecidedBy,
				"reason": reason}}); err != nil {
			return err
		}
		if err := s.recordMove(tx, caseID, by, from, to, map[string]any{"decision_id": d.ID}, events.CaseStatusChanged); err != nil {
			return err
		}
		if approve {
			_, err = outbox.Add(tx, events.CaseDecided, caseID, events.Decided{DecisionID: d.ID, Outcome: string(d.Outcome)})
		}
		return err
	})
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
		if v.Rationale, err = s.keys.OpenString(purposeDecision("rationale", sid), r.RationaleEnc); err != nil {
			return nil, fmt.Errorf("grievance: open rationale: %w", err)
		}
		if r.ExplanationEnc != nil {
			v.Explanation = &Explanation{}
			if err := s.openJSON(purposeDecision("explanation", sid), r.ExplanationEnc, v.Explanation); err != nil {
				return nil, err
			}
		}
		if v.Answers, err = s.openAnswers(sid, r.AnswersEnc); err != nil {
			return nil, fmt.Errorf("grievance: open answers: %w", err)
		}
		if r.SignpostingEnc != nil {
			if v.Signposting, err = s.keys.OpenString(purposeDecision("signposting", sid), r.SignpostingEnc); err != nil {
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
