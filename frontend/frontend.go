// Package frontend is Redress's web: server-rendered HTML pages for
// complainants, staff and independent bodies, on the same Fiber app and the
// same domain services as the JSON API. Templates, catalogues and static
// files are embedded here, once, and handed to the page kit (frontend/kit);
// every page works with JavaScript off. The administrators' pages, the
// dashboard, the bodies' portal and the complainant's pages are packages of
// their own (frontend/admin, frontend/dashboard, frontend/portal,
// frontend/complainant) and so is the staff's case workspace
// (frontend/staffcase); this package keeps the staff's queue, sign-in and
// the account pages, and joins every part's route table (Mount). It owns no table and no event.
package frontend

import (
	"embed"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/frontend/admin"
	"github.com/redresshq/redress/frontend/complainant"
	"github.com/redresshq/redress/frontend/dashboard"
	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/frontend/portal"
	"github.com/redresshq/redress/frontend/staffcase"
	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/casecopy"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/content"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/incident"
	"github.com/redresshq/redress/internal/notify"
	"github.com/redresshq/redress/internal/organisation"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/seal"
	"github.com/redresshq/redress/internal/registry"
	"github.com/redresshq/redress/internal/remedy"
	"github.com/redresshq/redress/internal/retention"
	"github.com/redresshq/redress/internal/review"
	"github.com/redresshq/redress/internal/routing"
	"github.com/redresshq/redress/internal/stats"
	"github.com/redresshq/redress/internal/systemic"
)

//go:embed templates locales static
var files embed.FS

// catalogues are files' message catalogues, parsed once per process: they
// cannot change while it runs, and parsing them was most of New's work (the
// tests make a Web per stack).
var catalogues = sync.OnceValues(func() (*kit.Catalogues, error) { return kit.LoadCatalogues(files) })

// Deps are the services the pages use: the same ones the API has.
type Deps struct {
	Log        *slog.Logger
	Grievance  *grievance.Service
	Remedy     *remedy.Service   // remedies of a case or a systemic issue
	Incident   *incident.Service // serious incidents and their tasks
	Decision   *decision.Service // triage, deciding, approving and appealing
	Evidence   *evidence.Service // the cases' files
	Audit      *audit.Log        // the case records
	Registry   *registry.Registry
	Users      *auth.Users
	Tokens     *auth.Tokens
	SignIn     *auth.SignIn // sessions, second factors, sign-in policies
	Routing    *routing.Service
	Review     *review.Service
	Clocks     *clocks.Service
	Notify     *notify.Notifier
	Systemic   *systemic.Service
	Stats      *stats.Service
	Escalation *escalation.Service
	// Retention: schedules, legal holds, the complainant's request for
	// erasure (issue 19).
	Retention *retention.Service
	// Keys seal what a cookie carries across a redirect (the receipt).
	Keys *seal.Keyring
	// SignInThrottle limits sign-ins per account, shared with the API's
	// token route (api/middleware.SignInThrottle).
	SignInThrottle fiber.Handler
	// CSRFKey signs the forms' CSRF tokens; CSRFPreviousKey still verifies them.
	CSRFKey, CSRFPreviousKey []byte
	ComplainantTokenTTL      time.Duration
	StaffTokenTTL            time.Duration
	// TimeZone is the organisation's, in which the pages show times
	// (REDRESS_TIME_ZONE); nil is UTC.
	TimeZone *time.Location
	// Content gives the register's and the bodies' words in the reader's language.
	Content *content.Service
	// Access decides who may see a case and records each look (need to know).
	Access *access.Service
	// PublicURL is the site's address as people reach it, printed on the
	// code's PDF (empty: the request's own).
	PublicURL string
	// Organisation is who runs the mechanism: the public pages say so.
	Organisation *organisation.Service
}

// Web holds the page handlers, on the shared page kit.
type Web struct {
	Deps
	*kit.Kit
	admin       *admin.Pages
	dashboard   *dashboard.Pages
	portal      *portal.Pages
	complainant *complainant.Pages
	staffcase   *staffcase.Pages
}

// New loads the templates, the catalogues and the static files.
func New(d Deps) (*Web, error) {
	if d.SignInThrottle == nil {
		return nil, fmt.Errorf("frontend: a sign-in throttle is required")
	}
	cat, err := catalogues()
	if err != nil {
		return nil, err
	}
	k, err := kit.New(kit.Config{Log: d.Log, Files: files, Catalogues: cat, Tokens: d.Tokens, SignIn: d.SignIn, Keys: d.Keys,
		CSRFKey: d.CSRFKey, CSRFPreviousKey: d.CSRFPreviousKey, TimeZone: d.TimeZone, Organisation: d.Organisation, PublicURL: d.PublicURL, Roots: roots})
	if err != nil {
		return nil, err
	}
	adm := admin.New(admin.Deps{Users: d.Users, Registry: d.Registry, Systemic: d.Systemic, Content: d.Content,
		Review: d.Review, Clocks: d.Clocks, Escalation: d.Escalation, Routing: d.Routing, Access: d.Access, Retention: d.Retention}, k)
	cp := complainant.New(complainant.Deps{Grievance: d.Grievance, Decision: d.Decision, Remedy: d.Remedy, Evidence: d.Evidence,
		Registry: d.Registry, Clocks: d.Clocks, Escalation: d.Escalation, Content: d.Content, Access: d.Access,
		Retention: d.Retention, ComplainantTokenTTL: d.ComplainantTokenTTL}, k)
	sc := staffcase.New(staffcase.Deps{Grievance: d.Grievance, Remedy: d.Remedy, Incident: d.Incident,
		Decision: d.Decision, Evidence: d.Evidence, Audit: d.Audit, Users: d.Users, Review: d.Review,
		Escalation: d.Escalation, Access: d.Access, Retention: d.Retention}, k)
	return &Web{Deps: d, Kit: k, admin: adm, dashboard: dashboard.New(d.Registry, d.Stats, k),
		portal: portal.New(d.Escalation, k), complainant: cp, staffcase: sc}, nil
}

// Words are the catalogues in lang, for what is written outside a page:
// the complainant's copy of their case, which the API serves too.
func (w *Web) Words(lang string) casecopy.Words { return w.I18n.Translator(lang, nil) }

// Views is the template engine, for the Fiber app's configuration.
func (w *Web) Views() fiber.Views { return w.Engine() }

// Uploads are the pages' upload routes, for the app's body limits: a page's
// form that uploads evidence may send a body as large as the API's uploads,
// plus Extra bytes, when the request carries Cookie, its session.
func (w *Web) Uploads() []httpkit.Upload {
	return append(w.staffcase.Uploads(), w.complainant.Uploads()...)
}

// Mount adds every page's route to app.
func (w *Web) Mount(app *fiber.App) {
	app.Get("/static/:file", w.Assets.Serve)
	for _, r := range w.routes() {
		app.Add(r.Method, r.Path, w.chain(r)...)
	}
	// Last: a page nothing answered is an HTML 404, but for the API's paths.
	app.Use(func(c *fiber.Ctx) error {
		if p := c.Path(); strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/.well-known/") {
			return fiber.ErrNotFound
		}
		return c.Next()
	}, w.Begin, func(c *fiber.Ctx) error {
		return w.RenderError(c, fault.New(fault.NotFound, "not_found", "There is nothing here."))
	})
}
