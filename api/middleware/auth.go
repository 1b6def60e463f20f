package middleware

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/platform/fault"
)

const (
	localUser   = "redress.user"
	localCaseID = "redress.case_id"
)

var (
	errNoToken = fault.New(fault.Unauthorized, "missing_token",
		"Sign in first and send the token as `Authorization: Bearer <token>`.")
	errBadToken = fault.New(fault.Unauthorized, "invalid_token", "The token is invalid or has expired; sign in again.")
	errRole     = fault.New(fault.Forbidden, "forbidden", "Your role does not allow this.")
)

func bearer(c *fiber.Ctx) (string, error) {
	h := c.Get(fiber.HeaderAuthorization)
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", errNoToken
	}
	return strings.TrimSpace(token), nil
}

// UserLookup loads an active user by id.
type UserLookup func(c *fiber.Ctx, id uuid.UUID) (*auth.User, error)

// Staff admits a staff or body token whose user is still active and holds one of roles.
func Staff(tokens *auth.Tokens, lookup UserLookup, roles []string) fiber.Handler {
	return func(c *fiber.Ctx) error {
		raw, err := bearer(c)
		if err != nil {
			return err
		}
		id, _, err := tokens.Verify(raw, auth.AudienceStaff)
		if err != nil {
			return errBadToken
		}
		user, err := lookup(c, id)
		if err != nil {
			if fault.Is(err, fault.Unauthorized) {
				return errBadToken
			}
			return err
		}
		if !slices.Contains(roles, user.Role) {
			return errRole
		}
		c.Locals(localUser, user)
		return c.Next()
	}
}

// Complainant admits a complainant token and binds the request to its one case.
func Complainant(tokens *auth.Tokens) fiber.Handler {
	return func(c *fiber.Ctx) error {
		raw, err := bearer(c)
		if err != nil {
			return err
		}
		caseID, _, err := tokens.Verify(raw, auth.AudienceComplainant)
		if err != nil {
			return errBadToken
		}
		c.Locals(localCaseID, caseID)
		return c.Next()
	}
}

// User returns the signed-in staff or body user.
func User(c *fiber.Ctx) *auth.User {
	u, _ := c.Locals(localUser).(*auth.User)
	return u
}

// CaseID returns the case a complainant token is bound to.
func CaseID(c *fiber.Ctx) uuid.UUID {
	id, _ := c.Locals(localCaseID).(uuid.UUID)
	return id
}
