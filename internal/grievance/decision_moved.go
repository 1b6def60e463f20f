package grievance

import "github.com/redresshq/redress/internal/decision"

// The decision's outcomes moved to internal/decision; they forward until
// the callers are renamed (/work/briefs17/DEC-rename.sh) in the next commit.
const (
	OutcomeConfirmed      = decision.OutcomeConfirmed
	OutcomeOverturned     = decision.OutcomeOverturned
	OutcomeModified       = decision.OutcomeModified
	OutcomeNotWithinScope = decision.OutcomeNotWithinScope
)

var (
	Outcomes        = decision.Outcomes
	AIRoles         = decision.AIRoles
	Involvements    = decision.Involvements
	OutcomeMeanings = decision.OutcomeMeanings
	RenamedOutcomes = decision.RenamedOutcomes
	CurrentOutcome  = decision.CurrentOutcome
)
