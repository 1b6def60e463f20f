package api_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/review"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

func systemIDs(t *testing.T, s *teststack.Stack) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, it := range s.Do(req{Method: "GET", Path: "/api/v1/ai-systems"}).JSON(t)["items"].([]any) {
		m := it.(map[string]any)
		out[m["slug"].(string)] = m["id"].(string)
	}
	return out
}

func queueIDs(t *testing.T, s *teststack.Stack, tok string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, it := range s.Do(req{Method: "GET", Path: "/api/v1/queues", Token: tok}).JSON(t)["items"].([]any) {
		m := it.(map[string]any)
		out[m["slug"].(string)] = m["id"].(string)
	}
	return out
}

type routedCase struct {
	Queue, Priority, Rule string
}

func waitRouted(t *testing.T, s *teststack.Stack, id string) routedCase {
	t.Helper()
	var rc routedCase
	testenv.Eventually(t, 10*time.Second, "case "+id+" to be routed", func() bool {
		s.Core.DB.Raw(`SELECT q.slug AS queue, c.priority, r.name AS rule FROM cases c
			JOIN queues q ON q.id = c.queue_id JOIN routing_rules r ON r.id = c.routing_rule_id
			WHERE c.id = ? AND c.routed_at IS NOT NULL`, id).Scan(&rc)
		return rc.Queue != ""
	})
	return rc
}

func TestRoutingSendsEachCaseByTheFirstMatchingRule(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	sys := systemIDs(t, s)
	onSystem := func(slug string) func(m map[string]any) {
		return func(m map[string]any) { delete(m, "ai_system_other"); m["ai_system_id"] = sys[slug] }
	}
	cases := []struct {
		name string
		body map[string]any
		want routedCase
	}{
		{"incident", with(func(m map[string]any) { m["kind"] = "incident" }), routedCase{"incidents", "P1", "Possible serious incidents"}},
		{"incident about the scheduler: first rule wins", with(func(m map[string]any) { onSystem("shift-scheduler")(m); m["kind"] = "incident" }),
			routedCase{"incidents", "P1", "Possible serious incidents"}},
		{"imminent loss", with(func(m map[string]any) { m["preliminary_severity"] = "imminent_loss" }),
			routedCase{"supervisors", "P1", "Someone is about to lose a job, benefit or home"}},
		{"scheduler", with(onSystem("shift-scheduler")), routedCase{"employment", "P2", "Hiring and scheduling systems"}},
		{"credit", with(onSystem("credit-scorer")), routedCase{"credit-and-benefits", "P2", "Credit and benefits systems"}},
		{"arabic", with(func(m map[string]any) { m["language"] = "ar" }), routedCase{"general", "P3", "Complaints in Arabic"}},
		{"anything else", teststack.ValidCase(), routedCase{"general", "P3", "Default: every other case"}},
	}
	for _, tc := range cases {
		f := s.File(tc.body)
		if got := waitRouted(t, s, f.ID); got != tc.want {
			t.Errorf("%s: routed %+v, want %+v", tc.name, got, tc.want)
		}
		var entries int
		s.Core.DB.Raw(`SELECT count(*) FROM audit_entries WHERE case_id = ? AND action = 'case.routed' AND data::jsonb->>'rule' = ?`,
			f.ID, tc.want.Rule).Scan(&entries)
		if entries != 1 {
			t.Errorf("%s: %d case.routed entries naming the rule", tc.name, entries)
		}
	}
	// Routing again changes nothing.
	var id uuid.UUID
	s.Core.DB.Raw(`SELECT id FROM cases LIMIT 1`).Row().Scan(&id)
	if r, err := s.Core.Routing.Route(context.Background(), id); err != nil || r != nil {
		t.Errorf("second route: %v %v", r, err)
	}
}

func TestClaimRespectsLanguagesAndRecusal(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	sys := systemIDs(t, s)
	rita, rui := s.Reviewer(), s.Login("reviewer2@example.org")
	queues := queueIDs(t, s, rita)

	arabic := s.File(with(func(m map[string]any) { m["language"] = "ar" }))
	sched := s.File(with(func(m map[string]any) { delete(m, "ai_system_other"); m["ai_system_id"] = sys["shift-scheduler"] }))
	waitRouted(t, s, arabic.ID)
	waitRouted(t, s, sched.ID)

	claim := func(tok, queue string) *teststack.Response {
		return s.Do(req{Method: "POST", Path: "/api/v1/queues/" + queues[queue] + "/claim", Token: tok})
	}
	// Rita reads no Arabic: nothing in general she may take.
	if r := claim(rita, "general"); r.Status != 204 {
		t.Fatalf("rita in general: %d %s", r.Status, r.Body)
	}
	// Rui operates the scheduler: he is recused from cases about it.
	if r := claim(rui, "employment"); r.Status != 204 {
		t.Fatalf("rui in employment: %d %s", r.Status, r.Body)
	}
	// (claiming skips a case the worker holds locked for a moment, so retry)
	testenv.Eventually(t, 10*time.Second, "rui claims the Arabic case", func() bool {
		r := claim(rui, "general")
		if r.Status == 200 && r.JSON(t)["id"] != arabic.ID {
			t.Fatalf("rui in general: %s", r.Body)
		}
		return r.Status == 200
	})
	var r *teststack.Response
	testenv.Eventually(t, 10*time.Second, "rita claims the scheduler case", func() bool {
		r = claim(rita, "employment")
		return r.Status == 200
	})
	if r.JSON(t)["id"] != sched.ID || r.JSON(t)["assignee_id"] == nil {
		t.Fatalf("rita in employment: %d %s", r.Status, r.Body)
	}
	// A supervisor cannot hand the scheduler case to Rui either.
	sup := s.Login("supervisor@example.org")
	var ruiID string
	s.Core.DB.Raw(`SELECT id::text FROM users WHERE email = 'reviewer2@example.org'`).Scan(&ruiID)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + sched.ID + "/assign", Token: sup, Body: map[string]string{"user_id": ruiID}}); r.Status != 409 {
		t.Errorf("assign to a recused reviewer: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + sched.ID + "/assign", Token: rita, Body: map[string]string{"user_id": ruiID}}); r.Status != 403 {
		t.Errorf("reviewer reassigning: %d", r.Status)
	}
	// Rui cannot release Rita's case (recused from it, it does not exist
	// for him: need to know); Rita can, and then it can be claimed again.
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + sched.ID + "/release", Token: rui}); r.Status != 404 {
		t.Errorf("release someone else's case: %d", r.Status)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + sched.ID + "/release", Token: rita}); r.Status != 200 {
		t.Errorf("release: %d %s", r.Status, r.Body)
	}
	if r := claim(rita, "employment"); r.Status != 200 {
		t.Errorf("claim after release: %d", r.Status)
	}
	// Counts per queue.
	for _, q := range s.Do(req{Method: "GET", Path: "/api/v1/queues", Token: sup}).JSON(t)["items"].([]any) {
		q := q.(map[string]any)
		if q["slug"] == "employment" && (q["open"].(float64) != 1 || q["unassigned"].(float64) != 0) {
			t.Errorf("employment counts %v", q)
		}
	}
	// Need to know: the supervisor of general sees Rui's case there; Rita,
	// who may not take it (it is held), does not.
	if r := s.Do(req{Method: "GET", Path: "/api/v1/queues/" + queues["general"] + "/cases", Token: sup}); r.Status != 200 ||
		len(r.JSON(t)["items"].([]any)) != 1 {
		t.Errorf("general's cases: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "GET", Path: "/api/v1/queues/" + queues["general"] + "/cases", Token: rita}); r.Status != 200 ||
		len(r.JSON(t)["items"].([]any)) != 0 {
		t.Errorf("general's cases as Rita: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/queues/" + uuid.NewString() + "/claim", Token: rita}); r.Status != 404 {
		t.Errorf("unknown queue: %d", r.Status)
	}
}

// A hundred reviewers claim at once: every case goes to exactly one of them.
func TestConcurrentClaimsNeverShareACase(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	const cases, reviewers = 30, 100
	for i := range cases {
		f := s.File(with(func(m map[string]any) { m["description"] = fmt.Sprintf("Case %d for the claim race.", i) }))
		if _, err := s.Core.Routing.Route(ctx, uuid.MustParse(f.ID)); err != nil {
			t.Fatal(err)
		}
	}
	var queue uuid.UUID
	s.Core.DB.Raw(`SELECT id FROM queues WHERE slug = 'general'`).Row().Scan(&queue)
	ids := make([]uuid.UUID, reviewers)
	for i := range ids {
		ids[i] = uuid.New()
		if err := s.Core.DB.Exec(`INSERT INTO users (id, email, name, role, password_hash, languages)
			VALUES (?, ?, ?, 'reviewer', 'x', '{en}')`, ids[i], fmt.Sprintf("r%d@example.org", i), "R").Error; err != nil {
			t.Fatal(err)
		}
		// Only a queue's members claim its cases.
		if err := s.Core.DB.Exec(`INSERT INTO queue_members (queue_id, user_id) VALUES (?, ?)`, queue, ids[i]).Error; err != nil {
			t.Fatal(err)
		}
	}
	got := make([]uuid.UUID, reviewers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range reviewers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			id, err := s.Core.Review.Claim(ctx, queue, review.Reviewer{ID: ids[i], Languages: []string{"en"}})
			if err != nil {
				t.Error(err)
			}
			got[i] = id
		}()
	}
	close(start)
	wg.Wait()
	seen := map[uuid.UUID]bool{}
	for _, id := range got {
		if id == uuid.Nil {
			continue
		}
		if seen[id] {
			t.Fatalf("case %s claimed twice", id)
		}
		seen[id] = true
	}
	if len(seen) != cases {
		t.Errorf("%d cases claimed, want all %d", len(seen), cases)
	}
	var unassigned int
	s.Core.DB.Raw(`SELECT count(*) FROM cases WHERE assignee_id IS NULL`).Scan(&unassigned)
	if unassigned != 0 {
		t.Errorf("%d cases left unassigned", unassigned)
	}
}

func TestRoutingRulesAdmin(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	admin := s.Login("admin@example.org")
	queues := queueIDs(t, s, admin)
	path := "/api/v1/admin/routing-rules"
	if r := s.Do(req{Method: "GET", Path: path, Token: s.Reviewer()}); r.Status != 403 {
		t.Errorf("reviewer reading rules: %d", r.Status)
	}
	rules := s.Do(req{Method: "GET", Path: path, Token: admin}).JSON(t)["items"].([]any)
	// Two rules every install has (retaliation, imminent loss), four of the demo's, the default.
	if len(rules) != 7 || rules[6].(map[string]any)["is_default"] != true {
		t.Fatalf("%d rules, the default not last: %v", len(rules), rules)
	}
	def := rules[6].(map[string]any)["id"].(string)

	bad := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"name": "", "queue_id": queues["general"], "priority": "P2"}, "name"},
		{map[string]any{"name": "x", "queue_id": uuid.NewString(), "priority": "P2"}, "queue_id"},
		{map[string]any{"name": "x", "queue_id": queues["general"], "priority": "urgent"}, "priority"},
		{map[string]any{"name": "x", "queue_id": queues["general"], "priority": "P2", "kinds": []string{"gripe"}}, "kinds[0]"},
		{map[string]any{"name": "x", "queue_id": queues["general"], "priority": "P2", "ai_system_ids": []string{uuid.NewString()}}, "ai_system_ids[0]"},
	}
	for _, b := range bad {
		r := s.Do(req{Method: "POST", Path: path, Token: admin, Body: b.body})
		if r.Status != 422 || r.JSON(t)["errors"].([]any)[0].(map[string]any)["field"] != b.field {
			t.Errorf("%v: %d %s", b.body, r.Status, r.Body)
		}
	}
	r := s.Do(req{Method: "POST", Path: path, Token: admin, Body: map[string]any{"name": "Privacy cases", "rights": []string{"privacy"},
		"queue_id": queues["supervisors"], "priority": "P2", "required_skills": []string{"data_protection"}}})
	if r.Status != 201 || r.JSON(t)["position"].(float64) != 6 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	created := r.JSON(t)["id"].(string)

	// The default rule keeps matching everything and cannot be switched off.
	if r := s.Do(req{Method: "PUT", Path: path + "/" + def, Token: admin, Body: map[string]any{"name": "d", "kinds": []string{"concern"},
		"queue_id": queues["general"], "priority": "P3"}}); r.Status != 422 {
		t.Errorf("conditions on the default: %d", r.Status)
	}
	if r := s.Do(req{Method: "PUT", Path: path + "/" + def, Token: admin, Body: map[string]any{"name": "d", "enabled": false,
		"queue_id": queues["general"], "priority": "P3"}}); r.Status != 422 {
		t.Errorf("disabling the default: %d", r.Status)
	}
	if r := s.Do(req{Method: "PUT", Path: path + "/" + def, Token: admin, Body: map[string]any{"name": "Everything else",
		"queue_id": queues["supervisors"], "priority": "P2"}}); r.Status != 200 {
		t.Errorf("retargeting the default: %d %s", r.Status, r.Body)
	}

	// Reorder: the new rule first; a list that leaves one out is refused.
	var order []string
	for _, it := range s.Do(req{Method: "GET", Path: path, Token: admin}).JSON(t)["items"].([]any) {
		if m := it.(map[string]any); m["is_default"] != true && m["id"] != created {
			order = append(order, m["id"].(string))
		}
	}
	if r := s.Do(req{Method: "POST", Path: path + "/order", Token: admin, Body: map[string]any{"ids": order}}); r.Status != 422 {
		t.Errorf("reorder missing a rule: %d", r.Status)
	}
	r = s.Do(req{Method: "POST", Path: path + "/order", Token: admin, Body: map[string]any{"ids": append([]string{created}, order...)}})
	if r.Status != 200 || r.JSON(t)["items"].([]any)[0].(map[string]any)["id"] != created {
		t.Fatalf("reorder: %d %s", r.Status, r.Body)
	}
	// A privacy case now goes to supervisors and needs the data-protection skill.
	f := s.File(with(func(m map[string]any) { m["rights"] = []string{"privacy"} }))
	routed, err := s.Core.Routing.Route(context.Background(), uuid.MustParse(f.ID))
	if err != nil || routed.RuleName != "Privacy cases" {
		t.Fatalf("routed by %v (%v)", routed, err)
	}
	if err := s.Core.DB.Exec(`DELETE FROM routing_rules WHERE is_default`).Error; err == nil {
		t.Error("the default rule was deleted")
	}
}
