package grievance_test

import (
	"context"
	"database/sql"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/platform/paging"
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
	assignee, queue := seedListPlanCases(t, gdb, "plan", `(ARRAY['in_review', 'closed', 'closed', 'decided'])[1 + i % 4]`)
	viewer := access.Viewer{ID: uuid.New(), Role: auth.RoleSupervisor}
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

// A filter on the statuses still being worked on reads only the active
// cases, in the list's order (migration 00036), even in the generic plan a
// warm pool's prepared statement settles on: the last page of a sparse
// filter (one assignee's open P0 cases) then reads the assignee's active
// cases, not every case the assignee ever had. 40,000 cases, 1 in 10 not
// ended, as in a mechanism that has run for years.
func TestSparseOpenFilterReadsOnlyTheActiveCases(t *testing.T) {
	t.Parallel()
	gdb, dbURL := testenv.DB(t)
	assignee, queue := seedListPlanCases(t, gdb, "sparse",
		`CASE WHEN i % 10 = 0 THEN 'in_review' WHEN i % 20 = 1 THEN 'decided' ELSE 'closed' END`)
	open := []string{"submitted", "acknowledged", "in_review", "awaiting_complainant", "pending_approval", "appealed"}
	notEnded := append(slices.Clone(open), "decided", "remedy_in_progress", "escalated")
	deep := paging.EncodeCursor(time.Now().Add(-30000*time.Minute), uuid.Max)
	viewer := access.Viewer{ID: uuid.New(), Role: auth.RoleSupervisor}
	for name, tc := range map[string]struct {
		f     grievance.Filter
		index string
	}{
		"an assignee, P0, open, deep": {grievance.Filter{AssigneeID: &assignee, Priority: "P0", Statuses: open, Cursor: deep}, "cases_active_assignee_idx"},
		"an assignee, not ended":      {grievance.Filter{AssigneeID: &assignee, Statuses: notEnded}, "cases_active_assignee_idx"},
		"a queue, P1, open":           {grievance.Filter{QueueID: &queue, Priority: "P1", Statuses: open}, "cases_"},
		"P0, in review, deep":         {grievance.Filter{Priority: "P0", Statuses: []string{"in_review"}, Cursor: deep}, "cases_"},
		"open, deep":                  {grievance.Filter{Statuses: open, Cursor: deep}, "cases_active_list_idx"},
	} {
		tc.f.Viewer = viewer
		plan := genericListPlan(t, dbURL, tc.f)
		if bad := readsEndedCases(plan); bad != "" || !strings.Contains(plan, tc.index) {
			t.Errorf("%s: the generic plan reads %s, not only the active cases (%s):\n%s", name, bad, tc.index, plan)
		}
	}
}

var (
	sortAll     = regexp.MustCompile(`Sort Key: c\.submitted_at`)
	casesScan   = regexp.MustCompile(`(?:Seq Scan on cases c|Scan(?: Backward)? (?:using|on) (cases_\w+))`)
	activeIndex = regexp.MustCompile(`^cases_active_`)
)

// readsEndedCases names what in plan reads cases whatever their status: a
// scan of the table, or of an index that holds ended cases with no
// condition on the status; "" when every read of cases is bounded to the
// cases still being worked on.
func readsEndedCases(plan string) string {
	lines := strings.Split(plan, "\n")
	for i, l := range lines {
		m := casesScan.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		if m[1] == "" {
			return "the whole table"
		}
		cond := ""
		if i+1 < len(lines) && strings.Contains(lines[i+1], "Cond:") {
			cond = lines[i+1]
		}
		if !activeIndex.MatchString(m[1]) && !strings.Contains(cond, "status") {
			return m[1]
		}
	}
	return ""
}

// genericListPlan is the generic plan of the list statement for f.
func genericListPlan(t *testing.T, dbURL string, f grievance.Filter) string {
	t.Helper()
	plans := testenv.Plans(t, dbURL, "FROM cases c", testenv.GenericPlan, func(gdb *gorm.DB) error {
		_, err := grievance.NewService(gdb, nil, nil, nil, nil, nil, nil, nil, nil).List(context.Background(), f)
		return err
	})
	if len(plans) != 1 {
		t.Fatalf("%d plans of the list logged, want 1", len(plans))
	}
	return plans[0]
}

// seedListPlanCases inserts 100 reviewers and 20 queues named after prefix,
// and 40,000 cases among them (each reviewer 400, each queue 2,000, a minute
// apart), each with the status the SQL expression status gives its number i;
// it analyzes the cases and returns the 7th reviewer and queue.
func seedListPlanCases(t *testing.T, gdb *gorm.DB, prefix, status string) (assignee, queue uuid.UUID) {
	t.Helper()
	for _, q := range []string{
		`INSERT INTO users (email, name, role, password_hash)
		 SELECT @prefix || '-' || n || '@example.org', 'Plan ' || n, 'reviewer', '!' FROM generate_series(1, 100) n`,
		`INSERT INTO queues (slug, name) SELECT @prefix || '-' || n, 'Plan ' || n FROM generate_series(1, 20) n`,
		`INSERT INTO cases (id, reference, receipt_hash, kind, status, informed_of_ai, description_enc, language, anonymous,
		                    ai_system_other, queue_id, assignee_id, priority, acknowledged_at, submitted_at)
		 SELECT gen_random_uuid(), 'RD-' || lpad((i / 1000000)::text, 3, '0') || '-' || lpad((i / 1000 % 1000)::text, 3, '0')
		        || '-' || lpad((i % 1000)::text, 3, '0'), decode(md5(i::text) || md5(i::text), 'hex'), 'concern',
		        ` + status + `, 'no', '\x00', 'en', true, 'a system',
		        (SELECT array_agg(id ORDER BY slug) FROM queues WHERE slug LIKE @prefix || '-%')[1 + i % 20],
		        (SELECT array_agg(id ORDER BY email) FROM users WHERE email LIKE @prefix || '-%')[1 + i / 7 % 100],
		        (ARRAY['P0', 'P1', 'P2', 'P3'])[1 + i / 3 % 4], now(), now() - i * interval '1 minute'
		   FROM generate_series(1, 40000) i`,
	} {
		if err := gdb.Exec(q, sql.Named("prefix", prefix)).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := gdb.Exec(`ANALYZE cases`).Error; err != nil {
		t.Fatal(err)
	}
	if err := gdb.Raw(`SELECT (SELECT id FROM users WHERE email = @prefix || '-7@example.org'), (SELECT id FROM queues WHERE slug = @prefix || '-7')`,
		sql.Named("prefix", prefix)).Row().Scan(&assignee, &queue); err != nil {
		t.Fatal(err)
	}
	return assignee, queue
}
