package api

import (
	"slices"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/valyala/fasthttp"
)

// The larger body limit reaches the upload routes, as the router matches
// them, and nothing else.
func TestUploadRoutesGetTheUploadLimit(t *testing.T) {
	var routed []string
	for _, r := range (&API{}).routes() {
		routed = append(routed, r.Method+" "+r.Path)
	}
	for _, r := range uploadRoutes {
		if !slices.Contains(routed, r.Method+" "+r.Path) {
			t.Errorf("upload route %s %s is not in the route table", r.Method, r.Path)
		}
	}
	bearer := func(cookie string) bool { return cookie == "" }
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
		if got := httpkit.IsUploadRoute(uploadRoutes, tc.method, tc.path, bearer); got != tc.upload {
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
		cfg := httpkit.HeaderReceived(uploadRoutes)(&h)
		if got := cfg.MaxRequestBodySize == httpkit.UploadBodyLimit && cfg.ReadTimeout == httpkit.UploadReadTimeout; got != tc.upload {
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
		if got := httpkit.TooLargeDetail(c, uploadRoutes); !strings.Contains(got, tc.want) {
			t.Errorf("Authorization %q: detail %q, want %s", tc.authorization, got, tc.want)
		}
		app.ReleaseCtx(c)
	}
}

// A web page's upload form gets the upload limit only with its session
// cookie; the same path without it, or with another cookie, keeps the default.
func TestUploadBodyLimitForPagesNeedsTheirCookie(t *testing.T) {
	routes := append(slices.Clone(uploadRoutes), httpkit.Upload{Method: fiber.MethodPost, Path: "/cases/:id/evidence", Cookie: "redress_staff"})
	for _, tc := range []struct {
		cookie, bearer string
		upload         bool
	}{
		{"redress_staff=eyJ.x.y", "", true},
		{"redress_csrf=abc; redress_staff=eyJ.x.y", "", true},
		{"redress_case=eyJ.x.y", "", false},
		{"", "Bearer eyJ.x.y", false},
		{"", "", false},
	} {
		var h fasthttp.RequestHeader
		h.SetMethod(fiber.MethodPost)
		h.SetRequestURI("/cases/7d0c5d6e-4b7a-4c53-9a53-5b0a8f0e6c11/evidence")
		if tc.cookie != "" {
			h.Set(fiber.HeaderCookie, tc.cookie)
		}
		if tc.bearer != "" {
			h.Set(fiber.HeaderAuthorization, tc.bearer)
		}
		cfg := httpkit.HeaderReceived(routes)(&h)
		if got := cfg.MaxRequestBodySize == httpkit.UploadBodyLimit; got != tc.upload {
			t.Errorf("cookie %q, authorization %q: upload limit %v, want %v", tc.cookie, tc.bearer, got, tc.upload)
		}
	}
}

// A page whose form sends answers with its files (the complaint form's last
// step) gets the upload limit plus its Extra, with its cookie only.
func TestUploadBodyLimitExtraForAFormWithAnswers(t *testing.T) {
	routes := []httpkit.Upload{{Method: fiber.MethodPost, Path: "/complaints/send", Cookie: "redress_csrf", Extra: 192 << 10}}
	for _, tc := range []struct {
		cookie string
		want   int
	}{
		{"redress_csrf=abc", httpkit.UploadBodyLimit + 192<<10},
		{"", 0},
	} {
		var h fasthttp.RequestHeader
		h.SetMethod(fiber.MethodPost)
		h.SetRequestURI("/complaints/send")
		if tc.cookie != "" {
			h.Set(fiber.HeaderCookie, tc.cookie)
		}
		if got := httpkit.HeaderReceived(routes)(&h).MaxRequestBodySize; got != tc.want {
			t.Errorf("cookie %q: limit %d, want %d", tc.cookie, got, tc.want)
		}
	}
}
