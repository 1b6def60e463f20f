// Package decision is the judgement on a case: triage (its classification
// and the priority the maximum rule gives, a downgrade waiting for a second
// supervisor), the classification's taxonomy, the notice that a GDPR reply
// will take longer (NoticeExtension), the decision's vocabulary (its
// outcomes, the AI's role, involvement), deciding (Decide: validating and
// sealing the decision, the burden of proof weighed through a Burden),
// the second person's approval (ApproveDecision), the complainant's appeal
// (Appeal) and its window, and a case's decisions as its views show them
// (Views). It owns the decisions table and the case_classifications table's
// triage (intake's first classification is written through
// FirstClassification by internal/grievance), and publishes case.triaged,
// case.decided and case.appealed; the priority and the appeal's columns are
// written through internal/cases, and a case moves through
// internal/grievance's one move (a Mover, handed in by internal/app).
package decision

import (
	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/platform/seal"
)

// Service triages cases, extends their deadlines, decides them, approves
// their decisions and takes their appeals.
type Service struct {
	db     *gorm.DB
	keys   *seal.Keyring
	clocks *clocks.Service
	tell   Teller
	move   Mover
	burden Burden
}

// Teller writes a message from by to a case's complainant in tx (the
// caller's transaction, NoticeExtension's), and returns its id (the messages
// are internal/grievance's).
type Teller func(tx *gorm.DB, caseID uuid.UUID, by cases.Actor, body string) (uuid.UUID, error)

// NewService returns the decision service: keys seal a decision's texts and
// an appeal's reason, clk keeps the cases' SLA clocks (a raised priority
// changes their tier; the appeal window), tell writes to the complainant (an
// extension's reasons), move moves a case (a decision, its approval, an
// appeal) and burden applies the burden of proof to a decision.
func NewService(gdb *gorm.DB, keys *seal.Keyring, clk *clocks.Service, tell Teller, move Mover, burden Burden) *Service {
	return &Service{db: gdb, keys: keys, clocks: clk, tell: tell, move: move, burden: burden}
}

// The classification's taxonomy (DESIGN.md); labels are translated by the
// frontend.
var (
	Rights = []string{"non_discrimination", "privacy", "work", "social_security", "credit_and_essential_services",
		"education", "health", "expression", "assembly_and_association", "due_process", "movement_and_asylum",
		"children", "property_and_consumer", "other"}
	HarmTypes = []string{"physical", "psychological", "financial", "loss_of_opportunity", "reputational",
		"privacy_intrusion", "discriminatory_treatment", "procedural", "collective", "property_or_environment"}
	Mechanisms = []string{"erroneous_output", "biased_output", "no_explanation", "no_human_oversight", "not_informed",
		"data_error", "outside_intended_purpose", "surveillance", "manipulation", "security_breach", "retaliation"}
	HarmStatuses = []string{"occurred", "ongoing", "imminent", "potential"}
)
