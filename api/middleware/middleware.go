// Package middleware holds Redress's HTTP middleware: request ids, access
// logs that never name a complainant, authentication and role checks.
package middleware

import (
	"context"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/platform/logx"
)

var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._-]{8,64}$`)

// RequestID gives every request an id (a well-formed incoming X-Request-ID is
// kept), puts it in the user context and echoes it in the response.
func RequestID() fiber.Handler {
	return func(c *fiber.Ctx) error {
		id := c.Get(fiber.HeaderXRequestID)
		if !validRequestID.MatchString(id) {
			id = uuid.NewString()
		} else {
			id = strings.Clone(id)
		}
		c.Set(fiber.HeaderXRequestID, id)
		c.SetUserContext(logx.WithRequestID(context.Background(), id))
		return c.Next()
	}
}

// AccessLog logs method, route, status and duration with the request id. It
// never logs the client's address, user agent, query string or body.
func AccessLog(log *slog.Logger, observe func(method, route string, status int, d time.Duration)) fiber.Handler {
	return func(c *fiber.Ctx) error {
		start := time.Now()
		if err := c.Next(); err != nil {
			// Answer the error here, so the log shows the status the client gets.
			if herr := c.App().Config().ErrorHandler(c, err); herr != nil {
				return herr
			}
		}
		status := c.Response().StatusCode()
		// Copies: Fiber's strings point into buffers reused by the next request,
		// and the metrics registry keeps its label values.
		method, route := strings.Clone(c.Method()), strings.Clone(c.Route().Path)
		d := time.Since(start)
		if observe != nil {
			observe(method, route, status, d)
		}
		log.InfoContext(c.UserContext(), "http", "method", method, "route", route, "status", status,
			"duration_ms", float64(d.Microseconds())/1000)
		return nil
	}
}

// PermissionsPolicy turns off every powerful browser feature for the API
// and the pages alike: neither uses any of them. interest-cohort is the
// older browsers' name of browsing-topics.
const PermissionsPolicy = "accelerometer=(), ambient-light-sensor=(), autoplay=(), battery=(), bluetooth=(), " +
	"browsing-topics=(), camera=(), display-capture=(), document-domain=(), encrypted-media=(), fullscreen=(), " +
	"gamepad=(), geolocation=(), gyroscope=(), hid=(), identity-credentials-get=(), idle-detection=(), " +
	"interest-cohort=(), local-fonts=(), magnetometer=(), microphone=(), midi=(), otp-credentials=(), payment=(), " +
	"picture-in-picture=(), publickey-credentials-create=(), publickey-credentials-get=(), screen-wake-lock=(), " +
	"serial=(), storage-access=(), usb=(), web-share=(), window-management=(), xr-spatial-tracking=()"

// SecurityHeaders sets conservative headers on every response; API answers
// are never cached unless a handler says otherwise.
func SecurityHeaders() fiber.Handler {
	return func(c *fiber.Ctx) error {
		c.Set("X-Content-Type-Options", "nosniff")
		c.Set("Referrer-Policy", "no-referrer")
		c.Set("X-Frame-Options", "DENY")
		c.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		c.Set("Permissions-Policy", PermissionsPolicy)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.Next()
	}
}
