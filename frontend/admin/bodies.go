package admin

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/content"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/platform/fault"
)

// cookieWebhookSecret carries a generated webhook secret, sealed, to the
// body's page after the redirect, where it is shown once.
const cookieWebhookSecret = "redress_adm_secret"

// AdmBodyPage is the bodies' list, or a body's form and users.
type AdmBodyPage struct {
	Bodies []escalation.Body
	Body   *escalation.Body
	Users  []auth.User
	Types  []AdmOpt
	// Secret is a webhook secret just generated, shown this once.
	Secret string
}

// admBodies: GET /admin/bodies — every body, inactive ones too.
func (w *Pages) admBodies(c *fiber.Ctx) error {
	all, err := w.Escalation.Bodies(c.UserContext(), true, "", "")
	if err != nil {
		return err
	}
	return w.Render(c, fiber.StatusOK, "admin/bodies", "adm.b.title", &kit.Page{Labeler: Label, Data: &AdmBodyPage{Bodies: all}})
}

func bodyForm(b *escalation.Body) url.Values {
	f := values(map[string]string{"slug": b.Slug, "name": b.Name, "type": b.Type, "jurisdiction": b.Jurisdiction,
		"legal_bases": strings.Join(b.LegalBases, "\n"), "requirements": b.Requirements, "description": b.Description,
		"languages": strings.Join(b.Languages, ", "), "portal": checked(slices.Contains(b.Receives, escalation.ChannelPortal)),
		"active": checked(b.Active)})
	if b.Website != nil {
		f.Set("website", *b.Website)
	}
	if b.Email != nil {
		f.Set("email", *b.Email)
	}
	return f
}

func bodyInput(form url.Values) escalation.BodyInput {
	active := form.Get("active") != ""
	return escalation.BodyInput{Slug: form.Get("slug"), Name: form.Get("name"), Type: form.Get("type"),
		Jurisdiction: strings.TrimSpace(form.Get("jurisdiction")), LegalBases: splitLines(form.Get("legal_bases")),
		Requirements: form.Get("requirements"), Description: form.Get("description"),
		Website: strings.TrimSpace(form.Get("website")), Languages: splitList(form.Get("languages")),
		Portal: form.Get("portal") != "", Email: form.Get("email"), WebhookURL: strings.TrimSpace(form.Get("webhook_url")),
		WebhookSecret: form.Get("webhook_secret"), Active: &active}
}

// splitLines reads one entry per line (legal bases may hold commas).
func splitLines(s string) []string {
	out := []string{}
	for _, v := range strings.Split(s, "\n") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func (w *Pages) bodyPage(c *fiber.Ctx, b *escalation.Body, form url.Values) (*kit.Page, error) {
	data := &AdmBodyPage{Body: b, Types: options(w.Req(c), "adm.btype", escalation.BodyTypes)}
	if b != nil {
		users, err := w.Users.BodyUsers(c.UserContext(), b.ID)
		if err != nil {
			return nil, err
		}
		data.Users = users
	}
	return &kit.Page{Labeler: Label, Data: data, Form: form}, nil
}

func (w *Pages) bodyByID(c *fiber.Ctx) (*escalation.Body, error) {
	if c.Params("id") == "" {
		return nil, nil
	}
	id, err := idParam(c, "id")
	if err != nil {
		return nil, err
	}
	return w.Escalation.Body(c.UserContext(), id)
}

// admBodyNew: GET /admin/bodies/new.
func (w *Pages) admBodyNew(c *fiber.Ctx) error {
	p, err := w.bodyPage(c, nil, url.Values{"active": {"on"}, "portal": {"on"}})
	return w.show(c, "admin/body", "adm.b.new_title", p, err)
}

// admBodyEdit: GET /admin/bodies/{id}.
func (w *Pages) admBodyEdit(c *fiber.Ctx) error {
	b, err := w.bodyByID(c)
	if err != nil {
		return err
	}
	form, err := w.bodyFormWithTranslations(c, b)
	if err != nil {
		return err
	}
	p, err := w.bodyPage(c, b, form)
	if err != nil {
		return err
	}
	var secret string
	if w.TakeSealed(c, cookieWebhookSecret, "/admin/bodies", &secret) {
		p.Data.(*AdmBodyPage).Secret = secret
	}
	return w.Render(c, fiber.StatusOK, "admin/body", "adm.b.edit_title", p)
}

// admBodySave: POST /admin/bodies and POST /admin/bodies/{id}.
func (w *Pages) admBodySave(c *fiber.Ctx) error {
	cur, err := w.bodyByID(c)
	if err != nil {
		return err
	}
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	var id *uuid.UUID
	title := "adm.b.new_title"
	if cur != nil {
		id, title = &cur.ID, "adm.b.edit_title"
	}
	page := func() (*kit.Page, error) {
		form.Del("webhook_secret")
		return w.bodyPage(c, cur, form)
	}
	return saveOrRerender(w, c, adminForm{"admin/body", title, page}, func() (*escalation.Body, error) {
		// A body's translations (on its edit page) are checked before anything is written.
		tr := translationsInput(content.Body, form)
		if _, err := content.Validate(content.Body, tr); err != nil {
			return nil, renameFields(err, listField)
		}
		b, err := w.Escalation.SaveBody(c.UserContext(), id, bodyInput(form))
		if err == nil && cur != nil {
			err = w.Content.Save(c.UserContext(), content.Body, cur.ID, tr)
		}
		return b, renameFields(err, listField)
	}, func(b *escalation.Body) error {
		if b.WebhookSecret != "" {
			if err := w.SetSealed(c, cookieWebhookSecret, "/admin/bodies", b.WebhookSecret, 10*time.Minute); err != nil {
				return err
			}
		}
		return w.SeeOther(c, "/admin/bodies/"+b.ID.String(), "adm.b.saved")
	})
}

// admBodyAddUser: POST /admin/bodies/{id}/users {name, email, password} —
// an account in the bodies' portal, seeing only this body's referrals.
func (w *Pages) admBodyAddUser(c *fiber.Ctx) error {
	b, err := w.bodyByID(c)
	if err != nil {
		return err
	}
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	password := form.Get("user.password")
	form.Del("user.password")
	full, err := w.bodyFormWithTranslations(c, b)
	if err != nil {
		return err
	}
	for k, v := range form {
		full[k] = v
	}
	p, err := w.bodyPage(c, b, full)
	if err != nil {
		return err
	}
	prefixed := func(err error) error {
		return renameFields(err, func(n string) string { return "user." + n })
	}
	return saveOrRerender(w, c, adminForm{"admin/body", "adm.b.edit_title", shown(p)}, func() (*auth.User, error) {
		var f fault.Fields
		name := strings.TrimSpace(form.Get("user.name"))
		f.Text("name", name, 1, 200)
		if err := f.Err(); err != nil {
			return nil, prefixed(err)
		}
		u, err := w.Users.AddBodyUser(c.UserContext(), auth.NewUser{Email: form.Get("user.email"), Name: name,
			Password: password, Languages: splitList(form.Get("user.languages")), BodyID: &b.ID})
		return u, prefixed(err)
	}, redirect[*auth.User](w, c, "/admin/bodies/"+b.ID.String(), "adm.b.user_added"))
}

// bodyFormWithTranslations is a body's form values with its translations.
func (w *Pages) bodyFormWithTranslations(c *fiber.Ctx, b *escalation.Body) (url.Values, error) {
	form := bodyForm(b)
	tr, err := w.Content.Of(c.UserContext(), content.Body, b.ID)
	if err != nil {
		return nil, err
	}
	translationsForm(tr, form)
	return form, nil
}
