package review_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/review"
	"github.com/redresshq/redress/internal/testenv"
)

// Routing auto-assigns the one case it has just routed (AutoAssignIn with
// its id). That look reads the case by its id, whatever the statistics say:
// in the routing bench, filings arriving faster than autovacuum analyzes the
// table left the planner thinking the backlog of unassigned cases small, and
// it walked cases_claim_idx through all of them to find the one id (1,273
// buffers a routed case at 200 cases/s, growing with every case left
// unclaimed). Here the statistics are taken when 2,000 cases are all at work with a
// reviewer, then 20,000
// wait to be claimed.
func TestAutoAssigningOneCaseReadsOnlyThatCase(t *testing.T) {
	t.Parallel()
	gdb, dbURL := testenv.DB(t)
	var backlog, auto uuid.UUID
	for _, q := range []string{
		`INSERT INTO queues (slug, name) VALUES ('backlog', 'Backlog')`,
		`INSERT INTO queues (slug, name, auto_assign) VALUES ('auto', 'Auto', true)`,
	} {
		if err := gdb.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := gdb.Raw(`SELECT (SELECT id FROM queues WHERE slug = 'backlog'), (SELECT id FROM queues WHERE slug = 'auto')`).
		Row().Scan(&backlog, &auto); err != nil {
		t.Fatal(err)
	}
	insert := `INSERT INTO cases (id, reference, receipt_hash, kind, status, informed_of_ai, description_enc, language, anonymous,
	                   ai_system_other, queue_id, priority, submitted_at, acknowledged_at)
	 SELECT gen_random_uuid(), 'RD-' || lpad((i / 1000000)::text, 3, '0') || '-' || lpad((i / 1000 % 1000)::text, 3, '0')
	        || '-' || lpad((i % 1000)::text, 3, '0'), decode(md5(i::text) || md5(i::text), 'hex'), 'concern', 'acknowledged',
	        'no', '\x00', 'en', true, 'a system', ?, (ARRAY['P0', 'P1', 'P2', 'P3'])[1 + i % 4], now() - i * interval '1 minute', now()
	   FROM generate_series(?::int, ?::int) i`
	// Cases at work, each with its reviewer: none waits to be claimed.
	assigned := strings.Replace(strings.Replace(insert, "'acknowledged'", "'in_review'", 1), "submitted_at, acknowledged_at)",
		"submitted_at, acknowledged_at, assignee_id)", 1)
	assigned = strings.Replace(assigned, "now()\n", "now(), (SELECT id FROM users WHERE email = 'plan-reviewer@example.org')\n", 1)
	if err := gdb.Exec(`INSERT INTO users (email, name, role, password_hash) VALUES ('plan-reviewer@example.org', 'Plan', 'reviewer', '!')`).Error; err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		sql  string
		args []any
	}{
		{assigned, []any{backlog, 1, 2000}},
		{`ANALYZE cases`, nil},
		{insert, []any{backlog, 2001, 22000}},
		{insert, []any{auto, 22001, 22001}},
	} {
		if err := gdb.Exec(step.sql, step.args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	var target uuid.UUID
	if err := gdb.Raw(`SELECT id FROM cases WHERE queue_id = ?`, auto).Row().Scan(&target); err != nil {
		t.Fatal(err)
	}
	// Among a backlog of 20,000, the one case is a few buffers.
	plans := testenv.ReadsAtMost(t, dbURL, "FROM cases c LEFT JOIN queues q", regexp.MustCompile(`Scan (?:using \w+ )?on cases c\b`), 100,
		func(conn *gorm.DB) error {
			return db.Transact(context.Background(), conn, func(tx *gorm.DB) error {
				_, err := review.New(conn).AutoAssignIn(tx, 1, target)
				return err
			})
		})
	for mode, p := range plans {
		if len(p) != 1 {
			t.Errorf("%s: %d plans of the look for waiting cases, want 1", mode, len(p))
		}
	}
}
