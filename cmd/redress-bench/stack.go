package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/redresshq/redress/internal/app"
	"github.com/redresshq/redress/internal/demo"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/config"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/devpg"
	"github.com/redresshq/redress/internal/platform/logx"
	"github.com/redresshq/redress/internal/platform/natsx"
)

// Databases of the private cluster: the application's, and the one pgbench writes to.
const (
	appDB     = "redress"
	pgbenchDB = "pgbench"
)

// stack is a running Redress as production runs it, in one process: the
// HTTP API on a real TCP port, the worker (outbox relay and consumers) on an
// embedded NATS server with JetStream, and a private PostgreSQL with its
// durability settings left at their defaults.
type stack struct {
	pg      *devpg.Cluster
	core    *app.Core
	js      jetstream.JetStream // the bench's own handle on the worker's stream
	baseURL string              // http://127.0.0.1:port
	client  *http.Client
	closers []func() error    // run in reverse order by close
	env     map[string]string // the configuration's variables, for an API process of its own (-api-process)

	demoPassword string // of the demo accounts (demo.Logins), random for each run
}

// startStack starts everything under dir. On error, whatever started is stopped.
func startStack(ctx context.Context, dir string) (s *stack, err error) {
	s = &stack{client: localClient(5 * time.Second)}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.close())
			s = nil
		}
	}()

	pg, err := devpg.Start(ctx, filepath.Join(dir, "pg"), devpg.Options{
		// What each request costs the database (reads.go, work.go).
		Settings: []string{"shared_preload_libraries=pg_stat_statements", "pg_stat_statements.track_planning=on"},
	})
	if err != nil {
		return s, err
	}
	s.pg = pg
	s.onClose(pg.Stop)
	postmasterPID = readPostmasterPID(filepath.Join(pg.Dir, "data"))
	for _, name := range []string{appDB, pgbenchDB} {
		if err := pg.CreateDatabase(ctx, name, ""); err != nil {
			return s, err
		}
	}

	ns, err := natsx.StartEmbedded("127.0.0.1", -1, filepath.Join(dir, "nats"))
	if err != nil {
		return s, err
	}
	s.onClose(func() error { ns.Shutdown(); return nil })

	cfg, env, err := benchConfig(pg.URL(appDB), ns.URL())
	if err != nil {
		return s, err
	}
	// Warn level to a discarding JSON handler: the bench measures the
	// service, not the cost of writing access logs to a terminal.
	log := logx.New(io.Discard, "json", "warn")
	core, err := app.NewCore(ctx, cfg, log)
	if err != nil {
		return s, err
	}
	s.core, s.env = core, env
	s.onClose(core.Close)
	if err := db.Migrate(ctx, core.DB, io.Discard); err != nil {
		return s, err
	}
	s.demoPassword = randomSecret()
	if err := demo.Seed(ctx, core.DB, core.Registry, core.Users, core.Escalation, s.demoPassword); err != nil {
		return s, err
	}

	nc, err := natsx.Connect(ns.URL(), "redress-bench", "", log)
	if err != nil {
		return s, err
	}
	s.onClose(func() error { nc.Close(); return nil })
	js, err := jetstream.New(nc)
	if err != nil {
		return s, err
	}
	s.js = js

	workCtx, stopWork := context.WithCancel(context.Background())
	workDone := make(chan error, 1)
	go func() { workDone <- core.Worker(js, "").Run(workCtx) }()
	s.onClose(func() error {
		stopWork()
		select {
		case err := <-workDone:
			return err
		case <-time.After(20 * time.Second):
			return errors.New("worker did not stop within 20s")
		}
	})

	app, err := core.HTTP(nc, js)
	if err != nil {
		return s, err
	}
	if err := s.serveHTTP(app); err != nil {
		return s, err
	}
	if err := s.waitReady(ctx, 15*time.Second); err != nil {
		return s, err
	}
	return s, nil
}

// serveHTTP serves the app on a free port of 127.0.0.1.
func (s *stack) serveHTTP(api *fiber.App) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	s.baseURL = "http://" + ln.Addr().String()
	served := make(chan error, 1)
	go func() { served <- api.Listener(httpkit.Listener(ln)) }()
	s.onClose(func() error {
		err := api.ShutdownWithTimeout(10 * time.Second)
		select {
		case serr := <-served:
			if serr != nil && !errors.Is(serr, net.ErrClosed) {
				err = errors.Join(err, serr)
			}
		case <-time.After(5 * time.Second):
			err = errors.Join(err, errors.New("http server did not return after shutdown"))
		}
		return err
	})
	return nil
}

// waitReady polls /readyz until it answers 200 (PostgreSQL answers; NATS,
// started before, is only reported there).
func (s *stack) waitReady(ctx context.Context, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.baseURL+"/readyz", nil)
		if err != nil {
			return err
		}
		if resp, err := s.client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s/readyz did not answer 200 within %s", s.baseURL, limit)
		case <-tick.C:
		}
	}
}

// aiSystems returns the ids of the active systems in the public register.
func (s *stack) aiSystems(ctx context.Context) ([]string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.baseURL+"/api/v1/ai-systems?limit=200", nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /api/v1/ai-systems: %s", resp.Status)
	}
	var page struct {
		Items []struct {
			ID     string `json:"id"`
			Active bool   `json:"active"`
		} `json:"items"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&page); err != nil {
		return nil, fmt.Errorf("GET /api/v1/ai-systems: %w", err)
	}
	var ids []string
	for _, it := range page.Items {
		if it.Active {
			ids = append(ids, it.ID)
		}
	}
	return ids, nil
}

func (s *stack) onClose(f func() error) { s.closers = append(s.closers, f) }

// close stops everything in the reverse order of starting: HTTP, worker,
// NATS connection, database pool, NATS server, PostgreSQL.
func (s *stack) close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}

// benchConfig is a production configuration with fresh random secrets, and
// the variables it was read from. REDRESS_DB_MAX_CONNS is taken from the
// environment, as `redress serve` does, so the pool size can be varied
// between runs.
func benchConfig(databaseURL, natsURL string) (*config.Config, map[string]string, error) {
	env := map[string]string{
		"DATABASE_URL":            databaseURL,
		"NATS_URL":                natsURL,
		"REDRESS_JWT_SECRET":      randomSecret(),
		"REDRESS_RECEIPT_SECRET":  randomSecret(),
		"REDRESS_ENCRYPTION_KEYS": "bench1:" + randomSecret(),
		"REDRESS_LOG_LEVEL":       "warn",
	}
	if v, ok := os.LookupEnv("REDRESS_DB_MAX_CONNS"); ok {
		env["REDRESS_DB_MAX_CONNS"] = v
	}
	cfg, err := config.LoadFrom(func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		config.Need{Database: true, NATS: true, Secrets: true})
	return cfg, env, err
}

func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// localClient talks to 127.0.0.1 only, never through a proxy.
func localClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{Proxy: nil}}
}
