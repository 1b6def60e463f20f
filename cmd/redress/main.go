// Command redress is the grievance mechanism: one binary whose subcommands
// run the HTTP API (serve), the worker (work), the migrations (migrate), or
// everything at once for local use (dev).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/app"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/config"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/logx"
	"github.com/redresshq/redress/internal/platform/memlimit"
	"github.com/redresshq/redress/internal/platform/natsx"
	"github.com/redresshq/redress/internal/version"
)

const usage = `redress — a grievance mechanism for decisions made with AI

Usage:
  redress serve            run the HTTP API and web pages (needs DATABASE_URL, NATS_URL, secrets;
                           takes complaints while NATS is down, connecting in the background)
  redress work             run the worker: outbox relay and JetStream consumers
  redress migrate [status] apply the embedded SQL migrations, or show how far behind the schema is
  redress dev              everything in one process: private Postgres (unless DATABASE_URL is set),
                           embedded NATS, migrations, demo data, serve and work
  redress dead-letters [list | replay ID]
                           list the messages consumers gave up on, or put one back through the outbox
  redress verify [--sample N]
                           check every case's record chain and that its sealed values open (a
                           restored backup, before serving it); N: read only N cases at random
  redress retention run    run the day's retention now: erase what schedules and requests make due,
                           and erase again what a restore brought back (docs/retention.md)
  redress keys [status | signing list | signing rotate | signing retire KID | token new | …]
                           the signing keys and secrets, and their rotation (redress keys --help)
  redress version          print the version

Configuration is read from the environment; see README.md.
`

func main() { runMain(os.Args[1:]) }

// runMain runs the binary with args until SIGINT or SIGTERM, and exits 1 on error.
func runMain(args []string) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, args, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "redress:", err)
		var usage usageError
		if errors.As(err, &usage) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no subcommand given")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, stdout)
	case "work":
		return work(ctx, stdout)
	case "migrate":
		return migrate(ctx, args[1:], stdout)
	case "dev":
		return dev(ctx, stdout)
	case "dead-letters":
		return deadLetters(ctx, args[1:], stdout)
	case "verify":
		return verifyCmd(ctx, args[1:], stdout)
	case "retention":
		return retentionCmd(ctx, args[1:], stdout)
	case "keys":
		return keys(ctx, args[1:], stdout)
	case "version", "--version":
		fmt.Fprintln(stdout, "redress", version.Version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown subcommand %q", args[0])
}

// logger makes the process's logger; serve, work and dev make it first, so
// it also sets the memory limit from the container's before anything runs.
func logger(cfg *config.Config, w io.Writer) *slog.Logger {
	log := logx.New(w, cfg.LogFormat, cfg.LogLevel)
	slog.SetDefault(log)
	if n, from := memlimit.Set(); n > 0 {
		log.Info("memory limit set from the container's", "gomemlimit_bytes", n, "from", from)
	} else if from == "GOMEMLIMIT" {
		log.Info("memory limit set by GOMEMLIMIT")
	}
	return log
}

func migrate(ctx context.Context, args []string, stdout io.Writer) error {
	gdb, err := openAdminDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	if len(args) > 0 && args[0] == "status" {
		st, err := db.Status(ctx, gdb)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "schema version %d, latest %d, %d pending\n", st.Current, st.Latest, len(st.Pending))
		for _, p := range st.Pending {
			fmt.Fprintln(stdout, "pending:", p)
		}
		return nil
	}
	if len(args) > 0 {
		return fmt.Errorf("migrate: unknown argument %q (use `redress migrate` or `redress migrate status`)", args[0])
	}
	return db.Migrate(ctx, gdb, stdout)
}

// connectNATS dials NATS and returns the connection and its JetStream handle.
func connectNATS(cfg *config.Config, name string, log *slog.Logger) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := natsx.Connect(cfg.NATSURL, name, cfg.NATSCAFile, log)
	if err != nil {
		return nil, nil, err
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, err
	}
	return nc, js, nil
}

// process is what serve and work both start from: the configuration, the
// core on a database whose schema is current, and a NATS connection.
type process struct {
	cfg  *config.Config
	log  *slog.Logger
	core *app.Core
	nc   *nats.Conn
	js   jetstream.JetStream
}

// start loads the configuration, opens the core and connects to NATS as
// name; on an error it closes what it opened. The caller closes the core.
func start(ctx context.Context, stdout io.Writer, name string) (*process, error) {
	cfg, err := config.Load(config.Need{Database: true, NATS: true, Secrets: true})
	if err != nil {
		return nil, err
	}
	log := logger(cfg, stdout)
	core, err := app.NewCore(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if err := db.RequireCurrent(ctx, core.DB); err != nil {
		core.Close()
		return nil, err
	}
	nc, js, err := connectNATS(cfg, name, log)
	if err != nil {
		core.Close()
		return nil, err
	}
	return &process{cfg: cfg, log: log, core: core, nc: nc, js: js}, nil
}

func serve(ctx context.Context, stdout io.Writer) error {
	p, err := start(ctx, stdout, "redress-serve")
	if err != nil {
		return err
	}
	defer p.core.Close()
	defer p.nc.Close()
	app, err := p.core.HTTP(p.nc, p.js)
	if err != nil {
		return err
	}
	return listen(ctx, app, p.cfg.Addr, p.core.MetricsHandler(), p.cfg.MetricsAddr, p.log)
}

func work(ctx context.Context, stdout io.Writer) error {
	p, err := start(ctx, stdout, "redress-work")
	if err != nil {
		return err
	}
	defer p.core.Close()
	err = p.core.Worker(p.js, p.cfg.WorkerAddr).Run(ctx)
	_ = p.nc.Drain()
	return err
}

// listen serves HTTP until ctx ends, then stops accepting and waits for
// requests in flight (bounded). The app's metrics are served apart, on
// metricsAddr: an operations port the public never reaches.
func listen(ctx context.Context, app *fiber.App, addr string, metrics http.Handler, metricsAddr string, log *slog.Logger) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("http: %w", err)
	}
	errc := make(chan error, 2)
	// A body refused for its size is read to its end before the
	// connection closes, so the client reads the 413 (internal/httpkit/linger.go).
	go func() { errc <- app.Listener(httpkit.Listener(ln)) }()
	ops := &http.Server{Addr: metricsAddr, Handler: metrics, ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	go func() {
		if err := ops.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("metrics: %w", err)
		}
	}()
	log.Info("http listening", "addr", addr, "metrics_addr", metricsAddr)
	select {
	case err = <-errc:
		err = fmt.Errorf("http: %w", err)
	case <-ctx.Done():
	}
	log.Info("http shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = ops.Shutdown(sctx)
	if serr := app.ShutdownWithTimeout(10 * time.Second); err == nil {
		err = serr
	}
	return err
}

func deadLetters(ctx context.Context, args []string, stdout io.Writer) error {
	gdb, err := openAdminDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close(gdb)
	if err := db.RequireCurrent(ctx, gdb); err != nil {
		return err
	}
	switch {
	case len(args) == 0 || args[0] == "list":
		items, err := outbox.DeadLetters(ctx, gdb, 0, 200)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tCONSUMER\tSUBJECT\tEVENT\tWHEN\tREASON\tREPLAYED")
		for _, d := range items {
			replayed := ""
			if d.ReplayedAt != nil {
				replayed = d.ReplayedAt.UTC().Format(time.RFC3339)
			}
			event := ""
			if d.EventID != nil {
				event = *d.EventID
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.Consumer, d.Subject, event,
				d.CreatedAt.UTC().Format(time.RFC3339), d.Reason, replayed)
		}
		return tw.Flush()
	case args[0] == "replay" && len(args) == 2:
		id, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil {
			return fmt.Errorf("dead-letters replay: %q is not a dead letter id", args[1])
		}
		newID, err := outbox.Replay(ctx, gdb, id)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "dead letter %d is back in the outbox as %s; the relay will publish it\n", id, newID)
		return nil
	}
	return fmt.Errorf("dead-letters: use `redress dead-letters list` or `redress dead-letters replay ID`")
}

// openAdminDB opens a small pool on DATABASE_URL for the one-shot
// subcommands (migrate, dead-letters).
func openAdminDB(ctx context.Context) (*gorm.DB, error) {
	cfg, err := config.Load(config.Need{Database: true})
	if err != nil {
		return nil, err
	}
	return db.Open(ctx, cfg.DatabaseURL, 2)
}
