package frontend

import (
	"html/template"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
)

// accountRoutes are a signed-in person's own sign-in: the second step of
// signing in, the second factor, the sessions; and the administrators'
// sign-in policy (docs/sign-in.md).
func (w *Web) accountRoutes() []httpkit.Route {
	anyUser := auth.AnyUser
	return []httpkit.Route{
		{Method: fiber.MethodGet, Path: "/login/code", Access: httpkit.Public, Handler: w.loginCodePage},
		{Method: fiber.MethodPost, Path: "/login/code", Access: httpkit.Public, Handler: w.loginCode},
		{Method: fiber.MethodGet, Path: auth.TwoFactorPage, Access: httpkit.Enrolling, Roles: anyUser, Handler: w.twoFactorPage},
		{Method: fiber.MethodPost, Path: auth.TwoFactorPage + "/confirm", Access: httpkit.Enrolling, Roles: anyUser, Handler: w.twoFactorConfirm},
		{Method: fiber.MethodPost, Path: auth.TwoFactorPage + "/recovery-codes", Access: httpkit.Staff, Roles: anyUser, Handler: w.twoFactorRecovery},
		{Method: fiber.MethodPost, Path: auth.TwoFactorPage + "/disable", Access: httpkit.Staff, Roles: anyUser, Handler: w.twoFactorDisable},
		{Method: fiber.MethodGet, Path: "/account/sessions", Access: httpkit.Staff, Roles: anyUser, Handler: w.sessionsPage},
		{Method: fiber.MethodPost, Path: "/account/sessions/revoke", Access: httpkit.Enrolling, Roles: anyUser, Handler: w.revokeSessions},
		{Method: fiber.MethodGet, Path: "/admin/sign-in", Access: httpkit.Staff, Roles: admins, Handler: w.admSignIn},
		{Method: fiber.MethodPost, Path: "/admin/sign-in", Access: httpkit.Staff, Roles: admins, Handler: w.admSignInSave},
	}
}

// TwoFactorView is the second-factor page.
type TwoFactorView struct {
	Factor *auth.Factor
	// Enrolment, while the factor is off: the secret to set up.
	Enrolment *auth.Enrolment
	QR        template.HTML
	// RecoveryCodes, just made: shown this once.
	RecoveryCodes []string
}

func (w *Web) twoFactorView(c *fiber.Ctx) (*TwoFactorView, error) {
	u := w.Req(c).User
	f, err := w.SignIn.Factor(c.UserContext(), u)
	if err != nil {
		return nil, err
	}
	v := &TwoFactorView{Factor: f}
	if !f.Enabled {
		e, err := w.SignIn.StartEnrolment(c.UserContext(), u, false)
		if err != nil {
			return nil, err
		}
		v.Enrolment = e
		v.QR = template.HTML(e.SVG) //nolint:gosec // drawn by auth.QRCodeSVG from our own URL, its title escaped
	}
	return v, nil
}

// twoFactorPage: GET /account/two-factor — set up, or manage, the second factor.
func (w *Web) twoFactorPage(c *fiber.Ctx) error {
	v, err := w.twoFactorView(c)
	if err != nil {
		return err
	}
	return w.Render(c, fiber.StatusOK, "account/two_factor", "tf.title", &kit.Page{Data: v})
}

// twoFactorForm reads a form's code, then calls do; on a domain error the
// page is shown again with it.
func (w *Web) twoFactorForm(c *fiber.Ctx, do func(code string) error) error {
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	code := form.Get("code")
	form.Del("code")
	var f fault.Fields
	if code == "" {
		f.Add("code", "required", "is required")
	} else if len(code) > 64 {
		f.Add("code", "too_long", "must be at most 64 characters")
	}
	err = f.Err()
	if err == nil {
		err = do(code)
	}
	if err != nil {
		v, verr := w.twoFactorView(c)
		if verr != nil {
			return verr
		}
		return w.FormError(c, err, "account/two_factor", "tf.title", &kit.Page{Data: v, Form: form})
	}
	return nil
}

// twoFactorConfirm: POST /account/two-factor/confirm {code} — turns the
// factor on and shows the recovery codes once.
func (w *Web) twoFactorConfirm(c *fiber.Ctx) error {
	var codes []string
	if err := w.twoFactorForm(c, func(code string) (err error) {
		codes, err = w.SignIn.Confirm(c.UserContext(), w.Req(c).User, code)
		return err
	}); err != nil || codes == nil {
		return err
	}
	return w.showRecoveryCodes(c, codes, "tf.enabled")
}

// twoFactorRecovery: POST /account/two-factor/recovery-codes {code} — new
// recovery codes, the old ones no longer work.
func (w *Web) twoFactorRecovery(c *fiber.Ctx) error {
	var codes []string
	if err := w.twoFactorForm(c, func(code string) (err error) {
		codes, err = w.SignIn.NewRecoveryCodes(c.UserContext(), w.Req(c).User, code)
		return err
	}); err != nil || codes == nil {
		return err
	}
	return w.showRecoveryCodes(c, codes, "tf.codes_replaced")
}

func (w *Web) showRecoveryCodes(c *fiber.Ctx, codes []string, flash string) error {
	v, err := w.twoFactorView(c)
	if err != nil {
		return err
	}
	v.RecoveryCodes = codes
	r := w.Req(c)
	r.Flash = flash
	// The session was restricted until now: the page's links may open.
	r.Restricted = false
	return w.Render(c, fiber.StatusOK, "account/two_factor", "tf.title", &kit.Page{Data: v})
}

// twoFactorDisable: POST /account/two-factor/disable {code}.
func (w *Web) twoFactorDisable(c *fiber.Ctx) error {
	done := false
	if err := w.twoFactorForm(c, func(code string) error {
		err := w.SignIn.Disable(c.UserContext(), w.Req(c).User, code)
		done = err == nil
		return err
	}); err != nil || !done {
		return err
	}
	return w.SeeOther(c, auth.TwoFactorPage, "tf.disabled")
}

// SessionsView is the sessions page.
type SessionsView struct{ Sessions []auth.Session }

// sessionsPage: GET /account/sessions — where the account is signed in.
func (w *Web) sessionsPage(c *fiber.Ctx) error {
	r := w.Req(c)
	list, err := w.SignIn.Sessions(c.UserContext(), r.User.ID, r.Session)
	if err != nil {
		return err
	}
	return w.Render(c, fiber.StatusOK, "account/sessions", "sess.title", &kit.Page{Data: &SessionsView{Sessions: list}})
}

// revokeSessions: POST /account/sessions/revoke — signs out everywhere,
// here too.
func (w *Web) revokeSessions(c *fiber.Ctx) error {
	if _, err := w.SignIn.RevokeAll(c.UserContext(), w.Req(c).User.ID); err != nil {
		return err
	}
	w.ClearCookie(c, kit.CookieStaff, "/")
	w.Req(c).Session = uuid.Nil
	w.RotateCSRF(c)
	return w.SeeOther(c, "/login", "sess.signed_out_everywhere")
}

// admSignIn: GET /admin/sign-in — which roles must use a second factor.
func (w *Web) admSignIn(c *fiber.Ctx) error {
	list, err := w.SignIn.Policies(c.UserContext())
	if err != nil {
		return err
	}
	return w.Render(c, fiber.StatusOK, "admin/sign_in", "adm.si.title", &kit.Page{Data: list})
}

// admSignInSave: POST /admin/sign-in {required: roles…}.
func (w *Web) admSignInSave(c *fiber.Ctx) error {
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	set := map[auth.Role]bool{}
	for _, role := range auth.Roles {
		set[role] = false
	}
	for _, role := range form["required"] {
		set[auth.Role(role)] = true
	}
	if _, err := w.SignIn.SetPolicies(c.UserContext(), set); err != nil {
		list, lerr := w.SignIn.Policies(c.UserContext())
		if lerr != nil {
			return lerr
		}
		return w.FormError(c, err, "admin/sign_in", "adm.si.title", &kit.Page{Data: list, Form: form})
	}
	return w.SeeOther(c, "/admin/sign-in", "adm.si.saved")
}
