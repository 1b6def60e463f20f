package api_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/remedy"
	"github.com/redresshq/redress/internal/sla"
	"github.com/redresshq/redress/internal/stats"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// onSystem is a valid case about the registered AI system id, of kind, with rights.
func onSystem(id, kind string, rights ...string) map[string]any {
	return with(func(m map[string]any) {
		delete(m, "ai_system_other")
		m["ai_system_id"], m["kind"], m["rights"] = id, kind, rights
	})
}

// decide has tok decide the case it holds.
func decide(t *testing.T, s *teststack.Stack, tok, id string, body map[string]any) {
	t.Helper()
	s.RecordAIDecision(tok, id) // the burden of proof: a contested case needs its AI decision record
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + id + "/decision", Token: tok, Body: body}); r.Status != 200 {
		t.Fatalf("decide %s: %d %s", id, r.Status, r.Body)
	}
}

func exec(t *testing.T, s *teststack.Stack, q string, args ...any) {
	t.Helper()
	if err := s.Core.DB.Exec(q, args...).Error; err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
}

// validSubtypes fails the test when a remedy component written straight
// into the table has a form and subtype the remedy API would refuse.
func validSubtypes(t *testing.T, s *teststack.Stack) {
	t.Helper()
	var rows []struct {
		Form    remedy.Form
		Subtype string
	}
	if err := s.Core.DB.Raw(`SELECT DISTINCT form, subtype FROM remedy_components`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if !slices.Contains(remedy.Subtypes[r.Form], r.Subtype) {
			t.Errorf("a %s component of subtype %q: the app has no such subtype (remedy.Subtypes)", r.Form, r.Subtype)
		}
	}
}

func eqRate(got *float64, want any) bool {
	if want == nil {
		return got == nil
	}
	return got != nil && *got == want.(float64)
}

func TestStatsForOneAISystem(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	sys := systemIDs(t, s)
	hiring := sys["hiring-screener"]
	rita := s.Reviewer()

	// Five cases about the hiring screener; four decided through the API.
	c1 := claimed(t, s, onSystem(hiring, "contest_decision", "work", "non_discrimination"), rita)
	decide(t, s, rita, c1.ID, teststack.Decision("decision_overturned"))
	c2 := claimed(t, s, onSystem(hiring, "contest_decision", "work"), rita)
	decide(t, s, rita, c2.ID, teststack.Decision("decision_confirmed"))
	c3 := claimed(t, s, onSystem(hiring, "explanation_request", "privacy"), rita)
	modified := teststack.Decision("decision_modified")
	modified["explanation"] = map[string]any{"ai_role": "decisive", "main_factors": []string{"years of experience"},
		"inputs": []string{"the CV"}, "how_to_contest": "Appeal on the follow-up page within 30 days."}
	decide(t, s, rita, c3.ID, modified)
	c4 := claimed(t, s, onSystem(hiring, "concern", "work"), rita)
	outside := teststack.Decision("not_within_scope")
	outside["signposting"] = "The data-protection authority handles this; see its website."
	decide(t, s, rita, c4.ID, outside)
	c5 := s.File(onSystem(hiring, "contest_decision", "work"))
	// Not counted: a case about another system (decided), one about a free-text system.
	cx := claimed(t, s, onSystem(sys["credit-scorer"], "contest_decision", "work"), rita)
	decide(t, s, rita, cx.ID, teststack.Decision("decision_overturned"))
	s.File(teststack.ValidCase())

	// Known times: submitted on five days, first decisions 10, 20, 30 and
	// 40 hours later; c1's appeal was decided (the appeals API is another
	// engineer's; the row is written here) 100 hours after submission.
	for i, c := range []teststack.Filed{c1, c2, c3, c4, c5} {
		day := []string{"2026-01-10", "2026-01-20", "2026-02-05", "2026-02-15", "2026-03-01"}[i]
		exec(t, s, `UPDATE cases SET submitted_at = (?::date + time '09:00') AT TIME ZONE 'UTC' WHERE id = ?`, day, c.ID)
		exec(t, s, `UPDATE decisions d SET final_at = c.submitted_at + make_interval(hours => ?)
			FROM cases c WHERE c.id = d.case_id AND d.case_id = ?`, 10*(i+1), c.ID)
	}
	exec(t, s, `INSERT INTO decisions (case_id, outcome, rationale_enc, signposting_enc, had_authority, not_a_model_rerun,
		deployer_involvement, provider_involvement, decided_by, status, stage, final_at)
		SELECT id, 'decision_confirmed', '\x00'::bytea, '\x00'::bytea, true, true, 'none', 'none',
		       (SELECT id FROM users WHERE email = 'supervisor@example.org'), 'final', 'appeal', submitted_at + interval '100 hours'
		  FROM cases WHERE id = ?`, c1.ID)
	// Closed: c3 without a root cause recorded, c4 with one (closing is
	// another engineer's API).
	exec(t, s, `UPDATE cases SET status = 'closed', closed_at = now() WHERE id = ?`, c3.ID)
	exec(t, s, `UPDATE cases SET status = 'closed', closed_at = now(), root_cause = 'data' WHERE id = ?`, c4.ID)
	// Clocks in each state, replacing the ones the cases have.
	exec(t, s, `DELETE FROM case_clocks WHERE case_id IN (?, ?, ?, ?, ?)`, c1.ID, c2.ID, c3.ID, c4.ID, c5.ID)
	for _, k := range []struct {
		id, clock, due, satisfied, breached string
	}{
		{c1.ID, "acknowledge", "now() - interval '10 days'", "now() - interval '11 days'", "NULL"},                   // on time
		{c1.ID, "decision", "now() - interval '10 days'", "now() - interval '5 days'", "now() - interval '10 days'"}, // late
		{c2.ID, "acknowledge", "now() - interval '10 days'", "now() - interval '9 days'", "NULL"},                    // late, unseen by the sweeper
		{c3.ID, "acknowledge", "now() - interval '1 day'", "NULL", "NULL"},                                           // overdue
		{c3.ID, "decision", "now() + interval '1 day'", "NULL", "NULL"},                                              // running
		{c4.ID, "feedback", "NULL", "NULL", "NULL"},                                                                  // standing still
		{c5.ID, "acknowledge", "now() - interval '1 day'", "NULL", "now() - interval '1 day'"},                       // late, still open
	} {
		exec(t, s, fmt.Sprintf(`INSERT INTO case_clocks (case_id, clock, started_at, due_at, rule, satisfied_at, breached_at)
			VALUES (?, ?, now() - interval '20 days', %s, 'test', %s, %s)`, k.due, k.satisfied, k.breached), k.id, k.clock)
	}
	// Remedies and feedback: rows written straight into the tables of
	// migration 00010, to have components in set states (verified, declined)
	// without walking each through its transitions (the remedy API is tested
	// in remedies_test.go); their subtypes are ones the API accepts
	// (validSubtypes checks).
	exec(t, s, `INSERT INTO remedy_bundles (id, case_id, proposed_by) SELECT b.id, b.case_id, u.id
		FROM (VALUES (?::uuid, ?::uuid), (?::uuid, ?::uuid)) AS b (id, case_id), users u WHERE u.email = 'reviewer@example.org'`,
		"00000000-0000-0000-0000-00000000b001", c1.ID, "00000000-0000-0000-0000-00000000b002", c2.ID)
	exec(t, s, `INSERT INTO remedy_components (bundle_id, position, form, subtype, description_enc, responsible, amount, currency, due_at,
		status, responded_at)
		VALUES ('00000000-0000-0000-0000-00000000b001', 0, 'restitution', 'decision_reversed', '\x00', 'deployer', NULL, NULL, now(), 'verified', now()),
		       ('00000000-0000-0000-0000-00000000b001', 1, 'compensation', 'financial_loss', '\x00', 'deployer', 1200, 'EUR', now(), 'declined', now()),
		       ('00000000-0000-0000-0000-00000000b002', 0, 'satisfaction', 'apology', '\x00', 'deployer', NULL, NULL, now(), 'offered', NULL)`)
	// A systemic issue on the screener linking two cases: its component
	// counts once. One on another system does not count.
	for _, si := range []struct{ id, system, bundle, created string }{
		{"00000000-0000-0000-0000-0000000005a1", hiring, "00000000-0000-0000-0000-00000000b003", "2026-02-10"},
		{"00000000-0000-0000-0000-0000000005a2", sys["credit-scorer"], "00000000-0000-0000-0000-00000000b004", "2026-02-10"},
	} {
		exec(t, s, `INSERT INTO systemic_issues (id, ai_system_id, mechanism, title, created_by, created_at)
			SELECT ?, ?, 'biased_output', 'Gaps in employment scored down', id, ? FROM users WHERE email = 'supervisor@example.org'`,
			si.id, si.system, si.created)
		exec(t, s, `INSERT INTO remedy_bundles (id, systemic_issue_id, proposed_by)
			SELECT ?, ?, id FROM users WHERE email = 'supervisor@example.org'`, si.bundle, si.id)
		exec(t, s, `INSERT INTO remedy_components (bundle_id, position, form, subtype, description_enc, responsible, due_at, status)
			VALUES (?, 0, 'non_repetition', 'retrained', '\x00', 'provider', now(), 'implemented')`, si.bundle)
	}
	exec(t, s, `INSERT INTO systemic_issue_cases (issue_id, case_id, linked_by)
		SELECT '00000000-0000-0000-0000-0000000005a1', c.id, u.id FROM cases c, users u
		 WHERE c.id IN (?, ?) AND u.email = 'supervisor@example.org'`, c1.ID, c2.ID)
	exec(t, s, `INSERT INTO case_feedback (case_id, satisfaction) VALUES (?, 4), (?, 2), (?, 5)`, c1.ID, c2.ID, cx.ID)
	validSubtypes(t, s)

	path := "/api/v1/stats/ai-systems/" + hiring
	get := func(query string) stats.SystemStats {
		t.Helper()
		r := s.Do(req{Method: "GET", Path: path + query, Token: s.Login("supervisor@example.org")})
		if r.Status != 200 {
			t.Fatalf("GET %s: %d %s", query, r.Status, r.Body)
		}
		var st stats.SystemStats
		r.Decode(t, &st)
		return st
	}
	st := get("")
	if st.AISystem.Slug != "hiring-screener" || st.Range.From != nil || st.Range.Until != nil || st.GeneratedAt.IsZero() {
		t.Errorf("head: %+v %+v %v", st.AISystem, st.Range, st.GeneratedAt)
	}
	wantCases := stats.CaseTally{Total: 5,
		ByKind:   map[string]int64{"contest_decision": 3, "explanation_request": 1, "concern": 1, "incident": 0, "retaliation": 0},
		ByRight:  map[string]int64{"work": 4, "non_discrimination": 1, "privacy": 1},
		ByStatus: map[string]int64{"decided": 2, "closed": 2, "submitted": 1}}
	if st.Cases.Total != wantCases.Total {
		t.Errorf("total %d", st.Cases.Total)
	}
	for name, pair := range map[string][2]map[string]int64{"by_kind": {st.Cases.ByKind, wantCases.ByKind},
		"by_right": {st.Cases.ByRight, wantCases.ByRight}, "by_status": {st.Cases.ByStatus, wantCases.ByStatus}} {
		for k, v := range pair[0] {
			if pair[1][k] != v {
				t.Errorf("%s[%s] = %d, want %d", name, k, v, pair[1][k])
			}
		}
	}
	if len(st.Cases.ByKind) != 5 || len(st.Cases.ByRight) != 14 || len(st.Cases.ByStatus) != 12 {
		t.Errorf("every code is listed, zeros included: %d kinds, %d rights, %d statuses",
			len(st.Cases.ByKind), len(st.Cases.ByRight), len(st.Cases.ByStatus))
	}

	d := st.Decisions
	if d.Final != 5 || d.ByOutcome["decision_confirmed"] != 2 || d.ByOutcome["decision_overturned"] != 1 || d.ByOutcome["decision_modified"] != 1 ||
		d.ByOutcome["not_within_scope"] != 1 || !eqRate(d.OverturnRate, 0.5) {
		t.Errorf("decisions: %+v rate %v", d.DecisionTally, d.OverturnRate)
	}
	first, appeal := d.ByStage["first"], d.ByStage["appeal"]
	if first.Final != 4 || !eqRate(first.OverturnRate, 0.6667) || appeal.Final != 1 || appeal.ByOutcome["decision_confirmed"] != 1 ||
		!eqRate(appeal.OverturnRate, 0.0) {
		t.Errorf("by stage: first %+v %v, appeal %+v %v", first, first.OverturnRate, appeal, appeal.OverturnRate)
	}

	// First final decision per case: 10, 20, 30, 40 hours (the appeal's 100 is not first).
	if ttd := st.TimeToDecision; ttd.N != 4 || !eqRate(ttd.MedianHours, 25.0) || !eqRate(ttd.P90Hours, 37.0) {
		t.Errorf("time to decision: n %d median %v p90 %v", ttd.N, ttd.MedianHours, ttd.P90Hours)
	}

	ack, dec, fb := st.SLA.ByClock["acknowledge"], st.SLA.ByClock["decision"], st.SLA.ByClock["feedback"]
	if ack.OnTime != 1 || ack.Late != 2 || ack.RunningOverdue != 1 || ack.Running != 0 || !eqRate(ack.Compliance, 0.25) {
		t.Errorf("acknowledge: %+v %v", ack, ack.Compliance)
	}
	if dec.Late != 1 || dec.Running != 1 || !eqRate(dec.Compliance, 0.0) {
		t.Errorf("decision: %+v %v", dec, dec.Compliance)
	}
	if fb.Running != 1 || fb.Compliance != nil {
		t.Errorf("feedback (standing still): %+v %v", fb, fb.Compliance)
	}
	if all := st.SLA.All; all.OnTime != 1 || all.Late != 3 || all.RunningOverdue != 1 || all.Running != 2 || !eqRate(all.Compliance, 0.2) {
		t.Errorf("all clocks: %+v %v", all, all.Compliance)
	}
	if len(st.SLA.ByClock) != len(sla.Clocks) || st.SLA.ByClock["appeal"].Compliance != nil {
		t.Errorf("every clock is listed: %v", st.SLA.ByClock)
	}

	rem := st.Remedies
	if rem.Components != 4 || rem.ByForm["restitution"] != 1 || rem.ByForm["compensation"] != 1 || rem.ByForm["satisfaction"] != 1 ||
		rem.ByForm["non_repetition"] != 1 || rem.ByForm["rehabilitation"] != 0 || rem.ByStatus["verified"] != 1 ||
		rem.ByStatus["declined"] != 1 || rem.ByStatus["offered"] != 1 || rem.ByStatus["implemented"] != 1 ||
		!eqRate(rem.VerifiedRate, 0.3333) {
		t.Errorf("remedies: %+v rate %v", rem.RemedyTally, rem.VerifiedRate)
	}
	if sy := rem.Systemic; sy.Components != 1 || sy.ByForm["non_repetition"] != 1 || sy.ByStatus["implemented"] != 1 ||
		!eqRate(sy.VerifiedRate, 0.0) {
		t.Errorf("systemic remedies: %+v rate %v", sy, sy.VerifiedRate)
	}
	if f := st.Feedback; f.Count != 2 || !eqRate(f.MeanSatisfaction, 3.0) {
		t.Errorf("feedback: %+v %v", f, f.MeanSatisfaction)
	}
	if rc := st.RootCauses; rc.Closed != 2 || rc.ByRootCause["data"] != 1 || rc.Unrecorded != 1 || len(rc.ByRootCause) != 6 {
		t.Errorf("root causes: %+v", rc)
	}

	// The JSON names the documented fields.
	raw := s.Do(req{Method: "GET", Path: path, Token: rita}).JSON(t)
	for _, k := range []string{"ai_system", "range", "generated_at", "cases", "decisions", "time_to_decision", "sla", "remedies",
		"feedback", "root_causes"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("no %q in %v", k, raw)
		}
	}
	if dm := raw["decisions"].(map[string]any); dm["overturn_rate"] != 0.5 || dm["by_stage"] == nil {
		t.Errorf("decisions JSON: %v", dm)
	}

	// from and to choose the cases by submission.
	if st := get("?from=2026-02-01"); st.Cases.Total != 3 || st.Decisions.Final != 2 || !eqRate(st.Decisions.OverturnRate, 1.0) ||
		st.Remedies.Components != 1 || st.Remedies.Systemic.Components != 1 || st.Feedback.Count != 0 ||
		st.Feedback.MeanSatisfaction != nil || st.Range.From == nil || st.Range.From.Format("2006-01-02") != "2026-02-01" {
		t.Errorf("from 1 February: %+v %+v remedies %d feedback %+v range %+v", st.Cases, st.Decisions.DecisionTally,
			st.Remedies.Components, st.Feedback, st.Range)
	}
	if st := get("?to=2026-01-31"); st.Cases.Total != 2 || st.Decisions.Final != 3 || st.Remedies.Components != 3 ||
		st.Remedies.Systemic.Components != 0 || st.Feedback.Count != 2 || st.TimeToDecision.N != 2 {
		t.Errorf("to 31 January: %+v %+v remedies %d", st.Cases, st.Decisions.DecisionTally, st.Remedies.Components)
	}
	if st := get("?from=2026-01-20&to=2026-01-20"); st.Cases.Total != 1 || st.Cases.ByKind["contest_decision"] != 1 {
		t.Errorf("one day: %+v", st.Cases)
	}
	if st := get("?from=2026-01-20T09:00:00%2B00:00&to=2026-01-20T09:00:00Z"); st.Cases.Total != 1 {
		t.Errorf("one instant: %+v", st.Cases)
	}
	if st := get("?from=2026-01-20T09:00:00.000001Z&to=2026-02-05T08:59:59Z"); st.Cases.Total != 0 ||
		st.TimeToDecision.MedianHours != nil || st.Decisions.OverturnRate != nil {
		t.Errorf("an empty range: %+v %+v", st.Cases, st.TimeToDecision)
	}
}

func TestStatsForOneAISystemRefusals(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	hiring := systemIDs(t, s)["hiring-screener"]
	path := "/api/v1/stats/ai-systems/" + hiring
	sup := s.Login("supervisor@example.org")

	if r := s.Do(req{Method: "GET", Path: path}); r.Status != 401 {
		t.Errorf("no token: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "GET", Path: path, Token: s.Login("regulator@example.org")}); r.Status != 403 {
		t.Errorf("an independent body: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "GET", Path: path, Token: s.ComplainantToken(s.File(teststack.ValidCase()))}); r.Status != 401 {
		t.Errorf("a complainant token: %d %s", r.Status, r.Body)
	}
	for _, tok := range []string{s.Reviewer(), sup, s.Login("admin@example.org")} {
		if r := s.Do(req{Method: "GET", Path: path, Token: tok}); r.Status != 200 {
			t.Errorf("staff: %d %s", r.Status, r.Body)
		}
	}
	if r := s.Do(req{Method: "GET", Path: "/api/v1/stats/ai-systems/" + uuid.NewString(), Token: sup}); r.Status != 404 ||
		!strings.Contains(string(r.Body), "ai_system_not_found") || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/problem+json") {
		t.Errorf("unknown system: %d %s", r.Status, r.Body)
	}
	// A system taken out of the register still has its statistics.
	exec(t, s, `UPDATE ai_systems SET active = false WHERE id = ?`, hiring)
	if r := s.Do(req{Method: "GET", Path: path, Token: sup}); r.Status != 200 || r.JSON(t)["ai_system"].(map[string]any)["active"] != false {
		t.Errorf("inactive system: %d %s", r.Status, r.Body)
	}

	fields := func(r *teststack.Response) map[string]string {
		out := map[string]string{}
		var p struct {
			Errors []struct{ Field, Code string }
		}
		_ = json.Unmarshal(r.Body, &p)
		for _, e := range p.Errors {
			out[e.Field] = e.Code
		}
		return out
	}
	for _, tc := range []struct {
		path string
		want map[string]string
	}{
		{"/api/v1/stats/ai-systems/not-a-uuid", map[string]string{"id": "invalid"}},
		{path + "?from=yesterday", map[string]string{"from": "invalid"}},
		{path + "?to=2026-02-30", map[string]string{"to": "invalid"}},
		{path + "?from=2026-03-01&to=2026-02-01", map[string]string{"from": "after_to"}},
		{path + "?from=2026-03-01T10:00:00Z&to=2026-03-01T09:59:59Z", map[string]string{"from": "after_to"}},
		{"/api/v1/stats/ai-systems/nope?from=x&to=y", map[string]string{"id": "invalid", "from": "invalid", "to": "invalid"}},
		// Years an answer could not write as JSON once a day is added or an
		// offset taken off, and years before any case, are refused by name.
		{path + "?to=9999-12-31", map[string]string{"to": "out_of_range"}},
		{path + "?to=9999-01-01T00:00:00Z", map[string]string{"to": "out_of_range"}},
		{path + "?from=0000-01-01T00:00:00%2B01:00", map[string]string{"from": "out_of_range"}},
		{path + "?from=1969-12-31&to=10000-01-01", map[string]string{"from": "out_of_range", "to": "invalid"}},
		{path + "?from=1970-01-01T00:30:00%2B01:00", map[string]string{"from": "out_of_range"}},
	} {
		r := s.Do(req{Method: "GET", Path: tc.path, Token: sup})
		if got := fields(r); r.Status != 422 || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: %d %v, want 422 %v\n%s", tc.path, r.Status, got, tc.want, r.Body)
		}
	}
	// The widest range allowed is answered.
	for _, q := range []string{"?from=1970-01-01&to=9998-12-31", "?from=1970-01-01T01:00:00%2B01:00&to=9998-12-31T23:59:59.999999Z",
		"?to=9999-01-01T00:59:59%2B01:00"} {
		if r := s.Do(req{Method: "GET", Path: path + q, Token: sup}); r.Status != 200 {
			t.Errorf("%s: %d %s", q, r.Status, r.Body)
		}
	}
}

// count reads a published count: its value, or -1 when suppressed.
func count(t *testing.T, c stats.Count) int64 {
	t.Helper()
	switch {
	case c.Suppressed && c.Value == nil:
		return -1
	case !c.Suppressed && c.Value != nil:
		return *c.Value
	}
	t.Fatalf("a count is either a value or suppressed: %+v", c)
	return 0
}

func TestPublicStatsSuppressSmallCounts(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	s.Core.Stats.SetPublicCacheTTL(0)
	sys := systemIDs(t, s)
	hiring, credit := sys["hiring-screener"], sys["credit-scorer"]
	rita := s.Reviewer()

	// Hiring screener: 6 contest_decision (5 decided: 3 confirmed, 2
	// overturned), 5 concerns. Credit scorer: 2 contest_decision, 7 concerns.
	var hiringCases []teststack.Filed
	for i := 0; i < 5; i++ {
		f := claimed(t, s, onSystem(hiring, "contest_decision", "work"), rita)
		decide(t, s, rita, f.ID, teststack.Decision([]string{"decision_confirmed", "decision_overturned"}[i%2]))
		hiringCases = append(hiringCases, f)
	}
	hiringCases = append(hiringCases, s.File(onSystem(hiring, "contest_decision", "work")))
	for i := 0; i < 5; i++ {
		hiringCases = append(hiringCases, s.File(onSystem(hiring, "concern", "work")))
	}
	var creditCases []teststack.Filed
	for i := 0; i < 9; i++ {
		kind := "concern"
		if i < 2 {
			kind = "contest_decision"
		}
		creditCases = append(creditCases, s.File(onSystem(credit, kind, "credit_and_essential_services")))
	}
	// Feedback (no API on this branch; tested elsewhere): five ratings for
	// the screener, three for the scorer. A systemic remedy of five
	// components for the screener.
	for i, f := range append(hiringCases[:5:5], creditCases[:3]...) {
		exec(t, s, `INSERT INTO case_feedback (case_id, satisfaction) VALUES (?, ?)`, f.ID, 1+i%5)
	}
	exec(t, s, `INSERT INTO systemic_issues (id, ai_system_id, mechanism, title, created_by)
		SELECT '00000000-0000-0000-0000-0000000005a1', ?, 'biased_output', 'Gaps in employment scored down', id
		  FROM users WHERE email = 'supervisor@example.org'`, hiring)
	exec(t, s, `INSERT INTO remedy_bundles (id, systemic_issue_id, proposed_by)
		SELECT '00000000-0000-0000-0000-00000000b001', '00000000-0000-0000-0000-0000000005a1', id
		  FROM users WHERE email = 'supervisor@example.org'`)
	exec(t, s, `INSERT INTO remedy_components (bundle_id, position, form, subtype, description_enc, responsible, due_at)
		SELECT '00000000-0000-0000-0000-00000000b001', g, 'non_repetition', 'retrained', '\x00', 'provider', now()
		  FROM generate_series(0, 4) AS g`)

	validSubtypes(t, s)

	// No token needed; cacheable for five minutes.
	r := s.Do(req{Method: "GET", Path: "/api/v1/stats/public"})
	if r.Status != 200 || r.Header.Get("Cache-Control") != "public, max-age=300" {
		t.Fatalf("public stats: %d %q %s", r.Status, r.Header.Get("Cache-Control"), r.Body)
	}
	var p stats.Public
	r.Decode(t, &p)
	if p.Threshold != 5 || p.GeneratedAt.IsZero() || len(p.Systems) != 5 {
		t.Fatalf("head: threshold %d at %v, %d systems", p.Threshold, p.GeneratedAt, len(p.Systems))
	}
	row := map[string]stats.PublicRow{"other": p.Other, "all": p.All}
	for _, sr := range p.Systems {
		if sr.ID == nil || sr.Name == "" || sr.Provider == "" {
			t.Errorf("a system row names its system: %+v", sr)
		}
		row[sr.Slug] = sr
	}
	h, c, all := row["hiring-screener"], row["credit-scorer"], row["all"]

	// Cases by kind. The credit scorer's 2 is under 5; its row would give
	// it back (9 − 7), so 7 goes too; the contest_decision column would
	// (8 − 6), so the screener's 6; then the screener's row (11 − 6), so
	// its 5. Four hidden cells, no sum undoes them; every total is shown.
	want := map[string][2]int64{ // kind: {screener, scorer}
		"contest_decision": {-1, -1}, "concern": {-1, -1}, "explanation_request": {0, 0}, "incident": {0, 0}, "retaliation": {0, 0}}
	for kind, w := range want {
		if got := [2]int64{count(t, h.Cases.ByKind[kind]), count(t, c.Cases.ByKind[kind])}; got != w {
			t.Errorf("cases %s: %v, want %v", kind, got, w)
		}
	}
	if count(t, h.Cases.Total) != 11 || count(t, c.Cases.Total) != 9 || count(t, all.Cases.Total) != 20 ||
		count(t, all.Cases.ByKind["contest_decision"]) != 8 || count(t, all.Cases.ByKind["concern"]) != 12 {
		t.Errorf("totals: %+v %+v %+v", h.Cases.Total, c.Cases.Total, all.Cases)
	}
	if count(t, p.Other.Cases.Total) != 0 || count(t, row["customer-chatbot"].Cases.Total) != 0 {
		t.Errorf("zero is shown: %+v", p.Other.Cases)
	}

	// Decisions: 3 confirmed and 2 overturned are both under 5; the total of
	// 5 is shown, and the overturn rate, computed from hidden counts, is
	// suppressed though its n is 5.
	if count(t, h.Decisions.ByOutcome["decision_confirmed"]) != -1 || count(t, h.Decisions.ByOutcome["decision_overturned"]) != -1 ||
		count(t, h.Decisions.ByOutcome["decision_modified"]) != 0 || count(t, h.Decisions.Total) != 5 ||
		count(t, all.Decisions.ByOutcome["decision_confirmed"]) != -1 || count(t, all.Decisions.Total) != 5 {
		t.Errorf("decisions: %+v all %+v", h.Decisions, all.Decisions)
	}
	if !h.OverturnRate.Suppressed || h.OverturnRate.Value != nil {
		t.Errorf("overturn rate from hidden counts: %+v", h.OverturnRate)
	}
	if c.OverturnRate.Suppressed || c.OverturnRate.Value != nil || count(t, c.Decisions.Total) != 0 {
		t.Errorf("nothing decided is null, not suppressed: %+v", c.OverturnRate)
	}
	// The median of 5 is shown (decided within the test: about 0 days).
	if h.MedianDaysToDecision.Suppressed || h.MedianDaysToDecision.Value == nil || *h.MedianDaysToDecision.Value != 0 {
		t.Errorf("median days of 5 decisions: %+v", h.MedianDaysToDecision)
	}
	// Feedback: 5 ratings shown (1..5: mean 3), 3 suppressed, all 8 shown.
	if h.FeedbackMean.Value == nil || *h.FeedbackMean.Value != 3 || !c.FeedbackMean.Suppressed || c.FeedbackMean.Value != nil ||
		all.FeedbackMean.Value == nil {
		t.Errorf("feedback: %+v %+v %+v", h.FeedbackMean, c.FeedbackMean, all.FeedbackMean)
	}
	// Remedies: a systemic issue's five components, under its system.
	if count(t, h.Remedies.ByForm["non_repetition"]) != 5 || count(t, h.Remedies.Total) != 5 || count(t, all.Remedies.Total) != 5 {
		t.Errorf("remedies: %+v", h.Remedies)
	}

	// The documented shape: a count is {value, suppressed}.
	raw := r.JSON(t)
	cell := raw["all"].(map[string]any)["cases"].(map[string]any)["total"].(map[string]any)
	if cell["value"] != 20.0 || cell["suppressed"] != false {
		t.Errorf("a shown count: %v", cell)
	}
	var hidden map[string]any
	for _, it := range raw["systems"].([]any) {
		if m := it.(map[string]any); m["slug"] == "credit-scorer" {
			hidden = m["cases"].(map[string]any)["by_kind"].(map[string]any)["contest_decision"].(map[string]any)
		}
	}
	if v, ok := hidden["value"]; !ok || v != nil || hidden["suppressed"] != true {
		t.Errorf("a suppressed count: %v", hidden)
	}
	// No count from 1 to 4 anywhere.
	for name, rw := range row {
		cells := []stats.Count{rw.Cases.Total, rw.Decisions.Total, rw.Remedies.Total}
		for _, m := range []map[string]stats.Count{rw.Cases.ByKind, rw.Decisions.ByOutcome, rw.Remedies.ByForm} {
			for _, c := range m {
				cells = append(cells, c)
			}
		}
		for _, c := range cells {
			if v := count(t, c); v > 0 && v < 5 {
				t.Errorf("%s shows a count of %d", name, v)
			}
		}
	}
}
