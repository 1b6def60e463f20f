// Package app is the composition root: it builds the services from the
// configuration and hands them to the HTTP API and the worker. Only cmd/ and
// tests import it.
package app

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"gorm.io/gorm"

	"github.com/redresshq/redress/api"
	"github.com/redresshq/redress/api/middleware"
	"github.com/redresshq/redress/frontend"
	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/content"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/incident"
	"github.com/redresshq/redress/internal/keystore"
	"github.com/redresshq/redress/internal/notify"
	"github.com/redresshq/redress/internal/organisation"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/config"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/natsx"
	"github.com/redresshq/redress/internal/platform/seal"
	"github.com/redresshq/redress/internal/registry"
	"github.com/redresshq/redress/internal/remedy"
	"github.com/redresshq/redress/internal/retention"
	"github.com/redresshq/redress/internal/review"
	"github.com/redresshq/redress/internal/routing"
	"github.com/redresshq/redress/internal/stats"
	"github.com/redresshq/redress/internal/systemic"
	"github.com/redresshq/redress/worker"
)

// Core holds the services shared by serve and work.
type Core struct {
	Config *config.Config
	Log    *slog.Logger
	DB     *gorm.DB
	// Keys seals with the master keys, and a case's values with its data key.
	Keys *seal.Keyring
	// Keystore: the cases' data keys (erasure, re-wrapping).
	Keystore  *keystore.Store
	Registry  *registry.Registry
	Users     *auth.Users
	Tokens    *auth.Tokens
	SignIn    *auth.SignIn // sessions, second factors, sign-in policies
	Grievance *grievance.Service
	// Incident: serious incidents and their tasks.
	Incident *incident.Service
	// Decision: triage, deciding, approving and appealing.
	Decision *decision.Service
	// Evidence: the cases' files.
	Evidence *evidence.Service
	// Remedy: remedies of a case or a systemic issue, restitution exemptions.
	Remedy   *remedy.Service
	Routing  *routing.Service
	Review   *review.Service
	Clocks   *clocks.Service
	Notify   *notify.Notifier
	Systemic *systemic.Service
	Stats    *stats.Service
	// Escalation: independent bodies, referrals and the bodies' portal.
	Escalation *escalation.Service
	// Content: the register's and the bodies' words in other languages.
	Content *content.Service
	// Retention: schedules, legal holds, erasure (issue 19).
	Retention *retention.Service
	// Access: who may see a case, and the access log (need to know).
	Access *access.Service
	// Organisation: who runs the mechanism (config defaults, an admin's settings).
	Organisation *organisation.Service
	// Audit: the case records, as the edges read them.
	Audit *audit.Log
	// Outbox: the dead letters, as admins list and replay them.
	Outbox *outbox.Service
	// Metrics is the registry of the last app HTTP built, which
	// MetricsHandler serves on the operations port (REDRESS_METRICS_ADDR).
	Metrics *prometheus.Registry
	// TuneThrottle, when set, changes the sign-in throttle's options
	// before HTTP builds it (tests: a clock, a longer backoff).
	TuneThrottle func(*middleware.ThrottleOptions)
}

// NewCore opens the database and builds the services.
func NewCore(ctx context.Context, cfg *config.Config, log *slog.Logger) (*Core, error) {
	keys, err := seal.NewKeyring(cfg.EncryptionKeys, cfg.EncryptionKeyID)
	if err != nil {
		return nil, err
	}
	gdb, err := db.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		return nil, err
	}
	return FromDB(cfg, log, gdb, keys), nil
}

// FromDB builds the services on an open database.
func FromDB(cfg *config.Config, log *slog.Logger, gdb *gorm.DB, keys *seal.Keyring) *Core {
	ks := keystore.New(gdb, keys)
	keys = keys.WithCaseKeys(ks)
	reg := registry.New(gdb)
	clk := clocks.New(gdb, log, escalation.RequestOnBreach)
	inc := incident.NewService(gdb, keys, clk)
	ev := evidence.NewService(gdb, keys)
	// remedy moves a case through grievance, which is built with remedy.
	var g *grievance.Service
	rem := remedy.NewService(gdb, keys, clk, ev, func(tx *gorm.DB, caseID uuid.UUID, by cases.Actor,
		to cases.Status, extra map[string]any) error {
		return g.MoveCase(tx, caseID, by, to, extra)
	})
	g = grievance.NewService(gdb, keys, ks, cfg.ReceiptSecret, reg, clk, inc, ev, rem)
	c := &Core{
		Config: cfg, Log: log, DB: gdb, Keys: keys, Keystore: ks, Registry: reg,
		Users: auth.NewUsers(gdb, auth.PasswordCost{MemoryKiB: cfg.PasswordHash.MemoryKiB, Time: cfg.PasswordHash.Time,
			Threads: cfg.PasswordHash.Threads}),
		Tokens:    auth.NewTokens(cfg.JWTSecret, cfg.JWTSecretPrevious),
		SignIn:    auth.NewSignIn(gdb, keys, cfg.JWTSecret, cfg.JWTSecretPrevious),
		Grievance: g,
		Decision:  decision.NewService(gdb, keys, clk, tellComplainant(g), g.Move, g.CheckBurden),
		Remedy:    rem,
		Evidence:  ev,
		Incident:  inc,
		Routing:   routing.New(gdb, clk),
		Review:    review.New(gdb),
		Clocks:    clk,
		Systemic:  systemic.New(gdb),
		Stats:     stats.New(gdb),
		Content:   content.New(gdb),
		Access:    access.New(gdb),
		Audit:     audit.NewLog(gdb),
		Outbox:    outbox.New(gdb),
		Organisation: organisation.New(gdb, organisation.Defaults{LegalName: cfg.Organisation.LegalName,
			Address: cfg.Organisation.Address, Jurisdiction: cfg.Organisation.Jurisdiction, Contact: cfg.Organisation.Contact}),
	}
	c.Retention = retention.New(gdb, keys, ks, g.MoveCase)
	c.UseNotifier(notify.New(c.NotifyOptions()))
	return c
}

// UseNotifier makes n the notifier, and the escalation service's way to
// bodies' webhooks.
func (c *Core) UseNotifier(n *notify.Notifier) {
	c.Notify = n
	c.Escalation = escalation.New(escalation.Options{DB: c.DB, Keys: c.Keys, Cases: c.Grievance, Endpoints: n,
		Webhooks: n, Clocks: c.Clocks, PublicURL: c.Config.PublicURL, Organisation: c.Organisation, Log: c.Log})
}

// NotifyOptions are the notifier's options from the configuration: an SMTP
// mailer when REDRESS_SMTP_URL is set (else emails are logged as skipped).
func (c *Core) NotifyOptions() notify.Options {
	return notify.Options{DB: c.DB, Keys: c.Keys, Cases: c.Grievance, Mailer: mailer(c.Config, c.Log),
		PublicURL: c.Config.PublicURL, Log: c.Log, Attachments: c.bodyAttachments}
}

// bodyAttachments gives a body's email its signed files (the escalation
// service is made after the notifier it uses).
func (c *Core) bodyAttachments(ctx context.Context, referralID, document string) ([]notify.Attachment, error) {
	return c.Escalation.Attachments(ctx, referralID, document)
}

// mailer is the SMTP mailer REDRESS_SMTP_URL names, or nil. The URL was
// validated with the configuration.
func mailer(cfg *config.Config, log *slog.Logger) notify.Mailer {
	if cfg.SMTPURL == "" {
		return nil
	}
	m, err := notify.NewSMTP(cfg.SMTPURL, cfg.SMTPFrom)
	if err != nil {
		log.Error("emails will not be sent", "err", err)
		return nil
	}
	return m
}

// Web builds the HTML pages on the same services as the API, sharing its
// sign-in throttle.
func (c *Core) Web(signIns fiber.Handler) (*frontend.Web, error) {
	return frontend.New(frontend.Deps{
		Log: c.Log, Grievance: c.Grievance, Remedy: c.Remedy, Incident: c.Incident, Decision: c.Decision, Evidence: c.Evidence, Audit: c.Audit, Registry: c.Registry, Users: c.Users, Tokens: c.Tokens, SignIn: c.SignIn,
		Routing: c.Routing, Review: c.Review, Clocks: c.Clocks, Notify: c.Notify, Systemic: c.Systemic, Stats: c.Stats,
		Escalation: c.Escalation, Retention: c.Retention, Keys: c.Keys, CSRFKey: csrfKey(c.Config.JWTSecret), CSRFPreviousKey: csrfKey(c.Config.JWTSecretPrevious), SignInThrottle: signIns,
		ComplainantTokenTTL: c.Config.ComplainantTokenTTL, StaffTokenTTL: c.Config.StaffTokenTTL,
		TimeZone: c.Config.TimeZone, Content: c.Content, Access: c.Access,
		PublicURL: c.Config.PublicURL, Organisation: c.Organisation,
	})
}

// csrfKey is the pages' CSRF key derived from a token secret (nil for none).
func csrfKey(secret []byte) []byte {
	if len(secret) == 0 {
		return nil
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("redress web csrf key"))
	return m.Sum(nil)
}

// HTTP builds the Fiber app, the JSON API and the HTML pages. Readiness
// (/readyz) depends on PostgreSQL only: intake writes its events to the
// outbox, which needs no NATS. nc (may be nil) is reported in /readyz's
// detail and as the gauge redress_nats_connected.
func (c *Core) HTTP(nc *nats.Conn, js jetstream.JetStream) (*fiber.App, error) {
	worker.AnnounceCommits(c.DB, nc) // the relays claim what a request commits at once
	signIns := c.SignInThrottle(js)
	web, err := c.Web(signIns.Handler())
	if err != nil {
		return nil, err
	}
	checks := map[string]func(context.Context) error{
		"postgres": func(ctx context.Context) error { return db.SQL(c.DB).PingContext(ctx) },
	}
	details := map[string]func(context.Context) error{}
	var collectors []prometheus.Collector
	if js != nil {
		details["nats"] = func(ctx context.Context) error {
			if nc != nil && !nc.IsConnected() {
				return fmt.Errorf("not connected")
			}
			return natsx.Ping(ctx, js)
		}
	}
	if nc != nil {
		collectors = append(collectors, natsx.ConnectedGauge(nc))
	}
	c.Metrics = prometheus.NewRegistry()
	a := api.New(api.Deps{
		Outbox: c.Outbox, Retention: c.Retention, Log: c.Log, Grievance: c.Grievance, Remedy: c.Remedy, Incident: c.Incident, Decision: c.Decision, Evidence: c.Evidence, Audit: c.Audit, Registry: c.Registry, Users: c.Users, Tokens: c.Tokens, SignIn: c.SignIn,
		Routing: c.Routing, Review: c.Review, Clocks: c.Clocks, Notify: c.Notify, Systemic: c.Systemic, Stats: c.Stats,
		Escalation: c.Escalation, Content: c.Content, Access: c.Access, ComplainantTokenTTL: c.Config.ComplainantTokenTTL, StaffTokenTTL: c.Config.StaffTokenTTL,
		Checks: checks, Details: details, Collectors: append(collectors, signIns.Collectors()...),
		SignInThrottle: signIns.Handler(), TimeZone: c.Config.TimeZone, Metrics: c.Metrics, Organisation: c.Organisation,
		Words: web.Words,
	})
	return server(a, web, c.Config.BodyLimit), nil
}

// server is the one Fiber app: the API's routes and the pages' side by
// side, on the body limits of both front ends' upload routes, with one
// error handler composed of theirs (withPages).
func server(a *api.API, web *frontend.Web, bodyLimit int) *fiber.App {
	uploads := append(api.Uploads(), web.Uploads()...)
	app := fiber.New(fiber.Config{
		AppName:               "redress",
		BodyLimit:             bodyLimit,
		ReadTimeout:           15 * time.Second,
		WriteTimeout:          30 * time.Second,
		IdleTimeout:           60 * time.Second,
		ReadBufferSize:        16 << 10,
		DisableStartupMessage: true,
		ErrorHandler:          withPages(a.ErrorHandler(uploads), web.ErrorPage),
		Views:                 web.Views(),
		// Multipart bodies stay raw in memory for the handler to read
		// part by part: fasthttp's own parsing would spill large files,
		// unencrypted, into temporary files.
		DisablePreParseMultipartForm: true,
	})
	// Upload routes alone may send bodies over BodyLimit (internal/httpkit/bodylimit.go).
	app.Server().HeaderReceived = httpkit.HeaderReceived(uploads)
	app.Use(a.Middleware()...)
	// The API first: its catch-all answers an API path no route took
	// (405 or the API's 404); the pages answer every other.
	a.Register(app)
	web.Mount(app)
	return app
}

// withPages answers a body over its limit on a page's path (a web form) with
// the pages' error page, in the person's language, instead of JSON.
func withPages(h fiber.ErrorHandler, pages func(*fiber.Ctx, error) error) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		var fe *fiber.Error
		if errors.As(err, &fe) && fe.Code == fiber.StatusRequestEntityTooLarge && httpkit.IsPage(c) {
			httpkit.LingerOnClose(c)
			httpkit.RestorePage(c)
			return pages(c, err)
		}
		return h(c, err)
	}
}

// MetricsHandler serves the metrics of the app HTTP built, at GET /metrics,
// for the operations port: never the app's own, which the public reaches.
func (c *Core) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(c.Metrics, promhttp.HandlerOpts{}))
	return mux
}

// SignInThrottle is the throttle of the API's and the pages' sign-ins,
// counting in js's key-value bucket, shared by every replica (in memory
// when js is nil, or while NATS cannot be reached).
func (c *Core) SignInThrottle(js jetstream.JetStream) *middleware.SignInThrottle {
	m := hmac.New(sha256.New, c.Config.JWTSecret)
	m.Write([]byte("redress sign-in throttle key"))
	o := middleware.ThrottleOptions{Secret: m.Sum(nil), Log: c.Log, Proxies: c.Config.TrustedProxies}
	if js != nil {
		o.Store = middleware.NewKVAttempts(js, c.Config.NATSReplicas)
	}
	if c.TuneThrottle != nil {
		c.TuneThrottle(&o)
	}
	return middleware.NewSignInThrottle(o)
}

// Worker builds the worker runner.
func (c *Core) Worker(js jetstream.JetStream, addr string) *worker.Runner {
	return &worker.Runner{DB: c.DB, JS: js, Log: c.Log, Grievance: c.Grievance, Remedy: c.Remedy, Routing: c.Routing,
		Notify: c.Notify, Clocks: c.Clocks, Review: c.Review, Systemic: c.Systemic, Escalation: c.Escalation, Retention: c.Retention, Keystore: c.Keystore, SweepEvery: c.Config.SweepEvery,
		ReconcileEvery: c.Config.ReconcileEvery, UnroutedAfter: c.Config.UnroutedAfter, Replicas: c.Config.NATSReplicas, Addr: addr}
}

// Close closes the database.
func (c *Core) Close() error {
	if err := c.Access.Flush(context.Background()); err != nil {
		c.Log.Error("the access log's last looks could not be written", "err", err)
	}
	if err := c.Keystore.Close(); err != nil {
		c.Log.Error("the keystore's pool did not close", "err", err)
	}
	return db.Close(c.DB)
}

// tellComplainant writes decision's messages to the complainant as
// grievance's messages.
func tellComplainant(g *grievance.Service) decision.Teller {
	return func(tx *gorm.DB, caseID uuid.UUID, by cases.Actor, body string) (uuid.UUID, error) {
		m, err := g.AddMessageIn(tx, caseID, by, "complainant", body)
		if err != nil {
			return uuid.Nil, err
		}
		return m.ID, nil
	}
}
