package middleware

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/limiter"

	"github.com/redresshq/redress/internal/platform/fault"
)

// SignInThrottle allows max sign-in attempts per email address in window,
// whatever address they come from: it keys on the account, never on the
// client's IP, which Redress does not read. The count is per process.
func SignInThrottle(max int, window time.Duration) fiber.Handler {
	return limiter.New(limiter.Config{
		Max:        max,
		Expiration: window,
		KeyGenerator: func(c *fiber.Ctx) string {
			var body struct {
				Email string `json:"email"`
			}
			_ = json.Unmarshal(c.Request().Body(), &body)
			return "signin:" + strings.ToLower(strings.TrimSpace(body.Email))
		},
		LimitReached: func(c *fiber.Ctx) error {
			return fault.New(fault.TooMany, "too_many_attempts",
				"Too many sign-in attempts for this account; wait a few minutes and try again.")
		},
	})
}
