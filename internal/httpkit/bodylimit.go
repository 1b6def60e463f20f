package httpkit

import (
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/redresshq/redress/internal/evidence"
)

// Upload is a route that takes multipart evidence uploads, of the API or of
// the pages: its bodies may be larger than the JSON routes' limit
// (REDRESS_BODY_LIMIT), up to UploadBodyLimit, when the request carries its
// credential: a bearer token, or (for a web page's form) the named session
// cookie. Every other route keeps the configured limit, so a JSON route
// never reads more than it. The one type both front ends declare their
// upload routes with.
type Upload struct {
	Method, Path string
	Cookie       string // "" for a bearer token
	// Extra is what the route's body may carry beyond one evidence file
	// and its envelope (the complaint form's answers, sent with its files).
	Extra int
}

const (
	// UploadBodyLimit is one evidence file at its largest plus the
	// multipart envelope around it (boundaries, part headers, the source
	// and a description).
	UploadBodyLimit = evidence.MaxBytes + 64<<10
	// UploadReadTimeout replaces the server's read timeout for an upload: 25 MiB takes a while on a slow line.
	UploadReadTimeout = 2 * time.Minute
)

// HeaderReceived runs once a request's header is read, before its body: an
// upload route called with its credential (a bearer token, or a page's
// session cookie) gets the upload limit and a longer read timeout; anything
// else keeps the server's defaults (a zero config), so nobody without one
// makes the server read 25 MiB (the credential itself is checked later, by
// the route's middleware). A body over the limit is refused from its
// Content-Length (413) before it is read.
func HeaderReceived(routes []Upload) func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	return func(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
		readHeaders.Delete(h)
		u := fasthttp.AcquireURI()
		defer fasthttp.ReleaseURI(u)
		if err := u.Parse(nil, h.RequestURI()); err != nil {
			return fasthttp.RequestConfig{}
		}
		path := string(u.PathOriginal())
		page := !strings.HasPrefix(strings.ToLower(path), "/api/")
		if r, ok := uploadRoute(routes, string(h.Method()), path, credentials(h)); ok {
			readHeaders.Store(h, headerInfo{upload: &r, page: page, acceptLanguage: string(h.Peek(fiber.HeaderAcceptLanguage)),
				cookie: string(h.Peek(fiber.HeaderCookie))})
			return fasthttp.RequestConfig{MaxRequestBodySize: UploadBodyLimit + r.Extra, ReadTimeout: UploadReadTimeout}
		}
		switch {
		case h.IsGet() || h.IsHead():
		case page:
			readHeaders.Store(h, headerInfo{page: true, acceptLanguage: string(h.Peek(fiber.HeaderAcceptLanguage)),
				cookie: string(h.Peek(fiber.HeaderCookie))})
		default:
			readHeaders.Store(h, headerInfo{}) // an API body: its 413 stays JSON
		}
		return fasthttp.RequestConfig{}
	}
}

// credentials says which credentials a request carries: a bearer token, and
// which cookies are set.
func credentials(h *fasthttp.RequestHeader) func(cookie string) bool {
	return func(cookie string) bool {
		if cookie == "" {
			return hasBearer(string(h.Peek(fiber.HeaderAuthorization)))
		}
		return len(h.Cookie(cookie)) > 0
	}
}

// hasBearer reports whether an Authorization header's value is
// "Bearer <something>", as the auth middleware reads it.
func hasBearer(v string) bool {
	scheme, token, ok := strings.Cut(v, " ")
	return ok && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(token) != ""
}

// IsUploadRoute reports whether method and path reach one of routes with its
// credential, matching as the router does: case-insensitively, a trailing
// slash ignored, a :param standing for one non-empty segment.
func IsUploadRoute(routes []Upload, method, path string, has func(cookie string) bool) bool {
	_, ok := uploadRoute(routes, method, path, has)
	return ok
}

// uploadRoute is the route of routes that method and path reach with its
// credential, as IsUploadRoute matches it.
func uploadRoute(routes []Upload, method, path string, has func(cookie string) bool) (Upload, bool) {
	if method != fiber.MethodPost {
		return Upload{}, false
	}
	if len(path) > 1 {
		path = strings.TrimSuffix(path, "/")
	}
	got := strings.Split(path, "/")
	for _, r := range routes {
		want := strings.Split(r.Path, "/")
		if r.Method != method || len(want) != len(got) || !has(r.Cookie) {
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
			return r, true
		}
	}
	return Upload{}, false
}

// TooLargeDetail names the limit a refused body broke.
func TooLargeDetail(c *fiber.Ctx, routes []Upload) string {
	if v, ok := readHeaders.Load(&c.Request().Header); ok && v.(headerInfo).upload != nil {
		// A chunked body over the limit: fasthttp has reset the request.
		return uploadTooLarge(*v.(headerInfo).upload)
	}
	if r, ok := uploadRoute(routes, c.Method(), c.Path(), func(cookie string) bool {
		if cookie == "" {
			return hasBearer(c.Get(fiber.HeaderAuthorization))
		}
		return c.Cookies(cookie) != ""
	}); ok {
		return uploadTooLarge(r)
	}
	return fmt.Sprintf("The request body is larger than the limit of %s.", byteSize(c.App().Config().BodyLimit))
}

func uploadTooLarge(r Upload) string {
	return fmt.Sprintf("The request body is larger than %d bytes: an evidence file may be at most %s.",
		UploadBodyLimit+r.Extra, byteSize(evidence.MaxBytes))
}

// readHeaders is what HeaderReceived found of each request whose body is
// being read — the upload route it reaches, whether it is a page's (keyed
// by the header, which fasthttp keeps in its pooled request context: at
// most one entry per context), for the 413's detail and form: fasthttp
// resets the request when a chunked body breaks the limit, so the error
// handler can no longer read them from it.
var readHeaders sync.Map

type headerInfo struct {
	upload *Upload
	page   bool
	// The page's language and cookies, for its error page.
	acceptLanguage, cookie string
}

// RestorePage puts back the language and cookies of a page's request that
// fasthttp reset (a chunked body over the limit), for its error page.
func RestorePage(c *fiber.Ctx) {
	v, ok := readHeaders.Load(&c.Request().Header)
	if !ok {
		return
	}
	hi := v.(headerInfo)
	h := &c.Request().Header
	if len(h.Peek(fiber.HeaderAcceptLanguage)) == 0 && hi.acceptLanguage != "" {
		h.Set(fiber.HeaderAcceptLanguage, hi.acceptLanguage)
	}
	if len(h.Peek(fiber.HeaderCookie)) == 0 && hi.cookie != "" {
		h.Set(fiber.HeaderCookie, hi.cookie)
	}
}

// IsPage reports whether c is a request to a page (not /api/), also after
// fasthttp reset it.
func IsPage(c *fiber.Ctx) bool {
	if v, ok := readHeaders.Load(&c.Request().Header); ok {
		return v.(headerInfo).page
	}
	return !strings.HasPrefix(strings.ToLower(c.Path()), "/api/")
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

// EvidenceForm reads an upload route's evidence form from the request's raw
// body (c.Body() would decode a Content-Encoding), part by part
// (evidence.ParseForm): the one way both front ends parse an
// upload. extra are the form's other fields a page sends (its CSRF token).
func EvidenceForm(c *fiber.Ctx, complainant bool, extra ...string) (evidence.Input, error) {
	return evidence.ParseForm(c.Get(fiber.HeaderContentType), c.Get(fiber.HeaderContentEncoding),
		c.Request().Body(), complainant, extra...)
}
