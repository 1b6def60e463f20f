package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/api/middleware"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/platform/fault"
)

// issueToken: POST /api/v1/auth/token {email, password}.
func (a *API) issueToken(c *fiber.Ctx) error {
	var req struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var f fault.Fields
	if req.Email == "" {
		f.Add("email", "required", "is required")
	}
	if req.Password == "" {
		f.Add("password", "required", "is required")
	}
	if len(req.Password) > 1024 {
		f.Add("password", "too_long", "must be at most 1024 bytes")
	}
	if err := f.Err(); err != nil {
		return err
	}
	user, err := a.Users.Authenticate(c.UserContext(), req.Email, req.Password)
	if err != nil {
		return err
	}
	token, _, err := a.Tokens.Issue(auth.AudienceStaff, user.ID, user.Role, a.StaffTokenTTL)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"access_token": token, "token_type": "Bearer",
		"expires_in": int(a.StaffTokenTTL.Seconds()), "role": user.Role})
}

// me: GET /api/v1/me — the signed-in user.
func (a *API) me(c *fiber.Ctx) error { return c.JSON(middleware.User(c)) }
