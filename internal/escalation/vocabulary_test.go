package escalation_test

import (
	"slices"
	"testing"

	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/testenv"
)

// The referral statuses, consent scopes and sources (a referral's and an
// escalation request's), the escalation requests' statuses and the outcome
// items' kinds and statuses Go names are the ones the database accepts.
func TestVocabularyMatchesDatabase(t *testing.T) {
	gdb, _ := testenv.DB(t)
	for _, tc := range []struct {
		table, column string
		want          []string
	}{
		{"referrals", "status", testenv.Sorted(escalation.ReferralStatuses)},
		{"referrals", "consent_scope", testenv.Sorted(escalation.ConsentScopes)},
		{"referrals", "source", testenv.Sorted(escalation.Sources)},
		{"escalation_requests", "source", testenv.Sorted(escalation.Sources)},
		{"escalation_requests", "status", testenv.Sorted(escalation.RequestStatuses)},
		{"referral_outcome_items", "kind", testenv.Sorted(escalation.ItemKinds)},
		{"referral_outcome_items", "status", testenv.Sorted(escalation.ItemStatuses)},
		{"signing_keys", "status", testenv.Sorted(escalation.KeyStatuses)},
	} {
		if got := testenv.CheckValues(t, gdb, tc.table, tc.column); !slices.Equal(got, tc.want) {
			t.Errorf("%s.%s allows %q, Go names %q", tc.table, tc.column, got, tc.want)
		}
	}
	// A body sets every status but the first.
	if !slices.Equal(escalation.BodyStatuses, escalation.ReferralStatuses[1:]) {
		t.Errorf("a body sets %q of %q", escalation.BodyStatuses, escalation.ReferralStatuses)
	}
}
