package stats

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// The codes the figures are broken down by are exactly those the schema
// allows, so no bucket is missing and none is invented.
func TestCodesMatchTheSchema(t *testing.T) {
	t.Parallel()
	gdb, _ := testenv.DB(t)
	literal := regexp.MustCompile(`'([a-z_]+)'`)
	for constraint, codes := range map[string][]string{
		"cases_kind_check":                  Kinds,
		"cases_status_check":                Statuses,
		"cases_root_cause_check":            RootCauses,
		"case_classifications_rights_check": Rights,
		"decisions_outcome_check":           Outcomes,
		"decisions_stage_check":             Stages,
		"case_clocks_clock_check":           Clocks,
		"remedy_components_form_check":      RemedyForms,
		"remedy_components_status_check":    RemedyStatuses,
	} {
		var def string
		if err := gdb.Raw(`SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = ?`, constraint).Scan(&def).Error; err != nil || def == "" {
			t.Fatalf("%s: %q %v", constraint, def, err)
		}
		var got []string
		for _, m := range literal.FindAllStringSubmatch(def, -1) {
			got = append(got, m[1])
		}
		slices.Sort(got)
		want := slices.Sorted(slices.Values(codes))
		if !slices.Equal(got, want) {
			t.Errorf("%s allows %v; stats counts %v", constraint, got, want)
		}
	}
}

func TestParseRange(t *testing.T) {
	day := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	cases := []struct {
		from, to    string
		want        Range
		badFields   []string
		description string
	}{
		{"", "", Range{}, nil, "open: all time"},
		{"2026-01-01", "2026-01-31", Range{day("2026-01-01T00:00:00Z"), day("2026-02-01T00:00:00Z")}, nil, "dates: to includes its day"},
		{"2026-01-01T09:30:00+02:00", "", Range{From: day("2026-01-01T07:30:00Z")}, nil, "a date-time in another zone"},
		{"2026-01-01T09:30:00 02:00", "", Range{From: day("2026-01-01T07:30:00Z")}, nil, "a + that arrived as a space"},
		{"", "2026-01-31T12:00:00Z", Range{Until: day("2026-01-31T12:00:00.000001Z")}, nil, "a date-time to is included"},
		{"2026-01-31", "2026-01-31", Range{day("2026-01-31T00:00:00Z"), day("2026-02-01T00:00:00Z")}, nil, "one day"},
		{"2026-01-31T12:00:00Z", "2026-01-31T12:00:00Z", Range{day("2026-01-31T12:00:00Z"), day("2026-01-31T12:00:00.000001Z")}, nil, "one instant"},
		{"2026-02-01", "2026-01-31", Range{}, []string{"from"}, "from after to"},
		{"yesterday", "2026-13-01", Range{}, []string{"from", "to"}, "malformed"},
		{"2026-02-30", "", Range{}, []string{"from"}, "no such day"},
		{"2026-01-01T25:00:00Z", "", Range{}, []string{"from"}, "no such hour"},
		{"", "9999-12-31", Range{}, []string{"to"}, "a to whose next day is year 10000"},
		{"0000-01-01T00:00:00+01:00", "", Range{}, []string{"from"}, "a from in year -1 in UTC"},
		{"1969-12-31", "", Range{}, []string{"from"}, "before 1970"},
		{"1970-01-01", "9998-12-31", Range{day("1970-01-01T00:00:00Z"), day("9999-01-01T00:00:00Z")}, nil, "the widest range"},
	}
	for _, tc := range cases {
		var f fault.Fields
		got := ParseRange(&f, tc.from, tc.to)
		var fields []string
		if e, ok := fault.As(f.Err()); ok {
			for _, fe := range e.Fields {
				fields = append(fields, fe.Field)
			}
		}
		if !slices.Equal(fields, tc.badFields) {
			t.Errorf("%s: bad fields %v, want %v", tc.description, fields, tc.badFields)
			continue
		}
		if tc.badFields != nil {
			continue
		}
		same := func(a, b *time.Time) bool { return (a == nil) == (b == nil) && (a == nil || a.Equal(*b)) }
		if !same(got.From, tc.want.From) || !same(got.Until, tc.want.Until) {
			t.Errorf("%s: got %v..%v, want %v..%v", tc.description, got.From, got.Until, tc.want.From, tc.want.Until)
		}
	}
}

// seedVolume fills a database with cases enough for the planner to choose
// as it would in production: a large system, a small one, and free-text
// systems, each case with clocks, half with a final decision.
func seedVolume(t *testing.T, gdb *gorm.DB, big, small, other int) (bigID, smallID uuid.UUID) {
	t.Helper()
	exec := func(q string, args ...any) {
		t.Helper()
		if err := gdb.Exec(q, args...).Error; err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	bigID, smallID = uuid.New(), uuid.New()
	exec(`INSERT INTO ai_systems (id, slug, name, provider, purpose) VALUES (?, 'big', 'Big', 'P', 'x'), (?, 'small', 'Small', 'P', 'x')`,
		bigID, smallID)
	exec(`INSERT INTO users (email, name, role, password_hash) VALUES ('volume@example.org', 'V', 'reviewer', 'x')`)
	exec(`INSERT INTO cases (reference, receipt_hash, kind, ai_system_id, ai_system_other, informed_of_ai, description_enc,
	                         language, anonymous, submitted_at)
		SELECT 'RD-' || substr(lpad(g::text, 9, '0'), 1, 3) || '-' || substr(lpad(g::text, 9, '0'), 4, 3) || '-' ||
		       substr(lpad(g::text, 9, '0'), 7, 3),
		       decode(md5(g::text) || md5(g::text), 'hex'),
		       (ARRAY['contest_decision', 'explanation_request', 'concern', 'incident', 'retaliation'])[1 + g % 5],
		       CASE WHEN g <= ? THEN ?::uuid WHEN g <= ? THEN ?::uuid END,
		       CASE WHEN g > ? THEN 'a free-text system' END,
		       'no', '\x00'::bytea, 'en', true, now() - make_interval(mins => g)
		  FROM generate_series(1, ?) AS g`, big, bigID, big+small, smallID, big+small, big+small+other)
	exec(`INSERT INTO case_clocks (case_id, clock, started_at, due_at, rule)
		SELECT id, k, submitted_at, submitted_at + interval '7 days', 'x'
		  FROM cases, unnest(ARRAY['acknowledge', 'feedback', 'decision']) AS k`)
	exec(`INSERT INTO decisions (case_id, outcome, rationale_enc, had_authority, not_a_model_rerun, deployer_involvement,
	                             provider_involvement, decided_by, status, final_at)
		SELECT id, 'decision_confirmed', '\x00'::bytea, true, true, 'none', 'none', (SELECT id FROM users WHERE email = 'volume@example.org'),
		       'final', submitted_at + interval '3 days'
		  FROM cases WHERE reference::text LIKE '%0' OR reference::text LIKE '%2' OR reference::text LIKE '%4'
		                OR reference::text LIKE '%6' OR reference::text LIKE '%8'`)
	exec(`INSERT INTO case_classifications (case_id, rights) SELECT id, ARRAY['work', 'privacy'] FROM cases`)
	// A third of the cases rated, a tenth with a remedy of one component.
	exec(`INSERT INTO case_feedback (case_id, satisfaction) SELECT id, 1 + (hashtext(id::text) & 3) FROM cases
		WHERE hashtext(id::text) % 3 = 0`)
	exec(`INSERT INTO remedy_bundles (case_id, proposed_by) SELECT id, (SELECT id FROM users WHERE email = 'volume@example.org')
		FROM cases WHERE hashtext(id::text) % 10 = 0`)
	exec(`INSERT INTO remedy_components (bundle_id, position, form, subtype, description_enc, responsible, due_at)
		SELECT id, 0, 'restitution', 'reinstatement', '\x00'::bytea, 'deployer', now() FROM remedy_bundles`)
	exec(`ANALYZE`)
	return bigID, smallID
}

// plan is the EXPLAIN of q as JSON text, planned with sequential scans
// priced out: a table still read whole then has no index the query can use.
func plan(t *testing.T, gdb *gorm.DB, q query) string {
	t.Helper()
	var raw []string
	err := gdb.Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`SET LOCAL enable_seqscan = off`).Error; err != nil {
			return err
		}
		return tx.Raw(`EXPLAIN (FORMAT JSON) `+q.sql, q.args...).Scan(&raw).Error
	})
	if err != nil || len(raw) == 0 {
		t.Fatalf("explain %s: %v", q.name, err)
	}
	return raw[0]
}

// seqScans lists the relations a plan reads whole.
func seqScans(p string) []string {
	var v any
	_ = json.Unmarshal([]byte(p), &v)
	var out []string
	var walk func(any)
	walk = func(n any) {
		switch x := n.(type) {
		case map[string]any:
			if x["Node Type"] == "Seq Scan" {
				out = append(out, x["Relation Name"].(string))
			}
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	return out
}

// The per-system figures can read the system's cases through
// cases_ai_system_idx and follow indexes from there, so their cost grows
// with that system's cases, not with every case: with sequential scans
// priced out, no table is read whole. (Which path PostgreSQL picks is its
// cost choice; at this volume it may hash a small table instead.)
func TestSystemQueriesUseTheIndexes(t *testing.T) {
	t.Parallel()
	gdb, _ := testenv.DB(t)
	_, small := seedVolume(t, gdb, 20000, 40, 5000)
	from := time.Now().Add(-30 * 24 * time.Hour)
	for _, r := range []Range{{}, {From: &from}} {
		for _, q := range systemQueries(small, r) {
			p := plan(t, gdb, q)
			for _, rel := range seqScans(p) {
				t.Errorf("%s reads %s whole:\n%s", q.name, rel, p)
			}
			if !strings.Contains(p, "cases_ai_system_idx") {
				t.Errorf("%s does not use cases_ai_system_idx:\n%s", q.name, p)
			}
		}
	}
	svc := New(gdb)
	start := time.Now()
	st, err := svc.AISystem(context.Background(), small, Range{})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("one system of 40 cases among 25040: %v", time.Since(start))
	if st.Cases.Total != 40 || st.Decisions.Final != 20 || st.TimeToDecision.N != 20 || *st.TimeToDecision.MedianHours != 72 {
		t.Errorf("figures: %+v %+v %+v", st.Cases, st.Decisions, st.TimeToDecision)
	}
	if all := st.SLA.All; all.Late+all.OnTime+all.Running+all.RunningOverdue != 120 {
		t.Errorf("clocks: %+v", all)
	}
	start = time.Now()
	p, err := svc.Public(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("public statistics over 25040 cases: %v", time.Since(start))
	if *p.All.Cases.Total.Value != 25040 || *p.Other.Cases.Total.Value != 5000 {
		t.Errorf("public totals: all %v other %v", *p.All.Cases.Total.Value, *p.Other.Cases.Total.Value)
	}
}

// Public statistics are computed once per cache period, and work on an
// empty register.
func TestPublicIsReusedForItsTTL(t *testing.T) {
	t.Parallel()
	gdb, _ := testenv.DB(t)
	svc := New(gdb)
	ctx := context.Background()
	// A burst of callers on a cold cache: one computation, one answer.
	got := make(chan *Public, 20)
	for range 20 {
		go func() {
			p, err := svc.Public(ctx)
			if err != nil {
				t.Error(err)
			}
			got <- p
		}()
	}
	a := <-got
	for range 19 {
		if b := <-got; b != a {
			t.Fatal("concurrent callers got different computations")
		}
	}
	if len(a.Systems) != 0 || *a.All.Cases.Total.Value != 0 || a.All.FeedbackMean.Value != nil || a.All.FeedbackMean.Suppressed {
		t.Errorf("empty: %+v", a)
	}
	if b, _ := svc.Public(ctx); b != a {
		t.Error("computed again within the cache period")
	}
	svc.SetPublicCacheTTL(0)
	if b, _ := svc.Public(ctx); b == a {
		t.Error("reused with no cache period")
	}
}
