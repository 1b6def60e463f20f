package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

func TestSLAPoliciesAndCalendarsAreData(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	admin := s.Login("admin@example.org")

	// Only admins.
	if r := s.Do(req{Method: "GET", Path: "/api/v1/admin/sla/policies", Token: s.Reviewer()}); r.Status != 403 {
		t.Fatalf("reviewer: %d", r.Status)
	}
	r := s.Do(req{Method: "GET", Path: "/api/v1/admin/sla/policies", Token: admin})
	if r.Status != 200 || !strings.Contains(string(r.Body), `"slug":"eu-default"`) || !strings.Contains(string(r.Body), `"is_default":true`) {
		t.Fatalf("policies: %d %s", r.Status, r.Body)
	}

	// A French calendar with a public holiday on the Friday.
	r = s.Do(req{Method: "POST", Path: "/api/v1/admin/sla/calendars", Token: admin, Body: map[string]any{
		"slug": "fr-office", "name": "Bureaux, Paris",
		"spec": map[string]any{"time_zone": "Europe/Paris",
			"hours":    map[string][]string{"1": {"09:00-17:00"}, "2": {"09:00-17:00"}, "3": {"09:00-17:00"}, "4": {"09:00-17:00"}, "5": {"09:00-17:00"}},
			"holidays": []string{"2026-12-25"}},
	}})
	if r.Status != 201 {
		t.Fatalf("create calendar: %d %s", r.Status, r.Body)
	}
	calID := r.JSON(t)["id"].(string)
	// Bad calendars name what is wrong.
	r = s.Do(req{Method: "POST", Path: "/api/v1/admin/sla/calendars", Token: admin, Body: map[string]any{
		"slug": "Bad Slug", "name": "", "spec": map[string]any{"time_zone": "Mars/Olympus"}}})
	if r.Status != 422 || !strings.Contains(string(r.Body), `"slug"`) || !strings.Contains(string(r.Body), `"name"`) ||
		!strings.Contains(string(r.Body), "Mars/Olympus") {
		t.Fatalf("bad calendar: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/sla/calendars/" + uuid.NewString(), Token: admin, Body: map[string]any{
		"slug": "x-cal", "name": "X", "spec": map[string]any{"time_zone": "UTC"}}}); r.Status != 404 {
		t.Fatalf("unknown calendar: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/sla/calendars/" + calID, Token: admin, Body: map[string]any{
		"slug": "eu-office", "name": "X", "spec": map[string]any{"time_zone": "UTC"}}}); r.Status != 422 {
		t.Fatalf("taken slug: %d %s", r.Status, r.Body)
	}

	// A strict policy: decide P3 cases within 2 hours.
	strict := map[string]any{
		"slug": "strict", "name": "Strict", "jurisdiction": "FR", "calendar": "fr-office",
		"tiers": map[string]any{"P3": []map[string]any{{"code": "strict_decision", "source": "Strict policy", "period": "2 hours",
			"clock": "decision", "unit": "hours", "amount": 2, "from": "submitted", "pausable": true}}},
		"statutory":      []any{},
		"warn_fractions": []float64{0.5},
		"breach_actions": map[string]any{"notify": true, "raise_priority": false, "escalate_statutory": false},
	}
	r = s.Do(req{Method: "POST", Path: "/api/v1/admin/sla/policies", Token: admin, Body: strict})
	if r.Status != 201 {
		t.Fatalf("create policy: %d %s", r.Status, r.Body)
	}
	policyID := r.JSON(t)["id"].(string)

	// Every mistake in a policy is named by its place.
	bad := map[string]any{
		"slug": "broken", "name": "Broken", "calendar": "nowhere",
		"tiers": map[string]any{"P7": []any{}, "P1": []map[string]any{{"code": "x", "clock": "lunch", "unit": "weeks",
			"amount": 0, "from": "dawn"}}},
		"warn_fractions": []float64{0.9, 0.5},
		"breach_actions": map[string]any{"move_to_queue": "no-such-queue"},
	}
	r = s.Do(req{Method: "POST", Path: "/api/v1/admin/sla/policies", Token: admin, Body: bad})
	body := string(r.Body)
	for _, want := range []string{`"calendar"`, `"tiers.P7"`, `"tiers.P1[0]"`, `unknown clock \"lunch\"`, `"warn_fractions[1]"`,
		`"breach_actions.move_to_queue"`} {
		if !strings.Contains(body, want) {
			t.Errorf("bad policy answer lacks %s: %d %s", want, r.Status, body)
		}
	}
	if r.Status != 422 {
		t.Fatalf("bad policy: %d", r.Status)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/admin/sla/policies", Token: admin, Body: map[string]any{"slug": "x", "tierz": 1}}); r.Status != 422 || !strings.Contains(string(r.Body), `"tierz"`) {
		t.Errorf("unknown field: %d %s", r.Status, r.Body)
	}
	var n int
	s.Core.DB.Raw(`SELECT count(*) FROM sla_policies WHERE slug = 'broken'`).Scan(&n)
	if n != 0 {
		t.Fatal("a refused policy was written")
	}
	// The default cannot be left without one.
	def := s.Do(req{Method: "GET", Path: "/api/v1/admin/sla/policies", Token: admin}).JSON(t)["items"].([]any)[0].(map[string]any)
	def["is_default"] = false
	delete(def, "id")
	delete(def, "updated_at")
	if r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/sla/policies/" + s.Do(req{Method: "GET", Path: "/api/v1/admin/sla/policies",
		Token: admin}).JSON(t)["items"].([]any)[0].(map[string]any)["id"].(string), Token: admin, Body: def}); r.Status != 422 {
		t.Errorf("un-defaulting the default: %d %s", r.Status, r.Body)
	}

	// A routing rule names the policy; a case it routes takes its clocks.
	var general string
	s.Core.DB.Raw(`SELECT id::text FROM queues WHERE slug = 'general'`).Scan(&general)
	rule := map[string]any{"name": "Concerns, strictly", "kinds": []string{"concern"}, "queue_id": general, "priority": "P3",
		"sla_policy": "strict"}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/admin/routing-rules", Token: admin, Body: rule}); r.Status != 201 {
		t.Fatalf("rule: %d %s", r.Status, r.Body)
	}
	rule["sla_policy"] = "no-such-policy"
	if r := s.Do(req{Method: "POST", Path: "/api/v1/admin/routing-rules", Token: admin, Body: rule}); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"sla_policy"`) {
		t.Fatalf("rule with unknown policy: %d %s", r.Status, r.Body)
	}
	body2 := teststack.ValidCase()
	body2["kind"] = "concern"
	f := s.File(body2)
	if _, err := s.Core.Routing.Route(context.Background(), uuid.MustParse(f.ID)); err != nil {
		t.Fatal(err)
	}
	var k struct {
		PolicyID  string
		Rule      string
		StartedAt time.Time
		DueAt     time.Time
	}
	s.Core.DB.Raw(`SELECT policy_id::text, rule, started_at, due_at FROM case_clocks WHERE case_id = ? AND clock = 'decision'`, f.ID).Scan(&k)
	if k.PolicyID != policyID || !strings.Contains(k.Rule, "strict_decision") || k.DueAt.Sub(k.StartedAt) != 2*time.Hour {
		t.Errorf("decision clock under the strict policy: %+v", k)
	}
	// The case keeps the rule's policy; a case routed by a rule with none
	// keeps none (routing writes NULL itself, not a lookup of no slug).
	var casePolicy string
	s.Core.DB.Raw(`SELECT coalesce(sla_policy_id::text, '') FROM cases WHERE id = ?`, f.ID).Scan(&casePolicy)
	if casePolicy != policyID {
		t.Errorf("the case routed under the strict policy has policy %q, want %s", casePolicy, policyID)
	}
	other := s.File(teststack.ValidCase())
	if _, err := s.Core.Routing.Route(context.Background(), uuid.MustParse(other.ID)); err != nil {
		t.Fatal(err)
	}
	var rulePolicy, otherPolicy string
	if err := s.Core.DB.Raw(`SELECT coalesce(r.sla_policy, ''), coalesce(c.sla_policy_id::text, '')
		FROM cases c JOIN routing_rules r ON r.id = c.routing_rule_id WHERE c.id = ?`, other.ID).Row().Scan(&rulePolicy, &otherPolicy); err != nil {
		t.Fatalf("the second case was not routed by a rule: %v", err)
	}
	if rulePolicy != "" || otherPolicy != "" {
		t.Errorf("a case routed by a rule without a policy: rule policy %q, case policy %q, want both empty", rulePolicy, otherPolicy)
	}
}

func TestGDPRExtensionOnlyWithTimelyNotice(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := s.File(teststack.ValidCase()) // contest_decision: a GDPR request
	// Nobody holds the case: a supervisor of its queue acts on it (issue 15).
	sam := s.Login("supervisor@example.org")
	path := "/api/v1/cases/" + f.ID + "/clocks/"

	if r := s.Do(req{Method: "POST", Path: path + "decision/extension", Token: sam, Body: map[string]string{"reasons": ""}}); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"clock"`) || !strings.Contains(string(r.Body), `"reasons"`) {
		t.Fatalf("bad extension: %d %s", r.Status, r.Body)
	}
	var before time.Time
	s.Core.DB.Raw(`SELECT due_at FROM case_clocks WHERE case_id = ? AND clock = 'gdpr_reply'`, f.ID).Scan(&before)
	r := s.Do(req{Method: "POST", Path: path + "gdpr_reply/extension", Token: sam,
		Body: map[string]string{"reasons": "We must consult the system's provider about the inputs it used."}})
	if r.Status != 200 {
		t.Fatalf("extension: %d %s", r.Status, r.Body)
	}
	var after struct {
		DueAt time.Time
		Rule  string
	}
	s.Core.DB.Raw(`SELECT due_at, rule FROM case_clocks WHERE case_id = ? AND clock = 'gdpr_reply'`, f.ID).Scan(&after)
	if !strings.Contains(after.Rule, "gdpr_12_3_extended") || !after.DueAt.After(before.AddDate(0, 1, 25)) {
		t.Errorf("extended clock: %v → %+v", before, after)
	}
	// The complainant was told, with the reasons, and sees the new date in plain words.
	tok := s.ComplainantToken(f)
	view := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: tok})
	if !strings.Contains(string(view.Body), "consult the system") || !strings.Contains(string(view.Body), "We will answer your request by") ||
		!strings.Contains(string(view.Body), "clock.extended") {
		t.Errorf("complainant view: %s", view.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "gdpr_reply/extension", Token: sam,
		Body: map[string]string{"reasons": "Again."}}); r.Status != 409 {
		t.Errorf("second notice: %d %s", r.Status, r.Body)
	}

	// Notice after the first month is too late.
	g := s.File(teststack.ValidCase())
	s.Core.DB.Exec(`UPDATE cases SET submitted_at = submitted_at - interval '32 days' WHERE id = ?`, g.ID)
	if _, err := s.Core.Clocks.Recompute(context.Background(), uuid.MustParse(g.ID)); err != nil {
		t.Fatal(err)
	}
	r = s.Do(req{Method: "POST", Path: "/api/v1/cases/" + g.ID + "/clocks/gdpr_reply/extension", Token: sam,
		Body: map[string]string{"reasons": "Late."}})
	if r.Status != 409 || !strings.Contains(string(r.Body), "notice_too_late") {
		t.Errorf("late notice: %d %s", r.Status, r.Body)
	}
	var msgs int
	s.Core.DB.Raw(`SELECT count(*) FROM messages WHERE case_id = ?`, g.ID).Scan(&msgs)
	if msgs != 0 {
		t.Error("a refused notice left a message behind")
	}
	// A concern is no GDPR request.
	c := teststack.ValidCase()
	c["kind"] = "concern"
	h := s.File(c)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + h.ID + "/clocks/gdpr_reply/extension", Token: sam,
		Body: map[string]string{"reasons": "x"}}); r.Status != 409 {
		t.Errorf("concern: %d %s", r.Status, r.Body)
	}
}

func TestComplainantSeesDueDatesInPlainWords(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := s.File(teststack.ValidCase())
	m := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: s.ComplainantToken(f)}).JSON(t)
	var summaries []string
	for _, d := range m["due_dates"].([]any) {
		summaries = append(summaries, d.(map[string]any)["summary"].(string))
	}
	all := strings.Join(summaries, "\n")
	for _, want := range []string{
		"We will acknowledge your complaint by ", "(EU Whistleblowing Directive 2019/1937 art. 9(1)(b), 7 days)",
		"We will answer your request by ", "(GDPR art. 12(3), 1 month)",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("summaries lack %q:\n%s", want, all)
		}
	}
}

func TestIncidentReportClockRunsFromAwareness(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	// Nobody holds the case: a supervisor of its queue acts on it (issue 15).
	sam := s.Login("supervisor@example.org")
	body := teststack.ValidCase()
	body["kind"] = "incident"
	f := s.File(body)
	clock := func() (time.Time, string) {
		var k struct {
			DueAt time.Time
			Rule  string
		}
		s.Core.DB.Raw(`SELECT due_at, rule FROM case_clocks WHERE case_id = ? AND clock = 'incident_report'`, f.ID).Scan(&k)
		return k.DueAt, k.Rule
	}
	due, rule := clock()
	if !strings.Contains(rule, "ai_act_73_2") || due.Before(time.Now().AddDate(0, 0, 14)) {
		t.Fatalf("before awareness is recorded: 15 days from submission, got %v %s", due, rule)
	}
	path := "/api/v1/cases/" + f.ID + "/incident"
	aware := time.Now().Add(-24 * time.Hour).UTC().Truncate(time.Second)
	if r := s.Do(req{Method: "POST", Path: path, Token: sam, Body: map[string]any{"aware_at": aware, "subtype": "death"}}); r.Status != 200 {
		t.Fatalf("record: %d %s", r.Status, r.Body)
	}
	due, rule = clock()
	if !strings.Contains(rule, "ai_act_73_4") || !due.Equal(aware.AddDate(0, 0, 10)) {
		t.Errorf("a death: 10 days from awareness, got %v %s", due, rule)
	}
	for _, tc := range []struct {
		body   map[string]any
		status int
		want   string
	}{
		{map[string]any{"aware_at": aware.Add(time.Hour), "subtype": "death"}, 409, "awareness_later"},
		{map[string]any{"aware_at": time.Now().Add(48 * time.Hour), "subtype": "death"}, 422, `"aware_at"`},
		{map[string]any{"aware_at": aware, "subtype": "minor"}, 422, `"subtype"`},
		{map[string]any{"aware_at": "yesterday", "subtype": "death"}, 422, `"aware_at"`},
	} {
		if r := s.Do(req{Method: "POST", Path: path, Token: sam, Body: tc.body}); r.Status != tc.status || !strings.Contains(string(r.Body), tc.want) {
			t.Errorf("%v: %d %s", tc.body, r.Status, r.Body)
		}
	}
	// Earlier is allowed, and a widespread infringement gives 2 days.
	earlier := aware.Add(-time.Hour)
	if r := s.Do(req{Method: "POST", Path: path, Token: sam, Body: map[string]any{"aware_at": earlier, "subtype": "widespread"}}); r.Status != 200 {
		t.Fatalf("earlier: %d %s", r.Status, r.Body)
	}
	if due, rule = clock(); !strings.Contains(rule, "ai_act_73_3") || !due.Equal(earlier.AddDate(0, 0, 2)) {
		t.Errorf("widespread: %v %s", due, rule)
	}
	g := s.File(teststack.ValidCase())
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + g.ID + "/incident", Token: sam,
		Body: map[string]any{"aware_at": aware, "subtype": "death"}}); r.Status != 409 {
		t.Errorf("not an incident: %d %s", r.Status, r.Body)
	}
}
