package decision

import (
	"fmt"
	"slices"
)

// Severity is a triage's three dimensions, each 1 (low) to 4 (grave), after
// UNGP 14 and 24: how grave the harm (scale), how many it reaches (scope),
// and how hard it is to put right (irremediability).
type Severity struct {
	Scale, Scope, Irremediability int
}

// Factors are the rest of what priority looks at.
type Factors struct {
	Kind                string
	HarmStatus          string   // occurred, ongoing, imminent, potential
	Rights              []string // children raises urgency
	PreliminarySeverity string   // the complainant's own: imminent_loss, serious, none
}

// Reason is one factor and the priority it alone would give.
type Reason struct {
	Factor   string `json:"factor"`
	Priority string `json:"priority"`
}

var levels = []string{"P0", "P1", "P2", "P3"}

// Priority applies the maximum rule: each factor gives a priority on its
// own, and the case takes the most urgent of them — never an average.
//
//   - the gravest severity dimension: 4 → P0, 3 → P1, 2 → P2, 1 → P3
//   - harm imminent → P1; harm ongoing → P2
//   - children's rights affected → P1
//   - a possible serious incident (AI Act art. 3(49)) → P1
//   - the complainant says they are about to lose a job, benefit or home → P1
//   - retaliation against someone for complaining → P1
func Priority(s Severity, f Factors) (string, []Reason) {
	worst := max(s.Scale, s.Scope, s.Irremediability)
	reasons := []Reason{{fmt.Sprintf("severity: scale %d, scope %d, irremediability %d", s.Scale, s.Scope, s.Irremediability),
		levels[4-worst]}}
	add := func(cond bool, factor, p string) {
		if cond {
			reasons = append(reasons, Reason{factor, p})
		}
	}
	add(f.HarmStatus == "imminent", "harm is imminent", "P1")
	add(f.HarmStatus == "ongoing", "harm is ongoing", "P2")
	add(slices.Contains(f.Rights, "children"), "children's rights are affected", "P1")
	add(f.Kind == "incident", "possible serious incident", "P1")
	add(f.PreliminarySeverity == "imminent_loss", "the complainant is about to lose a job, benefit or home", "P1")
	add(f.Kind == "retaliation", "retaliation against the complainant", "P1")
	best := "P3"
	for _, r := range reasons {
		if r.Priority < best {
			best = r.Priority
		}
	}
	return best, reasons
}

// MoreUrgent reports whether priority a is more urgent than b (a nil b counts as least urgent).
func MoreUrgent(a string, b *string) bool { return b == nil || a < *b }
