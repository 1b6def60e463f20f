// Package natstest gives a test a real NATS server: an embedded nats-server
// with JetStream of its own. It is apart from testenv so that the tests that
// only need PostgreSQL do not link nats-server (a third of their binary, and
// of its linking).
package natstest

import (
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/redresshq/redress/internal/platform/natsx"
)

// Start starts an embedded nats-server with JetStream for t, connects to it,
// and stops both when t ends.
func Start(t testing.TB) (*natsx.Embedded, *nats.Conn, jetstream.JetStream) {
	t.Helper()
	ns, err := natsx.StartEmbedded("127.0.0.1", -1, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(ns.URL(), nats.MaxReconnects(-1), nats.ReconnectWait(100*time.Millisecond))
	if err != nil {
		ns.Shutdown()
		t.Fatal(err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		nc.Close()
		ns.Shutdown()
	})
	return ns, nc, js
}
