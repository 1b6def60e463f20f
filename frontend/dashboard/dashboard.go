// Package dashboard is the supervisors' dashboard (/dashboard): the backlog,
// the cases, the overturn rate and the time limits met, by week or month,
// queue and AI system, drawn as charts that work without JavaScript, each
// bar a link to the cases behind it. It owns no table and no event: the
// figures are internal/stats'; frontend.Mount registers its route table.
package dashboard

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/frontend/admin"
	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/registry"
	"github.com/redresshq/redress/internal/stats"
)

// Pages are the dashboard's page, on the page kit.
type Pages struct {
	Registry *registry.Registry
	Stats    *stats.Service
	*kit.Kit
}

// New gives the dashboard its services and the kit.
func New(reg *registry.Registry, st *stats.Service, k *kit.Kit) *Pages {
	return &Pages{Registry: reg, Stats: st, Kit: k}
}

// Routes are the supervisors' dashboard.
func (w *Pages) Routes() []httpkit.Route {
	return []httpkit.Route{
		{Method: fiber.MethodGet, Path: "/dashboard", Access: httpkit.Staff, Roles: auth.Supervisors, Handler: w.dashboard},
	}
}

// DashboardPage is the dashboard's data.
type DashboardPage struct {
	Systems []registry.AISystem
	Weeks   []int
	D       *stats.Dashboard
	Periods []string // the periods' labels, in words
	// AxisPeriods are the same, short, for the chart's axis.
	AxisPeriods []string
	Backlog     *Chart
	Cases       *Chart
	Overturn    *Chart
	SLA         *Chart
	// SystemName is the chosen system's name ("" for all).
	SystemName string
}

// QueueHref is the case list behind a queue's backlog bars: its open
// cases (the dashboard's "open"), only the breached ones if breached, about
// the chosen AI system if one is. The list shows only what the user may see.
func (d DashboardPage) QueueHref(queue uuid.UUID, breached bool) string {
	q := url.Values{"queue_id": {queue.String()}, "status": {kit.QueueOpen}}
	if breached {
		q.Set("breached", "true")
	}
	if d.D != nil && d.D.Query.AISystemID != nil {
		q.Set("ai_system_id", d.D.Query.AISystemID.String())
	}
	return "/queue?" + q.Encode() + "#cases"
}

// SystemHref is the case list behind an AI system's bars, or "" for the
// systems outside the register (the list cannot filter them).
func (DashboardPage) SystemHref(system *uuid.UUID) string {
	if system == nil {
		return ""
	}
	return "/queue?" + url.Values{"ai_system_id": {system.String()}}.Encode() + "#cases"
}

// Pct is a rate as a whole percentage, or "–" when there is nothing to measure.
func (DashboardPage) Pct(r *float64) string {
	if r == nil {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", *r*100)
}

// dashboard: GET /dashboard?weeks=12&bucket=week&ai_system=…&risk_days=7.
func (w *Pages) dashboard(c *fiber.Ctx) error {
	r := w.Req(c)
	form := url.Values{}
	for _, k := range []string{"weeks", "bucket", "ai_system", "risk_days"} {
		if v := strings.Clone(c.Query(k)); v != "" {
			form.Set(k, v)
		}
	}
	if form.Get("weeks") == "" {
		form.Set("weeks", "12")
	}
	if form.Get("bucket") == "" {
		form.Set("bucket", stats.BucketWeek)
	}
	if form.Get("risk_days") == "" {
		form.Set("risk_days", "7")
	}
	systems, err := w.Registry.All(c.UserContext())
	if err != nil {
		return err
	}
	data := &DashboardPage{Systems: systems, Weeks: stats.DashboardWeeks}
	p := &kit.Page{Labeler: admin.Label, Data: data, Form: form}

	var f fault.Fields
	q := stats.DashboardQuery{Bucket: form.Get("bucket")}
	if n, err := strconv.Atoi(form.Get("weeks")); err == nil {
		q.Weeks = n
	} else {
		f.Add("weeks", "invalid", "choose a period")
	}
	if n, err := strconv.Atoi(form.Get("risk_days")); err == nil {
		q.RiskDays = n
	} else {
		f.Add("risk_days", "invalid", "must be a whole number of days")
	}
	if v := form.Get("ai_system"); v != "" {
		if id, err := uuid.Parse(v); err == nil {
			q.AISystemID = &id
		} else {
			f.Add("ai_system", "not_found", "choose a system of the register")
		}
	}
	if e, ok := fault.As(q.Validate()); ok {
		for _, fe := range e.Fields {
			if !f.Has(fe.Field) {
				f.Add(fe.Field, fe.Code, fe.Message)
			}
		}
	}
	if err := f.Err(); err != nil {
		return w.FormError(c, err, "dashboard/index", "dash.title", p)
	}
	d, err := w.Stats.Dashboard(c.UserContext(), q)
	if err != nil {
		return w.FormError(c, err, "dashboard/index", "dash.title", p)
	}
	data.D = d
	for _, s := range systems {
		if q.AISystemID != nil && s.ID == *q.AISystemID {
			data.SystemName = s.Name
		}
	}
	for _, t := range d.Periods {
		month := d.Query.Bucket == stats.BucketMonth
		data.Periods = append(data.Periods, r.Clock.PeriodText(t, month, false))
		data.AxisPeriods = append(data.AxisPeriods, r.Clock.PeriodText(t, month, true))
	}
	w.dashboardCharts(r, data)
	return w.Render(c, fiber.StatusOK, "dashboard/index", "dash.title", p)
}

// otherName is how the cases about systems outside the register are named.
func otherName(r *kit.Request, name string, id *uuid.UUID) string {
	if id == nil {
		return r.T("dash.other_systems")
	}
	return name
}

func (w *Pages) dashboardCharts(r *kit.Request, data *DashboardPage) {
	d := data.D
	// (a) Backlog and SLA risk per queue.
	var groups []HGroup
	for _, q := range d.Backlog {
		groups = append(groups, HGroup{Label: q.Name, Bars: []HBar{
			{0, float64(q.Open), r.T("dash.backlog.open_n", "Count", q.Open)},
			{1, float64(q.AtRisk), r.T("dash.backlog.at_risk_n", "Count", q.AtRisk)},
			{2, float64(q.Breached), r.T("dash.backlog.breached_n", "Count", q.Breached)},
		}})
	}
	data.Backlog = hbarChart("chart-backlog", r.T("dash.backlog.title"),
		r.T("dash.backlog.desc", "Days", d.Query.RiskDays), r.T("dash.axis.cases"), 3, groups, 0)

	// (b) Cases per AI system per period.
	var rows []Multiple
	for _, s := range d.CasesBySys {
		rows = append(rows, Multiple{Label: r.T("dash.cases.series", "Name", otherName(r, s.Name, s.SystemID), "Count", s.Total),
			Counts: s.Counts})
	}
	axis := r.T("dash.axis.week")
	if d.Query.Bucket == stats.BucketMonth {
		axis = r.T("dash.axis.month")
	}
	data.Cases = columnsChart("chart-cases", r.T("dash.cases.title"), r.T("dash.cases.desc"), axis, data.AxisPeriods, rows)

	// (c) Overturn rate per AI system, then all together.
	groups = nil
	for _, o := range append(append([]stats.SystemOverturn{}, d.Overturn...), d.OverturnAll) {
		groups = append(groups, HGroup{Label: otherName(r, o.Name, o.SystemID), Bars: []HBar{{0, rateValue(o.Rate),
			r.T("dash.overturn.bar", "Rate", data.Pct(o.Rate), "Changed", o.Changed, "Within", o.WithinScope)}}})
	}
	groups[len(groups)-1].Label = r.T("dash.all_systems")
	data.Overturn = hbarChart("chart-overturn", r.T("dash.overturn.title"), r.T("dash.overturn.desc"),
		r.T("dash.axis.percent"), 1, groups, 100)

	// (d) SLA compliance per clock that ended any, then all together.
	groups = nil
	for _, k := range d.SLA {
		if k.Ended == 0 {
			continue
		}
		groups = append(groups, HGroup{Label: r.OptionLabel("dash.clock", k.Clock), Bars: []HBar{{0, rateValue(k.Rate),
			r.T("dash.sla.bar", "Rate", data.Pct(k.Rate), "OnTime", k.OnTime, "Ended", k.Ended)}}})
	}
	groups = append(groups, HGroup{Label: r.T("dash.all_clocks"), Bars: []HBar{{0, rateValue(d.SLAAll.Rate),
		r.T("dash.sla.bar", "Rate", data.Pct(d.SLAAll.Rate), "OnTime", d.SLAAll.OnTime, "Ended", d.SLAAll.Ended)}}})
	data.SLA = hbarChart("chart-sla", r.T("dash.sla.title"), r.T("dash.sla.desc"), r.T("dash.axis.percent"), 1, groups, 100)
}

func rateValue(r *float64) float64 {
	if r == nil {
		return 0
	}
	return *r * 100
}
