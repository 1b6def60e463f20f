package stats

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/decision"
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

func (s *Service) computePublic(ctx context.Context) (*Public, error) {
	qs := publicQueries()
	var systems []SystemRef
	counts := map[string][]counted{}
	measures := map[string][]measured{}
	var at time.Time
	err := s.snapshot(ctx, func(conn *gorm.DB) error {
		var err error
		if at, err = dbNow(conn); err != nil {
			return fmt.Errorf("stats: public: %w", err)
		}
		for _, q := range qs {
			var err error
			switch q.name {
			case "systems":
				err = q.scan(conn, &systems)
			case "cases", "decisions", "remedies":
				var rows []counted
				err = q.scan(conn, &rows)
				counts[q.name] = rows
			default:
				var rows []measured
				err = q.scan(conn, &rows)
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
	within := total - g.Values[i][col[string(decision.OutcomeNotWithinScope)]]
	switch {
	case within == 0:
		return Measure{}
	case within < Threshold:
		return Measure{Suppressed: true}
	}
	changed := g.Values[i][col[string(decision.OutcomeOverturned)]] + g.Values[i][col[string(decision.OutcomeModified)]]
	return Measure{Value: round(float64(changed)/float64(within), 2)}
}
