package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/redresshq/redress/internal/auth"
)

// statsTables are the tables the data set fills; their secondary indexes
// are dropped for the load and built again afterwards.
var statsTables = []string{"cases", "case_classifications", "case_clocks", "decisions", "case_feedback", "systemic_issues",
	"remedy_bundles", "remedy_components"}

// statsSystems are the demo AI systems of the data set, by slug: the big
// one, the small one, the three others.
var statsSystems = []string{"benefits-fraud-detector", "customer-chatbot", "hiring-screener", "credit-scorer", "shift-scheduler"}

// statsSmall is how many cases the small system gets.
const statsSmall = 1000

// buildStep is one step of building the data set.
type buildStep struct {
	Name string
	Took time.Duration
}

// statsData is the data set as built.
type statsData struct {
	Cases      int // cases loaded
	Systems    []uuid.UUID
	Steps      []buildStep
	Build      time.Duration
	Rows       map[string]int64 // rows of each table afterwards (earlier measurements' included)
	Bytes      map[string]int64 // pg_total_relation_size of each
	References int              // sampled references checked to be refused as malformed
}

// buildStatsData loads n cases into the application's database.
func buildStatsData(ctx context.Context, pool *pgxpool.Pool, n int, progress func(string, ...any)) (*statsData, error) {
	d := &statsData{Cases: n, Rows: map[string]int64{}, Bytes: map[string]int64{}}
	started := time.Now()
	step := func(name string, start time.Time) {
		d.Steps = append(d.Steps, buildStep{name, time.Since(start)})
		progress("stats: %s in %s", name, round(time.Since(start)))
	}
	for _, slug := range statsSystems {
		var id uuid.UUID
		if err := pool.QueryRow(ctx, `SELECT id FROM ai_systems WHERE slug = $1`, slug).Scan(&id); err != nil {
			return d, fmt.Errorf("ai system %s: %w", slug, err)
		}
		d.Systems = append(d.Systems, id)
	}
	var staff, queues []uuid.UUID
	var policy uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT
		ARRAY(SELECT id FROM users WHERE email IN ('reviewer@example.org', 'reviewer2@example.org', 'supervisor@example.org')
		      ORDER BY email LIKE 'supervisor%', email),
		ARRAY(SELECT id FROM queues WHERE slug IN ('general', 'supervisors') ORDER BY slug),
		(SELECT id FROM sla_policies WHERE is_default)`).Scan(&staff, &queues, &policy); err != nil {
		return d, fmt.Errorf("staff, queues and policy: %w", err)
	}
	if len(staff) != 3 || len(queues) != 2 {
		return d, fmt.Errorf("demo staff %v and queues %v not found", staff, queues)
	}
	now := time.Now().UTC().Truncate(time.Second)

	start := time.Now()
	defs, err := dropIndexes(ctx, pool, statsTables)
	if err != nil {
		return d, err
	}
	step(fmt.Sprintf("dropping %d secondary indexes", len(defs)), start)
	parts := max(2, runtime.NumCPU())
	args := func(p int) []any {
		from, to := 1+n*p/parts, n*(p+1)/parts
		return []any{from, to, n, now, d.Systems, n / statsSmall, staff, queues, policy}
	}
	loadErr := func() error {
		for _, st := range statsSteps {
			start := time.Now()
			err := parallel(ctx, len(st.stmts)*parts, parts, func(j int) error {
				if _, err := pool.Exec(ctx, st.stmts[j/parts], args(j%parts)...); err != nil {
					return fmt.Errorf("%s: %w", st.name, err)
				}
				return nil
			})
			if err != nil {
				return err
			}
			step(st.name, start)
		}
		start := time.Now()
		if _, err := pool.Exec(ctx, statsIssues, d.Systems, staff, now); err != nil {
			return fmt.Errorf("systemic issues: %w", err)
		}
		step("systemic issues", start)
		return nil
	}()
	start = time.Now()
	if err := errors.Join(loadErr, buildIndexes(ctx, pool, defs)); err != nil {
		return d, err
	}
	step(fmt.Sprintf("building the %d indexes again", len(defs)), start)
	start = time.Now()
	// VACUUM as well as ANALYZE: autovacuum would otherwise start on the
	// freshly loaded tables in the middle of the measurement.
	if _, err := pool.Exec(ctx, vacuumAnalyze(statsTables...)); err != nil {
		return d, fmt.Errorf("vacuum analyze: %w", err)
	}
	step("VACUUM (ANALYZE)", start)
	d.Build = time.Since(started)

	for _, t := range statsTables {
		var rows, bytes int64
		if err := pool.QueryRow(ctx, `SELECT count(*), pg_total_relation_size($1::regclass) FROM `+pgxIdent(t), t).
			Scan(&rows, &bytes); err != nil {
			return d, err
		}
		d.Rows[t], d.Bytes[t] = rows, bytes
	}
	// The references made up here must be ones the application refuses.
	rows, err := pool.Query(ctx, `SELECT reference FROM cases
		WHERE id IN (SELECT md5('redress-bench-stats:' || i)::uuid FROM generate_series(1, $1::int, $2::int) i)`, n, max(1, n/100))
	if err != nil {
		return d, err
	}
	defer rows.Close()
	for rows.Next() {
		var ref string
		if err := rows.Scan(&ref); err != nil {
			return d, err
		}
		if _, err := auth.NormalizeReference(ref); err == nil {
			return d, fmt.Errorf("bench reference %s has a valid check digit: it could be a real case's", ref)
		}
		d.References++
	}
	if err := rows.Err(); err != nil {
		return d, err
	}
	if d.References == 0 {
		return d, errors.New("no sampled bench case found")
	}
	return d, nil
}
