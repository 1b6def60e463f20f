package admin

import (
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/platform/fault"
)

// AdmUserPage is the staff list, or the new-user form.
type AdmUserPage struct {
	Users []auth.User
	Roles []AdmOpt
	Me    string // the signed-in admin's id
}

func (w *Pages) usersPage(c *fiber.Ctx, form url.Values) (*kit.Page, error) {
	r := w.Req(c)
	users, err := w.Users.Staff(c.UserContext())
	if err != nil {
		return nil, err
	}
	return &kit.Page{Labeler: Label, Data: &AdmUserPage{Users: users, Roles: options(r, "role", auth.StaffRoles), Me: r.User.ID.String()},
		Form: form}, nil
}

// admUsers: GET /admin/users — staff accounts, inactive ones too.
func (w *Pages) admUsers(c *fiber.Ctx) error {
	p, err := w.usersPage(c, nil)
	return w.show(c, "admin/users", "adm.u.title", p, err)
}

// admUserNew: GET /admin/users/new.
func (w *Pages) admUserNew(c *fiber.Ctx) error {
	p, err := w.usersPage(c, url.Values{"role": {string(auth.RoleReviewer)}})
	return w.show(c, "admin/user_new", "adm.u.new_title", p, err)
}

// admUserCreate: POST /admin/users {name, email, role, languages, skills, password}.
func (w *Pages) admUserCreate(c *fiber.Ctx) error {
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	password := form.Get("password")
	form.Del("password")
	return saveOrRerender(w, c, adminForm{"admin/user_new", "adm.u.new_title", func() (*kit.Page, error) { return w.usersPage(c, form) }},
		func() (*auth.User, error) {
			return w.Users.CreateStaff(c.UserContext(), auth.NewUser{Name: form.Get("name"), Email: form.Get("email"),
				Role: auth.Role(form.Get("role")), Password: password, Languages: splitList(form.Get("languages")),
				Skills: splitList(form.Get("skills"))})
		}, redirect[*auth.User](w, c, "/admin/users", "adm.u.created"))
}

// admUserRole: POST /admin/users/{id}/role {role}.
func (w *Pages) admUserRole(c *fiber.Ctx) error {
	id, form, err := idAndForm(c)
	if err != nil {
		return err
	}
	return saveOrRerender(w, c, adminForm{"admin/users", "adm.u.title", func() (*kit.Page, error) { return w.usersPage(c, url.Values{}) }},
		func() (*auth.User, error) {
			u, err := w.Users.SetRole(c.UserContext(), id, auth.Role(form.Get("role")))
			// The row's select: role_<id>.
			return u, renameFields(err, func(n string) string { return n + "_" + id.String() })
		}, redirect[*auth.User](w, c, "/admin/users", "adm.u.role_changed"))
}

// admUserActive: POST /admin/users/{id}/active {active: true|false}.
func (w *Pages) admUserActive(c *fiber.Ctx) error {
	id, form, err := idAndForm(c)
	if err != nil {
		return err
	}
	active, perr := strconv.ParseBool(form.Get("active"))
	flash := "adm.u.deactivated"
	if active {
		flash = "adm.u.reactivated"
	}
	return saveOrRerender(w, c, adminForm{"admin/users", "adm.u.title", func() (*kit.Page, error) { return w.usersPage(c, url.Values{}) }},
		func() (*auth.User, error) {
			if perr != nil {
				var f fault.Fields
				f.Add("active", "invalid", "must be true or false")
				return nil, f.Err()
			}
			return w.Users.SetActive(c.UserContext(), id, active)
		}, redirect[*auth.User](w, c, "/admin/users", flash))
}
