package frontend

import (
	"net/url"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/logx"
	"github.com/redresshq/redress/internal/platform/textcheck"
)

// caseScoped reports whether path names one case (/cases/:id…): its staff
// are admitted only on a ground internal/access gives them, else 404.
func caseScoped(path string) bool { return httpkit.CaseScoped("/cases/:id", path) }

var (
	caseWorkers = auth.CaseWorkers
	claimers    = auth.Claimers
	supervisors = auth.Supervisors
	admins      = auth.Admins
)

// routes is the one table of pages; each part of the site adds its own.
func (w *Web) routes() []httpkit.Route {
	r := []httpkit.Route{
		{Method: fiber.MethodGet, Path: "/lang/:code", Access: httpkit.Public, Handler: w.SwitchLanguage},
		{Method: fiber.MethodGet, Path: "/login", Access: httpkit.Public, Handler: w.loginPage},
		{Method: fiber.MethodPost, Path: "/login", Access: httpkit.Public, Handler: w.login, Throttle: w.loginThrottle},
		{Method: fiber.MethodPost, Path: "/logout", Access: httpkit.Public, Handler: w.logout},
	}
	r = append(r, w.accountRoutes()...)
	r = append(r, w.complainant.Routes()...)
	r = append(r, w.staffRoutes()...)
	r = append(r, w.dashboard.Routes()...)
	r = append(r, w.admin.Routes()...)
	r = append(r, w.portal.Routes()...)
	return r
}

// chain is a route's handlers: the request's language and CSRF check, who
// may see it, then the handler, whose errors become HTML pages.
func (w *Web) chain(r httpkit.Route) []fiber.Handler {
	chain := []fiber.Handler{w.Begin, w.CheckCSRF}
	if r.OwnCSRF {
		chain[1] = w.CrossSite
	}
	switch r.Access {
	case httpkit.Complainant:
		chain = append(chain, w.requireCase)
	case httpkit.Staff:
		chain = append(chain, w.requireUser(r.Roles, false))
		if caseScoped(r.Path) {
			chain = append(chain, w.htmlErrors(w.caseAccess(r.Method+" "+r.Path, r.Case.Kind, r.Case.Looks)))
		}
	case httpkit.Enrolling:
		chain = append(chain, w.requireUser(r.Roles, true))
	}
	chain = append(chain, w.textGate)
	if r.Throttle != nil {
		chain = append(chain, w.htmlErrors(r.Throttle))
	}
	return append(chain, w.htmlErrors(r.Handler))
}

// textGate is the pages' input gate (internal/platform/textcheck, as the
// API's): a query parameter or form field holding a control character, a
// direction override or bytes that are not UTF-8 is answered 422 with a page
// naming the field, before any handler reads it.
func (w *Web) textGate(c *fiber.Ctx) error {
	field, found := textcheck.Request(c.Request())
	if !found {
		return c.Next()
	}
	r := w.Req(c)
	label := field
	if id := "field." + field; r.Has(id) {
		label = r.T(id)
	}
	ep := kit.ErrorPage{Status: fiber.StatusUnprocessableEntity, Code: textcheck.Code,
		Message: r.T("error.invalid_text.page", "Field", label), RequestID: logx.RequestID(c.UserContext())}
	return w.Render(c, ep.Status, "pages/error", "error.title.422", &kit.Page{Data: ep})
}

// ErrorPage answers err as an HTML page when it came before any page's
// handler ran (a body over its limit: 413): the app's error handler calls
// it for the pages' paths.
func (w *Web) ErrorPage(c *fiber.Ctx, err error) error {
	if w.Req(c) == nil {
		w.Setup(c)
	}
	return w.RenderError(c, err)
}

// htmlErrors answers an error from h as an HTML page, never as JSON.
func (w *Web) htmlErrors(h fiber.Handler) fiber.Handler {
	return func(c *fiber.Ctx) error {
		if err := h(c); err != nil {
			return w.RenderError(c, err)
		}
		return nil
	}
}

// requireUser admits a signed-in staff or body user holding one of roles; others
// are sent to sign in, or shown 403. A session restricted to turning on the
// second factor is sent to that page, unless enrolling.
func (w *Web) requireUser(roles []auth.Role, enrolling bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		r := w.Req(c)
		u := r.User
		if u == nil {
			return c.Redirect("/login?next="+url.QueryEscape(kit.SafeNext(c.OriginalURL())), fiber.StatusSeeOther)
		}
		if r.Restricted && !enrolling {
			return w.SeeOther(c, auth.TwoFactorPage, "tf.required_first")
		}
		if !slices.Contains(roles, u.Role) {
			return w.RenderError(c, fault.New(fault.Forbidden, "forbidden", "Your role does not allow this."))
		}
		return c.Next()
	}
}

// caseAccess admits a staff user to the case named by :id only on a ground
// internal/access gives them, recording the looks the page shows; else the
// case does not exist for them (404). A page of kind access.Works is refused
// (403 not_your_case) to whoever may see the case but not act on it: a
// reviewer of its queue who has not taken it, an admin who broke the glass.
func (w *Web) caseAccess(route string, kind access.Kind, looks []access.What) fiber.Handler {
	method, path, _ := strings.Cut(route, " ")
	gate := access.NewGate(method, path, kind, looks)
	return func(c *fiber.Ctx) error {
		id, err := uuid.Parse(c.Params("id"))
		if err != nil {
			return c.Next() // not a case id: the handler names the error
		}
		g, err := w.Access.Admit(c.UserContext(), httpkit.Viewer(c), gate, id, c.Params("eid"))
		if err != nil {
			return err
		}
		httpkit.SetGround(c, g)
		return c.Next()
	}
}

// requireCase admits a complainant signed in to their case.
func (w *Web) requireCase(c *fiber.Ctx) error {
	if w.Req(c).CaseID == nil {
		w.Flash(c, "followup.signin_first")
		return c.Redirect("/follow-up", fiber.StatusSeeOther)
	}
	return c.Next()
}
