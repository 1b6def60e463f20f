package httpkit

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/auth"
)

// Who says who may call a route.
type Who int

// Who may call a route.
const (
	Public      Who = iota // anyone, no credential
	Complainant            // a complainant signed in to (holding a token bound to) one case
	Staff                  // a staff or body user whose role is in Route.Roles
	// Enrolling is Staff that also admits a user whose role requires a
	// second factor not yet on: the routes that turn it on, and sign-out.
	Enrolling
)

// Use is what a case route does with the case — reads it or works on it
// (access.Kind: only the case's holder or a supervisor of its queue works on
// it) — and what it shows (recorded in the access log when it is opened).
// Every case route declares it: access.NewGate panics on one without.
type Use struct {
	Kind  access.Kind
	Looks []access.What
}

// What a case route does: reads (showing, for the access log, the content,
// the identity or an evidence file, or nothing it records), or works on the
// case.
var (
	Reads         = Use{Kind: access.Reads}
	ShowsContent  = Use{Kind: access.Reads, Looks: []access.What{access.Content}}
	ShowsIdentity = Use{Kind: access.Reads, Looks: []access.What{access.Identity}}
	ShowsEvidence = Use{Kind: access.Reads, Looks: []access.What{access.Evidence}}
	Works         = Use{Kind: access.Works}
)

// Route is one row of a front end's route table: the API's (api/routes.go)
// and the pages' (frontend/routes.go) are lists of it.
type Route struct {
	Method, Path string
	Access       Who
	Roles        []auth.Role
	Handler      fiber.Handler
	Throttle     fiber.Handler // optional, runs before the handler
	// Case is what a case route (CaseScoped) does with its case.
	Case Use
	// OwnCSRF (pages): the handler checks the CSRF token itself, from a
	// body the middleware must not parse (a multipart upload read part by
	// part).
	OwnCSRF bool
}

// CaseScoped reports whether path names one case — prefix itself
// ("/api/v1/cases/:id", "/cases/:id") or a path under it: its staff are
// admitted only on a ground internal/access gives them, else 404.
func CaseScoped(prefix, path string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}
