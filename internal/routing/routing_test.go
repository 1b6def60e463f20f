package routing_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/platform/db"
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
	exec := executor(t, s)
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

// Routing sets a case's clocks, and its next due date, with the case's
// own update (issue 18: it updated the row twice): as a recompute of the
// case's clocks would set them once it is routed, under the routing's
// priority and SLA policy, or the default policy when the rule names none.
func TestRoutingSetsTheClocksARecomputeWouldSet(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	exec := executor(t, s)
	// A policy of its own whose P1 cases are acknowledged within one business day.
	exec(`INSERT INTO sla_policies (slug, name, jurisdiction, calendar_id, tiers, statutory, warn_fractions, breach_actions, is_default)
		SELECT 'fast-lane', 'Fast lane', jurisdiction, calendar_id, jsonb_set(tiers, '{P1,0,amount}', '1'), statutory,
		       warn_fractions, breach_actions, false FROM sla_policies WHERE slug = 'eu-default'`)
	var fast, def string
	s.Core.DB.Raw(`SELECT id::text FROM sla_policies WHERE slug = 'fast-lane'`).Scan(&fast)
	s.Core.DB.Raw(`SELECT id::text FROM sla_policies WHERE is_default`).Scan(&def)
	state := func(id string) string {
		t.Helper()
		var clocks, row string
		s.Core.DB.Raw(`SELECT string_agg(format('%s started %s due %s warn %s fire %s policy %s paused %s rule %s',
			clock, started_at, due_at, warn_at, next_fire_at, policy_id, paused, rule), E'\n' ORDER BY clock)
			FROM case_clocks WHERE case_id = ?`, id).Scan(&clocks)
		s.Core.DB.Raw(`SELECT format('next due %s, priority %s, policy %s', next_due_at, priority, sla_policy_id)
			FROM cases WHERE id = ?`, id).Scan(&row)
		return row + "\n" + clocks
	}
	exec(`INSERT INTO routing_rules (position, name, kinds, queue_id, priority)
		SELECT 900, 'Under test', '{contest_decision}', id, 'P3' FROM queues WHERE slug = 'employment'`)
	for _, tc := range []struct {
		name, priority, policy, want string
	}{
		{"a rule's own policy", "P1", "'fast-lane'", fast},
		{"no policy", "P2", "NULL", def},
	} {
		exec(`UPDATE routing_rules SET priority = ?, sla_policy = `+tc.policy+` WHERE name = 'Under test'`, tc.priority)
		f := s.File(teststack.ValidCase())
		if _, err := s.Core.Routing.Route(ctx, uuid.MustParse(f.ID)); err != nil {
			t.Fatal(err)
		}
		routed := state(f.ID)
		var policies, due int
		s.Core.DB.Raw(`SELECT count(*) FROM case_clocks WHERE case_id = ? AND policy_id = ?`, f.ID, tc.want).Scan(&policies)
		s.Core.DB.Raw(`SELECT count(*) FROM cases c WHERE id = ? AND next_due_at IS NOT NULL AND next_due_at =
			(SELECT min(due_at) FROM case_clocks WHERE case_id = c.id AND satisfied_at IS NULL)`, f.ID).Scan(&due)
		if policies == 0 || due != 1 {
			t.Errorf("%s: %d clocks under the policy expected, next due date set %v:\n%s", tc.name, policies, due == 1, routed)
		}
		if _, err := s.Core.Clocks.Recompute(ctx, uuid.MustParse(f.ID)); err != nil {
			t.Fatal(err)
		}
		if again := state(f.ID); again != routed {
			t.Errorf("%s: the routing set\n%s\n\na recompute sets\n%s", tc.name, routed, again)
		}
	}
}

// executor runs statements on s's database, as an operator in psql would.
func executor(t *testing.T, s *teststack.Stack) func(q string, args ...any) {
	return func(q string, args ...any) {
		t.Helper()
		if err := s.Core.DB.Exec(q, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
}

// A restore brings back the rules and their version as they were when the
// dump was taken, while a worker may still hold the rules of a version
// past it. The changes made after the restore must not bring back a
// version that worker holds, with other rules (a counter would: it counts
// again from the dump's value): the version is a fresh random token at
// every change.
func TestRoutingRulesAfterARestoreAreNotMistakenForThoseHeld(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	exec := executor(t, s)
	route := func(want string) {
		t.Helper()
		f := s.File(teststack.ValidCase())
		if _, err := s.Core.Routing.Route(ctx, uuid.MustParse(f.ID)); err != nil {
			t.Fatal(err)
		}
		var queue string
		s.Core.DB.Raw(`SELECT q.slug FROM cases c JOIN queues q ON q.id = c.queue_id WHERE c.id = ?`, f.ID).Scan(&queue)
		if queue != want {
			t.Errorf("routed to %q, want %q", queue, want)
		}
	}
	var dumped string
	s.Core.DB.Raw(`SELECT version::text FROM routing_rules_version`).Scan(&dumped) // the dump is taken here
	exec(`INSERT INTO routing_rules (position, name, kinds, queue_id, priority)
		SELECT 900, 'Contested decisions', '{contest_decision}', id, 'P2' FROM queues WHERE slug = 'employment'`)
	route("employment") // the worker holds the rules after the change

	// The dump is restored: the rules and their version as they were
	// (written last, over what the trigger wrote). Then an admin sends the
	// same cases to another queue.
	if err := s.Core.DB.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE routing_rules SET enabled = false WHERE name = 'Contested decisions'`).Error; err != nil {
			return err
		}
		return tx.Exec(`UPDATE routing_rules_version SET version = ?::uuid`, dumped).Error
	}); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO routing_rules (position, name, kinds, queue_id, priority)
		SELECT 901, 'Contested decisions, again', '{contest_decision}', id, 'P2' FROM queues WHERE slug = 'credit-and-benefits'`)
	route("credit-and-benefits")
}

// A routing that waits for the case's row lock sees what the lock's holder
// wrote: an entry it appended to the case's record and a pause it opened.
// The routing reads the case after it has the lock, in a statement of its
// own; read with the lock, in the statement that waited, the record and the
// pauses were those from before the wait (READ COMMITTED), so the routing's
// entry collided with the holder's on (case_id, seq) and its clocks ran
// through the pause.
func TestRoutingWaitingOnTheCaseSeesWhatItsHolderWrote(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	f := s.File(teststack.ValidCase())
	id := uuid.MustParse(f.ID)

	locked, release, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		held <- db.Transact(ctx, s.Core.DB, func(tx *gorm.DB) error {
			if _, err := audit.Append(tx, audit.Event{CaseID: id, ActorKind: audit.ActorSystem, Action: "case.note",
				Data: map[string]any{"note": "written while the routing waits"}}); err != nil {
				return err
			}
			if err := tx.Exec(`INSERT INTO case_pauses (case_id, paused_at) VALUES (?, now() - interval '1 hour')`, id).Error; err != nil {
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	routed := make(chan error, 1)
	go func() {
		_, err := s.Core.Routing.Route(ctx, id)
		routed <- err
	}()
	testenv.Eventually(t, 30*time.Second, "the routing to wait for the case's lock", func() bool {
		return testenv.LockWaiters(t, s.Core.DB) > 0
	})
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if err := <-routed; err != nil {
		t.Fatalf("the routing, once the lock was released: %v", err)
	}

	es, err := audit.Entries(s.Core.DB, id)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Action)
	}
	if v := audit.Verify(id, es); !v.Verified || strings.Join(actions, " ") != "case.submitted case.note case.routed" {
		t.Errorf("the record %v, verified %v (%s)", actions, v.Verified, v.Problem)
	}
	clocks := func() string {
		var out string
		s.Core.DB.Raw(`SELECT string_agg(format('%s due %s paused %s fire %s', clock, due_at, paused, next_fire_at), E'\n' ORDER BY clock)
			FROM case_clocks WHERE case_id = ?`, id).Scan(&out)
		return out
	}
	set := clocks()
	if _, err := s.Core.Clocks.Recompute(ctx, id); err != nil {
		t.Fatal(err)
	}
	if again := clocks(); again != set {
		t.Errorf("the routing set the clocks\n%s\nwhere the pause makes them\n%s", set, again)
	}
}
