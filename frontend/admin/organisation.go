package admin

import (
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/organisation"
)

// The organisation's profile (issue 16, item 5): who runs the mechanism, as
// the public pages' footer and every dossier name it. The configuration
// (REDRESS_ORGANISATION_*) gives the defaults; an admin's settings here
// take their place, each change logged (internal/organisation).

// organisationRoutes are the form and its post.
func (w *Pages) organisationRoutes() []httpkit.Route {
	return []httpkit.Route{
		{Method: fiber.MethodGet, Path: "/admin/organisation", Access: httpkit.Staff, Roles: auth.Admins, Handler: w.admOrganisation},
		{Method: fiber.MethodPost, Path: "/admin/organisation", Access: httpkit.Staff, Roles: auth.Admins, Handler: w.admOrganisationSave},
	}
}

// AdmOrgData is the page's profile in force and its log.
type AdmOrgData struct {
	Profile organisation.Profile
	Changes []organisation.Change
}

// orgLabel names the form's fields in the error summary.
func orgLabel(p *kit.Page, field string) string {
	if id := "adm.org.field." + field; p.Has(id) {
		return p.T(id)
	}
	return ""
}

// OrgField is the form's control for field.
func (p *admPage) OrgField(field string, opts ...string) AdmField {
	return p.AdmF(field, "adm.org.field."+field, append(opts, "hint=adm.org.hint."+field)...)
}

func (w *Pages) orgPage(c *fiber.Ctx, form url.Values) (*kit.Page, error) {
	ctx := c.UserContext()
	prof, err := w.Organisation.Get(ctx)
	if err != nil {
		return nil, err
	}
	changes, err := w.Organisation.Changes(ctx, 20)
	if err != nil {
		return nil, err
	}
	if form == nil {
		form = url.Values{}
		if prof.Named() {
			form.Set("legal_name", prof.LegalName)
		}
		form.Set("address", prof.Address)
		form.Set("jurisdiction", prof.Jurisdiction)
		form.Set("contact", prof.Contact)
	}
	return &kit.Page{Labeler: orgLabel, Form: form, Data: AdmOrgData{Profile: prof, Changes: changes}}, nil
}

// admOrganisation: GET /admin/organisation — the profile in force, where it
// comes from, the form and the log.
func (w *Pages) admOrganisation(c *fiber.Ctx) error {
	p, err := w.orgPage(c, nil)
	return w.show(c, "admin/organisation", "adm.org.title", p, err)
}

// admOrganisationSave: POST /admin/organisation {legal_name, address,
// jurisdiction, contact}.
func (w *Pages) admOrganisationSave(c *fiber.Ctx) error {
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	in := organisation.Input{LegalName: form.Get("legal_name"), Address: form.Get("address"),
		Jurisdiction: form.Get("jurisdiction"), Contact: form.Get("contact")}
	return saveOrRerender(w, c, adminForm{"admin/organisation", "adm.org.title", func() (*kit.Page, error) { return w.orgPage(c, form) }},
		func() (organisation.Profile, error) { return w.Organisation.Set(c.UserContext(), w.Req(c).User.ID, in) },
		redirect[organisation.Profile](w, c, "/admin/organisation", "adm.org.saved"))
}
