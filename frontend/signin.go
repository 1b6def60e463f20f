package frontend

import (
	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/platform/fault"
)

// loginPage: GET /login — staff and bodies sign in.
func (w *Web) loginPage(c *fiber.Ctx) error {
	if u := w.req(c).User; u != nil {
		return c.Redirect(homeOf(u), fiber.StatusSeeOther)
	}
	p := &Page{Form: map[string][]string{"next": {safeNext(c.Query("next", ""))}}}
	return w.render(c, fiber.StatusOK, "pages/login", "login.title", p)
}

// login: POST /login {email, password, next} sets the session cookie.
func (w *Web) login(c *fiber.Ctx) error {
	form, err := formValues(c)
	if err != nil {
		return err
	}
	p := &Page{Form: form}
	form.Del("password")
	var f fault.Fields
	email, password := c.FormValue("email"), c.FormValue("password")
	if email == "" {
		f.Add("email", "required", "is required")
	}
	if password == "" {
		f.Add("password", "required", "is required")
	} else if len(password) > 1024 {
		f.Add("password", "too_long", "must be at most 1024 bytes")
	}
	if err := f.Err(); err != nil {
		return w.formError(c, err, "pages/login", "login.title", p)
	}
	u, err := w.Users.Authenticate(c.UserContext(), email, password)
	if err != nil {
		return w.formError(c, err, "pages/login", "login.title", p)
	}
	token, _, err := w.Tokens.Issue(auth.AudienceStaff, u.ID, u.Role, w.StaffTokenTTL)
	if err != nil {
		return err
	}
	w.setCookie(c, cookieStaff, token, "/", w.StaffTokenTTL)
	next := safeNext(form.Get("next"))
	if next == "/" {
		next = homeOf(u)
	}
	return w.seeOther(c, next, "login.welcome")
}

// logout: POST /logout ends the staff session, or the complainant's.
func (w *Web) logout(c *fiber.Ctx) error {
	r := w.req(c)
	w.clearCookie(c, cookieStaff, "/")
	w.clearCookie(c, cookieCase, "/")
	w.clearCookie(c, cookieReceipt, "/complaints/receipt")
	if r.User != nil {
		return w.seeOther(c, "/login", "login.signed_out")
	}
	return w.seeOther(c, "/follow-up", "followup.signed_out")
}

// homeOf is where a user lands after signing in: bodies on their referrals,
// reviewers on the queue, admins on the administration, supervisors on the
// dashboard.
func homeOf(u *auth.User) string {
	switch u.Role {
	case auth.RoleBody:
		return "/referrals"
	case auth.RoleReviewer:
		return "/queue"
	case auth.RoleAdmin:
		return "/admin"
	}
	return "/dashboard"
}
