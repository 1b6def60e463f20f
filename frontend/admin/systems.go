package admin

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/content"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/registry"
	"github.com/redresshq/redress/internal/systemic"
)

// AdmSystemPage is the register's list, or one system's pages.
type AdmSystemPage struct {
	Systems  []registry.AISystem
	System   *registry.AISystem
	Alerting *systemic.Alerting
}

// admSystems: GET /admin/ai-systems — the register, inactive systems too.
func (w *Pages) admSystems(c *fiber.Ctx) error {
	all, err := w.Registry.All(c.UserContext())
	if err != nil {
		return err
	}
	return w.Render(c, fiber.StatusOK, "admin/systems", "adm.sys.title", &kit.Page{Labeler: Label, Data: &AdmSystemPage{Systems: all}})
}

// admSystemNew: GET /admin/ai-systems/new.
func (w *Pages) admSystemNew(c *fiber.Ctx) error {
	return w.Render(c, fiber.StatusOK, "admin/system_new", "adm.sys.new_title",
		&kit.Page{Labeler: Label, Data: &AdmSystemPage{}, Form: url.Values{"active": {"on"}}})
}

func systemInput(form url.Values) registry.SystemInput {
	active := form.Get("active") != ""
	return registry.SystemInput{Slug: form.Get("slug"), Name: form.Get("name"), Provider: form.Get("provider"),
		ProviderEmail: form.Get("provider_email"), Version: form.Get("version"), Purpose: form.Get("purpose"), RiskArea: form.Get("risk_area"),
		EUDatabaseID: form.Get("eu_database_id"), FRIAReference: form.Get("fria_reference"),
		DPIAReference: form.Get("dpia_reference"), DeployedSince: form.Get("deployed_since"), Active: &active}
}

// admSystemCreate: POST /admin/ai-systems.
func (w *Pages) admSystemCreate(c *fiber.Ctx) error {
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	return saveOrRerender(w, c, adminForm{"admin/system_new", "adm.sys.new_title", shown(&kit.Page{Labeler: Label, Data: &AdmSystemPage{}, Form: form})},
		func() (*registry.AISystem, error) { return w.Registry.Create(c.UserContext(), systemInput(form)) },
		func(s *registry.AISystem) error {
			return w.SeeOther(c, "/admin/ai-systems/"+s.ID.String(), "adm.sys.created")
		})
}

// systemPage is a system's edit page: its register entry (the form's
// values, overlaid by posted ones), its alerting and its suspension.
func (w *Pages) systemPage(c *fiber.Ctx, posted url.Values) (*kit.Page, uuid.UUID, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, id, err
	}
	s, err := w.Registry.GetAny(c.UserContext(), id)
	if err != nil {
		return nil, id, err
	}
	al, err := w.Systemic.AlertingOf(c.UserContext(), id)
	if err != nil {
		return nil, id, err
	}
	since := ""
	if s.DeployedSince != nil {
		since = s.DeployedSince.Format("2006-01-02")
	}
	form := values(map[string]string{"slug": s.Slug, "name": s.Name, "provider": s.Provider, "provider_email": strOr(s.ProviderEmail), "version": s.Version,
		"purpose": s.Purpose, "risk_area": s.RiskArea, "eu_database_id": s.EUDatabaseID, "fria_reference": s.FRIAReference,
		"dpia_reference": s.DPIAReference, "deployed_since": since, "active": checked(s.Active),
		"threshold": strconv.Itoa(al.Threshold), "window_hours": strconv.Itoa(al.WindowHours)})
	tr, err := w.Content.Of(c.UserContext(), content.AISystem, id)
	if err != nil {
		return nil, id, err
	}
	translationsForm(tr, form)
	for k, v := range posted {
		form[k] = v
	}
	if posted != nil && posted.Get("active") == "" && posted.Has("slug") {
		form.Del("active")
	}
	return &kit.Page{Labeler: Label, Data: &AdmSystemPage{System: s, Alerting: al}, Form: form}, id, nil
}

// admSystemEdit: GET /admin/ai-systems/{id}.
func (w *Pages) admSystemEdit(c *fiber.Ctx) error {
	p, _, err := w.systemPage(c, nil)
	if err != nil {
		return err
	}
	return w.Render(c, fiber.StatusOK, "admin/system_edit", "adm.sys.edit_title", p)
}

// admSystemUpdate: POST /admin/ai-systems/{id}.
func (w *Pages) admSystemUpdate(c *fiber.Ctx) error {
	form, p, id, err := posted(c, w.systemPage)
	if err != nil {
		return err
	}
	return saveOrRerender(w, c, systemForm(p), func() (struct{}, error) {
		// The translations are checked before anything is written.
		tr := translationsInput(content.AISystem, form)
		if _, err := content.Validate(content.AISystem, tr); err != nil {
			return struct{}{}, err
		}
		if _, err := w.Registry.Update(c.UserContext(), id, systemInput(form)); err != nil {
			return struct{}{}, err
		}
		return nothing(w.Content.Save(c.UserContext(), content.AISystem, id, tr))
	}, redirect[struct{}](w, c, "/admin/ai-systems/"+id.String(), "adm.sys.saved"))
}

// systemForm is a system's edit page, shown again on a fault.
func systemForm(p *kit.Page) adminForm {
	return adminForm{"admin/system_edit", "adm.sys.edit_title", shown(p)}
}

// admSystemAlerting: POST /admin/ai-systems/{id}/alerting {threshold, window_hours}.
func (w *Pages) admSystemAlerting(c *fiber.Ctx) error {
	form, p, id, err := posted(c, w.systemPage)
	if err != nil {
		return err
	}
	return saveOrRerender(w, c, systemForm(p), func() (*systemic.Alerting, error) {
		in, err := alertingInput(form)
		if err != nil {
			return nil, err
		}
		return w.Systemic.SetAlerting(c.UserContext(), id, in)
	}, redirect[*systemic.Alerting](w, c, "/admin/ai-systems/"+id.String(), "adm.sys.alerting_saved"))
}

// alertingInput reads the alerting form, each number within its bounds.
func alertingInput(form url.Values) (systemic.AlertingInput, error) {
	var f fault.Fields
	in := systemic.AlertingInput{}
	for _, x := range []struct {
		field  string
		dst    **int
		lo, hi int
	}{{"threshold", &in.Threshold, systemic.MinThreshold, systemic.MaxThreshold},
		{"window_hours", &in.WindowHours, systemic.MinWindowHours, systemic.MaxWindowHours}} {
		n, err := strconv.Atoi(strings.TrimSpace(form.Get(x.field)))
		switch {
		case err != nil:
			f.Addf(x.field, "invalid", "must be a whole number from %d to %d", x.lo, x.hi)
		case n < x.lo || n > x.hi:
			f.Addf(x.field, "out_of_range", "must be a whole number from %d to %d", x.lo, x.hi)
		default:
			*x.dst = &n
		}
	}
	return in, f.Err()
}

// admSystemLift: POST /admin/ai-systems/{id}/lift-suspension {reason}.
func (w *Pages) admSystemLift(c *fiber.Ctx) error {
	form, p, id, err := posted(c, w.systemPage)
	if err != nil {
		return err
	}
	return saveOrRerender(w, c, systemForm(p), func() (*registry.AISystem, error) {
		return w.Registry.LiftSuspension(c.UserContext(), id, w.Req(c).User.ID, form.Get("reason"))
	}, redirect[*registry.AISystem](w, c, "/admin/ai-systems/"+id.String(), "adm.sys.lifted"))
}

// strOr is *p, or "" for nil.
func strOr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
