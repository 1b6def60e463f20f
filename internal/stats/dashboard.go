package stats

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/registry"
)

// The supervisors' dashboard: backlog and SLA risk per queue, cases per AI
// system over time, the overturn rate per AI system and SLA compliance per
// clock, over a period of whole weeks or months. Like the rest of the
// package, every figure is an SQL aggregate read on one snapshot.

// Buckets the dashboard groups a period by.
const (
	BucketWeek  = "week"
	BucketMonth = "month"
)

// DashboardWeeks are the periods the dashboard offers, in weeks back from now.
var DashboardWeeks = []int{4, 12, 26, 52}

// DashboardQuery chooses what the dashboard shows.
type DashboardQuery struct {
	// Weeks back from Now the period starts (rounded down to the start of
	// its bucket); one of DashboardWeeks.
	Weeks int
	// Bucket is BucketWeek (ISO weeks from Monday, UTC) or BucketMonth.
	Bucket string
	// AISystemID, when set, keeps only the cases about that system.
	AISystemID *uuid.UUID
	// RiskDays: an open case is at risk when its next due date falls within
	// this many days from Now (and breached when it has passed).
	RiskDays int
	// Now is when the dashboard is computed; zero means the database's now().
	Now time.Time
}

// Validate checks q and fills the defaults (12 weeks, by week, 7 days of risk).
func (q *DashboardQuery) Validate() error {
	var f fault.Fields
	if q.Weeks == 0 {
		q.Weeks = 12
	}
	if !slices.Contains(DashboardWeeks, q.Weeks) {
		f.Addf("weeks", "invalid", "must be one of %v", DashboardWeeks)
	}
	if q.Bucket == "" {
		q.Bucket = BucketWeek
	}
	if q.Bucket != BucketWeek && q.Bucket != BucketMonth {
		f.Add("bucket", "invalid", "must be week or month")
	}
	if q.RiskDays == 0 {
		q.RiskDays = 7
	}
	if q.RiskDays < 1 || q.RiskDays > 90 {
		f.Add("risk_days", "invalid", "must be from 1 to 90 days")
	}
	return f.Err()
}

// QueueBacklog is one queue's open cases: all, those at risk (next due
// date within the risk window) and those breached (next due date passed).
type QueueBacklog struct {
	QueueID  uuid.UUID `json:"queue_id"`
	Slug     string    `json:"slug"`
	Name     string    `json:"name"`
	Open     int64     `json:"open"`
	AtRisk   int64     `json:"at_risk"`
	Breached int64     `json:"breached"`
}

// SystemSeries is the cases submitted about one AI system per bucket; a nil
// SystemID is every case about a system outside the register.
type SystemSeries struct {
	SystemID *uuid.UUID `json:"system_id"`
	Name     string     `json:"name"`
	Counts   []int64    `json:"counts"` // one per Dashboard.Periods
	Total    int64      `json:"total"`
}

// SystemOverturn is one AI system's final decisions made in the period:
// all of them, those within scope, and those that overturned or modified
// the AI's decision. Rate is changed / within scope, as in the per-system
// statistics (a decision outside scope says nothing of the AI's).
type SystemOverturn struct {
	SystemID    *uuid.UUID `json:"system_id"`
	Name        string     `json:"name"`
	Decisions   int64      `json:"decisions"`
	WithinScope int64      `json:"within_scope"`
	Changed     int64      `json:"changed"`
	Rate        *float64   `json:"rate"`
}

// ClockCompliance is one clock's ends in the period: how many clocks ended
// (were satisfied), and how many of them on time. Rate is on_time / ended.
type ClockCompliance struct {
	Clock  string   `json:"clock"`
	Ended  int64    `json:"ended"`
	OnTime int64    `json:"on_time"`
	Late   int64    `json:"late"`
	Rate   *float64 `json:"rate"`
}

// Dashboard is what supervisors see.
type Dashboard struct {
	Query       DashboardQuery `json:"query"`
	From        time.Time      `json:"from"`  // the first bucket's start
	Until       time.Time      `json:"until"` // now
	GeneratedAt time.Time      `json:"generated_at"`
	Backlog     []QueueBacklog `json:"backlog"`
	// Periods are the buckets' starts, oldest first.
	Periods      []time.Time       `json:"periods"`
	CasesBySys   []SystemSeries    `json:"cases_by_system"`
	Overturn     []SystemOverturn  `json:"overturn"`
	OverturnAll  SystemOverturn    `json:"overturn_all"`
	SLA          []ClockCompliance `json:"sla"`
	SLAAll       ClockCompliance   `json:"sla_all"`
	CasesInRange int64             `json:"cases_in_range"`
}

// dashboardOpen are the statuses of a case still waiting for, or under,
// review (review's open statuses).
var dashboardOpen = cases.OpenSQL

// bucketStart is the start of t's bucket in UTC.
func bucketStart(t time.Time, bucket string) time.Time {
	t = t.UTC()
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	if bucket == BucketMonth {
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
	}
	return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7)) // back to Monday
}

func nextBucket(t time.Time, bucket string) time.Time {
	if bucket == BucketMonth {
		return t.AddDate(0, 1, 0)
	}
	return t.AddDate(0, 0, 7)
}

// Dashboard computes the supervisors' dashboard.
func (s *Service) Dashboard(ctx context.Context, q DashboardQuery) (*Dashboard, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	out := &Dashboard{Query: q}
	err := s.snapshot(ctx, func(conn *gorm.DB) error {
		now := q.Now
		if now.IsZero() {
			var err error
			if now, err = dbNow(conn); err != nil {
				return err
			}
		}
		now = now.UTC()
		out.GeneratedAt, out.Until = now, now
		out.From = bucketStart(now.AddDate(0, 0, -7*q.Weeks), q.Bucket)
		for b := out.From; b.Before(now); b = nextBucket(b, q.Bucket) {
			out.Periods = append(out.Periods, b)
		}
		if q.AISystemID != nil {
			var n int64
			if err := conn.Model(&registry.AISystem{}).Where("id = ?", *q.AISystemID).Count(&n).Error; err != nil {
				return err
			}
			if n == 0 {
				var f fault.Fields
				f.Add("ai_system", "not_found", "no AI system of the register has that id")
				return f.Err()
			}
		}
		for _, step := range []func(*gorm.DB, time.Time) error{out.backlog, out.cases, out.overturn, out.sla} {
			if err := step(conn, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		if _, ok := fault.As(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("stats: dashboard: %w", err)
	}
	return out, nil
}

func (o *Dashboard) backlog(conn *gorm.DB, now time.Time) error {
	riskUntil := now.Add(time.Duration(o.Query.RiskDays) * 24 * time.Hour)
	o.Backlog = []QueueBacklog{}
	return o.backlogQuery(now, riskUntil).scan(conn, &o.Backlog)
}

// systems are the register's systems a series is drawn for: the chosen one,
// or the active ones and any other that has figures in the period
// (withFigures).
func (o *Dashboard) systems(conn *gorm.DB, withFigures query) ([]systemRow, error) {
	var rows []systemRow
	if o.Query.AISystemID != nil {
		err := conn.Model(&registry.AISystem{}).Select("id, name").Where("id = ?", *o.Query.AISystemID).Find(&rows).Error
		return rows, err
	}
	err := withFigures.scan(conn, &rows)
	return rows, err
}

func (o *Dashboard) cases(conn *gorm.DB, now time.Time) error {
	var rows []seriesCount
	if err := o.casesQuery(now).scan(conn, &rows); err != nil {
		return err
	}
	systems, err := o.systems(conn, o.casesSystems(now))
	if err != nil {
		return err
	}
	index := map[time.Time]int{}
	for i, p := range o.Periods {
		index[p] = i
	}
	series := map[uuid.UUID]*SystemSeries{}
	o.CasesBySys = make([]SystemSeries, 0, len(systems)+1)
	for _, sys := range systems {
		id := sys.ID
		o.CasesBySys = append(o.CasesBySys, SystemSeries{SystemID: &id, Name: sys.Name, Counts: make([]int64, len(o.Periods))})
	}
	other := SystemSeries{Counts: make([]int64, len(o.Periods))}
	for i := range o.CasesBySys {
		series[*o.CasesBySys[i].SystemID] = &o.CasesBySys[i]
	}
	for _, r := range rows {
		i, ok := index[r.Bucket.UTC()]
		if !ok {
			continue
		}
		t := &other
		if r.SystemID != nil {
			if s, ok := series[*r.SystemID]; ok {
				t = s
			}
		}
		t.Counts[i] += r.N
		t.Total += r.N
		o.CasesInRange += r.N
	}
	if o.Query.AISystemID == nil {
		o.CasesBySys = append(o.CasesBySys, other)
	}
	return nil
}

func (o *Dashboard) overturn(conn *gorm.DB, now time.Time) error {
	var rows []overturnCount
	if err := o.overturnQuery(now).scan(conn, &rows); err != nil {
		return err
	}
	systems, err := o.systems(conn, o.overturnSystems(now))
	if err != nil {
		return err
	}
	by := map[uuid.UUID]*SystemOverturn{}
	o.Overturn = make([]SystemOverturn, 0, len(systems)+1)
	for _, sys := range systems {
		id := sys.ID
		o.Overturn = append(o.Overturn, SystemOverturn{SystemID: &id, Name: sys.Name})
	}
	for i := range o.Overturn {
		by[*o.Overturn[i].SystemID] = &o.Overturn[i]
	}
	other := SystemOverturn{}
	for _, r := range rows {
		t := &other
		if r.SystemID != nil {
			if s, ok := by[*r.SystemID]; ok {
				t = s
			}
		}
		t.Decisions += r.Decisions
		t.WithinScope += r.WithinScope
		t.Changed += r.Changed
		o.OverturnAll.Decisions += r.Decisions
		o.OverturnAll.WithinScope += r.WithinScope
		o.OverturnAll.Changed += r.Changed
	}
	if o.Query.AISystemID == nil {
		o.Overturn = append(o.Overturn, other)
	}
	for i := range o.Overturn {
		o.Overturn[i].Rate = ratio(o.Overturn[i].Changed, o.Overturn[i].WithinScope)
	}
	o.OverturnAll.Rate = ratio(o.OverturnAll.Changed, o.OverturnAll.WithinScope)
	return nil
}

func (o *Dashboard) sla(conn *gorm.DB, now time.Time) error {
	var rows []clockEnds
	if err := o.slaQuery(now).scan(conn, &rows); err != nil {
		return err
	}
	by := map[string]ClockCompliance{}
	for _, r := range rows {
		by[r.Clock] = ClockCompliance{Clock: r.Clock, Ended: r.Ended, OnTime: r.OnTime}
	}
	o.SLA = make([]ClockCompliance, 0, len(Clocks))
	for _, clock := range Clocks {
		c := by[clock]
		c.Clock, c.Late, c.Rate = clock, c.Ended-c.OnTime, ratio(c.OnTime, c.Ended)
		o.SLA = append(o.SLA, c)
		o.SLAAll.Ended += c.Ended
		o.SLAAll.OnTime += c.OnTime
	}
	o.SLAAll.Late = o.SLAAll.Ended - o.SLAAll.OnTime
	o.SLAAll.Rate = ratio(o.SLAAll.OnTime, o.SLAAll.Ended)
	return nil
}
