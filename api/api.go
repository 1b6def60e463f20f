// Package api is Redress's JSON API on Fiber. Handlers are thin: they parse,
// call the domain and let errors.go map what the domain returns.
package api

import (
	"context"
	"github.com/redresshq/redress/internal/retention"
	"log/slog"
	"slices"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"
	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/redresshq/redress/api/middleware"
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
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/registry"
	"github.com/redresshq/redress/internal/remedy"
	"github.com/redresshq/redress/internal/review"
	"github.com/redresshq/redress/internal/routing"
	"github.com/redresshq/redress/internal/stats"
	"github.com/redresshq/redress/internal/systemic"
)

// Deps are what the API needs.
type Deps struct {
	Log                 *slog.Logger
	Grievance           *grievance.Service
	Remedy              *remedy.Service    // remedies of a case or a systemic issue
	Incident            *incident.Service  // serious incidents and their tasks
	Decision            *decision.Service  // triage, deciding, approving and appealing
	Evidence            *evidence.Service  // the cases' files
	Audit               *audit.Log         // the case records
	Outbox              *outbox.Service    // dead letters
	Retention           *retention.Service // schedules, legal holds, erasure
	Registry            *registry.Registry
	Users               *auth.Users
	Tokens              *auth.Tokens
	SignIn              *auth.SignIn // sessions, second factors, sign-in policies
	Routing             *routing.Service
	Review              *review.Service
	Clocks              *clocks.Service
	Notify              *notify.Notifier // webhook endpoints and their delivery log
	Systemic            *systemic.Service
	Stats               *stats.Service
	Escalation          *escalation.Service   // bodies, referrals, the bodies' portal
	Content             *content.Service      // the register's and bodies' words in other languages
	Access              *access.Service       // who may see a case (need to know), the access log
	Organisation        *organisation.Service // who runs the mechanism
	TimeZone            *time.Location        // the organisation's, for the access log's dates (nil: UTC)
	ComplainantTokenTTL time.Duration
	StaffTokenTTL       time.Duration
	// Metrics is the registry the app records its requests in; it is
	// served on an operations port of its own (REDRESS_METRICS_ADDR), never
	// on the app's (nil: a registry of the app's own, served nowhere).
	Metrics *prometheus.Registry
	// Checks are run by /readyz (Postgres); each names itself, and the API
	// is ready only when every one passes.
	Checks map[string]func(context.Context) error
	// Details are run by /readyz too and reported ("down" when one fails),
	// but readiness does not depend on them: NATS, which intake does not
	// need (the outbox holds the events until the relay can publish them).
	Details map[string]func(context.Context) error
	// SignInThrottle limits sign-ins per account and per source; shared
	// with the pages' sign-in form (nil: a throttle of the API's own,
	// counting in memory).
	SignInThrottle fiber.Handler
	// Collectors are more metrics for /metrics (redress_nats_connected,
	// the sign-in throttle's).
	Collectors []prometheus.Collector

	// Words are the site's catalogues in a language, for the complainant's
	// copy of their case as a PDF (the pages' catalogues, frontend/locales).
	Words func(lang string) casecopy.Words
}

// uploadRoutes are the API's own upload routes.
var uploadRoutes = []httpkit.Upload{
	{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/evidence"},
	{Method: fiber.MethodPost, Path: "/api/v1/complainant/case/evidence"},
}

// API holds the handlers.
type API struct {
	Deps
	metrics        *prometheus.Registry
	reqs           *prometheus.HistogramVec
	signInThrottle fiber.Handler
}

// New makes the API's handlers on d's services. internal/app builds the one
// server and registers them on it (Register), beside the pages.
func New(d Deps) *API {
	a := &API{Deps: d, metrics: d.Metrics}
	if a.metrics == nil {
		a.metrics = prometheus.NewRegistry()
	}
	a.reqs = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "redress_http_request_duration_seconds", Help: "HTTP requests by route and status.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "route", "status"})
	a.metrics.MustRegister(a.reqs, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.metrics.MustRegister(d.Collectors...)
	a.signInThrottle = d.SignInThrottle
	if a.signInThrottle == nil {
		a.signInThrottle = middleware.NewSignInThrottle(middleware.ThrottleOptions{Log: d.Log}).Handler()
	}
	return a
}

// Uploads are the API's upload routes, for the server's body limits.
func Uploads() []httpkit.Upload { return slices.Clone(uploadRoutes) }

// ErrorHandler answers an error as problem+json (errors.go); uploads are
// every upload route of the server, for a 413's detail.
func (a *API) ErrorHandler(uploads []httpkit.Upload) fiber.ErrorHandler {
	return errorHandler(a.Log, uploads)
}

// Middleware is what every request of the server passes first: its request
// id, the access log and the request metrics, panic recovery, and the
// security headers.
func (a *API) Middleware() []any {
	return []any{middleware.RequestID(), middleware.AccessLog(a.Log, a.observe),
		recover.New(), middleware.SecurityHeaders()}
}

// Register adds to app the health checks, the spec, every route of the
// route table, and last the API's catch-all: an API path no route took is
// 405 with Allow, or the API's 404 (methods.go).
func (a *API) Register(app *fiber.App) {
	app.Get("/livez", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	app.Get("/readyz", a.ready)
	app.Get("/api/openapi.yaml", a.openapi)

	d := a.Deps
	lookup := func(c *fiber.Ctx, sid, id uuid.UUID, extra *auth.Extra) (*auth.Live, error) {
		return d.SignIn.Live(c.UserContext(), sid, id, extra)
	}
	for _, r := range a.routes() {
		var chain []fiber.Handler
		switch r.Access {
		case httpkit.Complainant:
			chain = append(chain, middleware.Complainant(d.Tokens))
		case httpkit.Staff:
			if caseScoped(r.Path) {
				// A route without its Use has no kind: access.NewGate names it and panics.
				chain = append(chain, middleware.StaffCase(d.Tokens, lookup, r.Roles,
					d.Access, r.Method+" "+r.Path, r.Case.Kind, r.Case.Looks, "evidence_id"))
			} else {
				chain = append(chain, middleware.Staff(d.Tokens, lookup, r.Roles))
			}
		case httpkit.Enrolling:
			chain = append(chain, middleware.Enrolling(d.Tokens, lookup, r.Roles))
		}
		chain = append(chain, textGate)
		if r.Throttle != nil {
			chain = append(chain, r.Throttle)
		}
		app.Add(r.Method, r.Path, append(chain, r.Handler)...)
	}
	app.Use(methodNotAllowed(app))
}

func (a *API) observe(method, route string, status int, d time.Duration) {
	a.reqs.WithLabelValues(method, route, strconv.Itoa(status)).Observe(d.Seconds())
}

// Metrics is the registry the app records in, for other parts to add to.
func (a *API) Metrics() *prometheus.Registry { return a.metrics }

func (a *API) ready(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(c.UserContext(), 3*time.Second)
	defer cancel()
	out := fiber.Map{}
	ok := true
	for name, check := range a.Checks {
		if err := check(ctx); err != nil {
			ok = false
			out[name] = err.Error()
		} else {
			out[name] = "ok"
		}
	}
	for name, check := range a.Details {
		if err := check(ctx); err != nil {
			out[name] = "down"
		} else {
			out[name] = "ok"
		}
	}
	if !ok {
		return c.Status(fiber.StatusServiceUnavailable).JSON(fiber.Map{"status": "unavailable", "checks": out})
	}
	return c.JSON(fiber.Map{"status": "ok", "checks": out})
}
