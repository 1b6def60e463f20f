package middleware

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/auth"
)

// StaffCase is Staff for a route of one case, named by the route's :id: it
// also admits the user to the case only on a ground internal/access gives
// them, asked in the statement that checks the session (no round trip of
// its own), and records the looks the route shows (its evidence file named
// by evidenceParam). A case outside their reach is 404, like a case that
// does not exist. route names the route in the access log
// ("GET /api/v1/cases/:id"). A route of kind access.Works is refused to
// whoever may see the case but not act on it: a reviewer of its queue who
// has not taken it (access.ErrNotYours), an admin who broke the glass
// (access.ErrReadOnly). A :id that is not a case id is left to the handler,
// which names the error.
func StaffCase(tokens *auth.Tokens, lookup SessionLookup, roles []auth.Role,
	svc *access.Service, route string, kind access.Kind, looks []access.What, evidenceParam string) fiber.Handler {
	method, path, _ := strings.Cut(route, " ")
	return staff(tokens, lookup, roles, false, &caseGate{svc: svc, gate: access.NewGate(method, path, kind, looks),
		evidenceParam: evidenceParam})
}

type caseGate struct {
	svc           *access.Service
	gate          access.Gate
	evidenceParam string
}
