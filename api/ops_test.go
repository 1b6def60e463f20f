package api_test

import (
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
	// NATS goes away: the API is no longer ready, and says which dependency is missing.
	s.NATS.Shutdown()
	r = s.Do(req{Method: "GET", Path: "/readyz"})
	if r.Status != 503 || r.JSON(t)["checks"].(map[string]any)["nats"] == "ok" {
		t.Errorf("readyz without NATS: %d %s", r.Status, r.Body)
	}
}
