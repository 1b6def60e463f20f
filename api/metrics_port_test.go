package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/redresshq/redress/api/middleware"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// TestMetricsOffThePublicPort (issue 15, item 6): the app's port — the one
// the public reaches — has no /metrics, whoever asks and however; the
// operations port (REDRESS_METRICS_ADDR, Core.MetricsHandler) has the app's
// metrics, requests counted by route and status.
func TestMetricsOffThePublicPort(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	s.File(teststack.ValidCase())
	admin := s.Login("admin@example.org")
	for _, tok := range []string{"", admin} {
		r := s.Do(req{Method: "GET", Path: "/metrics", Token: tok})
		if r.Status != 404 || strings.Contains(string(r.Body), "redress_http_request_duration_seconds") ||
			strings.Contains(string(r.Body), "go_goroutines") {
			t.Errorf("GET /metrics on the app's port (token %t): %d %.200s", tok != "", r.Status, r.Body)
		}
	}
	for _, path := range []string{"/metrics/", "/METRICS", "/api/v1/metrics"} {
		if r := s.Do(req{Method: "GET", Path: path}); strings.Contains(string(r.Body), "go_goroutines") {
			t.Errorf("GET %s on the app's port serves metrics: %d", path, r.Status)
		}
	}

	ops := httptest.NewServer(s.Core.MetricsHandler())
	defer ops.Close()
	resp, err := http.Get(ops.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 ||
		!strings.Contains(string(body), `redress_http_request_duration_seconds_count{method="POST",route="/api/v1/cases",status="201"} 1`) ||
		!strings.Contains(string(body), "go_goroutines") {
		t.Errorf("the operations port's /metrics: %d\n%.2000s", resp.StatusCode, body)
	}
	// It serves nothing else.
	if resp, err := http.Get(ops.URL + "/api/v1/ai-systems"); err != nil || resp.StatusCode != 404 {
		t.Errorf("the operations port serves the API: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

// TestPermissionsPolicy: every answer, JSON or page, static file or error,
// turns off the browser's powerful features (camera, microphone,
// geolocation, payment, USB, FLoC/Topics, …).
func TestPermissionsPolicy(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	for _, path := range []string{"/api/v1/ai-systems", "/api/v1/nowhere", "/livez", "/", "/login", "/complaints/new", "/nowhere"} {
		r := s.Do(req{Method: "GET", Path: path})
		pp := r.Header.Get("Permissions-Policy")
		if pp != middleware.PermissionsPolicy {
			t.Errorf("GET %s (%d): Permissions-Policy %q", path, r.Status, pp)
			continue
		}
		for _, f := range []string{"camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()",
			"interest-cohort=()", "browsing-topics=()"} {
			if !strings.Contains(pp, f) {
				t.Errorf("GET %s: Permissions-Policy lacks %s", path, f)
			}
		}
	}
	// Every directive denies: an empty allow-list, never * nor self.
	for _, d := range strings.Split(middleware.PermissionsPolicy, ", ") {
		if !strings.HasSuffix(d, "=()") {
			t.Errorf("a directive that allows: %q", d)
		}
	}
}
