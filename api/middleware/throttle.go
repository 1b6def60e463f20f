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
// client's IP, which Redress does not read. The count is per process; the
// API's token route and the pages' sign-in form share one throttle, so an
// account gets max attempts in all, read from a JSON body or a form.
func SignInThrottle(max int, window time.Duration) fiber.Handler {
	return limiter.New(limiter.Config{
		Max:        max,
		Expiration: window,
		KeyGenerator: func(c *fiber.Ctx) string {
			var body struct {
				Email string `json:"email"`
			}
			if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationForm) {
				body.Email = c.FormValue("email")
			} else {
				_ = json.Unmarshal(c.Request().Body(), &body)
			}
			return "signin:" + strings.ToLower(strings.TrimSpace(body.Email))
		},
		LimitReached: func(c *fiber.Ctx) error {
			return fault.New(fault.TooMany, "too_many_attempts",
				"Too many sign-in attempts for this account; wait a few minutes and try again.")
		},
	})
}
