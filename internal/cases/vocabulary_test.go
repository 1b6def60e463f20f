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
	// The claim's partial index lists the claimable statuses.
	def := testenv.IndexDef(t, gdb, "cases_claim_idx")
	m := regexp.MustCompile(`status = ANY \(ARRAY\[([^\]]*)\]\)`).FindStringSubmatch(def)
	if m == nil {
		t.Fatalf("cases_claim_idx names no statuses: %s", def)
	}
	var inIndex []string
	for _, v := range regexp.MustCompile(`'([^']*)'`).FindAllStringSubmatch(m[1], -1) {
		inIndex = append(inIndex, v[1])
	}
	slices.Sort(inIndex)
	if want := testenv.Sorted(cases.Claimable); !slices.Equal(inIndex, want) {
		t.Errorf("cases_claim_idx covers %q, Go claims from %q", inIndex, want)
	}
}
