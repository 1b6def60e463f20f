// Package api is Redress's JSON API on Fiber. Handlers are thin: they parse,
// call the domain and let errors.go map what the domain returns.
package api

import (
	"context"
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
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/content"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/notify"
	"github.com/redresshq/redress/internal/organisation"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/registry"
	"github.com/redresshq/redress/internal/review"
	"github.com/redresshq/redress/internal/routing"
	"github.com/redresshq/redress/internal/stats"
	"github.com/redresshq/redress/internal/systemic"
)

// Deps are what the API needs.
type Deps struct {
	Log                 *slog.Logger
	Grievance           *grievance.Service
	Audit               *audit.Log      // the case records
	Outbox              *outbox.Service // dead letters
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
	BodyLimit           int
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
	// Uploads are the pages' upload routes, which get the evidence body
	// limit as the API's own do (see bodylimit.go).
	Uploads []Upload
	// Views renders the HTML pages Mount adds (nil: no pages).
	Views fiber.Views
	// PageError answers an error that came before any page's handler ran
	// (a form's body over its limit) as an HTML page (nil: as JSON).
	PageError func(c *fiber.Ctx, err error) error
	// Mount, when set, adds more routes (the HTML frontend) to the app.
	Mount func(app *fiber.App)
}

// API holds the handlers.
type API struct {
	Deps
	metrics        *prometheus.Registry
	reqs           *prometheus.HistogramVec
	signInThrottle fiber.Handler
}

// New builds the Fiber app with every route of the route table.
func New(d Deps) *fiber.App {
	a := &API{Deps: d, metrics: d.Metrics}
	if a.metrics == nil {
		a.metrics = prometheus.NewRegistry()
	}
	uploads := append(slices.Clone(uploadRoutes), d.Uploads...)
	a.reqs = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "redress_http_request_duration_seconds", Help: "HTTP requests by route and status.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "route", "status"})
	a.metrics.MustRegister(a.reqs, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	a.metrics.MustRegister(d.Collectors...)

	app := fiber.New(fiber.Config{
		AppName:               "redress",
		BodyLimit:             d.BodyLimit,
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           60 * time.Second,
		ReadBufferSize:        16 << 10,
		DisableStartupMessage: true,
		ErrorHandler:          withPages(errorHandler(d.Log, uploads), d.PageError),
		Views:                 d.Views,
		// Multipart bodies stay raw in memory for the handler to read
		// part by part: fasthttp's own parsing would spill large files,
		// unencrypted, into temporary files.
		DisablePreParseMultipartForm: true,
	})
	// Upload routes alone may send bodies over BodyLimit (bodylimit.go).
	app.Server().HeaderReceived = headerReceived(uploads)
	app.Use(middleware.RequestID(), middleware.AccessLog(d.Log, a.observe),
		recover.New(), middleware.SecurityHeaders())

	app.Get("/livez", func(c *fiber.Ctx) error { return c.JSON(fiber.Map{"status": "ok"}) })
	app.Get("/readyz", a.ready)
	app.Get("/api/openapi.yaml", a.openapi)

	a.signInThrottle = d.SignInThrottle
	if a.signInThrottle == nil {
		a.signInThrottle = middleware.NewSignInThrottle(middleware.ThrottleOptions{Log: d.Log}).Handler()
	}
	lookup := func(c *fiber.Ctx, sid, id uuid.UUID, extra *auth.Extra) (*auth.Live, error) {
		return d.SignIn.Live(c.UserContext(), sid, id, extra)
	}
	for _, r := range a.routes() {
		var chain []fiber.Handler
		switch r.access {
		case complainant:
			chain = append(chain, middleware.Complainant(d.Tokens))
		case staff:
			if caseScoped(r.path) {
				u := r.use
				if u == nil {
					u = &use{} // no kind: access.NewGate names the route and panics
				}
				chain = append(chain, middleware.StaffCase(d.Tokens, lookup, r.roles,
					d.Access, r.method+" "+r.path, u.kind, u.looks, "evidence_id"))
			} else {
				chain = append(chain, middleware.Staff(d.Tokens, lookup, r.roles))
			}
		case enrolling:
			chain = append(chain, middleware.Enrolling(d.Tokens, lookup, r.roles))
		}
		chain = append(chain, textGate)
		if r.throttle != nil {
			chain = append(chain, r.throttle)
		}
		app.Add(r.method, r.path, append(chain, r.handler)...)
	}
	// An API path no route took: 405 with Allow, or the API's 404 (methods.go).
	app.Use(methodNotAllowed(app))
	if d.Mount != nil {
		d.Mount(app)
	}
	return app
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
