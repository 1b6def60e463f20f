package grievance_test

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/grievance"
)

// BurdenOfProof is the one rule the API and the pages apply (burden.go):
// what a decision on a case still lacks, by kind and outcome.
func TestBurdenOfProofNamesWhatIsMissing(t *testing.T) {
	rec := &grievance.AIDecisionRecord{SystemVersion: "4.2.1", Inputs: []string{"rota"}, Output: "0 hours",
		HumanOversight: "none", PersonInformed: "no"}
	exp := &decision.Explanation{AIRole: "sole", MainFactors: []string{"sick leave"}, Inputs: []string{"rota"},
		HowToContest: "Appeal within 30 days."}
	p1 := grievance.PointOfView{ID: uuid.New(), HeardAt: time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)}
	p2 := grievance.PointOfView{ID: uuid.New(), HeardAt: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)}
	answers := []decision.PointAnswer{{PointID: p1.ID, Answer: "Demand fell that week."}, {PointID: p2.ID, Answer: "   "}}
	fields := func(kind string, outcome decision.Outcome, r *grievance.AIDecisionRecord, e *decision.Explanation, a []decision.PointAnswer) []string {
		var out []string
		for _, f := range grievance.BurdenOfProof(kind, outcome, r, e, []grievance.PointOfView{p1, p2}, a) {
			out = append(out, f.Field)
		}
		return out
	}
	for _, tc := range []struct {
		name, kind string
		outcome    decision.Outcome
		rec        *grievance.AIDecisionRecord
		exp        *decision.Explanation
		answers    []decision.PointAnswer
		want       []string
	}{
		{"a concern carries no burden", "concern", decision.OutcomeConfirmed, nil, nil, nil, nil},
		{"a retaliation case carries none", "retaliation", decision.OutcomeOverturned, nil, nil, nil, nil},
		{"overturned with nothing", "contest_decision", decision.OutcomeOverturned, nil, nil, nil, []string{"ai_decision",
			"ai_decision.system_version", "ai_decision.inputs", "ai_decision.output", "ai_decision.human_oversight",
			"ai_decision.person_informed", "explanation.ai_role", "explanation.main_factors", "explanation.inputs",
			"explanation.how_to_contest"}},
		{"an explanation request, not within scope, without an explanation", "explanation_request", decision.OutcomeNotWithinScope,
			rec, nil, nil, []string{"explanation.ai_role", "explanation.main_factors", "explanation.inputs", "explanation.how_to_contest"}},
		{"a partial explanation", "contest_decision", decision.OutcomeModified, rec, &decision.Explanation{AIRole: "sole"}, nil,
			[]string{"explanation.main_factors", "explanation.inputs", "explanation.how_to_contest"}},
		{"overturned needs no answers", "contest_decision", decision.OutcomeOverturned, rec, exp, nil, nil},
		{"confirmed: a blank answer is no answer", "contest_decision", decision.OutcomeConfirmed, rec, exp, answers,
			[]string{"answers[" + p2.ID.String() + "]"}},
		{"the old name upheld is read as confirmed", "contest_decision", "upheld", rec, exp, answers[:1],
			[]string{"answers[" + p2.ID.String() + "]"}},
		{"confirmed with every point answered", "explanation_request", decision.OutcomeConfirmed, rec, exp,
			[]decision.PointAnswer{answers[0], {PointID: p2.ID, Answer: "The rota shows the same cut for all."}}, nil},
	} {
		if got := fields(tc.kind, tc.outcome, tc.rec, tc.exp, tc.answers); !slices.Equal(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
