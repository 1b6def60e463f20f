package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/api/middleware"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/httpkit"
)

// signOut: POST /api/v1/auth/sign-out — ends the token's session.
func (a *API) signOut(c *fiber.Ctx) error {
	if err := a.SignIn.Revoke(c.UserContext(), middleware.Session(c), httpkit.User(c).ID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// mySessions: GET /api/v1/me/sessions — the account's live sessions.
func (a *API) mySessions(c *fiber.Ctx) error {
	list, err := a.SignIn.Sessions(c.UserContext(), httpkit.User(c).ID, middleware.Session(c))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"sessions": list})
}

// revokeMySessions: POST /api/v1/me/sessions/revoke — signs the account out
// everywhere, this token's session too.
func (a *API) revokeMySessions(c *fiber.Ctx) error {
	n, err := a.SignIn.RevokeAll(c.UserContext(), httpkit.User(c).ID)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"revoked": n})
}

// startTwoFactor: POST /api/v1/me/two-factor — a new secret to set up in an
// authenticator app, with its otpauth URL and QR code; on once confirmed.
func (a *API) startTwoFactor(c *fiber.Ctx) error {
	e, err := a.SignIn.StartEnrolment(c.UserContext(), httpkit.User(c), true)
	return answer(c, fiber.StatusCreated, e, err)
}

// confirmTwoFactor: POST /api/v1/me/two-factor/confirm {code} — turns the
// second factor on and returns the recovery codes, shown this once.
func (a *API) confirmTwoFactor(c *fiber.Ctx) error {
	var req struct {
		Code string `json:"code"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	codes, err := a.SignIn.Confirm(c.UserContext(), httpkit.User(c), req.Code)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"enabled": true, "recovery_codes": codes})
}

// signInPolicy: GET /api/v1/admin/sign-in-policy — which roles must use a second factor.
func (a *API) signInPolicy(c *fiber.Ctx) error {
	list, err := a.SignIn.Policies(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"policies": list})
}

// putSignInPolicy: PUT /api/v1/admin/sign-in-policy {policies: [{role, second_factor_required}]}.
func (a *API) putSignInPolicy(c *fiber.Ctx) error {
	var req struct {
		Policies []auth.Policy `json:"policies"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	set := map[auth.Role]bool{}
	for _, p := range req.Policies {
		set[p.Role] = p.SecondFactorRequired
	}
	list, err := a.SignIn.SetPolicies(c.UserContext(), set)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"policies": list})
}
