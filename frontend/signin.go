package frontend

import (
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

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

// loginThrottle runs the sign-in throttle before login; a refusal (the
// source or the account backing off) is the sign-in form again, saying so,
// with the email kept and Retry-After set.
func (w *Web) loginThrottle(c *fiber.Ctx) error {
	err := w.SignInThrottle(c)
	if !fault.Is(err, fault.TooMany) {
		return err
	}
	form, ferr := formValues(c)
	if ferr != nil {
		return ferr
	}
	form.Del("password")
	return w.formError(c, err, "pages/login", "login.title", &Page{Form: form})
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
	step, err := w.SignIn.Next(c.UserContext(), u)
	if err != nil {
		return err
	}
	next := safeNext(form.Get("next"))
	if step == auth.StepCode {
		// Half signed in: the code comes on the next page, within five minutes.
		if err := w.setSealed(c, cookiePending, "/login", pendingSignIn{UserID: u.ID, Next: next,
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
		return w.seeOther(c, auth.TwoFactorPage, "tf.required_first")
	}
	if next == "/" {
		next = homeOf(u)
	}
	return w.seeOther(c, next, "login.welcome")
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
	if !w.readSealed(c, cookiePending, &p) || time.Now().After(p.Until) {
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
	w.setCookie(c, cookieStaff, token, "/", w.StaffTokenTTL)
	w.req(c).Session = s.ID
	w.rotateCSRF(c)
	return nil
}

// loginCodePage: GET /login/code — the second step of signing in.
func (w *Web) loginCodePage(c *fiber.Ctx) error {
	if _, ok := w.pending(c); !ok {
		return w.seeOther(c, "/login", "login.code_expired")
	}
	return w.render(c, fiber.StatusOK, "pages/login_code", "login.code_title", &Page{})
}

// loginCode: POST /login/code {code} — a TOTP or recovery code finishes
// the sign-in the password began.
func (w *Web) loginCode(c *fiber.Ctx) error {
	pend, ok := w.pending(c)
	if !ok {
		return w.seeOther(c, "/login", "login.code_expired")
	}
	form, err := formValues(c)
	if err != nil {
		return err
	}
	code := form.Get("code")
	form.Del("code")
	p := &Page{Form: form}
	var f fault.Fields
	if code == "" {
		f.Add("code", "required", "is required")
	} else if len(code) > 64 {
		f.Add("code", "too_long", "must be at most 64 characters")
	}
	if err := f.Err(); err != nil {
		return w.formError(c, err, "pages/login_code", "login.code_title", p)
	}
	if err := w.SignIn.Verify(c.UserContext(), pend.UserID, code); err != nil {
		return w.formError(c, err, "pages/login_code", "login.code_title", p)
	}
	u, err := w.Users.Get(c.UserContext(), pend.UserID)
	if err != nil {
		w.clearCookie(c, cookiePending, "/login")
		return w.seeOther(c, "/login", "login.code_expired")
	}
	w.clearCookie(c, cookiePending, "/login")
	if err := w.openSession(c, u); err != nil {
		return err
	}
	next := pend.Next
	if next == "/" {
		next = homeOf(u)
	}
	return w.seeOther(c, next, "login.welcome")
}

// logout: POST /logout ends the staff session (revoked for good), or the complainant's.
func (w *Web) logout(c *fiber.Ctx) error {
	r := w.req(c)
	if r.User != nil {
		if err := w.SignIn.Revoke(c.UserContext(), r.Session, r.User.ID); err != nil {
			return err
		}
	}
	w.clearCookie(c, cookieStaff, "/")
	w.clearCookie(c, cookiePending, "/login")
	w.clearCookie(c, cookieCase, "/")
	w.clearCookie(c, cookieReceipt, "/complaints/receipt")
	r.Session, r.caseToken = uuid.Nil, ""
	w.rotateCSRF(c)
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
