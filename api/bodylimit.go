package api

import (
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/redresshq/redress/internal/grievance"
)

// uploadRoutes take multipart evidence uploads: their bodies may be larger
// than the JSON routes' limit (REDRESS_BODY_LIMIT), up to uploadBodyLimit.
// Every other route keeps the configured limit, so a JSON route never reads
// more than it.
var uploadRoutes = []struct{ method, path string }{
	{fiber.MethodPost, "/api/v1/cases/:id/evidence"},
	{fiber.MethodPost, "/api/v1/complainant/case/evidence"},
}

const (
	// uploadBodyLimit is one evidence file at its largest plus the
	// multipart envelope around it (boundaries, part headers, the source
	// and a description).
	uploadBodyLimit = grievance.MaxEvidenceBytes + 64<<10
	// uploadReadTimeout replaces the server's read timeout for an upload: 25 MiB takes a while on a slow line.
	uploadReadTimeout = 2 * time.Minute
)

// headerReceived runs once a request's header is read, before its body: an
// upload route called with a bearer token gets the upload limit and a longer
// read timeout; anything else keeps the server's defaults (a zero config),
// so nobody without a token makes the server read 25 MiB (the token itself
// is checked later, by the route's middleware). A body over the limit is
// refused from its Content-Length (413) before it is read.
func headerReceived(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	if !hasBearer(string(h.Peek(fiber.HeaderAuthorization))) {
		return fasthttp.RequestConfig{}
	}
	u := fasthttp.AcquireURI()
	defer fasthttp.ReleaseURI(u)
	if err := u.Parse(nil, h.RequestURI()); err != nil {
		return fasthttp.RequestConfig{}
	}
	if isUploadRoute(string(h.Method()), string(u.PathOriginal())) {
		return fasthttp.RequestConfig{MaxRequestBodySize: uploadBodyLimit, ReadTimeout: uploadReadTimeout}
	}
	return fasthttp.RequestConfig{}
}

// hasBearer reports whether an Authorization header's value is
// "Bearer <something>", as the auth middleware reads it.
func hasBearer(v string) bool {
	scheme, token, ok := strings.Cut(v, " ")
	return ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) != ""
}

// isUploadRoute reports whether method and path reach one of uploadRoutes,
// matching as the router does: case-insensitively, a trailing slash
// ignored, a :param standing for one non-empty segment.
func isUploadRoute(method, path string) bool {
	if method != fiber.MethodPost {
		return false
	}
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	got := strings.Split(path, "/")
	for _, r := range uploadRoutes {
		want := strings.Split(r.path, "/")
		if r.method != method || len(want) != len(got) {
			continue
		}
		match := true
		for i, w := range want {
			if strings.HasPrefix(w, ":") {
				match = got[i] != ""
			} else {
				match = strings.EqualFold(w, got[i])
			}
			if !match {
				break
			}
		}
		if match {
			return true
		}
	}
	return false
}

// tooLargeDetail names the limit a refused body broke.
func tooLargeDetail(c *fiber.Ctx) string {
	if hasBearer(c.Get(fiber.HeaderAuthorization)) && isUploadRoute(c.Method(), c.Path()) {
		return fmt.Sprintf("The request body is larger than %d bytes: an evidence file may be at most %s.",
			uploadBodyLimit, byteSize(grievance.MaxEvidenceBytes))
	}
	return fmt.Sprintf("The request body is larger than the limit of %s.", byteSize(c.App().Config().BodyLimit))
}

// byteSize writes n bytes for people: "25 MiB (26214400 bytes)".
func byteSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB (%d bytes)", n>>20, n)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB (%d bytes)", n>>10, n)
	}
	return fmt.Sprintf("%d bytes", n)
}
