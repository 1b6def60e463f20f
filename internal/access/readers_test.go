package access_test

import (
	"context"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// Readers asks the rule of every recipient's role in one statement; the
// recipients it keeps are exactly the active staff whom the rule, asked one
// viewer at a time (Open), lets see the case, whatever the case's state:
// unrouted, in a queue, taken, needing a skill, with a reviewer excluded or
// recused, with a break-glass grant.
func TestReadersAreWhomTheRuleLetsSeeTheCase(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	gdb := s.Core.DB
	exec := func(q string, args ...any) {
		t.Helper()
		if err := gdb.Exec(q, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	s.StaffUser("inactive-supervisor@example.org", auth.RoleSupervisor)
	exec(`UPDATE users SET active = false WHERE email = 'inactive-supervisor@example.org'`)
	exec(`INSERT INTO queue_members (queue_id, user_id) SELECT q.id, u.id FROM queues q, users u
	       WHERE q.slug = 'general' AND u.email = 'inactive-supervisor@example.org' ON CONFLICT DO NOTHING`)

	var users []struct {
		ID        uuid.UUID
		Role      auth.Role
		Skills    db.TextSlice
		Languages db.TextSlice
		Active    bool
	}
	if err := gdb.Raw(`SELECT id, role, skills, languages, active FROM users ORDER BY id`).Scan(&users).Error; err != nil {
		t.Fatal(err)
	}
	all := make([]uuid.UUID, len(users))
	for i, u := range users {
		all[i] = u.ID
	}
	id := func(email string) uuid.UUID {
		t.Helper()
		var u uuid.UUID
		if err := gdb.Raw(`SELECT id FROM users WHERE email = ?`, email).Row().Scan(&u); err != nil {
			t.Fatalf("%s: %v", email, err)
		}
		return u
	}
	f := s.File(teststack.ValidCase())
	caseID := uuid.MustParse(f.ID)

	check := func(state string) {
		t.Helper()
		var want []uuid.UUID
		for _, u := range users {
			v := access.Viewer{ID: u.ID, Role: u.Role, Skills: u.Skills, Languages: u.Languages}
			if _, err := s.Core.Access.Open(gdb.WithContext(ctx), v, caseID, "test"); err == nil && u.Active && u.Role != auth.RoleBody {
				want = append(want, u.ID)
			}
		}
		got, err := s.Core.Access.Readers(gdb.WithContext(ctx), caseID, all)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: Readers kept %v, the rule lets %v see it", state, got, want)
		}
		if len(want) == 0 {
			t.Errorf("%s: nobody may see the case; the state tests nothing", state)
		}
	}
	check("unrouted")
	if _, err := s.Core.Routing.Route(ctx, caseID); err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE cases SET queue_id = (SELECT id FROM queues WHERE slug = 'general') WHERE id = ?`, caseID)
	check("in the general queue")
	exec(`UPDATE cases SET required_skills = '{payroll}' WHERE id = ?`, caseID)
	check("needing a skill nobody has")
	exec(`UPDATE cases SET required_skills = '{}', excluded_reviewers = ARRAY[?::uuid] WHERE id = ?`, id("reviewer@example.org"), caseID)
	check("with the queue's reviewer excluded")
	exec(`UPDATE cases SET excluded_reviewers = '{}', decision_taker_id = ? WHERE id = ?`, id("supervisor@example.org"), caseID)
	check("decided by the supervisor")
	exec(`UPDATE cases SET decision_taker_id = NULL, assignee_id = ? WHERE id = ?`, id("reviewer2@example.org"), caseID)
	check("taken by a reviewer of another queue")
	exec(`INSERT INTO break_glass (case_id, user_id, reason, expires_at) VALUES (?, ?, 'A complainant asked the admin to check the record today.', now() + interval '1 hour')`,
		caseID, id("admin@example.org"))
	check("with an admin's break-glass grant")

	// The users the caller names bound the answer.
	some := []uuid.UUID{id("reviewer2@example.org"), id("regulator@example.org")}
	got, err := s.Core.Access.Readers(gdb.WithContext(ctx), caseID, some)
	if err != nil || !slices.Equal(got, some[:1]) {
		t.Errorf("Readers of the assignee and a body user: %v (%v), want only the assignee", got, err)
	}
}
