package decision

// An Outcome says what happened to the AI's decision, so that no
// reader can take them the wrong way round ("upheld" means the complaint is
// right to an ombudsman and the decision stands to a court). Issue 13 renamed
// them; migration 00016 rewrote the stored decisions.
type Outcome string

// The outcomes a decision may have (decisions.outcome).
const (
	// OutcomeConfirmed: the AI's decision stands; the complaint is not upheld.
	OutcomeConfirmed Outcome = "decision_confirmed"
	// OutcomeOverturned: the AI's decision is reversed; the complaint is right.
	OutcomeOverturned Outcome = "decision_overturned"
	// OutcomeModified: the AI's decision is changed in part.
	OutcomeModified Outcome = "decision_modified"
	// OutcomeNotWithinScope: the mechanism cannot decide the complaint; it
	// signposts where the person can go.
	OutcomeNotWithinScope Outcome = "not_within_scope"
)

// Decision vocabularies (DESIGN.md, "The work on a case").
var (
	Outcomes     = []Outcome{OutcomeConfirmed, OutcomeOverturned, OutcomeModified, OutcomeNotWithinScope}
	AIRoles      = []string{"sole", "decisive", "advisory"}
	Involvements = []string{"caused", "contributed", "directly_linked", "none"}
)

// OutcomeMeanings say what each outcome did to the AI's decision, in plain
// English, for the documents that are English only (the dossier's PDF) and
// for the API's refusals. The pages use the catalogues.
var OutcomeMeanings = map[Outcome]string{
	OutcomeConfirmed:      "the AI's decision stands: the reviewer did not find the complaint right",
	OutcomeOverturned:     "the AI's decision is reversed: the complaint is right",
	OutcomeModified:       "the AI's decision is changed in part: the complaint is partly right",
	OutcomeNotWithinScope: "outside the mechanism's scope: not decided here; the person is told where to go",
}

// RenamedOutcomes maps the outcome names used before issue 13 to the current
// ones. The API refuses the old names (a 422 naming the new one); they remain
// only in what can never be rewritten: hashed case-record entries and signed
// dossiers, whose readers map them with CurrentOutcome.
var RenamedOutcomes = map[Outcome]Outcome{
	"upheld":     OutcomeConfirmed,
	"overturned": OutcomeOverturned,
	"modified":   OutcomeModified,
}

// CurrentOutcome is the current name of an outcome, old or new.
func CurrentOutcome(o Outcome) Outcome {
	if n, ok := RenamedOutcomes[o]; ok {
		return n
	}
	return o
}
