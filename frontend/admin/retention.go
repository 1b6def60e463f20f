package admin

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/retention"
)

// Retention (issue 19, docs/retention.md): /admin/retention lists the
// retention schedules (how long a case's personal data is kept after it
// ended, per kind and ending) with a form to set one and a delete button per
// schedule, and the latest retention runs (what each erased, held or
// corrected, by case reference) with "Run now".

// runsShown is how many of the latest runs the page lists.
const runsShown = 20

// AdmRetentionPage is /admin/retention's data.
type AdmRetentionPage struct {
	Schedules []retention.Schedule
	Runs      []AdmRun
	Kinds     []AdmOpt // the form's kinds, "" any kind first
	Endings   []AdmOpt
}

// AdmRun is a run with what it did to each case.
type AdmRun struct {
	retention.Run
	Items []retention.RunItem
}

// retentionRoutes are the page and its forms.
func (w *Pages) retentionRoutes() []httpkit.Route {
	get := func(path string, h fiber.Handler) httpkit.Route {
		return httpkit.Route{Method: fiber.MethodGet, Path: path, Access: httpkit.Staff, Roles: auth.Admins, Handler: h}
	}
	post := func(path string, h fiber.Handler) httpkit.Route {
		return httpkit.Route{Method: fiber.MethodPost, Path: path, Access: httpkit.Staff, Roles: auth.Admins, Handler: h}
	}
	return []httpkit.Route{
		get("/admin/retention", w.admRetention),
		post("/admin/retention/schedules", w.admRetentionSet),
		post("/admin/retention/schedules/:id/delete", w.admRetentionDelete),
		post("/admin/retention/runs", w.admRetentionRun),
	}
}

// retentionPage builds the page, with form's values (nil: the form's
// defaults).
func (w *Pages) retentionPage(c *fiber.Ctx, form url.Values) (*kit.Page, error) {
	r := w.Req(c)
	ctx := c.UserContext()
	scs, err := w.Retention.Schedules(ctx)
	if err != nil {
		return nil, err
	}
	runs, err := w.Retention.Runs(ctx, runsShown)
	if err != nil {
		return nil, err
	}
	d := &AdmRetentionPage{Schedules: scs,
		Kinds:   append([]AdmOpt{{Value: "", Label: r.T("adm.ret.any_kind")}}, options(r, "adm.kind", retention.Kinds)...),
		Endings: options(r, "adm.ret.ending", retention.Endings)}
	for _, run := range runs {
		x := AdmRun{Run: run}
		_ = json.Unmarshal(run.Details, &x.Items)
		d.Runs = append(d.Runs, x)
	}
	if form == nil {
		form = url.Values{"ending": {retention.EndingAny}}
	}
	return &kit.Page{Labeler: retentionLabel, Data: d, Form: form}, nil
}

// retentionLabel names the form's fields in the error summary.
func retentionLabel(p *kit.Page, field string) string {
	if id := "adm.ret.field." + field; p.Has(id) {
		return p.T(id)
	}
	return Label(p, field)
}

// admRetention: GET /admin/retention.
func (w *Pages) admRetention(c *fiber.Ctx) error {
	p, err := w.retentionPage(c, nil)
	return w.show(c, "admin/retention", "adm.ret.title", p, err)
}

// admRetentionSet: POST /admin/retention/schedules {kind, ending, keep_days,
// note} — makes or replaces the schedule of a kind and ending.
func (w *Pages) admRetentionSet(c *fiber.Ctx) error {
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	in := retention.ScheduleInput{Kind: form.Get("kind"), Ending: form.Get("ending"), Note: form.Get("note")}
	page := func() (*kit.Page, error) { return w.retentionPage(c, form) }
	return saveOrRerender(w, c, adminForm{"admin/retention", "adm.ret.title", page},
		func() (*retention.Schedule, error) {
			if s := strings.TrimSpace(form.Get("keep_days")); s != "" {
				n, err := strconv.Atoi(s)
				if err != nil {
					var f fault.Fields
					f.Add("keep_days", "invalid", "keep_days must be a whole number of days")
					return nil, f.Err()
				}
				in.KeepDays = &n
			}
			return w.Retention.SetSchedule(c.UserContext(), w.Req(c).User.ID, in)
		}, redirect[*retention.Schedule](w, c, "/admin/retention", "adm.ret.saved"))
}

// admRetentionDelete: POST /admin/retention/schedules/:id/delete.
func (w *Pages) admRetentionDelete(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	if err := w.Retention.DeleteSchedule(c.UserContext(), id); err != nil {
		return err
	}
	return w.SeeOther(c, "/admin/retention", "adm.ret.deleted")
}

// admRetentionRun: POST /admin/retention/runs {run: "now"} — a run now
// (the button sends run=now: a form without it runs nothing).
func (w *Pages) admRetentionRun(c *fiber.Ctx) error {
	if c.FormValue("run") != "now" {
		var f fault.Fields
		f.Add("run", "required", "press Run now to run")
		return f.Err()
	}
	if _, err := w.Retention.RunNow(c.UserContext(), time.Now()); err != nil {
		return err
	}
	return w.SeeOther(c, "/admin/retention#runs", "adm.ret.ran")
}
