package api

import (
	"slices"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// The larger body limit reaches the upload routes, as the router matches
// them, and nothing else.
func TestUploadRoutesGetTheUploadLimit(t *testing.T) {
	var routed []string
	for _, r := range (&API{}).routes() {
		routed = append(routed, r.method+" "+r.path)
	}
	for _, r := range uploadRoutes {
		if !slices.Contains(routed, r.method+" "+r.path) {
			t.Errorf("upload route %s %s is not in the route table", r.method, r.path)
		}
	}
	for _, tc := range []struct {
		method, path string
		upload       bool
	}{
		{"POST", "/api/v1/cases/7d0c5d6e-4b7a-4c53-9a53-5b0a8f0e6c11/evidence", true},
		{"POST", "/api/v1/cases/x/evidence/", true},
		{"POST", "/API/v1/Cases/x/Evidence", true},
		{"POST", "/api/v1/complainant/case/evidence", true},
		{"GET", "/api/v1/cases/x/evidence", false},
		{"PUT", "/api/v1/complainant/case/evidence", false},
		{"POST", "/api/v1/cases//evidence", false},
		{"POST", "/api/v1/cases/x/y/evidence", false},
		{"POST", "/api/v1/cases/x/evidence/y", false},
		{"POST", "/api/v1/cases/x/messages", false},
		{"POST", "/api/v1/cases", false},
		{"POST", "/", false},
		{"POST", "", false},
	} {
		if got := isUploadRoute(tc.method, tc.path); got != tc.upload {
			t.Errorf("%s %s: upload %v, want %v", tc.method, tc.path, got, tc.upload)
		}
	}
}

// The upload limit is granted only to a request that carries a bearer
// token: without one, an upload route keeps the default limit, so an
// anonymous 25 MiB body is refused from its Content-Length before it is read.
func TestUploadBodyLimitNeedsABearerToken(t *testing.T) {
	const path = "/api/v1/complainant/case/evidence"
	for _, tc := range []struct {
		authorization string
		upload        bool
	}{
		{"Bearer eyJhbGciOi.x.y", true},
		{"bearer  eyJhbGciOi.x.y ", true},
		{"", false},
		{"Bearer", false},
		{"Bearer   ", false},
		{"Basic dXNlcjpwYXNz", false},
		{"eyJhbGciOi.x.y", false},
	} {
		var h fasthttp.RequestHeader
		h.SetMethod(fiber.MethodPost)
		h.SetRequestURI(path)
		if tc.authorization != "" {
			h.Set(fiber.HeaderAuthorization, tc.authorization)
		}
		cfg := headerReceived(&h)
		if got := cfg.MaxRequestBodySize == uploadBodyLimit && cfg.ReadTimeout == uploadReadTimeout; got != tc.upload {
			t.Errorf("Authorization %q: upload limit %v (%+v), want %v", tc.authorization, got, cfg, tc.upload)
		}
		if !tc.upload && cfg != (fasthttp.RequestConfig{}) {
			t.Errorf("Authorization %q: %+v, want the server's defaults", tc.authorization, cfg)
		}
	}

	// The 413's detail names the limit that applied.
	app := fiber.New(fiber.Config{BodyLimit: 256 << 10})
	for _, tc := range []struct {
		authorization, want string
	}{
		{"Bearer t", "25 MiB"},
		{"", "256 KiB"},
	} {
		c := app.AcquireCtx(&fasthttp.RequestCtx{})
		c.Request().Header.SetMethod(fiber.MethodPost)
		c.Request().SetRequestURI(path)
		c.Path(path)
		c.Method(fiber.MethodPost)
		if tc.authorization != "" {
			c.Request().Header.Set(fiber.HeaderAuthorization, tc.authorization)
		}
		if got := tooLargeDetail(c); !strings.Contains(got, tc.want) {
			t.Errorf("Authorization %q: detail %q, want %s", tc.authorization, got, tc.want)
		}
		app.ReleaseCtx(c)
	}
}
