// Package natsx connects to NATS and runs the embedded JetStream server that
// `redress dev` and the tests use. The embedded server is a real nats-server.
package natsx

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Connect dials url with reconnects forever and logs connection changes.
func Connect(url, name string, log *slog.Logger) (*nats.Conn, error) {
	nc, err := nats.Connect(url,
		nats.Name(name),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(500*time.Millisecond),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				log.Warn("nats disconnected", "err", err)
			}
		}),
		nats.ReconnectHandler(func(c *nats.Conn) { log.Info("nats reconnected", "url", c.ConnectedUrlRedacted()) }),
	)
	if err != nil {
		return nil, fmt.Errorf("natsx: connect: %w", err)
	}
	return nc, nil
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
