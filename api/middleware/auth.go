package middleware

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
)

const (
	localSession = "redress.session"
	localCaseID  = "redress.case_id"
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

// SessionLookup loads a live session of a user, with the user, in one
// query (auth.SignIn.Live), which also answers extra if given.
type SessionLookup func(c *fiber.Ctx, sessionID, userID uuid.UUID, extra *auth.Extra) (*auth.Live, error)

// Staff admits a staff or body token whose session is live (not revoked, not
// expired, its user active and still holding the session's role) and whose
// user holds one of roles. A user whose role requires a second factor they
// have not turned on is refused (403 second_factor_enrolment_required).
func Staff(tokens *auth.Tokens, lookup SessionLookup, roles []auth.Role) fiber.Handler {
	return staff(tokens, lookup, roles, false, nil)
}

// Enrolling is Staff that also admits a user who must still turn on their
// second factor: for the routes that do that, and sign-out.
func Enrolling(tokens *auth.Tokens, lookup SessionLookup, roles []auth.Role) fiber.Handler {
	return staff(tokens, lookup, roles, true, nil)
}

func staff(tokens *auth.Tokens, lookup SessionLookup, roles []auth.Role, enrolling bool, gate *caseGate) fiber.Handler {
	return func(c *fiber.Ctx) error {
		raw, err := bearer(c)
		if err != nil {
			return err
		}
		id, claims, err := tokens.Verify(raw, auth.AudienceStaff)
		if err != nil {
			return errBadToken
		}
		sid, ok := claims.SessionID()
		if !ok {
			return errBadToken
		}
		var extra *auth.Extra
		caseID, caseErr := uuid.Parse(c.Params("id"))
		if gate != nil && caseErr == nil {
			// The case's ground, in the statement that checks the session,
			// for the role the token was issued to (the statement checks the
			// session still has it).
			col, args := access.GroundColumn(claims.Role, id, caseID)
			extra = &auth.Extra{SQL: col, Args: args}
		}
		live, err := lookup(c, sid, id, extra)
		if err != nil {
			if fault.Is(err, fault.Unauthorized) {
				return errBadToken
			}
			return err
		}
		if live.Restricted && !enrolling {
			return auth.ErrEnrolmentRequired
		}
		if !slices.Contains(roles, live.User.Role) {
			return errRole
		}
		httpkit.SetUser(c, &live.User)
		c.Locals(localSession, sid)
		if extra != nil {
			if live.User.Role != claims.Role {
				return errBadToken
			}
			g, err := gate.svc.Pass(c.UserContext(), httpkit.ViewerOf(&live.User), gate.gate, caseID,
				c.Params(gate.evidenceParam), live.Extra)
			if err != nil {
				return err
			}
			httpkit.SetGround(c, g)
		}
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

// Session returns the session the staff or body token names.
func Session(c *fiber.Ctx) uuid.UUID {
	id, _ := c.Locals(localSession).(uuid.UUID)
	return id
}

// CaseID returns the case a complainant token is bound to.
func CaseID(c *fiber.Ctx) uuid.UUID {
	id, _ := c.Locals(localCaseID).(uuid.UUID)
	return id
}
