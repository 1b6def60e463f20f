package frontend

import (
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/platform/fault"
)

// access says who may open a page.
type access int

const (
	public      access = iota // anyone
	complainant               // a complainant signed in to their case (follow-up)
	staff                     // a staff or body user whose role is in roles
	// enrolling is staff that also admits a session restricted to turning
	// on the second factor the user's role requires (the account pages).
	enrolling
)

type route struct {
	method, path string
	access       access
	roles        []string
	handler      fiber.Handler
	throttle     fiber.Handler // optional, runs before the handler
	// ownCSRF: the handler checks the CSRF token itself, from a body the
	// middleware must not parse (a multipart upload read part by part).
	ownCSRF bool
}

var (
	caseWorkers = auth.CaseWorkers
	claimers    = auth.Claimers
	supervisors = auth.Supervisors
	admins      = auth.Admins
	bodyUsers   = auth.BodyUsers
)

// routes is the one table of pages; each part of the site adds its own.
func (w *Web) routes() []route {
	r := []route{
		{method: fiber.MethodGet, path: "/lang/:code", access: public, handler: w.switchLanguage},
		{method: fiber.MethodGet, path: "/login", access: public, handler: w.loginPage},
		{method: fiber.MethodPost, path: "/login", access: public, handler: w.login, throttle: w.SignInThrottle},
		{method: fiber.MethodPost, path: "/logout", access: public, handler: w.logout},
	}
	r = append(r, w.accountRoutes()...)
	r = append(r, w.complainantRoutes()...)
	r = append(r, w.staffRoutes()...)
	r = append(r, w.dashboardRoutes()...)
	r = append(r, w.adminRoutes()...)
	r = append(r, w.bodyRoutes()...)
	return r
}

// chain is a route's handlers: the request's language and CSRF check, who
// may see it, then the handler, whose errors become HTML pages.
func (w *Web) chain(r route) []fiber.Handler {
	chain := []fiber.Handler{w.begin, w.csrf}
	if r.ownCSRF {
		chain[1] = w.crossSite
	}
	switch r.access {
	case complainant:
		chain = append(chain, w.requireCase)
	case staff:
		chain = append(chain, w.requireUser(r.roles, false))
	case enrolling:
		chain = append(chain, w.requireUser(r.roles, true))
	}
	if r.throttle != nil {
		chain = append(chain, w.htmlErrors(r.throttle))
	}
	return append(chain, w.htmlErrors(r.handler))
}

// htmlErrors answers an error from h as an HTML page, never as JSON.
func (w *Web) htmlErrors(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := h(c); err != nil {
			return w.renderError(c, err)
		}
		return nil
	}
}

// requireUser admits a signed-in staff or body user holding one of roles; others
// are sent to sign in, or shown 403. A session restricted to turning on the
// second factor is sent to that page, unless enrolling.
func (w *Web) requireUser(roles []string, enrolling bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		r := w.req(c)
		u := r.User
		if u == nil {
			return c.Redirect("/login?next="+url.QueryEscape(safeNext(c.OriginalURL())), fiber.StatusSeeOther)
		}
		if r.Restricted && !enrolling {
			return w.seeOther(c, auth.TwoFactorPage, "tf.required_first")
		}
		if !slices.Contains(roles, u.Role) {
			return w.renderError(c, fault.New(fault.Forbidden, "forbidden", "Your role does not allow this."))
		}
		return c.Next()
	}
}

// requireCase admits a complainant signed in to their case.
func (w *Web) requireCase(c *fiber.Ctx) error {
	if w.req(c).CaseID == nil {
		w.flash(c, "followup.signin_first")
		return c.Redirect("/follow-up", fiber.StatusSeeOther)
	}
	return c.Next()
}

// safeNext keeps a redirect target on this site: a path, never a scheme or
// another host.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}
