package stats

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/grievance"
)

// Count is a published count: its value, or null when suppressed.
type Count struct {
	Value      *int64 `json:"value"`
	Suppressed bool   `json:"suppressed"`
}

// Measure is a published rate, median or mean: its value, or null when
// suppressed (or when there is nothing to measure: then not suppressed).
type Measure struct {
	Value      *float64 `json:"value"`
	Suppressed bool     `json:"suppressed"`
}

// CaseCounts are cases by kind and their total.
type CaseCounts struct {
	Total  Count            `json:"total"`
	ByKind map[string]Count `json:"by_kind"`
}

// DecisionCounts are final decisions by outcome and their total.
type DecisionCounts struct {
	Total     Count            `json:"total"`
	ByOutcome map[string]Count `json:"by_outcome"`
}

// RemedyCounts are remedy components by form and their total; a component
// given up with a recorded reason (a withdrawn offer) is never counted.
type RemedyCounts struct {
	Total  Count            `json:"total"`
	ByForm map[string]Count `json:"by_form"`
}

// PublicRow is one row of the public statistics: an AI system of the
// register, the cases about anything else, or all of them.
type PublicRow struct {
	ID                   *uuid.UUID     `json:"id,omitempty"`
	Slug                 string         `json:"slug,omitempty"`
	Name                 string         `json:"name,omitempty"`
	Provider             string         `json:"provider,omitempty"`
	Cases                CaseCounts     `json:"cases"`
	Decisions            DecisionCounts `json:"decisions"`
	OverturnRate         Measure        `json:"overturn_rate"`
	MedianDaysToDecision Measure        `json:"median_days_to_decision"`
	SLACompliance        Measure        `json:"sla_compliance"`
	Remedies             RemedyCounts   `json:"remedies"`
	FeedbackMean         Measure        `json:"feedback_mean"`
}

// Public are the public statistics, all time: one row per active AI system
// of the register (by name), one for cases about other systems (named in
// free text, or no longer in the register), and the total of all cases.
// The rows of each table add up to the all row, so suppression protects
// rows and columns together.
type Public struct {
	GeneratedAt time.Time   `json:"generated_at"`
	Threshold   int         `json:"threshold"`
	Systems     []PublicRow `json:"systems"`
	Other       PublicRow   `json:"other"`
	All         PublicRow   `json:"all"`
}

// rowKey is the row of a grouped public query: system_id is an active AI
// system, or NULL (uuid.Nil here) for every other case.
func rowKey(systemID *uuid.UUID) uuid.UUID {
	if systemID == nil {
		return uuid.Nil
	}
	return *systemID
}

// bySystem joins a row to its active AI system, if it has one: the
// system_id of the others is NULL.
const bySystem = `LEFT JOIN ai_systems s ON s.id = %s AND s.active`

// publicQueries are the statements Public runs (a test EXPLAINs each).
func publicQueries() []query {
	on := func(col string) string { return fmt.Sprintf(bySystem, col) }
	return []query{
		{"systems", `SELECT id, slug, name, provider FROM ai_systems WHERE active ORDER BY name, id`, nil},
		{"cases", `
			SELECT s.id AS system_id, c.kind AS code, count(*) AS n
			  FROM cases c ` + on("c.ai_system_id") + `
			 GROUP BY 1, 2`, nil},
		{"decisions", `
			SELECT s.id AS system_id, d.outcome AS code, count(*) AS n
			  FROM decisions d
			  JOIN cases c ON c.id = d.case_id ` + on("c.ai_system_id") + `
			 WHERE d.status = 'final'
			 GROUP BY 1, 2`, nil},
		{"remedies", `
			SELECT s.id AS system_id, x.form AS code, count(*) AS n
			  FROM (SELECT c.ai_system_id AS system, rc.form
			          FROM remedy_components rc
			          JOIN remedy_bundles b ON b.id = rc.bundle_id
			          JOIN cases c ON c.id = b.case_id
			         WHERE rc.reason_at IS NULL
			        UNION ALL
			        SELECT si.ai_system_id, rc.form
			          FROM remedy_components rc
			          JOIN remedy_bundles b ON b.id = rc.bundle_id
			          JOIN systemic_issues si ON si.id = b.systemic_issue_id
			         WHERE rc.reason_at IS NULL) x ` + on("x.system") + `
			 GROUP BY 1, 2`, nil},
		{"time_to_decision", `
			SELECT GROUPING(s.id) AS g, s.id AS system_id, count(*) AS n,
			       percentile_cont(0.5) WITHIN GROUP (ORDER BY t.days) AS value
			  FROM (SELECT c.ai_system_id, (extract(epoch FROM min(` + finalAt + `) - c.submitted_at) / 86400)::float8 AS days
			          FROM cases c
			          JOIN decisions d ON d.case_id = c.id AND d.status = 'final'
			         GROUP BY c.id) t ` + on("t.ai_system_id") + `
			 GROUP BY GROUPING SETS ((s.id), ())`, nil},
		{"sla", `
			SELECT GROUPING(s.id) AS g, s.id AS system_id,
			       count(*) FILTER (WHERE ` + clockOnTime + ` OR ` + clockLate + ` OR ` + clockOverdue + `) AS n,
			       (count(*) FILTER (WHERE ` + clockOnTime + `))::float8
			         / NULLIF(count(*) FILTER (WHERE ` + clockOnTime + ` OR ` + clockLate + ` OR ` + clockOverdue + `), 0) AS value
			  FROM case_clocks k
			  JOIN cases c ON c.id = k.case_id ` + on("c.ai_system_id") + `
			 GROUP BY GROUPING SETS ((s.id), ())`, nil},
		{"feedback", `
			SELECT GROUPING(s.id) AS g, s.id AS system_id, count(*) AS n, avg(f.satisfaction)::float8 AS value
			  FROM case_feedback f
			  JOIN cases c ON c.id = f.case_id ` + on("c.ai_system_id") + `
			 GROUP BY GROUPING SETS ((s.id), ())`, nil},
	}
}

// Public returns the public statistics. Each process computes them at most
// once per cache period (PublicTTL): one caller computes while the others
// wait for the first result, or, once there is one, get the last one
// meanwhile, so a burst of requests costs one computation.
func (s *Service) Public(ctx context.Context) (*Public, error) {
	cached := func() (p *Public, fresh bool) {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.public, s.public != nil && time.Since(s.publicAt) < s.publicTTL
	}
	p, fresh := cached()
	if fresh {
		return p, nil
	}
	if p != nil {
		if !s.computing.TryLock() {
			return p, nil // another caller is computing the next ones
		}
	} else {
		s.computing.Lock()
	}
	defer s.computing.Unlock()
	if p, fresh := cached(); fresh {
		return p, nil // computed while this caller waited
	}
	p, err := s.computePublic(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if s.publicTTL > 0 {
		s.public, s.publicAt = p, time.Now()
	}
	s.mu.Unlock()
	return p, nil
}

// counted is a grouped count of a public table.
type counted struct {
	SystemID *uuid.UUID
	Code     string
	N        int64
}

// measured is a rate, median or mean of a row (g = 1: of all cases) over n.
type measured struct {
	SystemID *uuid.UUID
	G        int
	N        int64
	Value    *float64
}

func (s *Service) computePublic(ctx context.Context) (*Public, error) {
	qs := publicQueries()
	var systems []SystemRef
	counts := map[string][]counted{}
	measures := map[string][]measured{}
	var at time.Time
	err := s.snapshot(ctx, func(conn *gorm.DB) error {
		if err := conn.Raw(`SELECT now()`).Row().Scan(&at); err != nil {
			return fmt.Errorf("stats: public: %w", err)
		}
		for _, q := range qs {
			var err error
			switch q.name {
			case "systems":
				err = conn.Raw(q.sql).Scan(&systems).Error
			case "cases", "decisions", "remedies":
				var rows []counted
				err = conn.Raw(q.sql).Scan(&rows).Error
				counts[q.name] = rows
			default:
				var rows []measured
				err = conn.Raw(q.sql).Scan(&rows).Error
				measures[q.name] = rows
			}
			if err != nil {
				return fmt.Errorf("stats: public %s: %w", q.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}

	// Rows: the systems in register order, then the others (uuid.Nil).
	n := len(systems) + 1
	rowOf := map[uuid.UUID]int{}
	row := func(id *uuid.UUID) int {
		if i, ok := rowOf[rowKey(id)]; ok {
			return i
		}
		return n - 1 // the others (the snapshot makes every system id one of the list)
	}
	rows := make([]*PublicRow, n+1) // the last is all
	for i, sys := range systems {
		id := sys.ID
		rowOf[id] = i
		rows[i] = &PublicRow{ID: &id, Slug: sys.Slug, Name: sys.Name, Provider: sys.Provider}
	}
	rows[n-1], rows[n] = &PublicRow{}, &PublicRow{}

	// The three tables of counts, each protected as a whole.
	table := func(name string, codes []string) Grid {
		cells := make([][]int64, n)
		for i := range cells {
			cells[i] = make([]int64, len(codes))
		}
		col := map[string]int{}
		for j, c := range codes {
			col[c] = j
		}
		for _, r := range counts[name] {
			if j, ok := col[r.Code]; ok {
				cells[row(r.SystemID)][j] += r.N
			}
		}
		return Protect(cells, Threshold)
	}
	publish := func(g Grid, i int, codes []string) (Count, map[string]Count) {
		by := make(map[string]Count, len(codes))
		for j, c := range codes {
			by[c] = countCell(g, i, j)
		}
		return countCell(g, i, len(codes)), by
	}
	cases, decisions, remedies := table("cases", Kinds), table("decisions", Outcomes), table("remedies", RemedyForms)
	for i, r := range rows {
		r.Cases.Total, r.Cases.ByKind = publish(cases, i, Kinds)
		r.Decisions.Total, r.Decisions.ByOutcome = publish(decisions, i, Outcomes)
		r.Remedies.Total, r.Remedies.ByForm = publish(remedies, i, RemedyForms)
		r.OverturnRate = overturnRate(decisions, i)
	}

	// Rates, medians and means, each shown when n reaches the threshold
	// (a row with nothing to measure keeps a null value, not suppressed).
	for name, places := range map[string]int{"time_to_decision": 1, "sla": 2, "feedback": 2} {
		for _, r := range measures[name] {
			i := n // all
			if r.G == 0 {
				i = row(r.SystemID)
			}
			m := measureOf(r)
			if m.Value != nil {
				m.Value = round(*m.Value, places)
			}
			switch name {
			case "time_to_decision":
				rows[i].MedianDaysToDecision = m
			case "sla":
				rows[i].SLACompliance = m
			case "feedback":
				rows[i].FeedbackMean = m
			}
		}
	}

	p := &Public{GeneratedAt: at.UTC(), Threshold: Threshold, Systems: make([]PublicRow, len(systems)),
		Other: *rows[n-1], All: *rows[n]}
	for i := range systems {
		p.Systems[i] = *rows[i]
	}
	return p, nil
}

// countCell publishes value (i, j) of g.
func countCell(g Grid, i, j int) Count {
	if g.Hidden[i][j] {
		return Count{Suppressed: true}
	}
	v := g.Values[i][j]
	return Count{Value: &v}
}

// measureOf publishes a measure over n: nothing to show when n is 0,
// suppressed when n is under the threshold.
func measureOf(r measured) Measure {
	switch {
	case r.N == 0 || r.Value == nil:
		return Measure{}
	case r.N < Threshold:
		return Measure{Suppressed: true}
	}
	v := *r.Value
	return Measure{Value: &v}
}

// overturnRate is row i's (decision_overturned + decision_modified) / decisions within scope,
// shown only when every count it comes from is shown (else it would give a
// suppressed count back) and there are at least Threshold of them.
func overturnRate(g Grid, i int) Measure {
	col := map[string]int{}
	for j, o := range Outcomes {
		col[o] = j
	}
	for j := range g.Hidden[i] {
		if g.Hidden[i][j] {
			return Measure{Suppressed: true}
		}
	}
	total := g.Values[i][len(Outcomes)]
	within := total - g.Values[i][col[grievance.OutcomeNotWithinScope]]
	switch {
	case within == 0:
		return Measure{}
	case within < Threshold:
		return Measure{Suppressed: true}
	}
	changed := g.Values[i][col[grievance.OutcomeOverturned]] + g.Values[i][col[grievance.OutcomeModified]]
	return Measure{Value: round(float64(changed)/float64(within), 2)}
}
