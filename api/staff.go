package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
)

// issueToken: POST /api/v1/auth/token {email, password, code}. An account
// with a second factor on also sends code (TOTP or a recovery code); one
// whose role requires it and has none is refused until it turns it on.
func (a *API) issueToken(c *fiber.Ctx) error {
	var req struct {
		Email    string `json:"email"`
		Password string `json:"password"`
		Code     string `json:"code"`
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
	if len(req.Code) > 64 {
		f.Add("code", "too_long", "must be at most 64 characters")
	}
	if err := f.Err(); err != nil {
		return err
	}
	ctx := c.UserContext()
	user, err := a.Users.Authenticate(ctx, req.Email, req.Password)
	if err != nil {
		return err
	}
	step, err := a.SignIn.Next(ctx, user)
	if err != nil {
		return err
	}
	switch step {
	case auth.StepEnrol:
		return auth.ErrEnrolmentRequired
	case auth.StepCode:
		if strings.TrimSpace(req.Code) == "" {
			return auth.ErrSecondFactorRequired
		}
		if err := a.SignIn.Verify(ctx, user.ID, req.Code); err != nil {
			return err
		}
	}
	session, err := a.SignIn.Open(ctx, user, auth.SessionAPI, c.Get(fiber.HeaderUserAgent), a.StaffTokenTTL)
	if err != nil {
		return err
	}
	token, _, err := a.Tokens.IssueSession(session, a.StaffTokenTTL)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"access_token": token, "token_type": "Bearer",
		"expires_in": int(a.StaffTokenTTL.Seconds()), "role": user.Role})
}

// me: GET /api/v1/me — the signed-in user.
func (a *API) me(c *fiber.Ctx) error { return c.JSON(httpkit.User(c)) }
