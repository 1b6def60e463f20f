package grievance

import (
	"fmt"
	"strings"

	"github.com/redresshq/redress/internal/platform/db"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/platform/fault"
)

// The burden of proof (issue 16, item 1). A case contesting an AI decision
// (contest_decision) or asking for an explanation of one
// (explanation_request) puts the burden on the organisation: it cannot be
// decided, whatever the outcome, until the AI decision record is complete
// and a structured explanation is given; a decision confirming the AI's
// decision must also answer each point of view the complainant raised.
// BurdenOfProof is the one rule; decision.Service.Decide applies it for the
// API and the pages, through CheckBurden (handed to it as a decision.Burden).

// BurdenKinds are the case kinds that carry the burden of proof.
var BurdenKinds = []string{"contest_decision", "explanation_request"}

const (
	minPointAnswer  = 10
	maxPointAnswers = 100
)

// BurdenOfProof names, as field errors, every piece a decision with outcome
// on a case of kind still lacks: the AI decision record's parts (record nil
// means none was made), the explanation's parts, and for a confirmed
// decision each point of view without an answer. Nil when nothing is
// missing or the kind carries no burden. Answers and the explanation are
// checked only for presence here; their content is validated with the
// request.
func BurdenOfProof(kind string, outcome decision.Outcome, record *AIDecisionRecord, e *decision.Explanation, points []PointOfView, answers []decision.PointAnswer) []fault.FieldError {
	if !isBurdenKind(kind) {
		return nil
	}
	var out []fault.FieldError
	miss := func(field, msg string) {
		out = append(out, fault.FieldError{Field: field, Code: "missing", Message: msg})
	}
	if record == nil {
		miss("ai_decision", "no AI decision record was made: record it first (PUT /api/v1/cases/{id}/ai-decision)")
		miss("ai_decision.system_version", "the AI system's version that made the decision")
		miss("ai_decision.inputs", "the inputs the system relied on")
		miss("ai_decision.output", "what the system output")
		miss("ai_decision.human_oversight", "the human oversight there was (none, nominal, meaningful)")
		miss("ai_decision.person_informed", "whether the person was told AI was used")
	} else {
		if strings.TrimSpace(record.SystemVersion) == "" {
			miss("ai_decision.system_version", "the AI system's version that made the decision")
		}
		if len(record.Inputs) == 0 {
			miss("ai_decision.inputs", "the inputs the system relied on")
		}
		if strings.TrimSpace(record.Output) == "" {
			miss("ai_decision.output", "what the system output")
		}
		if record.HumanOversight == "" {
			miss("ai_decision.human_oversight", "the human oversight there was (none, nominal, meaningful)")
		}
		if record.PersonInformed == "" {
			miss("ai_decision.person_informed", "whether the person was told AI was used")
		}
	}
	if e == nil {
		e = &decision.Explanation{}
	}
	if e.AIRole == "" {
		miss("explanation.ai_role", "the AI's role in the decision (sole, decisive, advisory)")
	}
	if len(e.MainFactors) == 0 {
		miss("explanation.main_factors", "the main factors behind the decision")
	}
	if len(e.Inputs) == 0 {
		miss("explanation.inputs", "the inputs the decision relied on")
	}
	if strings.TrimSpace(e.HowToContest) == "" {
		miss("explanation.how_to_contest", "how the person can contest the decision")
	}
	if decision.CurrentOutcome(outcome) == decision.OutcomeConfirmed {
		answered := make(map[uuid.UUID]bool, len(answers))
		for _, a := range answers {
			if strings.TrimSpace(a.Answer) != "" {
				answered[a.PointID] = true
			}
		}
		for _, p := range points {
			if !answered[p.ID] {
				out = append(out, fault.FieldError{Field: "answers[" + p.ID.String() + "]", Code: "unanswered",
					Message: fmt.Sprintf("the point of view heard on %s is not answered: a decision that confirms the AI's "+
						"decision answers each point the complainant raised", p.HeardAt.Format("2006-01-02"))})
			}
		}
	}
	return out
}

func isBurdenKind(kind string) bool {
	for _, k := range BurdenKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// errBurden is the 409 naming what a decision still lacks.
func errBurden(missing []fault.FieldError) error {
	return &fault.Error{Kind: fault.Conflict, Code: "burden_of_proof",
		Message: "The organisation carries the burden of proof: this case cannot be decided until the AI decision record is " +
			"complete, the explanation is given and, for a confirmed decision, each point the complainant raised is answered. " +
			"errors names each missing piece.",
		Fields: missing}
}

// validateAnswers checks the answers' content: known points of view, each
// once, each a real answer.
func validateAnswers(f *fault.Fields, answers []decision.PointAnswer, points []PointOfView) {
	if len(answers) > maxPointAnswers {
		f.Addf("answers", "too_many", "give at most %d answers (got %d)", maxPointAnswers, len(answers))
		return
	}
	known := make(map[uuid.UUID]bool, len(points))
	for _, p := range points {
		known[p.ID] = true
	}
	seen := map[uuid.UUID]bool{}
	for i := range answers {
		a := &answers[i]
		field := fmt.Sprintf("answers[%d]", i)
		switch {
		case a.PointID == uuid.Nil:
			f.Add(field+".point_id", "required", "is required: the id of a point of view recorded on this case")
		case !known[a.PointID]:
			f.Add(field+".point_id", "unknown", "is not a point of view recorded on this case")
		case seen[a.PointID]:
			f.Add(field+".point_id", "duplicate", "answers a point already answered in this request")
		}
		seen[a.PointID] = true
		a.Answer = strings.TrimSpace(a.Answer)
		text(f, field+".answer", a.Answer, minPointAnswer, maxLongText)
	}
}

// CheckBurden loads what the rule needs under the case's lock and applies
// it: a 422 for answers that name unknown points, a 409 naming what is
// missing. It reads in tx, the deciding transaction, and trims r's answers.
// It is how internal/decision's Decide weighs the burden (decision.Burden).
func (s *Service) CheckBurden(tx *gorm.DB, caseID uuid.UUID, kind string, r *decision.Request) error {
	var points []PointOfView
	rd := db.ReadsOn(tx)
	s.pointsOfView(rd, caseID, &points)
	if err := rd.Run(); err != nil {
		return err
	}
	var f fault.Fields
	validateAnswers(&f, r.Answers, points)
	if err := f.Err(); err != nil {
		return err
	}
	rec, err := s.aiDecision(tx, caseID)
	if err != nil {
		return err
	}
	if missing := BurdenOfProof(kind, r.Outcome, rec, r.Explanation, points, r.Answers); len(missing) > 0 {
		return errBurden(missing)
	}
	return nil
}
