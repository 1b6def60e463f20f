package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/redresshq/redress/internal/app"
	"github.com/redresshq/redress/internal/demo"
	"github.com/redresshq/redress/internal/platform/config"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/devpg"
	"github.com/redresshq/redress/internal/platform/natsx"
)

// dev runs everything in one process with embedded defaults.
func dev(ctx context.Context, stdout io.Writer) error {
	cfg, err := config.Load(config.Need{})
	if err != nil {
		return err
	}
	log := logger(cfg, stdout)
	dir, err := filepath.Abs(cfg.DataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	if err := devSecrets(cfg, filepath.Join(dir, "secrets.env")); err != nil {
		return err
	}

	if cfg.DatabaseURL == "" {
		pg, err := devpg.Start(ctx, filepath.Join(dir, "pg"), devpg.Options{Logf: func(f string, a ...any) {
			log.Info(fmt.Sprintf(f, a...))
		}})
		if err != nil {
			return err
		}
		defer func() {
			if err := pg.Stop(); err != nil {
				log.Error("stop postgres", "err", err)
			}
		}()
		if err := pg.CreateDatabase(ctx, "redress", ""); err != nil {
			return err
		}
		cfg.DatabaseURL = pg.URL("redress")
	}
	if cfg.NATSURL == "" {
		ns, err := natsx.StartEmbedded("127.0.0.1", -1, filepath.Join(dir, "nats"))
		if err != nil {
			return err
		}
		defer ns.Shutdown()
		cfg.NATSURL = ns.URL()
		log.Info("embedded NATS with JetStream", "url", cfg.NATSURL)
	}

	core, err := app.NewCore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer core.Close()
	if err := db.Migrate(ctx, core.DB, io.Discard); err != nil {
		return err
	}
	password := cfg.DemoPassword
	if password == "" {
		password = randomPassword()
	}
	if err := demo.Seed(ctx, core.DB, core.Registry, core.Users, core.Escalation, password); err != nil {
		return err
	}
	nc, js, err := connectNATS(cfg, "redress-dev", log)
	if err != nil {
		return err
	}
	defer nc.Close()
	app, err := core.HTTP(nc, js)
	if err != nil {
		return err
	}

	printBanner(stdout, cfg, password)

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	var workErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		workErr = core.Worker(js, cfg.WorkerAddr).Run(runCtx)
		cancel()
	}()
	httpErr := listen(runCtx, app, cfg.Addr, core.MetricsHandler(), cfg.MetricsAddr, log)
	cancel()
	wg.Wait()
	_ = nc.Drain()
	if httpErr != nil {
		return httpErr
	}
	return workErr
}

func printBanner(w io.Writer, cfg *config.Config, password string) {
	fmt.Fprintf(w, `
Redress is running (dev mode).
  web and API   http://%s   (API at /api/v1, spec at /api/openapi.yaml)
  metrics       http://%s/metrics   (web and API; worker: http://%s/metrics)
  postgres      %s
  nats          %s
  data          %s

Demo logins (password: %s):
`, cfg.Addr, cfg.MetricsAddr, cfg.WorkerAddr, redactURL(cfg.DatabaseURL), cfg.NATSURL, cfg.DataDir, password)
	for _, l := range demo.Logins {
		role := string(l.Role)
		if l.Body != "" {
			role += " (" + l.Body + ")"
		}
		fmt.Fprintf(w, "  %-26s %s\n", l.Email, role)
	}
	fmt.Fprint(w, `
  The demo signs in with the password alone: two-step sign-in (TOTP) is
  required of no role here. Turn it on at /admin/sign-in; anyone can turn
  it on for their own account at /account/two-factor.
`)
	fmt.Fprintf(w, `
Try it:
  curl -s http://%s/api/v1/ai-systems
  curl -s -X POST http://%s/api/v1/cases -H 'Content-Type: application/json' \
    -d '{"kind":"concern","ai_system_other":"a chatbot","informed_of_ai":"unsure","description":"The assistant refused to pass my complaint to a person.","rights":["property_and_consumer"],"anonymous":true}'

`, cfg.Addr, cfg.Addr)
}

func redactURL(u string) string {
	if at := strings.LastIndex(u, "@"); at > 0 {
		if scheme := strings.Index(u, "://"); scheme > 0 {
			creds := u[scheme+3 : at]
			if user, _, ok := strings.Cut(creds, ":"); ok {
				return u[:scheme+3] + user + ":…" + u[at:]
			}
		}
	}
	return u
}

// devSecrets fills unset secrets from path, creating them on first run, so
// data sealed in one dev session opens in the next.
func devSecrets(cfg *config.Config, path string) error {
	saved := map[string]string{}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), "="); ok {
				saved[k] = v
			}
		}
		f.Close()
	}
	changed := false
	get := func(name string, gen func() string) string {
		if saved[name] == "" {
			saved[name] = gen()
			changed = true
		}
		return saved[name]
	}
	random := func() string {
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		return base64.StdEncoding.EncodeToString(b)
	}
	if cfg.JWTSecret == nil {
		cfg.JWTSecret = []byte(get("REDRESS_JWT_SECRET", random))
	}
	if cfg.ReceiptSecret == nil {
		cfg.ReceiptSecret = []byte(get("REDRESS_RECEIPT_SECRET", random))
	}
	if cfg.EncryptionKeys == nil {
		v := get("REDRESS_ENCRYPTION_KEYS", func() string { return "dev1:" + random() })
		keys, err := config.ParseEncryptionKeys(v)
		if err != nil {
			return fmt.Errorf("%s: REDRESS_ENCRYPTION_KEYS: %w", path, err)
		}
		cfg.EncryptionKeys = keys
		cfg.EncryptionKeyID, _, _ = strings.Cut(v, ":")
	}
	if !changed {
		return nil
	}
	var b strings.Builder
	b.WriteString("# Secrets of this dev installation, made by `redress dev`. Never use them in production.\n")
	for _, k := range []string{"REDRESS_JWT_SECRET", "REDRESS_RECEIPT_SECRET", "REDRESS_ENCRYPTION_KEYS"} {
		if saved[k] != "" {
			fmt.Fprintf(&b, "%s=%s\n", k, saved[k])
		}
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

func randomPassword() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
