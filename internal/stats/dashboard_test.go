package stats

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/testenv"
)

// DashboardFixture is a known set of cases, decisions and clocks (see
// seedDashboard) and what the dashboard must count of them.
type dashboardFixture struct {
	now          time.Time
	a, b         uuid.UUID
	general, sup uuid.UUID
	cases        [5]uuid.UUID
}

// seedDashboard files five cases relative to now:
//
//	1 system A, in_review, general queue, next due 1 h ago (breached), submitted 2 days ago
//	2 system A, submitted, general, next due in 2 days (at risk), submitted 10 days ago
//	3 system B, acknowledged, general, next due in 20 days (open), submitted 3 days ago
//	4 system B, closed, general (not open), submitted 20 days ago
//	5 a free-text system, submitted, supervisors, next due in 1 day (at risk), submitted 200 days ago
//
// Final decisions: 1 overturned, 2 confirmed (and a refused overturn, not
// counted), 3 not_within_scope, 4 modified — all in the last weeks — and 5
// overturned 150 days ago. Ended clocks: acknowledge of 1 (on time), 2
// (late), 3 (on time) and 5 (200 days ago); decision of 4 (late: breached
// though satisfied). A running decision clock on 1.
func seedDashboard(t *testing.T, gdb *gorm.DB) dashboardFixture {
	t.Helper()
	exec := func(q string, args ...any) {
		t.Helper()
		if err := gdb.Exec(q, args...).Error; err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	fx := dashboardFixture{now: time.Now().UTC().Truncate(time.Second), a: uuid.New(), b: uuid.New()}
	exec(`INSERT INTO ai_systems (id, slug, name, provider, purpose) VALUES (?, 'sys-a', 'Alpha scorer', 'P', 'x'),
		(?, 'sys-b', 'Beta screener', 'P', 'x')`, fx.a, fx.b)
	if err := gdb.Raw(`SELECT id FROM queues WHERE slug = 'general'`).Row().Scan(&fx.general); err != nil {
		t.Fatal(err)
	}
	if err := gdb.Raw(`SELECT id FROM queues WHERE slug = 'supervisors'`).Row().Scan(&fx.sup); err != nil {
		t.Fatal(err)
	}
	var user uuid.UUID
	if err := gdb.Raw(`INSERT INTO users (email, name, role, password_hash) VALUES ('dash@example.org', 'D', 'reviewer', 'x')
		RETURNING id`).Row().Scan(&user); err != nil {
		t.Fatal(err)
	}
	n := fx.now
	h, d := time.Hour, 24*time.Hour
	type kase struct {
		system    *uuid.UUID
		status    string
		queue     uuid.UUID
		nextDue   time.Time
		submitted time.Time
	}
	ks := []kase{
		{&fx.a, "in_review", fx.general, n.Add(-h), n.Add(-2 * d)},
		{&fx.a, "submitted", fx.general, n.Add(2 * d), n.Add(-10 * d)},
		{&fx.b, "acknowledged", fx.general, n.Add(20 * d), n.Add(-3 * d)},
		{&fx.b, "closed", fx.general, n.Add(-5 * d), n.Add(-20 * d)},
		{nil, "submitted", fx.sup, n.Add(d), n.Add(-200 * d)},
	}
	for i, k := range ks {
		fx.cases[i] = uuid.New()
		var other *string
		if k.system == nil {
			s := "a free-text system"
			other = &s
		}
		var ack *time.Time
		if k.status != "submitted" {
			ack = &k.submitted
		}
		exec(`INSERT INTO cases (id, reference, receipt_hash, kind, ai_system_id, ai_system_other, informed_of_ai,
			description_enc, language, anonymous, submitted_at, status, queue_id, next_due_at, acknowledged_at)
			VALUES (?, ?, decode(md5(?) || md5(?), 'hex'), 'concern', ?, ?, 'no', '\x00'::bytea, 'en', true, ?, 'submitted', ?, ?, ?)`,
			fx.cases[i], fmt.Sprintf("RD-900-000-%03d", i), fx.cases[i].String(), fx.cases[i].String(), k.system, other,
			k.submitted, k.queue, k.nextDue, ack)
		// Walk the status machine to the case's status.
		path := map[string][]string{"in_review": {"in_review"}, "acknowledged": {"acknowledged"},
			"closed": {"in_review", "decided", "closed"}}[k.status]
		for _, st := range path {
			exec(`UPDATE cases SET status = ? WHERE id = ?`, st, fx.cases[i])
		}
	}
	decide := func(i int, outcome, status string, at time.Time) {
		exec(`INSERT INTO decisions (case_id, outcome, rationale_enc, signposting_enc, had_authority, not_a_model_rerun,
			deployer_involvement, provider_involvement, decided_by, status, final_at)
			VALUES (?, ?, '\x00'::bytea, '\x00'::bytea, true, true, 'none', 'none', ?, ?, ?)`,
			fx.cases[i], outcome, user, status, at)
	}
	decide(0, "decision_overturned", "final", n.Add(-d))
	decide(1, "decision_confirmed", "final", n.Add(-5*d))
	decide(1, "decision_overturned", "refused", n.Add(-5*d))
	decide(2, "not_within_scope", "final", n.Add(-2*d))
	decide(3, "decision_modified", "final", n.Add(-15*d))
	decide(4, "decision_overturned", "final", n.Add(-150*d))
	clock := func(i int, name string, due time.Time, satisfied, breached *time.Time) {
		exec(`INSERT INTO case_clocks (case_id, clock, started_at, due_at, rule, satisfied_at, breached_at)
			VALUES (?, ?, ?, ?, 'x', ?, ?)`, fx.cases[i], name, due.Add(-7*d), due, satisfied, breached)
	}
	at := func(t time.Time) *time.Time { return &t }
	clock(0, "acknowledge", n.Add(-5*d), at(n.Add(-6*d)), nil)
	clock(1, "acknowledge", n.Add(-8*d), at(n.Add(-7*d)), nil)
	clock(2, "acknowledge", n.Add(-d), at(n.Add(-2*d)), nil)
	clock(3, "decision", n.Add(-10*d), at(n.Add(-9*d)), at(n.Add(-10*d)))
	clock(0, "decision", n.Add(3*d), nil, nil)
	clock(4, "acknowledge", n.Add(-199*d), at(n.Add(-199*d)), nil)
	return fx
}

func TestDashboardCountsAKnownSetOfCases(t *testing.T) {
	t.Parallel()
	gdb, _ := testenv.DB(t)
	fx := seedDashboard(t, gdb)
	svc := New(gdb)
	ctx := context.Background()

	got, err := svc.Dashboard(ctx, DashboardQuery{Weeks: 12, Bucket: BucketWeek, RiskDays: 7, Now: fx.now})
	if err != nil {
		t.Fatal(err)
	}
	// Backlog per queue.
	backlog := map[string]QueueBacklog{}
	for _, q := range got.Backlog {
		backlog[q.Slug] = q
	}
	if g := backlog["general"]; g.Open != 3 || g.AtRisk != 1 || g.Breached != 1 {
		t.Errorf("general: %+v", g)
	}
	if s := backlog["supervisors"]; s.Open != 1 || s.AtRisk != 1 || s.Breached != 0 {
		t.Errorf("supervisors: %+v", s)
	}
	// Cases per system, per week: 13 weeks at most, the oldest starting on a Monday.
	if len(got.Periods) < 12 || len(got.Periods) > 14 || got.Periods[0].Weekday() != time.Monday ||
		got.From.After(fx.now.AddDate(0, 0, -84)) {
		t.Errorf("periods: %d from %v", len(got.Periods), got.From)
	}
	series := map[string]SystemSeries{}
	for _, s := range got.CasesBySys {
		series[s.Name] = s
	}
	weekOf := func(ago time.Duration) int {
		b := bucketStart(fx.now.Add(-ago), BucketWeek)
		for i, p := range got.Periods {
			if p.Equal(b) {
				return i
			}
		}
		t.Fatalf("no period for %v", b)
		return -1
	}
	a, b := series["Alpha scorer"], series["Beta screener"]
	if a.Total != 2 || b.Total != 2 || series[""].Total != 0 || got.CasesInRange != 4 {
		t.Errorf("totals: a %d b %d other %d all %d", a.Total, b.Total, series[""].Total, got.CasesInRange)
	}
	if a.Counts[weekOf(2*24*time.Hour)] < 1 || a.Counts[weekOf(10*24*time.Hour)] < 1 || b.Counts[weekOf(20*24*time.Hour)] != 1 {
		t.Errorf("weekly counts: a %v b %v", a.Counts, b.Counts)
	}
	// Overturn rate: changed / final decisions within scope.
	over := map[string]SystemOverturn{}
	for _, o := range got.Overturn {
		over[o.Name] = o
	}
	if o := over["Alpha scorer"]; o.Decisions != 2 || o.WithinScope != 2 || o.Changed != 1 || *o.Rate != 0.5 {
		t.Errorf("overturn a: %+v", o)
	}
	if o := over["Beta screener"]; o.Decisions != 2 || o.WithinScope != 1 || o.Changed != 1 || *o.Rate != 1 {
		t.Errorf("overturn b: %+v", o)
	}
	if o := over[""]; o.Decisions != 0 || o.Rate != nil {
		t.Errorf("overturn other: %+v", o)
	}
	if o := got.OverturnAll; o.Decisions != 4 || o.WithinScope != 3 || o.Changed != 2 || *o.Rate != 0.6667 {
		t.Errorf("overturn all: %+v", o)
	}
	// SLA compliance: on time / ended, per clock.
	sla := map[string]ClockCompliance{}
	for _, c := range got.SLA {
		sla[c.Clock] = c
	}
	if c := sla["acknowledge"]; c.Ended != 3 || c.OnTime != 2 || c.Late != 1 || *c.Rate != 0.6667 {
		t.Errorf("acknowledge: %+v", c)
	}
	if c := sla["decision"]; c.Ended != 1 || c.OnTime != 0 || *c.Rate != 0 {
		t.Errorf("decision: %+v", c)
	}
	if c := sla["feedback"]; c.Ended != 0 || c.Rate != nil {
		t.Errorf("feedback: %+v", c)
	}
	if c := got.SLAAll; c.Ended != 4 || c.OnTime != 2 || *c.Rate != 0.5 {
		t.Errorf("all clocks: %+v", c)
	}

	// A year takes case 5's decision and clock in; months bucket it.
	year, err := svc.Dashboard(ctx, DashboardQuery{Weeks: 52, Bucket: BucketMonth, RiskDays: 7, Now: fx.now})
	if err != nil {
		t.Fatal(err)
	}
	if year.CasesInRange != 5 || year.OverturnAll.Decisions != 5 || year.SLAAll.Ended != 5 || year.Periods[0].Day() != 1 {
		t.Errorf("a year by month: cases %d decisions %d clocks %d first %v", year.CasesInRange,
			year.OverturnAll.Decisions, year.SLAAll.Ended, year.Periods[0])
	}
	// Filtered to system A: only its cases.
	only, err := svc.Dashboard(ctx, DashboardQuery{Weeks: 12, AISystemID: &fx.a, Now: fx.now})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(only.Backlog, func(q QueueBacklog) bool { return q.Slug == "general" }) {
		t.Fatalf("A's backlog has no general queue: %+v", only.Backlog)
	}
	for _, q := range only.Backlog {
		want := QueueBacklog{}
		if q.Slug == "general" {
			want = QueueBacklog{Open: 2, AtRisk: 1, Breached: 1}
		}
		if q.Open != want.Open || q.AtRisk != want.AtRisk || q.Breached != want.Breached {
			t.Errorf("A's backlog in %s: %+v", q.Slug, q)
		}
	}
	if len(only.CasesBySys) != 1 || only.CasesBySys[0].Total != 2 || len(only.Overturn) != 1 ||
		only.OverturnAll.Decisions != 2 || only.SLAAll.Ended != 2 || only.SLAAll.OnTime != 1 {
		t.Errorf("A only: %+v %+v %+v", only.CasesBySys, only.Overturn, only.SLAAll)
	}
	// A wider risk window takes case 3 in.
	wide, err := svc.Dashboard(ctx, DashboardQuery{Weeks: 4, RiskDays: 30, Now: fx.now})
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(wide.Backlog, func(q QueueBacklog) bool { return q.Slug == "general" }); i < 0 || wide.Backlog[i].AtRisk != 2 {
		t.Errorf("30 days of risk: %+v", wide.Backlog)
	}

	// Bad choices name their field; an unknown system is a field error too.
	unknown := uuid.New()
	for _, q := range []DashboardQuery{{Weeks: 5}, {Bucket: "day"}, {RiskDays: 400}, {AISystemID: &unknown}} {
		_, err := svc.Dashboard(ctx, q)
		if e, ok := fault.As(err); !ok || e.Kind != fault.Invalid || len(e.Fields) != 1 {
			t.Errorf("%+v: %v", q, err)
		}
	}
}

func TestBucketStart(t *testing.T) {
	for in, want := range map[string]string{
		"2026-03-04T15:00:00Z": "2026-03-02", // a Wednesday → its Monday
		"2026-03-02T00:00:00Z": "2026-03-02",
		"2026-03-08T23:59:00Z": "2026-03-02", // Sunday
	} {
		tm, _ := time.Parse(time.RFC3339, in)
		if got := bucketStart(tm, BucketWeek).Format(time.DateOnly); got != want {
			t.Errorf("week of %s: %s, want %s", in, got, want)
		}
	}
	tm, _ := time.Parse(time.RFC3339, "2026-03-31T23:00:00Z")
	if got := bucketStart(tm, BucketMonth).Format(time.DateOnly); got != "2026-03-01" {
		t.Errorf("month: %s", got)
	}
}
