package api

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// apiPath reports whether path belongs to the API (JSON answers) rather than
// to the pages: the API's own prefixes and its operational endpoints.
func apiPath(path string) bool {
	switch strings.TrimSuffix(path, "/") {
	case "/livez", "/readyz", "/metrics":
		return true
	}
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/.well-known/")
}

// methodNotAllowed answers a request on an API path that no route took. The
// pages are mounted on the same app with a catch-all, so Fiber's own 405
// never happens: a known path called with another method would be the pages'
// 404. Here it is 405 with an Allow header listing the path's methods, and an
// unknown API path is the API's 404 (both problem+json). Other paths go on to
// the pages.
//
// It must be added after every API route; the methods are read from the app's
// routes when the first request needs them (the pages are mounted by then).
func methodNotAllowed(app *fiber.App) fiber.Handler {
	var (
		once   sync.Once
		routes []fiber.Route
	)
	return func(c *fiber.Ctx) error {
		path := c.Path()
		if !apiPath(path) {
			return c.Next()
		}
		once.Do(func() { routes = app.GetRoutes(true) })
		var allow []string
		for _, r := range routes {
			if !slices.Contains(allow, r.Method) && routeMatches(r.Path, path) {
				allow = append(allow, r.Method)
			}
		}
		if len(allow) == 0 {
			return fiber.ErrNotFound
		}
		slices.SortFunc(allow, func(a, b string) int { return methodOrder(a) - methodOrder(b) })
		c.Set(fiber.HeaderAllow, strings.Join(allow, ", "))
		return fiber.NewError(fiber.StatusMethodNotAllowed,
			fmt.Sprintf("%s is not a method of %s; it answers %s.", c.Method(), path, strings.Join(allow, ", ")))
	}
}

func methodOrder(m string) int {
	i := slices.Index([]string{fiber.MethodGet, fiber.MethodHead, fiber.MethodPost, fiber.MethodPut,
		fiber.MethodPatch, fiber.MethodDelete, fiber.MethodOptions}, m)
	if i < 0 {
		return 100
	}
	return i
}

// routeMatches reports whether a route pattern of literal segments and
// `:name` parameters (one non-empty segment each) matches path, as Fiber
// does by default (case-insensitive, a trailing slash ignored). Patterns with
// other wildcards are never the API's and match nothing here.
func routeMatches(pattern, path string) bool {
	if strings.ContainsAny(pattern, "*+?") {
		return false
	}
	ps := strings.Split(strings.Trim(pattern, "/"), "/")
	xs := strings.Split(strings.Trim(path, "/"), "/")
	if len(ps) != len(xs) {
		return false
	}
	for i, p := range ps {
		if strings.HasPrefix(p, ":") {
			if xs[i] == "" {
				return false
			}
			continue
		}
		if !strings.EqualFold(p, xs[i]) {
			return false
		}
	}
	return true
}
