// Package decision is the judgement on a case: triage (its classification
// and the priority the maximum rule gives, a downgrade waiting for a second
// supervisor) and the classification's taxonomy. It owns the
// case_classifications table's triage (intake's first classification is
// still written by internal/grievance) and publishes case.triaged; the
// priority itself is written through internal/cases.
package decision

import (
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/clocks"
)

// Service triages cases.
type Service struct {
	db     *gorm.DB
	clocks *clocks.Service
}

// NewService returns the decision service: clk keeps the cases' SLA clocks
// (a raised priority changes their tier).
func NewService(gdb *gorm.DB, clk *clocks.Service) *Service {
	return &Service{db: gdb, clocks: clk}
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
