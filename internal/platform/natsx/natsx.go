// Package natsx connects to NATS and runs the embedded JetStream server that
// `redress dev` and the tests use. The embedded server is a real nats-server.
package natsx

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	neturl "net/url"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
)

// Connect dials url and keeps reconnecting forever. When NATS cannot be
// reached at start it does not fail: the connection keeps trying in the
// background with an exponential back-off (Backoff) and logs when it comes
// up, so `serve` takes complaints (the outbox does not need NATS) and `work`
// waits. IsConnected tells whether it is up now.
//
// caFile, if set, is the CA that signed the servers' certificates (a
// tls:// URL); a password in the URL is never logged.
func Connect(url, name, caFile string, log *slog.Logger) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.RetryOnFailedConnect(true),
		nats.CustomReconnectDelay(Backoff),
		nats.ConnectHandler(func(c *nats.Conn) { log.Info("nats connected", "url", c.ConnectedUrlRedacted()) }),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", "url", c.ConnectedUrlRedacted()) }),
	}
	if caFile != "" {
		opts = append(opts, nats.RootCAs(caFile))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("natsx: connect: %w", err)
	}
	if !nc.IsConnected() {
		log.Warn("nats not reachable; connecting in the background", "url", Redact(url))
	}
	return nc, nil
}

// Redact is a NATS URL list (comma-separated) without its passwords and
// tokens, for logs.
func Redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		u, err := neturl.Parse(strings.TrimSpace(p))
		if err != nil {
			parts[i] = "(unparsable URL)"
			continue
		}
		if u.User != nil {
			if _, hasPassword := u.User.Password(); hasPassword {
				u.User = neturl.UserPassword(u.User.Username(), "xxxxx")
			} else {
				u.User = neturl.User("xxxxx") // a token
			}
		}
		parts[i] = u.String()
	}
	return strings.Join(parts, ",")
}

// Backoff is the wait before reconnect attempt n (1, 2, …) once every server
// of the list was tried: 250 ms doubling to 5 s, with up to a fifth of
// jitter so that many pods do not knock at once.
func Backoff(attempts int) time.Duration {
	d := 250 * time.Millisecond
	for i := 1; i < attempts && d < 5*time.Second; i++ {
		d *= 2
	}
	d = min(d, 5*time.Second)
	return d + rand.N(d/5+1)
}

// Embedded is an in-process nats-server with JetStream.
type Embedded struct {
	Server *server.Server
}

// StartEmbedded starts nats-server with JetStream storing under storeDir, on
// host:port (port -1 picks a free one).
func StartEmbedded(host string, port int, storeDir string) (*Embedded, error) {
	opts := &server.Options{
		ServerName: "redress-embedded",
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   storeDir,
		NoSigs:     true,
		NoLog:      true,
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("natsx: embedded server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("natsx: embedded server not ready after 10s")
	}
	return &Embedded{Server: s}, nil
}

// URL is the client URL of the embedded server.
func (e *Embedded) URL() string { return e.Server.ClientURL() }

// Shutdown stops the server and waits for it.
func (e *Embedded) Shutdown() {
	e.Server.Shutdown()
	e.Server.WaitForShutdown()
}

// Ping checks that the connection is up and JetStream answers.
func Ping(ctx context.Context, js jetstream.JetStream) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := js.AccountInfo(ctx); err != nil {
		return fmt.Errorf("natsx: jetstream: %w", err)
	}
	return nil
}

// ConnectedGauge is the gauge redress_nats_connected: 1 while nc is
// connected to a NATS server, else 0.
func ConnectedGauge(nc *nats.Conn) prometheus.Collector {
	return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "redress_nats_connected",
		Help: "1 while the process is connected to NATS, else 0."}, func() float64 {
		if nc.IsConnected() {
			return 1
		}
		return 0
	})
}
