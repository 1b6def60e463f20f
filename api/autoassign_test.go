package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// autoAssignAll turns auto-assignment on for every queue with cap, and makes
// both demo reviewers members of every queue.
func autoAssignAll(t *testing.T, s *teststack.Stack, token string, cap int) {
	t.Helper()
	for _, q := range s.Do(req{Method: "GET", Path: "/api/v1/queues", Token: token}).JSON(t)["items"].([]any) {
		id := q.(map[string]any)["id"].(string)
		if r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/queues/" + id + "/auto-assignment", Token: token,
			Body: map[string]any{"enabled": true, "cap": cap}}); r.Status != 200 {
			t.Fatalf("auto-assignment: %d %s", r.Status, r.Body)
		}
	}
	if err := s.Core.DB.Exec(`INSERT INTO queue_members (queue_id, user_id)
		SELECT q.id, u.id FROM queues q, users u WHERE u.email IN ('reviewer@example.org', 'reviewer2@example.org')
		ON CONFLICT DO NOTHING`).Error; err != nil {
		t.Fatal(err)
	}
}

func assignee(t *testing.T, s *teststack.Stack, caseID string) string {
	t.Helper()
	var email *string
	s.Core.DB.Raw(`SELECT u.email FROM cases c LEFT JOIN users u ON u.id = c.assignee_id WHERE c.id = ?`, caseID).Scan(&email)
	if email == nil {
		return ""
	}
	return *email
}

func TestAutoAssignmentRoundRobinWithCapsAwayAndRecusal(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	sup := s.Login("supervisor@example.org")
	rita, rui := s.Reviewer(), s.Login("reviewer2@example.org")

	// Bad settings are refused, and only supervisors change them.
	var general string
	s.Core.DB.Raw(`SELECT id::text FROM queues WHERE slug = 'general'`).Scan(&general)
	if r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/queues/" + general + "/auto-assignment", Token: rita,
		Body: map[string]any{"enabled": true, "cap": 3}}); r.Status != 403 {
		t.Errorf("reviewer sets auto-assignment: %d", r.Status)
	}
	if r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/queues/" + general + "/auto-assignment", Token: sup,
		Body: map[string]any{"enabled": true, "cap": 0}}); r.Status != 422 || !strings.Contains(string(r.Body), `"cap"`) {
		t.Errorf("cap 0: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/queues/" + general + "/auto-assignment", Token: sup,
		Body: map[string]any{"cap": 3}}); r.Status != 422 || !strings.Contains(string(r.Body), `"enabled"`) {
		t.Errorf("no enabled: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/queues/" + uuid.NewString() + "/auto-assignment", Token: sup,
		Body: map[string]any{"enabled": true, "cap": 3}}); r.Status != 404 {
		t.Errorf("unknown queue: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "PUT", Path: "/api/v1/me/availability", Token: rita, Body: map[string]any{"availability": "busy"}}); r.Status != 422 {
		t.Errorf("availability busy: %d %s", r.Status, r.Body)
	}

	autoAssignAll(t, s, sup, 1)
	if r := s.Do(req{Method: "PUT", Path: "/api/v1/me/availability", Token: rui, Body: map[string]any{"availability": "away"}}); r.Status != 200 {
		t.Fatalf("away: %d %s", r.Status, r.Body)
	}
	// The demo's supervisor is a member of every queue too: away here, so
	// the round robin is between the two reviewers.
	if r := s.Do(req{Method: "PUT", Path: "/api/v1/me/availability", Token: sup, Body: map[string]any{"availability": "away"}}); r.Status != 200 {
		t.Fatalf("supervisor away: %d %s", r.Status, r.Body)
	}
	file := func() string {
		f := s.File(teststack.ValidCase())
		id := uuid.MustParse(f.ID)
		if _, err := s.Core.Routing.Route(ctx, id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Core.Review.AutoAssign(ctx, 1, id); err != nil {
			t.Fatal(err)
		}
		return f.ID
	}
	c1 := file()
	if got := assignee(t, s, c1); got != "reviewer@example.org" {
		t.Fatalf("case 1 went to %q; Rui is away", got)
	}
	c2 := file()
	if got := assignee(t, s, c2); got != "" {
		t.Fatalf("case 2 went to %q past Rita's cap of 1", got)
	}
	// Rui is back: the next pass gives him the waiting case.
	s.Do(req{Method: "PUT", Path: "/api/v1/me/availability", Token: rui, Body: map[string]any{"availability": "available"}})
	if n, err := s.Core.Review.AutoAssign(ctx, 100); err != nil || n != 1 {
		t.Fatalf("backlog pass: %d %v", n, err)
	}
	if got := assignee(t, s, c2); got != "reviewer2@example.org" {
		t.Fatalf("case 2 went to %q", got)
	}
	// Round robin once the caps allow: Rita was assigned longest ago.
	autoAssignAll(t, s, sup, 5)
	c3, c4 := file(), file()
	if a, b := assignee(t, s, c3), assignee(t, s, c4); a != "reviewer@example.org" || b != "reviewer2@example.org" {
		t.Errorf("round robin: %q then %q", a, b)
	}
	// Recusal: Rui operates the shift scheduler; cases about it only ever go to Rita.
	sys := map[string]string{}
	for _, it := range s.Do(req{Method: "GET", Path: "/api/v1/ai-systems"}).JSON(t)["items"].([]any) {
		m := it.(map[string]any)
		sys[m["slug"].(string)] = m["id"].(string)
	}
	for range 3 {
		body := teststack.ValidCase()
		delete(body, "ai_system_other")
		body["ai_system_id"] = sys["shift-scheduler"]
		f := s.File(body)
		if _, err := s.Core.Routing.Route(ctx, uuid.MustParse(f.ID)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Core.Review.AutoAssign(ctx, 1, uuid.MustParse(f.ID)); err != nil {
			t.Fatal(err)
		}
		if got := assignee(t, s, f.ID); got == "reviewer2@example.org" {
			t.Fatalf("a shift-scheduler case went to its operator")
		}
	}
	// The case record says who assigned it: the system.
	var actor string
	s.Core.DB.Raw(`SELECT actor_kind FROM audit_entries WHERE case_id = ? AND action = 'case.auto_assigned'`, c1).Scan(&actor)
	if actor != "system" {
		t.Errorf("auto-assignment recorded by %q", actor)
	}
}

func TestWorkerAutoAssignsRoutedCases(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	autoAssignAll(t, s, s.Login("supervisor@example.org"), 10)
	f := s.File(teststack.ValidCase())
	testenv.Eventually(t, 10*time.Second, "the routed case is assigned", func() bool { return assignee(t, s, f.ID) != "" })
}
