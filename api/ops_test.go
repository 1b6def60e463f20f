package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

func TestOpsEndpoints(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	if r := s.Do(req{Method: "GET", Path: "/livez"}); r.Status != 200 {
		t.Errorf("livez %d", r.Status)
	}
	r := s.Do(req{Method: "GET", Path: "/readyz"})
	if m := r.JSON(t); r.Status != 200 || m["checks"].(map[string]any)["nats"] != "ok" || m["checks"].(map[string]any)["postgres"] != "ok" {
		t.Fatalf("readyz %d %s", r.Status, r.Body)
	}
	// /metrics: metrics_port_test.go (not on this port).
	if r := s.Do(req{Method: "GET", Path: "/api/openapi.yaml"}); r.Status != 200 || !strings.HasPrefix(string(r.Body), "openapi: 3.1") {
		t.Errorf("openapi %d %.40s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "GET", Path: "/api/v1/nowhere"}); r.Status != 404 || r.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("unknown route %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	ops := httptest.NewServer(s.Core.MetricsHandler()) // the operations port
	defer ops.Close()
	metrics := func() string {
		t.Helper()
		r, err := http.Get(ops.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer r.Body.Close()
		b, _ := io.ReadAll(r.Body)
		return string(b)
	}
	if !strings.Contains(metrics(), "\nredress_nats_connected 1\n") {
		t.Errorf("metrics: no redress_nats_connected 1 while connected")
	}
	// NATS goes away: the API stays ready (intake needs PostgreSQL only: the
	// outbox keeps the events), says NATS is down, and still takes a case.
	s.NATS.Shutdown()
	r = s.Do(req{Method: "GET", Path: "/readyz"})
	if m := r.JSON(t); r.Status != 200 || m["checks"].(map[string]any)["nats"] != "down" || m["checks"].(map[string]any)["postgres"] != "ok" {
		t.Errorf("readyz without NATS: %d %s", r.Status, r.Body)
	}
	if !strings.Contains(metrics(), "\nredress_nats_connected 0\n") {
		t.Errorf("metrics: no redress_nats_connected 0 without NATS")
	}
	s.File(teststack.ValidCase())
}
