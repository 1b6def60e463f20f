package httpkit

import (
	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/cases"
)

const (
	localUser   = "redress.user"
	localGround = "redress.ground"
)

// SetUser records u, the signed-in staff or body user, on the request (the
// front ends' authentication does, once it checked the session).
func SetUser(c *fiber.Ctx, u *auth.User) { c.Locals(localUser, u) }

// User is the signed-in staff or body user (nil if none).
func User(c *fiber.Ctx) *auth.User {
	u, _ := c.Locals(localUser).(*auth.User)
	return u
}

// SetGround records the ground internal/access admitted the signed-in user
// to the route's case on (the front ends' case gate does).
func SetGround(c *fiber.Ctx, g access.Ground) { c.Locals(localGround, g) }

// Ground is the ground the user was admitted to the route's case on (""
// outside a case's route).
func Ground(c *fiber.Ctx) access.Ground {
	g, _ := c.Locals(localGround).(access.Ground)
	return g
}

// Actor is the signed-in staff member as the domain sees them: who, their
// role, and whether they may work on the route's case though they do not
// hold it — a supervisor or admin of its queue (access.Ground.MayWork). It
// fails closed: any other ground, one added later included, works only on
// the cases it holds; outside a case's route it is never set. The route
// must admit staff only (a user is signed in).
func Actor(c *fiber.Ctx) cases.Actor {
	u := User(c)
	return cases.Staff(u.ID, u.Role, Ground(c).MayWork())
}

// ViewerOf is staff user u as internal/access sees them.
func ViewerOf(u *auth.User) access.Viewer {
	return access.Viewer{ID: u.ID, Role: u.Role, Skills: u.Skills, Languages: u.Languages}
}

// Viewer is the signed-in staff user as internal/access sees them.
func Viewer(c *fiber.Ctx) access.Viewer { return ViewerOf(User(c)) }
