package clocks_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/testenv"
)

// Setting one case's clocks again (routing does it for every case) reads
// that case's clocks, whatever the statistics say. In the routing bench the
// planner, with statistics taken when few clocks ran, combined the case's
// primary key with case_clocks_due_idx — every running clock in the
// database — twice per case (13,850 entries at 200 cases/s, growing with
// every case filed). Here the statistics are taken when 2,000 cases' clocks
// have all ended, then 5,000 cases with four running clocks each are added;
// each scan of case_clocks in the plans of Recompute must read only a few
// buffers (the case's own clocks).
func TestSettingOneCasesClocksReadsOnlyItsClocks(t *testing.T) {
	t.Parallel()
	gdb, dbURL := testenv.DB(t)
	clk := clocks.New(gdb, nil, escalation.RequestOnBreach)
	insertCases := `INSERT INTO cases (id, reference, receipt_hash, kind, informed_of_ai, description_enc, language,
			anonymous, ai_system_other, queue_id, priority, routed_at, submitted_at, status_changed_at)
		SELECT gen_random_uuid(), 'RD-901-' || lpad((i / 1000)::text, 3, '0') || '-' || lpad((i % 1000)::text, 3, '0'),
		       decode(md5(i::text) || md5(i::text), 'hex'), 'contest_decision', 'no', '\x00', 'en', true, 'a system',
		       (SELECT id FROM queues WHERE slug = 'general'), 'P3', now(), now(), now()
		  FROM generate_series(?::int, ?::int) i`
	clocksOf := `INSERT INTO case_clocks (case_id, clock, started_at, due_at, rule, satisfied_at)
		SELECT c.id, k.clock, now(), now() + interval '7 days', 'plan test', ?::timestamptz
		  FROM cases c, unnest(ARRAY['acknowledge', 'first_response', 'decision', 'feedback']) k (clock)
		 WHERE c.reference BETWEEN ? AND ?`
	for _, step := range []struct {
		sql  string
		args []any
	}{
		{insertCases, []any{1, 2000}},
		{clocksOf, []any{"now", "RD-901-000-001", "RD-901-002-000"}},
		{`ANALYZE cases, case_clocks`, nil},
		{insertCases, []any{2001, 7000}},
		{clocksOf, []any{nil, "RD-901-002-001", "RD-901-007-000"}},
		{insertCases, []any{7001, 7001}},
	} {
		if err := gdb.Exec(step.sql, step.args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	var target uuid.UUID
	if err := gdb.Raw(`SELECT id FROM cases WHERE reference = 'RD-901-007-001'`).Row().Scan(&target); err != nil {
		t.Fatal(err)
	}
	if _, err := clk.Recompute(context.Background(), target); err != nil {
		t.Fatal(err)
	}
	// Among 20,000 running clocks, the case's own are a few buffers.
	testenv.ReadsAtMost(t, dbURL, "case_clocks", regexp.MustCompile(`Scan (?:using \w+ )?on case_clocks`), 50, func(conn *gorm.DB) error {
		return db.Transact(context.Background(), conn, func(tx *gorm.DB) error {
			_, err := clocks.New(conn, nil, escalation.RequestOnBreach).RecomputeIn(tx, target)
			return err
		})
	})
}
