package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// incidentCase files an incident about the customer chatbot over HTTP; tok
// claims it and puts it in review.
func incidentCase(t *testing.T, s *teststack.Stack, tok string) teststack.Filed {
	t.Helper()
	body := aboutSystem(t, s, "customer-chatbot")
	body["kind"] = "incident"
	return claimed(t, s, body, tok)
}

// ruleOf is a due date's rule code.
func ruleOf(t *testing.T, d map[string]any) string {
	t.Helper()
	r, _ := d["rule"].(map[string]any)
	code, _ := r["code"].(string)
	return code
}

func timeOf(t *testing.T, v any) time.Time {
	t.Helper()
	s, _ := v.(string)
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("not a time: %v", v)
	}
	return at
}

// incidentTask is a task of the staff view's incident.
func incidentTask(t *testing.T, m map[string]any, task string) map[string]any {
	t.Helper()
	inc, _ := m["incident"].(map[string]any)
	if inc == nil {
		t.Fatalf("no incident in %v", m)
	}
	for _, x := range inc["tasks"].([]any) {
		if x.(map[string]any)["task"] == task {
			return x.(map[string]any)
		}
	}
	t.Fatalf("no task %s in %v", task, inc["tasks"])
	return nil
}

func publicActions(t *testing.T, m map[string]any) []string {
	t.Helper()
	var out []string
	for _, e := range m["timeline"].([]any) {
		out = append(out, e.(map[string]any)["action"].(string))
	}
	return out
}

// TestIncidentCaseShowsItsThreeClocks is issue #5 item 6: an incident case
// records the awareness time and subtype; the initial report, the notice to
// the provider and the suspension decision each have a clock from it, with
// its rule, seen by staff and the complainant; the tasks end them, a
// suspension marks the AI system in the register, and the reports reach the
// complainant's timeline.
func TestIncidentCaseShowsItsThreeClocks(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	f := incidentCase(t, s, rita)
	path := "/api/v1/cases/" + f.ID

	// Other kinds have no incident; this one has none recorded yet.
	m := s.Do(req{Method: "GET", Path: path, Token: rita}).JSON(t)
	if inc := m["incident"].(map[string]any); inc["aware_at"] != nil || len(inc["tasks"].([]any)) != 0 {
		t.Fatalf("before awareness: %v", inc)
	}

	aware := time.Now().Add(-3 * time.Hour).UTC().Truncate(time.Second)
	if r := s.Do(req{Method: "POST", Path: path + "/incident", Token: rita,
		Body: map[string]any{"aware_at": aware, "subtype": "death"}}); r.Status != 200 {
		t.Fatalf("awareness: %d %s", r.Status, r.Body)
	}
	want := map[string]struct {
		due  time.Time
		rule string
	}{
		"incident_report":     {aware.AddDate(0, 0, 10), "ai_act_73_4"},
		"provider_notice":     {aware.AddDate(0, 0, 1), "ai_act_26_5_provider"},
		"suspension_decision": {aware.AddDate(0, 0, 2), "ai_act_26_5_suspension"},
	}
	m = s.Do(req{Method: "GET", Path: path, Token: rita}).JSON(t)
	for clock, w := range want {
		d := dueDate(m, clock)
		if d == nil {
			t.Fatalf("staff view lacks %s: %v", clock, m["due_dates"])
		}
		if got := timeOf(t, d["due_at"]); !got.Equal(w.due) || ruleOf(t, d) != w.rule {
			t.Errorf("%s: due %v rule %s; want %v %s", clock, got, ruleOf(t, d), w.due, w.rule)
		}
		if src := d["rule"].(map[string]any)["source"].(string); !strings.HasPrefix(src, "AI Act (Regulation 2024/1689) art. ") {
			t.Errorf("%s: source %q", clock, src)
		}
	}
	inc := m["incident"].(map[string]any)
	if timeOf(t, inc["aware_at"]) != aware || inc["subtype"] != "death" {
		t.Errorf("incident: %v", inc)
	}
	var order []string
	for _, x := range inc["tasks"].([]any) {
		order = append(order, x.(map[string]any)["task"].(string))
	}
	if strings.Join(order, ",") != "initial_report,complete_report,provider_notice,suspension_decision" {
		t.Errorf("tasks: %v", order)
	}
	for task, clock := range map[string]string{"initial_report": "incident_report", "provider_notice": "provider_notice",
		"suspension_decision": "suspension_decision"} {
		x := incidentTask(t, m, task)
		if x["clock"] != clock || !timeOf(t, x["due_at"]).Equal(want[clock].due) || x["done_at"] != nil {
			t.Errorf("%s: %v", task, x)
		}
	}
	if x := incidentTask(t, m, "complete_report"); x["clock"] != nil || x["due_at"] != nil {
		t.Errorf("complete_report has no clock: %v", x)
	}

	// The complainant sees the three dates, in plain words.
	ctok := s.ComplainantToken(f)
	cm := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: ctok}).JSON(t)
	for clock, promise := range map[string]string{"incident_report": "We will report the incident to the authority by ",
		"provider_notice":     "We will tell the AI system's provider about the incident by ",
		"suspension_decision": "We will decide whether to stop using the AI system by "} {
		d := dueDate(cm, clock)
		if d == nil || !timeOf(t, d["due_at"]).Equal(want[clock].due) || ruleOf(t, d) != want[clock].rule ||
			!strings.HasPrefix(d["summary"].(string), promise) {
			t.Errorf("complainant's %s: %v", clock, d)
		}
	}
	if _, ok := cm["incident"]; ok {
		t.Error("the complainant's view has no incident object")
	}

	// Telling the provider ends that clock, and only that one.
	note := "Told ShiftWise's incident desk by phone and email; ticket 4471. PROBE-INCIDENT-NOTE"
	r := s.Do(req{Method: "POST", Path: path + "/incident/tasks/provider_notice", Token: rita, Body: map[string]any{"note": note}})
	if r.Status != 200 {
		t.Fatalf("provider notice: %d %s", r.Status, r.Body)
	}
	m = r.JSON(t)
	if d := dueDate(m, "provider_notice"); d["satisfied_at"] == nil {
		t.Errorf("provider_notice still running: %v", d)
	}
	for _, clock := range []string{"incident_report", "suspension_decision"} {
		if d := dueDate(m, clock); d["satisfied_at"] != nil {
			t.Errorf("%s ended too: %v", clock, d)
		}
	}
	x := incidentTask(t, m, "provider_notice")
	if x["done_at"] == nil || x["done_by"] != userID(t, s, "reviewer@example.org") || x["note"] != note {
		t.Errorf("provider notice task: %v", x)
	}
	var by string
	s.Core.DB.Raw(`SELECT satisfied_by FROM case_clocks WHERE case_id = ? AND clock = 'provider_notice'`, f.ID).Scan(&by)
	if by != "provider_notified" {
		t.Errorf("satisfied_by %q", by)
	}
	if n := inClear(t, s, "incident_tasks", "note_enc", "PROBE-INCIDENT-NOTE"); n != 0 {
		t.Errorf("the note is stored in clear in %d rows", n)
	}

	// Deciding to suspend marks the system suspended; it stays in the register.
	r = s.Do(req{Method: "POST", Path: path + "/incident/tasks/suspension_decision", Token: rita, Body: map[string]any{
		"note": "The assistant gave dangerous medical advice; we stop it until the provider fixes it.", "outcome": "suspend"}})
	if r.Status != 200 || incidentTask(t, r.JSON(t), "suspension_decision")["outcome"] != "suspend" {
		t.Fatalf("suspension decision: %d %s", r.Status, r.Body)
	}
	var sawChatbot bool
	for _, it := range s.Do(req{Method: "GET", Path: "/api/v1/ai-systems"}).JSON(t)["items"].([]any) {
		sys := it.(map[string]any)
		switch sys["slug"] {
		case "customer-chatbot":
			sawChatbot = true
			if sys["suspended"] != true || sys["suspended_since"] == nil {
				t.Errorf("chatbot: %v", sys)
			}
		default:
			if sys["suspended"] != false || sys["suspended_since"] != nil {
				t.Errorf("%s: %v", sys["slug"], sys)
			}
		}
		if _, ok := sys["suspended_by_case"]; ok {
			t.Errorf("the public register names no case: %v", sys)
		}
	}
	if !sawChatbot {
		t.Error("a suspended system stays in the register")
	}

	// The initial report, done an hour after awareness and recorded now, ends
	// incident_report at that hour and reaches the complainant's timeline.
	reported := aware.Add(time.Hour)
	r = s.Do(req{Method: "POST", Path: path + "/incident/tasks/initial_report", Token: rita, Body: map[string]any{
		"note": "Initial report sent through the authority's portal.", "authority_reference": "MSA-2026-0117",
		"done_at": reported}})
	if r.Status != 200 {
		t.Fatalf("initial report: %d %s", r.Status, r.Body)
	}
	m = r.JSON(t)
	if d := dueDate(m, "incident_report"); d["satisfied_at"] == nil || !timeOf(t, d["satisfied_at"]).Equal(reported) {
		t.Errorf("incident_report: %v", d)
	}
	if x := incidentTask(t, m, "initial_report"); x["authority_reference"] != "MSA-2026-0117" || !timeOf(t, x["done_at"]).Equal(reported) {
		t.Errorf("initial report task: %v", x)
	}
	cm = s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: ctok}).JSON(t)
	if got := strings.Count(strings.Join(publicActions(t, cm), " "), "incident.reported"); got != 1 {
		t.Errorf("timeline: %v", publicActions(t, cm))
	}
	if d := dueDate(cm, "incident_report"); !strings.Contains(d["summary"].(string), ": done on ") {
		t.Errorf("complainant's incident_report: %v", d)
	}

	// Then the complete report.
	if r := s.Do(req{Method: "POST", Path: path + "/incident/tasks/complete_report", Token: rita, Body: map[string]any{
		"note": "Complete report with the provider's root-cause analysis."}}); r.Status != 200 {
		t.Fatalf("complete report: %d %s", r.Status, r.Body)
	}
	cm = s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: ctok}).JSON(t)
	if got := strings.Count(strings.Join(publicActions(t, cm), " "), "incident.reported"); got != 2 {
		t.Errorf("timeline: %v", publicActions(t, cm))
	}

	// Each completion is in the case record, whose chain holds, and an event.
	a := s.Do(req{Method: "GET", Path: path + "/audit", Token: rita}).JSON(t)
	if a["verification"].(map[string]any)["verified"] != true {
		t.Errorf("chain: %v", a["verification"])
	}
	var done []string
	for _, e := range a["items"].([]any) {
		e := e.(map[string]any)
		if e["action"] == "incident.task_done" {
			raw, _ := json.Marshal(e["data"])
			if strings.Contains(string(raw), "PROBE") {
				t.Errorf("the record holds the note: %s", raw)
			}
			done = append(done, e["data"].(map[string]any)["task"].(string))
		}
	}
	if strings.Join(done, ",") != "provider_notice,suspension_decision,initial_report,complete_report" {
		t.Errorf("incident.task_done entries: %v", done)
	}
	var events int
	s.Core.DB.Raw(`SELECT count(*) FROM outbox WHERE subject = 'redress.incident.task_done' AND payload->>'case_id' = ?`, f.ID).Scan(&events)
	if events != 4 {
		t.Errorf("%d redress.incident.task_done events, want 4", events)
	}
}

// Every refusal of an incident task names why, and writes nothing.
func TestIncidentTaskRefusals(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	f := incidentCase(t, s, rita)
	tasks := "/api/v1/cases/" + f.ID + "/incident/tasks/"
	note := map[string]any{"note": "Told the provider."}

	other := claimed(t, s, teststack.ValidCase(), rita)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + other.ID + "/incident/tasks/provider_notice", Token: rita, Body: note}); r.Status != 409 ||
		!strings.Contains(string(r.Body), "not_an_incident") {
		t.Errorf("not an incident: %d %s", r.Status, r.Body)
	}
	if m := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + other.ID, Token: rita}).JSON(t); m["incident"] != nil {
		t.Errorf("a concern has no incident: %v", m["incident"])
	}
	if r := s.Do(req{Method: "POST", Path: tasks + "provider_notice", Token: rita, Body: note}); r.Status != 409 ||
		!strings.Contains(string(r.Body), "awareness_first") {
		t.Errorf("before awareness: %d %s", r.Status, r.Body)
	}
	aware := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Second)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/incident", Token: rita,
		Body: map[string]any{"aware_at": aware, "subtype": "other"}}); r.Status != 200 {
		t.Fatalf("awareness: %d %s", r.Status, r.Body)
	}

	for _, tc := range []struct {
		name, task string
		body       any
		status     int
		field      string
		code       string
	}{
		{"unknown task", "press_release", note, 422, "task", "invalid"},
		{"no note", "provider_notice", map[string]any{}, 422, "note", "required"},
		{"a blank note", "initial_report", map[string]any{"note": "   "}, 422, "note", "required"},
		{"a suspension without outcome", "suspension_decision", map[string]any{"note": "We keep it running: the fault was upstream."}, 422, "outcome", "required"},
		{"a suspension with an unknown outcome", "suspension_decision", map[string]any{"note": "x", "outcome": "pause"}, 422, "outcome", "invalid"},
		{"a suspension without reasons", "suspension_decision", map[string]any{"outcome": "continue"}, 422, "note", "required"},
		{"an outcome on another task", "provider_notice", map[string]any{"note": "x", "outcome": "suspend"}, 422, "outcome", "not_allowed"},
		{"an authority reference on a notice", "provider_notice", map[string]any{"note": "x", "authority_reference": "R-1"}, 422, "authority_reference", "not_allowed"},
		{"done_at not a time", "provider_notice", map[string]any{"note": "x", "done_at": "yesterday"}, 422, "done_at", "invalid"},
		{"done_at in the future", "provider_notice", map[string]any{"note": "x", "done_at": time.Now().Add(time.Hour)}, 422, "done_at", "in_future"},
		{"done_at before awareness", "provider_notice", map[string]any{"note": "x", "done_at": aware.Add(-time.Minute)}, 422, "done_at", "before_awareness"},
		{"an unknown field", "provider_notice", map[string]any{"note": "x", "sent_to": "provider"}, 422, "sent_to", ""},
		{"the complete report first", "complete_report", note, 409, "", "initial_report_first"},
	} {
		r := s.Do(req{Method: "POST", Path: tasks + tc.task, Token: rita, Body: tc.body})
		status, field, code := problemField(t, r)
		if status != tc.status || field != tc.field || (tc.code != "" && code != tc.code) {
			t.Errorf("%s: %d %s %s, want %d %s %s\n%s", tc.name, status, field, code, tc.status, tc.field, tc.code, r.Body)
		}
	}

	// Who may: not another reviewer (the case someone holds does not exist
	// for them: need to know), nor an independent body; a supervisor may.
	if r := s.Do(req{Method: "POST", Path: tasks + "provider_notice", Token: s.Login("reviewer2@example.org"), Body: note}); r.Status != 404 ||
		!strings.Contains(string(r.Body), "case_not_found") {
		t.Errorf("another reviewer: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: tasks + "provider_notice", Token: s.Login("regulator@example.org"), Body: note}); r.Status != 403 {
		t.Errorf("a body: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/not-a-uuid/incident/tasks/provider_notice", Token: rita, Body: note}); r.Status != 422 {
		t.Errorf("bad case id: %d %s", r.Status, r.Body)
	}

	// Nothing refused was written.
	var n struct{ Done, Entries, Events int }
	count := func() {
		s.Core.DB.Raw(`SELECT (SELECT count(*) FROM incident_tasks WHERE case_id = ? AND done_at IS NOT NULL) AS done,
			(SELECT count(*) FROM audit_entries WHERE case_id = ? AND action LIKE 'incident.%' AND action <> 'incident.recorded') AS entries,
			(SELECT count(*) FROM outbox WHERE subject = 'redress.incident.task_done') AS events`, f.ID, f.ID).Scan(&n)
	}
	if count(); n.Done != 0 || n.Entries != 0 || n.Events != 0 {
		t.Fatalf("refusals wrote %+v", n)
	}

	if r := s.Do(req{Method: "POST", Path: tasks + "provider_notice", Token: s.Login("supervisor@example.org"), Body: note}); r.Status != 200 {
		t.Fatalf("a supervisor: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: tasks + "provider_notice", Token: rita, Body: note}); r.Status != 409 ||
		!strings.Contains(string(r.Body), "task_done") {
		t.Errorf("done twice: %d %s", r.Status, r.Body)
	}
	// A decision to continue leaves the register alone.
	if r := s.Do(req{Method: "POST", Path: tasks + "suspension_decision", Token: rita, Body: map[string]any{
		"note": "We keep it running: the fault was in an upstream feed, now fixed.", "outcome": "continue"}}); r.Status != 200 {
		t.Fatalf("continue: %d %s", r.Status, r.Body)
	}
	var suspended int
	s.Core.DB.Raw(`SELECT count(*) FROM ai_systems WHERE suspended_at IS NOT NULL`).Scan(&suspended)
	if suspended != 0 {
		t.Errorf("%d systems suspended after a decision to continue", suspended)
	}
	// The complete report cannot predate the initial one.
	if r := s.Do(req{Method: "POST", Path: tasks + "initial_report", Token: rita, Body: note}); r.Status != 200 {
		t.Fatalf("initial report: %d %s", r.Status, r.Body)
	}
	r := s.Do(req{Method: "POST", Path: tasks + "complete_report", Token: rita, Body: map[string]any{"note": "x", "done_at": aware.Add(time.Minute)}})
	if status, field, code := problemField(t, r); status != 422 || field != "done_at" || code != "before_initial_report" {
		t.Errorf("complete before initial: %d %s %s", status, field, code)
	}
	if count(); n.Done != 3 || n.Entries != 4 || n.Events != 3 { // 3 task_done, 1 incident.reported
		t.Errorf("after three tasks: %+v", n)
	}
}

// A provider not told in time is a missed date like any other: the sweeper
// marks the clock breached, and the complainant sees it was missed.
func TestMissedProviderNoticeIsBreached(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	// Nobody holds the case: a supervisor of its queue acts on it (issue 15).
	sam := s.Login("supervisor@example.org")
	body := teststack.ValidCase()
	body["kind"] = "incident"
	f := s.File(body)
	aware := time.Now().Add(-36 * time.Hour).UTC().Truncate(time.Second)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/incident", Token: sam,
		Body: map[string]any{"aware_at": aware, "subtype": "other"}}); r.Status != 200 {
		t.Fatalf("awareness: %d %s", r.Status, r.Body)
	}
	breached := func(clock string) bool {
		var yes bool
		if err := s.Core.DB.Raw(`SELECT breached_at IS NOT NULL FROM case_clocks WHERE case_id = ? AND clock = ?`, f.ID, clock).
			Scan(&yes).Error; err != nil {
			t.Fatal(err)
		}
		return yes
	}
	for i := 0; i < 5 && !breached("provider_notice"); i++ {
		if _, err := s.Core.Clocks.Sweep(context.Background(), 10); err != nil {
			t.Fatal(err)
		}
	}
	if !breached("provider_notice") || breached("suspension_decision") || breached("incident_report") {
		t.Fatalf("breached: provider_notice %v, suspension_decision %v, incident_report %v",
			breached("provider_notice"), breached("suspension_decision"), breached("incident_report"))
	}
	cm := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: s.ComplainantToken(f)}).JSON(t)
	if d := dueDate(cm, "provider_notice"); d == nil || !strings.Contains(d["summary"].(string), "We missed this date") {
		t.Errorf("complainant's provider_notice: %v", d)
	}
	if !strings.Contains(strings.Join(publicActions(t, cm), " "), "sla.breached") {
		t.Errorf("timeline: %v", publicActions(t, cm))
	}
}
