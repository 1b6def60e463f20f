package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/auth"
)

// access says who may call a route.
type access int

const (
	public      access = iota // anyone, no token
	complainant               // a complainant token, bound to one case
	staff                     // a staff or body token whose role is in roles
)

type route struct {
	method, path string
	access       access
	roles        []string
	handler      fiber.Handler
}

var (
	caseWorkers = []string{auth.RoleReviewer, auth.RoleSupervisor, auth.RoleAdmin}
	anyStaff    = []string{auth.RoleReviewer, auth.RoleSupervisor, auth.RoleAdmin, auth.RoleBody}
)

// routes is the one route table: every route with who may call it.
func (a *API) routes() []route {
	return []route{
		{fiber.MethodGet, "/api/v1/ai-systems", public, nil, a.listAISystems},
		{fiber.MethodPost, "/api/v1/cases", public, nil, a.createCase},
		{fiber.MethodPost, "/api/v1/complainant/session", public, nil, a.openComplainantSession},
		{fiber.MethodGet, "/api/v1/complainant/case", complainant, nil, a.complainantCase},
		{fiber.MethodPost, "/api/v1/complainant/case/messages", complainant, nil, a.complainantMessage},

		{fiber.MethodPost, "/api/v1/auth/token", public, nil, a.issueToken},
		{fiber.MethodGet, "/api/v1/me", staff, anyStaff, a.me},

		{fiber.MethodGet, "/api/v1/cases", staff, caseWorkers, a.listCases},
		{fiber.MethodGet, "/api/v1/cases/:id", staff, caseWorkers, a.getCase},
		{fiber.MethodGet, "/api/v1/cases/:id/audit", staff, caseWorkers, a.caseAudit},
		{fiber.MethodPost, "/api/v1/cases/:id/messages", staff, caseWorkers, a.staffMessage},
		{fiber.MethodPost, "/api/v1/cases/:id/acknowledge", staff, caseWorkers, a.acknowledgeCase},
		{fiber.MethodPost, "/api/v1/cases/:id/transitions", staff, caseWorkers, a.transitionCase},
	}
}
