package decision

import (
	"context"
	"encoding/json"
	"fmt"
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

// Mover moves a case to status to inside the caller's transaction tx, setting
// columns too, with what the move entails (clocks, the appeal window), and
// returns the status it moved from: the case work's one move
// (internal/grievance's), which decision cannot import. The move's entry in
// the case record and its event are casework.RecordMove.
type Mover func(tx *gorm.DB, caseID uuid.UUID, to cases.Status, columns map[string]any) (cases.Status, error)

// Burden applies the burden of proof to a decision r on a case of kind, in
// tx (the deciding transaction, under the case's lock): a 422 for answers
// that name unknown points of view, a 409 naming what is missing. The rule
// weighs the AI decision record and the complainant's points of view, which
// are internal/grievance's (grievance.Service.CheckBurden); it may trim
// r's answers.
type Burden func(tx *gorm.DB, caseID uuid.UUID, kind string, r *Request) error

// Explanation is what an explanation_request is owed: the AI's role, the
// main factors and inputs it relied on, and how to contest.
type Explanation struct {
	AIRole       string   `json:"ai_role"`
	MainFactors  []string `json:"main_factors"`
	Inputs       []string `json:"inputs"`
	HowToContest string   `json:"how_to_contest"`
}

// PointAnswer answers one point of view the complainant raised.
type PointAnswer struct {
	PointID uuid.UUID `json:"point_id"`
	Answer  string    `json:"answer"`
}

// Request is POST /api/v1/cases/{id}/decision.
type Request struct {
	Outcome     Outcome      `json:"outcome"`
	Rationale   string       `json:"rationale"`
	Explanation *Explanation `json:"explanation"`
	Signposting string       `json:"signposting"`
	// Answers answer the complainant's points of view (Burden): each
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

// purposeDecision binds a decision's sealed field (rationale, explanation,
// signposting, answers) to its column and row.
func purposeDecision(field, id string) string { return "decision." + field + ":" + id }

func (r *Request) validate(appeal bool) error {
	var f fault.Fields
	if renamed, ok := RenamedOutcomes[r.Outcome]; ok {
		f.Addf("outcome", "renamed", "%q was renamed %s; the outcomes are %s (%s: the AI's decision stands)",
			r.Outcome, renamed, strings.Join(cases.Strings(Outcomes), ", "), OutcomeConfirmed)
	} else {
		fault.OneOf(&f, "outcome", r.Outcome, Outcomes, true)
	}
	f.Text("rationale", r.Rationale, 20, casework.MaxLongText)
	if !r.Attestation.HadAuthority {
		f.Add("attestation.had_authority", "must_attest",
			"must be true: only a reviewer with authority to change the AI's decision may decide")
	}
	if !r.Attestation.NotAModelRerun {
		f.Add("attestation.not_a_model_rerun", "must_attest",
			"must be true: a human review is more than running the model again")
	}
	f.OneOf("involvement.deployer", r.Involvement.Deployer, Involvements, true)
	f.OneOf("involvement.provider", r.Involvement.Provider, Involvements, true)
	switch {
	case r.Outcome == OutcomeNotWithinScope:
		f.Text("signposting", r.Signposting, 10, casework.MaxLongText)
	case appeal && r.Signposting == "":
		f.Add("signposting", "required", "a decision on appeal is final here, so it must say which independent bodies "+
			"the complainant can go to next")
	case appeal:
		f.Text("signposting", r.Signposting, 10, casework.MaxLongText)
	case r.Signposting != "":
		f.Text("signposting", r.Signposting, 0, casework.MaxLongText)
	}
	casework.CheckWaiver(&f, "rationale", r.Rationale)
	casework.CheckWaiver(&f, "signposting", r.Signposting)
	if e := r.Explanation; e != nil {
		f.OneOf("explanation.ai_role", e.AIRole, AIRoles, true)
		list := func(field string, items []string) {
			if len(items) == 0 || len(items) > 50 {
				f.Add(field, "required", "give 1 to 50 items")
				return
			}
			for i, it := range items {
				f.Text(fmt.Sprintf("%s[%d]", field, i), it, 1, 1000)
			}
		}
		list("explanation.main_factors", e.MainFactors)
		list("explanation.inputs", e.Inputs)
		f.Text("explanation.how_to_contest", e.HowToContest, 10, casework.MaxLongText)
	}
	// A missing explanation on a case that carries the burden of proof is a
	// 409 naming each missing part (Burden), not a field error.
	return f.Err()
}

// Decide records the reviewer's reasoned decision on a case in review. The
// reviewer must hold the case and must not have taken or operated the
// contested decision. A P0 or P1 case, or one with a priority downgrade
// pending, waits in pending_approval for a supervisor (ApproveDecision);
// any other becomes decided at once.
func (s *Service) Decide(ctx context.Context, caseID uuid.UUID, by cases.Actor, r Request) (cases.Status, error) {
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
		appeal := c.AppealState != nil && *c.AppealState == string(cases.AppealOpen)
		if err := r.validate(appeal); err != nil {
			return err
		}
		if err := s.burden(tx, caseID, c.Kind, &r); err != nil {
			return err
		}
		id := uuid.New()
		sid := id.String()
		answers, err := s.sealAnswers(caseID, sid, r.Answers)
		if err != nil {
			return err
		}
		rationale, err := s.keys.SealCase(caseID, purposeDecision("rationale", sid), []byte(r.Rationale))
		if err != nil {
			return err
		}
		var explanation, signposting []byte
		if r.Explanation != nil {
			raw, _ := json.Marshal(r.Explanation)
			if explanation, err = s.keys.SealCase(caseID, purposeDecision("explanation", sid), raw); err != nil {
				return err
			}
		}
		if r.Signposting != "" {
			if signposting, err = s.keys.SealCase(caseID, purposeDecision("signposting", sid), []byte(r.Signposting)); err != nil {
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
			return fmt.Errorf("decision: decide: %w", err)
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
		if err := casework.RecordMove(tx, caseID, by, from, status, map[string]any{"decision_id": id}, events.CaseStatusChanged); err != nil {
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
		f.Text("reason", reason, 1, casework.MaxLongText)
	} else {
		f.Text("reason", reason, 0, casework.MaxLongText)
	}
	if err := f.Err(); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		d, err := lockPendingDecision(tx, caseID, by.ID)
		if err != nil {
			return fmt.Errorf("decision: approve decision: %w", err)
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
			return fmt.Errorf("decision: approve decision: %w", err)
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
		if err := casework.RecordMove(tx, caseID, by, from, to, map[string]any{"decision_id": d.ID}, events.CaseStatusChanged); err != nil {
			return err
		}
		if approve {
			_, err = outbox.Add(tx, events.CaseDecided, caseID, events.Decided{DecisionID: d.ID, Outcome: string(d.Outcome)})
		}
		return err
	})
}

// sealAnswers seals a decision's answers (nil when there are none).
func (s *Service) sealAnswers(caseID uuid.UUID, decisionID string, answers []PointAnswer) ([]byte, error) {
	if len(answers) == 0 {
		return nil, nil
	}
	raw, _ := json.Marshal(answers)
	return s.keys.SealCase(caseID, purposeDecision("answers", decisionID), raw)
}
