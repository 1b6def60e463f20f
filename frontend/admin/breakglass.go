package admin

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Break-glass (issue 14): an admin opens a case outside their reach, with a
// reason, for an hour, to read only (internal/access BreakGlass). The form
// posts and redirects to the case's workspace, whose banner says until when.

// breakGlassRoutes are the break-glass form and its post.
func (w *Pages) breakGlassRoutes() []httpkit.Route {
	return []httpkit.Route{
		{Method: fiber.MethodGet, Path: "/admin/break-glass", Access: httpkit.Staff, Roles: auth.Admins, Handler: w.admBreakGlassForm},
		{Method: fiber.MethodPost, Path: "/admin/break-glass", Access: httpkit.Staff, Roles: auth.Admins, Handler: w.admBreakGlass},
	}
}

// bgLabel names the form's fields in the error summary.
func bgLabel(p *kit.Page, field string) string {
	if id := "adm.bg.field." + field; p.Has(id) {
		return p.T(id)
	}
	return ""
}

// BgField is the break-glass form's control for field, its hint saying the
// rule (the reason's minimum length).
func (p *admPage) BgField(field string) AdmField {
	f := p.AdmF(field, "adm.bg.field."+field, "req")
	hint := "adm.bg.hint." + field
	f.Hint, f.HintID = p.T(hint, "Min", access.BreakGlassMinReason), f.ID+"-hint"
	return f
}

// admBreakGlassForm: GET /admin/break-glass — the form.
func (w *Pages) admBreakGlassForm(c *fiber.Ctx) error {
	return w.Render(c, fiber.StatusOK, "admin/break_glass", "adm.bg.title", &kit.Page{Labeler: bgLabel})
}

// admBreakGlass: POST /admin/break-glass {reference, reason} — opens the
// case and shows its workspace; a reference no case has, or a case the
// admin is recused from, is one and the same answer beside the reference.
func (w *Pages) admBreakGlass(c *fiber.Ctx) error {
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	return saveOrRerender(w, c, adminForm{"admin/break_glass", "adm.bg.title", shown(&kit.Page{Labeler: bgLabel, Form: form})},
		func() (*access.Grant, error) {
			g, err := w.Access.BreakGlass(c.UserContext(), httpkit.Viewer(c), form.Get("reference"), form.Get("reason"))
			switch {
			case errors.Is(err, access.ErrNoCase):
				err = onReference(fault.NotFound, "break_glass_no_case", err)
			case errors.Is(err, access.ErrWithinReach):
				err = onReference(fault.Conflict, "within_reach", err)
			}
			return g, err
		}, func(g *access.Grant) error { return w.SeeOther(c, "/cases/"+g.CaseID.String(), "adm.bg.opened") })
}

// onReference is err as an error of the form's reference field, keeping
// err's status.
func onReference(kind fault.Kind, code string, err error) error {
	e, _ := fault.As(err)
	return &fault.Error{Kind: kind, Code: e.Code, Message: e.Message,
		Fields: []fault.FieldError{{Field: "reference", Code: code, Message: e.Message}}}
}
