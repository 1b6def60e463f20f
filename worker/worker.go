// Package worker runs Redress's background work: the outbox relay and the
// JetStream consumers. Run N workers against one Postgres and one NATS: the
// relay claims rows with SKIP LOCKED and the consumers are durable and shared.
// It owns the ledger of handled events (processed_events) and the
// reconciler's case_reconciliations, and publishes ops.case_unrouted; dead
// letters and republished events go through internal/outbox.
package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/keystore"
	"github.com/redresshq/redress/internal/notify"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/natsx"
	"github.com/redresshq/redress/internal/remedy"
	"github.com/redresshq/redress/internal/retention"
	"github.com/redresshq/redress/internal/review"
	"github.com/redresshq/redress/internal/routing"
	"github.com/redresshq/redress/internal/systemic"
)

// Runner is the worker process.
type Runner struct {
	DB        *gorm.DB
	JS        jetstream.JetStream
	Log       *slog.Logger
	Grievance *grievance.Service
	Remedy    *remedy.Service // remedies of a case or a systemic issue
	Routing   *routing.Service
	Notify    *notify.Notifier  // emails and webhooks; nil for none
	Clocks    *clocks.Service   // SLA timers; nil sweeps none
	Review    *review.Service   // auto-assignment; nil assigns none
	Systemic  *systemic.Service // systemic alerts; nil raises none
	// Escalation refers cases by policy and delivers dossiers; nil does neither.
	Escalation *escalation.Service
	// Keystore: the cases' data keys, re-wrapped in the background when a
	// new master key is made current; nil re-wraps none.
	Keystore *keystore.Store
	// Retention erases what retention schedules and complainants' requests
	// make due, once a day; nil erases nothing.
	Retention *retention.Service
	// RetentionEvery is how often the worker looks whether the day's
	// retention run is due (default 1h).
	RetentionEvery time.Duration
	SweepEvery     time.Duration // how often due SLA timers are looked for (default 5s)
	// ReconcileEvery is how often the reconciler looks for cases not routed
	// within UnroutedAfter (defaults 30s and 2m; Reconciler).
	ReconcileEvery, UnroutedAfter time.Duration
	Replicas                      int
	Concurrency                   int    // messages each consumer handles at once (default 8)
	Addr                          string // health and metrics; empty for none

	known knownCases // the cases found to exist
}

// Consumers are the durable consumers this worker runs.
func (w *Runner) Consumers() []Consumer {
	// A submitted case is received, routed and checked against its AI
	// system's alert threshold in one transaction: three stages of one
	// consumer, where they were three consumers waiting on each other's lock
	// of the case row (issue 18).
	submitted := Consumer{Name: events.ConsumerSubmitted, Subject: events.CaseSubmitted,
		Stages: []Stage{{Name: events.ConsumerIntake, Handle: w.recordReceived},
			{Name: events.ConsumerRouter, Handle: w.route, Covers: events.ConsumerIntake, WithCovered: w.receiveAndRoute,
				Prefetch: w.prefetchRoute}},
		Replaces: []string{events.ConsumerIntake, events.ConsumerRouter, events.ConsumerSystemic}}
	if w.Systemic != nil {
		submitted.Stages = append(submitted.Stages, Stage{Name: events.ConsumerSystemic, Handle: w.checkAlert,
			Prefetch: w.prefetchAlertCheck})
	}
	out := []Consumer{submitted, {Name: events.ConsumerAppeals, Subject: events.CaseAppealed, Handle: w.assignAppeal}}
	if w.Escalation != nil {
		poison := func(h Handler) Handler {
			return func(tx *gorm.DB, env *events.Envelope) error {
				err := h(tx, env)
				if errors.Is(err, escalation.ErrPoison) {
					return fmt.Errorf("%w: %w", errPoison, err)
				}
				return err
			}
		}
		out = append(out,
			Consumer{Name: events.ConsumerEscalations, Subjects: []string{events.EscalationRequested, events.CaseTriaged},
				Handle: poison(w.Escalation.HandleRequest)},
			Consumer{Name: events.ConsumerReferrals, Subjects: []string{events.ReferralMade, events.ReferralIdentityDisclosed},
				Handle: poison(w.Escalation.HandleDelivery)})
	}
	return append(out, w.notifyConsumers()...)
}

// checkAlert raises a systemic alert when the submitted case brings its AI
// system's cases within the window to the threshold (issue #4). A
// redelivered event is skipped by processed_events, and an alert already
// raised within the window by the check itself.
func (w *Runner) checkAlert(tx *gorm.DB, env *events.Envelope) error {
	a, err := w.Systemic.CheckAlertIn(tx, env.CaseID)
	return w.alertChecked(env, a, err)
}

// prefetchAlertCheck is checkAlert with its first look sent with the
// statement that records the event (Stage.Prefetch).
func (w *Runner) prefetchAlertCheck(r *db.Reads, env *events.Envelope) (Handler, Handler) {
	check := w.Systemic.QueueCheckAlert(r, env.CaseID)
	return func(tx *gorm.DB, env *events.Envelope) error {
		a, err := check(tx)
		return w.alertChecked(env, a, err)
	}, nil
}

// alertChecked is what the check of env's case found: an alert raised, or
// an error (a case that does not exist is poison).
func (w *Runner) alertChecked(env *events.Envelope, a *systemic.Alert, err error) error {
	if fault.Is(err, fault.NotFound) {
		return fmt.Errorf("%w: case %s does not exist", errPoison, env.CaseID)
	}
	if err == nil && a != nil {
		w.Log.Info("systemic alert raised", "alert_id", a.ID, "ai_system_id", a.AISystemID, "cases", a.CaseCount)
	}
	return err
}

// notifyConsumers are the notifier's consumers (issue #3, item 6), its poison
// events dead-lettered like the worker's own.
func (w *Runner) notifyConsumers() []Consumer {
	if w.Notify == nil {
		return nil
	}
	var out []Consumer
	for _, c := range w.Notify.Consumers() {
		handle := c.Handle
		out = append(out, Consumer{Name: c.Name, Subjects: c.Subjects, Relevant: c.Relevant, Handle: func(tx *gorm.DB, env *events.Envelope) error {
			err := handle(tx, env)
			if errors.Is(err, notify.ErrPoison) {
				return fmt.Errorf("%w: %w", errPoison, err)
			}
			return err
		}})
	}
	return out
}

// route applies the routing rules to a submitted case (issue #3).
func (w *Runner) route(tx *gorm.DB, env *events.Envelope) error {
	_, err := w.routeAlso(tx, env, nil, nil)
	return err
}

// receiveAndRoute records the worker's receipt of a submitted case and
// routes it, in one update of the case and one of its record (the router
// stage covering the intake stage): recordReceived and route, in fewer
// statements. A case routed before is only received.
func (w *Runner) receiveAndRoute(tx *gorm.DB, env *events.Envelope) error {
	return w.receiveAndRouteWith(tx, env, nil)
}

func (w *Runner) receiveAndRouteWith(tx *gorm.DB, env *events.Envelope, route routeFunc) error {
	received := receivedEntry(env)
	routed, err := w.routeAlso(tx, env, route, &received)
	if err == nil && routed == nil {
		return w.recordReceived(tx, env)
	}
	return err
}

// routeFunc is a routing whose case is locked and read (routing.QueueRoute).
type routeFunc = func(tx *gorm.DB, also routing.Also) (*events.Routed, error)

// prefetchRoute is route and receiveAndRoute with the case locked and read
// by statements sent with the one that records the event (Stage.Prefetch).
func (w *Runner) prefetchRoute(r *db.Reads, env *events.Envelope) (Handler, Handler) {
	route := w.Routing.QueueRoute(r, env.CaseID)
	handle := func(tx *gorm.DB, env *events.Envelope) error {
		_, err := w.routeAlso(tx, env, route, nil)
		return err
	}
	withCovered := func(tx *gorm.DB, env *events.Envelope) error { return w.receiveAndRouteWith(tx, env, route) }
	return handle, withCovered
}

// routeAlso routes the case of env (with route, when its case was read
// already), owing the queue's emails in tx (not in another transaction of
// notify-staff) and, with received, recording the case's receipt; nil for a
// case routed before.
func (w *Runner) routeAlso(tx *gorm.DB, env *events.Envelope, route routeFunc, received *audit.Event) (*events.Routed, error) {
	also := routing.Also{Received: received}
	if w.Notify != nil {
		also.Mail = w.Notify
	}
	if w.Review != nil {
		// The routed case is auto-assigned when its queue says so: the look
		// goes with the routing's writes.
		also.After = func(r *db.Reads) {
			var assigned int
			w.Review.QueueAutoAssign(r, tx, 1, []uuid.UUID{env.CaseID}, &assigned)
		}
	}
	var routed *events.Routed
	var err error
	if route != nil {
		routed, err = route(tx, also)
	} else {
		routed, err = w.Routing.RouteIn(tx, env.CaseID, also)
	}
	if fault.Is(err, fault.NotFound) {
		return nil, fmt.Errorf("%w: case %s does not exist", errPoison, env.CaseID)
	}
	if err == nil && routed != nil {
		w.Log.Debug("routed", "case_id", env.CaseID, "rule", routed.RuleName, "priority", routed.Priority)
	}
	return routed, err
}

// assignAppeal gives an appealed case to a reviewer who did not decide it
// (issue #4). Nobody may take it now: it waits in its queue, and the sweeper
// tries again. AutoAssign assigns nothing to a case that does not exist, so
// when it assigns nothing the case is read: none is poison, as for route; an
// appealed case still without a reviewer waits; anything else (assigned
// already, or no longer appealed) is done.
func (w *Runner) assignAppeal(tx *gorm.DB, env *events.Envelope) error {
	if w.Review == nil {
		return nil
	}
	n, err := w.Review.AutoAssignIn(tx, 1, env.CaseID)
	if err != nil || n > 0 {
		return err
	}
	var cs []cases.Case
	if err := tx.Model(&cases.Case{}).Select("status, assignee_id").Where("id = ?", env.CaseID).
		Find(&cs).Error; err != nil {
		return fmt.Errorf("worker: appealed case: %w", err)
	}
	switch {
	case len(cs) == 0:
		return fmt.Errorf("%w: case %s does not exist", errPoison, env.CaseID)
	case cs[0].Status == cases.StatusAppealed && cs[0].AssigneeID == nil:
		w.Log.Info("appeal waits for a reviewer who may take it", "case_id", env.CaseID)
	}
	return nil
}

// recordReceived marks a submitted case as received by the worker and notes
// it in the case record. Routing (issue #3) builds on this consumer.
func (w *Runner) recordReceived(tx *gorm.DB, env *events.Envelope) error {
	first, err := w.Grievance.MarkReceived(tx, env.CaseID)
	if err != nil {
		return err
	}
	if !first {
		return nil
	}
	_, err = audit.Append(tx, receivedEntry(env))
	return err
}

// receivedEntry is the case record's entry of the worker's receipt of the
// submitted case env.
func receivedEntry(env *events.Envelope) audit.Event {
	return audit.Event{CaseID: env.CaseID, ActorKind: audit.ActorSystem,
		Action: "case.received", Data: map[string]any{"event_id": env.ID, "consumer": events.ConsumerIntake}}
}

// Run runs the relay and the consumers until ctx ends, then stops them in
// order: consumers drain, the relay finishes its batch.
func (w *Runner) Run(ctx context.Context) error {
	if w.Concurrency == 0 {
		w.Concurrency = 8
	}
	if w.JS != nil {
		AnnounceCommits(w.DB, w.JS.Conn()) // what the consumers commit, other workers' relays claim at once
	}
	metrics := prometheus.NewRegistry()
	published := prometheus.NewCounter(prometheus.CounterOpts{Name: "redress_outbox_published_total",
		Help: "Outbox rows published to JetStream."})
	pending := prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "redress_outbox_pending",
		Help: "Outbox rows not yet published."}, func() float64 {
		n, _ := outbox.Pending(context.Background(), w.DB)
		return float64(n)
	})
	reconciled := prometheus.NewCounter(prometheus.CounterOpts{Name: "redress_reconciled_total",
		Help: "Cases found unrouted past the bound whose case.submitted the reconciler published again."})
	metrics.MustRegister(published, pending, reconciled, collectors.NewGoCollector())
	if nc := w.JS.Conn(); nc != nil {
		metrics.MustRegister(natsx.ConnectedGauge(nc))
	}

	var wg sync.WaitGroup
	errs := make(chan error, 32) // room for every part to fail at once: a send never blocks shutdown
	start := func(name string, fn func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := fn(ctx); err != nil {
				errs <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	// Health first: while NATS is away the worker says so (503), and the
	// parts that need only PostgreSQL already run.
	var srv *http.Server
	if w.Addr != "" {
		srv = w.healthServer(metrics)
		go func() {
			if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errs <- fmt.Errorf("worker http: %w", err)
			}
		}()
	}
	start("housekeeping", w.housekeeping)
	if w.Clocks != nil {
		start("sla sweeper", w.runSweeper)
	}
	if w.Notify != nil {
		start("notify", w.Notify.Run)
	}
	if w.Keystore != nil {
		start("rewrap", w.runRewrap)
	}
	if w.Retention != nil {
		every := w.RetentionEvery
		if every <= 0 {
			every = time.Hour
		}
		start("retention", func(ctx context.Context) error { return w.runRetention(ctx, every) })
	}
	every := w.ReconcileEvery
	if every <= 0 {
		every = 30 * time.Second
	}
	rec := &Reconciler{DB: w.DB, Log: w.Log.With("part", "reconciler"), After: w.UnroutedAfter,
		Reconciled: func(n int) { reconciled.Add(float64(n)) }}
	start("reconciler", func(ctx context.Context) error { return w.runReconciler(ctx, rec, every) })
	var runErr error
	if stream := w.waitForStream(ctx); stream != nil {
		relay := &Relay{DB: w.DB, JS: w.JS, Log: w.Log.With("part", "relay"),
			Published: func(n int) { published.Add(float64(n)) }}
		start("relay", relay.Run)
		for _, c := range w.Consumers() {
			start("consumer "+c.Name, func(ctx context.Context) error { return w.runConsumer(ctx, stream, c) })
		}
		start("dead letters", w.runDeadLetters)
		w.Log.Info("worker running", "consumers", len(w.Consumers()), "addr", w.Addr)
	}
	select {
	case <-ctx.Done():
	case runErr = <-errs:
	}
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = srv.Shutdown(sctx)
		cancel()
	}
	wg.Wait()
	return runErr
}

// waitForStream makes sure of the stream, trying again with a back-off while
// NATS cannot be reached; nil when ctx ends first.
func (w *Runner) waitForStream(ctx context.Context) jetstream.Stream {
	for attempt := 1; ; attempt++ {
		actx, cancel := context.WithTimeout(ctx, 5*time.Second)
		stream, err := events.EnsureStream(actx, w.JS, max(w.Replicas, 1))
		cancel()
		if err == nil {
			if attempt > 1 {
				w.Log.Info("nats: the stream is there; relay and consumers start", "attempts", attempt)
			}
			return stream
		}
		if attempt == 1 || attempt%20 == 0 {
			w.Log.Warn("nats: waiting for JetStream; relay and consumers start when it answers", "err", err, "attempts", attempt)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(natsx.Backoff(attempt)):
		}
	}
}

// healthServer serves /livez, /readyz (ready only with PostgreSQL and NATS:
// a worker without NATS relays and consumes nothing) and /metrics.
func (w *Runner) healthServer(metrics *prometheus.Registry) *http.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /livez", func(rw http.ResponseWriter, _ *http.Request) { _, _ = rw.Write([]byte(`{"status":"ok"}`)) })
	mux.HandleFunc("GET /readyz", func(rw http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
		defer cancel()
		checks := map[string]string{"postgres": "ok", "nats": "ok"}
		status, code := "ok", http.StatusOK
		if err := db.SQL(w.DB).PingContext(ctx); err != nil {
			checks["postgres"], status, code = "down", "unavailable", http.StatusServiceUnavailable
		}
		if nc := w.JS.Conn(); (nc != nil && !nc.IsConnected()) || natsx.Ping(ctx, w.JS) != nil {
			checks["nats"], status, code = "down", "unavailable", http.StatusServiceUnavailable
		}
		rw.Header().Set("Content-Type", "application/json")
		rw.WriteHeader(code)
		_ = json.NewEncoder(rw).Encode(map[string]any{"status": status, "checks": checks})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(metrics, promhttp.HandlerOpts{}))
	return &http.Server{Addr: w.Addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
}

// housekeeping prunes published outbox rows and old idempotency keys.
func (w *Runner) housekeeping(ctx context.Context) error {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if _, err := outbox.Prune(ctx, w.DB, time.Now().Add(-7*24*time.Hour)); err != nil && ctx.Err() == nil {
			w.Log.Warn("prune outbox", "err", err)
		}
		if err := grievance.PruneIdempotencyKeys(w.DB.WithContext(ctx)); err != nil && ctx.Err() == nil {
			w.Log.Warn("prune idempotency keys", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
