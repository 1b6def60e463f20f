package frontend

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/platform/fault"
)

// loginPage: GET /login — staff and bodies sign in.
func (w *Web) loginPage(c *fiber.Ctx) error {
	if u := w.Req(c).User; u != nil {
		return c.Redirect(homeOf(u), fiber.StatusSeeOther)
	}
	p := &kit.Page{Form: map[string][]string{"next": {kit.SafeNext(c.Query("next", ""))}}}
	return w.Render(c, fiber.StatusOK, "pages/login", "login.title", p)
}

// loginThrottle runs the sign-in throttle before login; a refusal (the
// source or the account backing off) is the sign-in form again, saying so,
// with the email kept and Retry-After set.
func (w *Web) loginThrottle(c *fiber.Ctx) error {
	err := w.SignInThrottle(c)
	if !fault.Is(err, fault.TooMany) {
		return err
	}
	form, ferr := kit.FormValues(c)
	if ferr != nil {
		return ferr
	}
	form.Del("password")
	return w.FormError(c, err, "pages/login", "login.title", &kit.Page{Form: form})
}

// login: POST /login {email, password, next} sets the session cookie.
func (w *Web) login(c *fiber.Ctx) error {
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	p := &kit.Page{Form: form}
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
		return w.FormError(c, err, "pages/login", "login.title", p)
	}
	u, err := w.Users.Authenticate(c.UserContext(), email, password)
	if err != nil {
		return w.FormError(c, err, "pages/login", "login.title", p)
	}
	step, err := w.SignIn.Next(c.UserContext(), u)
	if err != nil {
		return err
	}
	next := kit.SafeNext(form.Get("next"))
	if step == auth.StepCode {
		// Half signed in: the code comes on the next page, within five minutes.
		if err := w.SetSealed(c, kit.CookiePending, "/login", pendingSignIn{UserID: u.ID, Next: next,
			Until: time.Now().Add(pendingTTL)}, pendingTTL); err != nil {
			return err
		}
		return c.Redirect("/login/code", fiber.StatusSeeOther)
	}
	if err := w.openSession(c, u); err != nil {
		return err
	}
	if step == auth.StepEnrol {
		// The role requires a second factor: a session that can only turn it on.
		return w.SeeOther(c, auth.TwoFactorPage, "tf.required_first")
	}
	if next == "/" {
		next = homeOf(u)
	}
	return w.SeeOther(c, next, "login.welcome")
}

// pendingTTL is how long a right password waits for its second factor.
const pendingTTL = 5 * time.Minute

// pendingSignIn is the sealed state between the password and the code.
type pendingSignIn struct {
	UserID uuid.UUID `json:"u"`
	Next   string    `json:"n"`
	Until  time.Time `json:"t"`
}

// pending reads the half-signed-in state, if it has not expired.
func (w *Web) pending(c *fiber.Ctx) (*pendingSignIn, bool) {
	var p pendingSignIn
	if !w.ReadSealed(c, kit.CookiePending, &p) || time.Now().After(p.Until) {
		return nil, false
	}
	return &p, true
}

// openSession starts a page session of u and sets its cookie.
func (w *Web) openSession(c *fiber.Ctx, u *auth.User) error {
	s, err := w.SignIn.Open(c.UserContext(), u, auth.SessionPage, c.Get(fiber.HeaderUserAgent), w.StaffTokenTTL)
	if err != nil {
		return err
	}
	token, _, err := w.Tokens.IssueSession(s, w.StaffTokenTTL)
	if err != nil {
		return err
	}
	w.SetCookie(c, kit.CookieStaff, token, "/", w.StaffTokenTTL)
	w.Req(c).Session = s.ID
	w.RotateCSRF(c)
	return nil
}

// loginCodePage: GET /login/code — the second step of signing in.
func (w *Web) loginCodePage(c *fiber.Ctx) error {
	if _, ok := w.pending(c); !ok {
		return w.SeeOther(c, "/login", "login.code_expired")
	}
	return w.Render(c, fiber.StatusOK, "pages/login_code", "login.code_title", &kit.Page{})
}

// loginCode: POST /login/code {code} — a TOTP or recovery code finishes
// the sign-in the password began.
func (w *Web) loginCode(c *fiber.Ctx) error {
	pend, ok := w.pending(c)
	if !ok {
		return w.SeeOther(c, "/login", "login.code_expired")
	}
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	code := form.Get("code")
	form.Del("code")
	p := &kit.Page{Form: form}
	var f fault.Fields
	if code == "" {
		f.Add("code", "required", "is required")
	} else if len(code) > 64 {
		f.Add("code", "too_long", "must be at most 64 characters")
	}
	if err := f.Err(); err != nil {
		return w.FormError(c, err, "pages/login_code", "login.code_title", p)
	}
	if err := w.SignIn.Verify(c.UserContext(), pend.UserID, code); err != nil {
		return w.FormError(c, err, "pages/login_code", "login.code_title", p)
	}
	u, err := w.Users.Get(c.UserContext(), pend.UserID)
	if err != nil {
		w.ClearCookie(c, kit.CookiePending, "/login")
		return w.SeeOther(c, "/login", "login.code_expired")
	}
	w.ClearCookie(c, kit.CookiePending, "/login")
	if err := w.openSession(c, u); err != nil {
		return err
	}
	next := pend.Next
	if next == "/" {
		next = homeOf(u)
	}
	return w.SeeOther(c, next, "login.welcome")
}

// logout: POST /logout ends the staff session (revoked for good), or the complainant's.
func (w *Web) logout(c *fiber.Ctx) error {
	r := w.Req(c)
	if r.User != nil {
		if err := w.SignIn.Revoke(c.UserContext(), r.Session, r.User.ID); err != nil {
			return err
		}
	}
	w.ClearCookie(c, kit.CookieStaff, "/")
	w.ClearCookie(c, kit.CookiePending, "/login")
	w.ClearCookie(c, kit.CookieCase, "/")
	w.ClearCookie(c, kit.CookieReceipt, "/complaints/receipt")
	r.Session, r.CaseToken = uuid.Nil, ""
	w.RotateCSRF(c)
	if r.User != nil {
		return w.SeeOther(c, "/login", "login.signed_out")
	}
	return w.SeeOther(c, "/follow-up", "followup.signed_out")
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
