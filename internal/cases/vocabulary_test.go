package cases_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/testenv"
)

// The values Go names for the cases table's enum-like columns are the
// values its CHECK constraints allow.
func TestVocabularyMatchesDatabase(t *testing.T) {
	gdb, _ := testenv.DB(t)
	for _, tc := range []struct {
		column string
		want   []string
	}{
		{"status", testenv.Sorted(cases.Statuses)},
		{"kind", testenv.Sorted(cases.Kinds)},
		{"priority", testenv.Sorted(cases.Priorities)},
		{"pending_priority", testenv.Sorted(cases.Priorities)},
		{"appeal_state", testenv.Sorted(cases.AppealStates)},
		{"incident_subtype", testenv.Sorted(cases.IncidentSubtypes)},
		{"root_cause", testenv.Sorted(cases.RootCauses)},
	} {
		if got := testenv.CheckValues(t, gdb, "cases", tc.column); !slices.Equal(got, tc.want) {
			t.Errorf("cases.%s allows %q, Go names %q", tc.column, got, tc.want)
		}
	}
	// The claim's partial index lists the claimable statuses; the list's
	// indexes of the active cases leave out the ended ones.
	for _, ix := range []struct {
		name, op string
		want     []string
	}{
		{"cases_claim_idx", "=", testenv.Sorted(cases.Claimable)},
		{"cases_active_list_idx", "<>", testenv.Sorted(cases.Ended)},
		{"cases_active_assignee_idx", "<>", testenv.Sorted(cases.Ended)},
		{"cases_active_queue_idx", "<>", testenv.Sorted(cases.Ended)},
	} {
		def := testenv.IndexDef(t, gdb, ix.name)
		m := regexp.MustCompile(`status ` + ix.op + ` (?:ANY|ALL) \(ARRAY\[([^\]]*)\]\)`).FindStringSubmatch(def)
		if m == nil {
			t.Fatalf("%s names no statuses with %s: %s", ix.name, ix.op, def)
		}
		var inIndex []string
		for _, v := range regexp.MustCompile(`'([^']*)'`).FindAllStringSubmatch(m[1], -1) {
			inIndex = append(inIndex, v[1])
		}
		slices.Sort(inIndex)
		if !slices.Equal(inIndex, ix.want) {
			t.Errorf("%s names %q, Go names %q", ix.name, inIndex, ix.want)
		}
	}
}
