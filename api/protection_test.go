package api_test

import (
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// retaliationCase is a complaint of retaliation, as a worker would file it.
func retaliationCase() map[string]any {
	return with(func(m map[string]any) {
		m["kind"] = "retaliation"
		m["description"] = "After I complained about the scheduler, my manager said they threatened my contract."
		m["harm_types"] = []string{"psychological"}
	})
}

// Retaliation goes to the supervisors at P1 by the rules every install has
// (migration 00027), with the P1 tier's clocks, not the 90 days of P3.
func TestRetaliationIsRoutedToSupervisorsAtP1(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	f := s.File(retaliationCase())
	got := waitRouted(t, s, f.ID)
	if want := (routedCase{"supervisors", "P1", "Retaliation against a complainant"}); got != want {
		t.Fatalf("retaliation routed %+v, want %+v", got, want)
	}
	var decisionDue time.Time
	s.Core.DB.Raw(`SELECT due_at FROM case_clocks WHERE case_id = ? AND clock = 'decision'`, f.ID).Scan(&decisionDue)
	if d := time.Until(decisionDue); d > 31*24*time.Hour || d < 29*24*time.Hour {
		t.Errorf("decision due in %v, want the P1 tier's 30 days", d)
	}
	// The rules are the install's, not the demo's: they come first.
	var first []string
	s.Core.DB.Raw(`SELECT name FROM routing_rules WHERE NOT is_default ORDER BY position LIMIT 2`).Scan(&first)
	if len(first) != 2 || first[0] != "Retaliation against a complainant" || first[1] != "Someone is about to lose a job, benefit or home" {
		t.Errorf("first rules: %v", first)
	}
}
