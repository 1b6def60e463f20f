package grievance_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/testenv"
)

// The staff case list filtered by an assignee or a queue reads a page from
// an index in the list's order (submitted_at, id), from the cursor on,
// rather than every case of the assignee or queue sorted (migration 00030;
// BENCHMARKS.md, "reads at scale"). 40,000 cases among 100 assignees and 20
// queues: each assignee has 400, each queue 2,000.
func TestCaseListByAssigneeOrQueueReadsAKeysetIndex(t *testing.T) {
	t.Parallel()
	gdb, _ := testenv.DB(t)
	for _, q := range []string{
		`INSERT INTO users (email, name, role, password_hash)
		 SELECT 'plan-' || n || '@example.org', 'Plan ' || n, 'reviewer', '!' FROM generate_series(1, 100) n`,
		`INSERT INTO queues (slug, name) SELECT 'plan-' || n, 'Plan ' || n FROM generate_series(1, 20) n`,
		`INSERT INTO cases (id, reference, receipt_hash, kind, status, informed_of_ai, description_enc, language, anonymous,
		                    ai_system_other, queue_id, assignee_id, priority, acknowledged_at, submitted_at)
		 SELECT gen_random_uuid(), 'RD-' || lpad((i / 1000000)::text, 3, '0') || '-' || lpad((i / 1000 % 1000)::text, 3, '0')
		        || '-' || lpad((i % 1000)::text, 3, '0'), decode(md5(i::text) || md5(i::text), 'hex'), 'concern',
		        (ARRAY['in_review', 'closed', 'closed', 'decided'])[1 + i % 4], 'no', '\x00', 'en', true, 'a system',
		        (SELECT array_agg(id ORDER BY slug) FROM queues WHERE slug LIKE 'plan-%')[1 + i % 20],
		        (SELECT array_agg(id ORDER BY email) FROM users WHERE email LIKE 'plan-%')[1 + i / 7 % 100],
		        (ARRAY['P0', 'P1', 'P2', 'P3'])[1 + i / 3 % 4], now(), now() - i * interval '1 minute'
		   FROM generate_series(1, 40000) i`,
		`ANALYZE cases`,
	} {
		if err := gdb.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	var assignee, queue uuid.UUID
	if err := gdb.Raw(`SELECT (SELECT id FROM users WHERE email = 'plan-7@example.org'), (SELECT id FROM queues WHERE slug = 'plan-7')`).
		Row().Scan(&assignee, &queue); err != nil {
		t.Fatal(err)
	}
	viewer := access.Viewer{ID: uuid.New(), Role: auth.RoleSupervisor}
	sortAll := regexp.MustCompile(`Sort Key: c\.submitted_at`)
	for name, f := range map[string]grievance.Filter{
		"an assignee":   {AssigneeID: &assignee},
		"a queue":       {QueueID: &queue},
		"a queue, open": {QueueID: &queue, Statuses: []string{"submitted", "acknowledged", "in_review"}},
	} {
		f.Viewer = viewer
		stmt, args, err := grievance.ListStatement(f)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		if err := gdb.Raw(`EXPLAIN `+stmt, args...).Scan(&plan).Error; err != nil {
			t.Fatal(err)
		}
		joined := strings.Join(plan, "\n")
		if sortAll.MatchString(joined) || !strings.Contains(joined, "Index Scan using cases_") {
			t.Errorf("%s: the list sorts the matching cases instead of reading an index in its order:\n%s", name, joined)
		}
	}
}
