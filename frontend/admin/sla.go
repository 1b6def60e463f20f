package admin

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/sla"
)

// The SLA forms work without JavaScript: a calendar has a text field of
// spans per weekday and a fixed number of holiday rows; a policy has a fixed
// number of rows per priority. Empty rows are ignored. The services'
// validation is the API's; its field names are pointed at the rows.

// Weekdays in the form's order, Monday first.
var admWeekdays = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

var (
	admUnits   = []string{string(sla.Hours), string(sla.BusinessHours), string(sla.CalendarDays), string(sla.BusinessDays), string(sla.Months)}
	admAnchors = []string{string(sla.FromSubmitted), string(sla.FromAcknowledged), string(sla.FromAwareness), string(sla.FromDecision), string(sla.FromAppealed)}
)

const (
	holidayRows = 6 // blank holiday rows after the calendar's own
	tierRows    = 7 // rows per priority, at least the tier's limits and two blank
)

// AdmSLAPage is the SLA list, a calendar's form or a policy's.
type AdmSLAPage struct {
	Calendars []clocks.Calendar
	Policies  []clocks.StoredPolicy
	Editing   bool // an existing calendar or policy
	ID        uuid.UUID
	Name      string
	// A calendar's form.
	Weekdays []AdmOpt // field name and translated day
	Holidays []int
	// A policy's form.
	Tiers     []AdmTier
	Choices   map[string][]AdmOpt
	Statutory []sla.StatutoryLimit // the limits the form offers, by code
}

// AdmTier is one priority's rows.
type AdmTier struct {
	Priority string
	Rows     []int
}

// AdmFRow is AdmF for row of a repeated group: the label (a message with a
// {{.Row}}) says which row.
func (p *admPage) AdmFRow(field, label string, row int, opts ...string) AdmField {
	f := p.AdmF(field, "adm.field.name", opts...)
	f.Label = p.T(label, "Row", row+1)
	return f
}

// AdmSelRow is AdmSel for a row.
func (p *admPage) AdmSelRow(field, label string, row int, options []AdmOpt) AdmField {
	f := p.AdmFRow(field, label, row)
	f.Options = options
	return f
}

// admSLA: GET /admin/sla — the calendars and the policies.
func (w *Pages) admSLA(c *fiber.Ctx) error {
	cals, err := w.Clocks.Calendars(c.UserContext())
	if err != nil {
		return err
	}
	ps, err := w.Clocks.Policies(c.UserContext())
	if err != nil {
		return err
	}
	return w.Render(c, fiber.StatusOK, "admin/sla", "adm.sla.title", &kit.Page{Labeler: Label, Data: &AdmSLAPage{Calendars: cals, Policies: ps}})
}

// ---- Calendars ----

func calendarForm(cal *clocks.Calendar) url.Values {
	f := url.Values{"slug": {cal.Slug}, "name": {cal.Name}, "time_zone": {cal.Spec.TimeZone}}
	for _, d := range admWeekdays {
		f.Set(fmt.Sprintf("hours.%d", int(d)), strings.Join(cal.Spec.Hours[d], ", "))
	}
	f["holidays"] = slices.Clone(cal.Spec.Holidays)
	return f
}

func (w *Pages) calendarPage(c *fiber.Ctx, cal *clocks.Calendar, form url.Values) *kit.Page {
	r := w.Req(c)
	data := &AdmSLAPage{}
	if cal != nil {
		data.Editing, data.ID, data.Name = true, cal.ID, cal.Name
	}
	for _, d := range admWeekdays {
		data.Weekdays = append(data.Weekdays, AdmOpt{Value: fmt.Sprintf("hours.%d", int(d)), Label: r.OptionLabel("adm.weekday", strconv.Itoa(int(d)))})
	}
	// Holidays are rows holidays[0], holidays[1]…: the form's values spread over them.
	hs := form["holidays"]
	form.Del("holidays")
	n := len(hs) + holidayRows
	for i := 0; i < n; i++ {
		data.Holidays = append(data.Holidays, i)
		if i < len(hs) {
			form.Set(fmt.Sprintf("holidays[%d]", i), hs[i])
		}
	}
	return &kit.Page{Labeler: Label, Data: data, Form: form}
}

// calendarInput reads the form: spans per weekday, non-empty holiday rows.
func calendarInput(form url.Values) (clocks.CalendarInput, url.Values) {
	in := clocks.CalendarInput{Slug: strings.TrimSpace(form.Get("slug")), Name: form.Get("name"),
		Spec: sla.CalendarSpec{TimeZone: strings.TrimSpace(form.Get("time_zone")), Hours: map[time.Weekday][]string{}}}
	for _, d := range admWeekdays {
		if spans := splitList(form.Get(fmt.Sprintf("hours.%d", int(d)))); len(spans) > 0 {
			in.Spec.Hours[d] = spans
		}
	}
	if len(in.Spec.Hours) == 0 {
		in.Spec.Hours = nil
	}
	// The rows, compacted; the form keeps them as "holidays" for re-showing.
	shown := url.Values{}
	for k, v := range form {
		if !strings.HasPrefix(k, "holidays[") {
			shown[k] = v
		}
	}
	for i := 0; ; i++ {
		v, ok := form[fmt.Sprintf("holidays[%d]", i)]
		if !ok {
			break
		}
		if h := strings.TrimSpace(v[0]); h != "" {
			in.Spec.Holidays = append(in.Spec.Holidays, h)
			shown.Add("holidays", h)
		}
	}
	return in, shown
}

var weekdayHours = regexp.MustCompile(`calendar: (Sunday|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday) hours`)

// calendarField points a calendar error at its input: the time zone, a
// weekday's spans, or the first holiday row.
func calendarFields(err error) error {
	e, ok := fault.As(err)
	if !ok {
		return err
	}
	out := *e
	out.Fields = nil
	for _, f := range e.Fields {
		if f.Field == "spec" {
			switch m := weekdayHours.FindStringSubmatch(f.Message); {
			case strings.Contains(f.Message, "time zone"):
				f.Field = "time_zone"
			case m != nil:
				for d := time.Sunday; d <= time.Saturday; d++ {
					if d.String() == m[1] {
						f.Field = fmt.Sprintf("hours.%d", int(d))
					}
				}
			case strings.Contains(f.Message, "holiday"):
				f.Field = "holidays[0]"
			}
		}
		out.Fields = append(out.Fields, f)
	}
	return &out
}

// admCalendarNew: GET /admin/sla/calendars/new.
func (w *Pages) admCalendarNew(c *fiber.Ctx) error {
	form := url.Values{"time_zone": {"Europe/Brussels"}}
	for _, d := range admWeekdays[:5] {
		form.Set(fmt.Sprintf("hours.%d", int(d)), "09:00-17:00")
	}
	return w.Render(c, fiber.StatusOK, "admin/calendar", "adm.cal.new_title", w.calendarPage(c, nil, form))
}

func (w *Pages) calendarByID(c *fiber.Ctx) (*clocks.Calendar, error) {
	if c.Params("id") == "" {
		return nil, nil
	}
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	cals, err := w.Clocks.Calendars(c.UserContext())
	if err != nil {
		return nil, err
	}
	for i := range cals {
		if cals[i].ID == id {
			return &cals[i], nil
		}
	}
	return nil, fault.New(fault.NotFound, "calendar_not_found", "No calendar has that id.")
}

// admCalendarEdit: GET /admin/sla/calendars/{id}.
func (w *Pages) admCalendarEdit(c *fiber.Ctx) error {
	cal, err := w.calendarByID(c)
	if err != nil {
		return err
	}
	return w.Render(c, fiber.StatusOK, "admin/calendar", "adm.cal.edit_title", w.calendarPage(c, cal, calendarForm(cal)))
}

// admCalendarSave: POST /admin/sla/calendars and POST /admin/sla/calendars/{id}.
func (w *Pages) admCalendarSave(c *fiber.Ctx) error {
	cal, err := w.calendarByID(c)
	if err != nil {
		return err
	}
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	in, rows := calendarInput(form)
	var id *uuid.UUID
	title := "adm.cal.new_title"
	if cal != nil {
		id, title = &cal.ID, "adm.cal.edit_title"
	}
	return saveOrRerender(w, c, adminForm{"admin/calendar", title, func() (*kit.Page, error) { return w.calendarPage(c, cal, rows), nil }},
		func() (*clocks.Calendar, error) {
			saved, err := w.Clocks.SaveCalendar(c.UserContext(), id, in)
			return saved, calendarFields(err)
		}, redirect[*clocks.Calendar](w, c, "/admin/sla", "adm.cal.saved"))
}

// ---- Policies ----

// tierPeriod is the text a tier's rule shows, as the default policy words it.
func tierPeriod(b sla.Budget, from sla.Anchor) string {
	unit := map[sla.Unit]string{sla.CalendarDays: "days", sla.Months: "months", sla.BusinessDays: "business days",
		sla.BusinessHours: "business hours", sla.Hours: "hours", sla.Seconds: "seconds"}[b.Unit]
	s := fmt.Sprintf("%d %s", b.Amount, unit)
	switch from {
	case sla.FromDecision:
		s += " from the decision"
	case sla.FromAppealed:
		s += " from the appeal"
	case sla.FromAcknowledged:
		s += " from acknowledgement"
	case sla.FromAwareness:
		s += " from awareness"
	}
	return s
}

func policyForm(p *clocks.StoredPolicy) url.Values {
	f := url.Values{"slug": {p.Slug}, "name": {p.Name}, "jurisdiction": {p.Jurisdiction}, "calendar": {p.Calendar},
		"is_default": {checked(p.IsDefault)}, "breach.notify": {checked(p.Breach.Notify)},
		"breach.raise_priority": {checked(p.Breach.RaisePriority)}, "breach.escalate_statutory": {checked(p.Breach.EscalateStatutory)},
		"breach.move_to_queue": {p.Breach.MoveToQueue},
		"appeal.amount":        {strconv.Itoa(p.AppealWindow.Amount)}, "appeal.unit": {string(p.AppealWindow.Unit)}}
	fr := make([]string, len(p.WarnFractions))
	for i, x := range p.WarnFractions {
		fr[i] = strconv.FormatFloat(x, 'f', -1, 64)
	}
	f.Set("warn_fractions", strings.Join(fr, ", "))
	for _, prio := range sla.Priorities {
		for k, l := range p.Tiers[prio] {
			row := fmt.Sprintf("tiers.%s[%d].", prio, k)
			f.Set(row+"clock", string(l.Clock))
			f.Set(row+"amount", strconv.Itoa(l.Amount))
			f.Set(row+"unit", string(l.Unit))
			f.Set(row+"from", string(l.From))
		}
	}
	for _, s := range p.Statutory {
		f.Add("statutory", s.Code)
	}
	return f
}

// statutoryChoices are the statutory limits a policy may take: the
// policy's own and the default policy's, each once, by code.
func statutoryChoices(p *clocks.StoredPolicy) []sla.StatutoryLimit {
	var out []sla.StatutoryLimit
	seen := map[string]bool{}
	add := func(ls []sla.StatutoryLimit) {
		for _, l := range ls {
			if !seen[l.Code] {
				seen[l.Code] = true
				out = append(out, l)
			}
		}
	}
	if p != nil {
		add(p.Statutory)
	}
	add(sla.DefaultPolicy().Statutory)
	return out
}

func (w *Pages) policyPage(c *fiber.Ctx, p *clocks.StoredPolicy, form url.Values) (*kit.Page, error) {
	r := w.Req(c)
	data := &AdmSLAPage{Statutory: statutoryChoices(p), Choices: map[string][]AdmOpt{}}
	if p != nil {
		data.Editing, data.ID, data.Name = true, p.ID, p.Name
	}
	cals, err := w.Clocks.Calendars(c.UserContext())
	if err != nil {
		return nil, err
	}
	for _, cal := range cals {
		data.Choices["calendar"] = append(data.Choices["calendar"], AdmOpt{Value: cal.Slug, Label: cal.Name})
	}
	qs, err := w.Review.Queues(c.UserContext(), time.Now(), nil)
	if err != nil {
		return nil, err
	}
	data.Choices["queue"] = []AdmOpt{{Value: "", Label: r.T("adm.pol.no_move")}}
	for _, q := range qs {
		data.Choices["queue"] = append(data.Choices["queue"], AdmOpt{Value: q.Slug, Label: q.Name})
	}
	data.Choices["clock"] = append([]AdmOpt{{Value: "", Label: r.T("adm.pol.no_row")}}, options(r, "dash.clock", sla.Clocks)...)
	data.Choices["unit"] = options(r, "adm.unit", admUnits)
	data.Choices["from"] = options(r, "adm.anchor", admAnchors)
	for _, s := range data.Statutory {
		data.Choices["statutory"] = append(data.Choices["statutory"], AdmOpt{Value: s.Code, Label: s.Source + ": " + s.Period})
	}
	for _, prio := range sla.Priorities {
		n := tierRows
		if p != nil && len(p.Tiers[prio])+2 > n {
			n = len(p.Tiers[prio]) + 2
		}
		t := AdmTier{Priority: prio}
		for k := 0; k < n; k++ {
			t.Rows = append(t.Rows, k)
		}
		data.Tiers = append(data.Tiers, t)
	}
	return &kit.Page{Labeler: Label, Data: data, Form: form}, nil
}

// policyInput reads the form into a policy, adding to f what cannot be read
// (a number that is none), and returns, for each tier's kept rows, the form
// row it came from.
func policyInput(form url.Values, choices []sla.StatutoryLimit, f *fault.Fields) (clocks.PolicyInput, map[string][]int) {
	in := clocks.PolicyInput{Slug: strings.TrimSpace(form.Get("slug")), Name: form.Get("name"),
		Jurisdiction: strings.TrimSpace(form.Get("jurisdiction")), Calendar: form.Get("calendar"),
		IsDefault: form.Get("is_default") != ""}
	in.Tiers = map[string][]sla.TimeLimit{}
	rows := map[string][]int{}
	for _, prio := range sla.Priorities {
		for k := 0; k < 100; k++ {
			row := fmt.Sprintf("tiers.%s[%d].", prio, k)
			if !form.Has(row + "clock") {
				break
			}
			clock := form.Get(row + "clock")
			amount := strings.TrimSpace(form.Get(row + "amount"))
			if clock == "" && amount == "" {
				continue // an empty row
			}
			if clock == "" {
				f.Add(row+"clock", "required", "choose the deadline this row sets, or empty the row")
				continue
			}
			n, err := strconv.Atoi(amount)
			if err != nil || n < 1 {
				f.Add(row+"amount", "invalid", "must be a whole number of at least 1")
				continue
			}
			b := sla.Budget{Unit: sla.Unit(form.Get(row + "unit")), Amount: n}
			from := sla.Anchor(form.Get(row + "from"))
			in.Tiers[prio] = append(in.Tiers[prio], sla.TimeLimit{
				Rule:  sla.Rule{Code: "policy_" + clock, Source: "SLA policy", Period: tierPeriod(b, from)},
				Clock: sla.ClockName(clock), Budget: b, From: from, Pausable: true})
			rows[prio] = append(rows[prio], k)
		}
		if len(in.Tiers[prio]) == 0 {
			delete(in.Tiers, prio)
		}
	}
	in.Statutory = []sla.StatutoryLimit{}
	for _, code := range form["statutory"] {
		i := slices.IndexFunc(choices, func(s sla.StatutoryLimit) bool { return s.Code == code })
		if i < 0 {
			f.Addf("statutory", "invalid", "has no statutory deadline %q", code)
			continue
		}
		in.Statutory = append(in.Statutory, choices[i])
	}
	in.WarnFractions = []float64{}
	for _, v := range splitList(form.Get("warn_fractions")) {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil {
			f.Add("warn_fractions", "invalid", "must be fractions between 0 and 1, such as 0.75, 0.9")
			break
		}
		in.WarnFractions = append(in.WarnFractions, x)
	}
	in.Breach = sla.BreachActions{Notify: form.Get("breach.notify") != "", RaisePriority: form.Get("breach.raise_priority") != "",
		EscalateStatutory: form.Get("breach.escalate_statutory") != "", MoveToQueue: form.Get("breach.move_to_queue")}
	if n, err := strconv.Atoi(strings.TrimSpace(form.Get("appeal.amount"))); err != nil || n < 1 {
		f.Add("appeal.amount", "invalid", "must be a whole number of at least 1")
	} else {
		b := sla.Budget{Unit: sla.Unit(form.Get("appeal.unit")), Amount: n}
		in.AppealWindow = sla.AppealWindow{Rule: sla.Rule{Code: sla.DefaultAppealWindow.Code, Source: "SLA policy",
			Period: tierPeriod(b, sla.FromDecision)}, Budget: b}
	}
	return in, rows
}

var tierField = regexp.MustCompile(`^tiers\.(P[0-3])\[(\d+)\]$`)

// policyFields points the service's field names at the form's inputs.
func policyFields(err error, rows map[string][]int) error {
	return renameFields(err, func(name string) string {
		if m := tierField.FindStringSubmatch(name); m != nil {
			i, _ := strconv.Atoi(m[2])
			if rs := rows[m[1]]; i < len(rs) {
				return fmt.Sprintf("tiers.%s[%d].clock", m[1], rs[i])
			}
		}
		switch {
		case strings.HasPrefix(name, "tiers"), name == "policy":
			return "tiers"
		case strings.HasPrefix(name, "statutory"):
			return "statutory"
		case strings.HasPrefix(name, "warn_fractions"):
			return "warn_fractions"
		case strings.HasPrefix(name, "appeal_window"):
			return "appeal.amount"
		case name == "breach_actions.move_to_queue":
			return "breach.move_to_queue"
		}
		return name
	})
}

// admPolicyNew: GET /admin/sla/policies/new — the default policy's values to start from.
func (w *Pages) admPolicyNew(c *fiber.Ctx) error {
	def := &clocks.StoredPolicy{Jurisdiction: "EU", Policy: sla.DefaultPolicy()}
	if cals, err := w.Clocks.Calendars(c.UserContext()); err == nil && len(cals) > 0 {
		def.Calendar = cals[0].Slug
	}
	p, err := w.policyPage(c, nil, policyForm(def))
	return w.show(c, "admin/policy", "adm.pol.new_title", p, err)
}

func (w *Pages) policyByID(c *fiber.Ctx) (*clocks.StoredPolicy, error) {
	if c.Params("id") == "" {
		return nil, nil
	}
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	ps, err := w.Clocks.Policies(c.UserContext())
	if err != nil {
		return nil, err
	}
	for i := range ps {
		if ps[i].ID == id {
			return &ps[i], nil
		}
	}
	return nil, fault.New(fault.NotFound, "policy_not_found", "No SLA policy has that id.")
}

// admPolicyEdit: GET /admin/sla/policies/{id}.
func (w *Pages) admPolicyEdit(c *fiber.Ctx) error {
	pol, err := w.policyByID(c)
	if err != nil {
		return err
	}
	p, err := w.policyPage(c, pol, policyForm(pol))
	return w.show(c, "admin/policy", "adm.pol.edit_title", p, err)
}

// admPolicySave: POST /admin/sla/policies and POST /admin/sla/policies/{id}.
func (w *Pages) admPolicySave(c *fiber.Ctx) error {
	pol, err := w.policyByID(c)
	if err != nil {
		return err
	}
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	var id *uuid.UUID
	title := "adm.pol.new_title"
	if pol != nil {
		id, title = &pol.ID, "adm.pol.edit_title"
	}
	p, err := w.policyPage(c, pol, form)
	if err != nil {
		return err
	}
	return saveOrRerender(w, c, adminForm{"admin/policy", title, shown(p)}, func() (*clocks.StoredPolicy, error) {
		var f fault.Fields
		in, rows := policyInput(form, statutoryChoices(pol), &f)
		if err := f.Err(); err != nil {
			return nil, err
		}
		saved, err := w.Clocks.SavePolicy(c.UserContext(), id, in)
		return saved, policyFields(err, rows)
	}, redirect[*clocks.StoredPolicy](w, c, "/admin/sla", "adm.pol.saved"))
}
