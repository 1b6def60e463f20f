package middleware

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/auth"
)

const localGround = "redress.ground"

// Viewer is the signed-in staff user as internal/access sees them.
func Viewer(u *auth.User) access.Viewer {
	return access.Viewer{ID: u.ID, Role: u.Role, Skills: u.Skills, Languages: u.Languages}
}

// CaseAccess admits a staff user to the case named by the route's :id only
// on a ground internal/access gives them, and records in the same statement
// the looks the route shows (its evidence file named by evidenceParam). A
// case outside their reach is 404, like a case that does not exist. route
// names the route in the access log ("GET /api/v1/cases/:id"). A route that
// writes (neither GET nor HEAD, and showing nothing) is refused to whoever
// sees the case only by break-glass (access.ErrReadOnly).
func CaseAccess(svc *access.Service, route string, looks []access.What, evidenceParam string) fiber.Handler {
	method, path, _ := strings.Cut(route, " ")
	gate := access.NewGate(method, path, looks)
	return func(c *fiber.Ctx) error {
		id, err := uuid.Parse(c.Params("id"))
		if err != nil {
			return c.Next() // not a case id: the handler names the error
		}
		g, err := svc.Admit(c.UserContext(), Viewer(User(c)), gate, id, c.Params(evidenceParam))
		if err != nil {
			return err
		}
		c.Locals(localGround, g)
		return c.Next()
	}
}

// Ground is the ground CaseAccess admitted the request on ("" outside a case route).
func Ground(c *fiber.Ctx) access.Ground {
	g, _ := c.Locals(localGround).(access.Ground)
	return g
}
