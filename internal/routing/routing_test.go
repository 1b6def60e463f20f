package routing_test

import (
	"context"
	"os"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// Routing holds the rules in memory and reads them again only when they
// changed (issue 18), and no change goes unseen, whoever makes it: the
// admin API, or an operator's statement in psql (the version the routing
// reads with each case is bumped by a trigger on routing_rules). Each case
// below is routed by the rules committed before its routing began.
func TestRoutingReadsTheRulesOnlyWhenTheyChanged(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	routing := s.Core.Routing
	exec := func(q string, args ...any) {
		t.Helper()
		if err := s.Core.DB.Exec(q, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	route := func(want string) {
		t.Helper()
		f := s.File(teststack.ValidCase())
		r, err := routing.Route(ctx, uuid.MustParse(f.ID))
		if err != nil || r == nil {
			t.Fatalf("route: %v %v", r, err)
		}
		var queue string
		s.Core.DB.Raw(`SELECT q.slug FROM cases c JOIN queues q ON q.id = c.queue_id WHERE c.id = ?`, f.ID).Scan(&queue)
		if queue != want {
			t.Errorf("routed to %q by rule %q, want %q", queue, r.RuleName, want)
		}
	}
	reads := func(want int64) {
		t.Helper()
		if n := routing.RuleReads(); n != want {
			t.Errorf("the rules read %d times, want %d", n, want)
		}
	}

	route("general")
	route("general")
	reads(1)

	// An operator adds a rule in psql, ahead of the default one.
	exec(`INSERT INTO routing_rules (position, name, kinds, queue_id, priority)
		SELECT 900, 'Contested decisions', '{contest_decision}', id, 'P2' FROM queues WHERE slug = 'employment'`)
	route("employment")
	route("employment")
	reads(2)

	// They disable it.
	exec(`UPDATE routing_rules SET enabled = false WHERE name = 'Contested decisions'`)
	route("general")
	reads(3)

	// An admin sends another queue's cases there through the API, and puts
	// the rule back on.
	var rule, credit string
	s.Core.DB.Raw(`SELECT id::text FROM routing_rules WHERE name = 'Contested decisions'`).Scan(&rule)
	s.Core.DB.Raw(`SELECT id::text FROM queues WHERE slug = 'credit-and-benefits'`).Scan(&credit)
	if r := s.Do(teststack.Request{Method: "PUT", Path: "/api/v1/admin/routing-rules/" + rule, Token: s.Login("admin@example.org"),
		Body: map[string]any{"name": "Contested decisions", "enabled": true, "kinds": []string{"contest_decision"},
			"queue_id": credit, "priority": "P2"}}); r.Status != 200 {
		t.Fatalf("update the rule: %d %s", r.Status, r.Body)
	}
	route("credit-and-benefits")
	reads(4)

	// A condition changed in psql: the rule no longer matches.
	exec(`UPDATE routing_rules SET kinds = '{complaint}' WHERE name = 'Contested decisions'`)
	route("general")
	route("general")
	reads(5)
}
