package httpkit

import (
	"errors"
	"fmt"
	"github.com/redresshq/redress/internal/platform/seal"
	"log/slog"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Status is the HTTP status of a domain error of kind k (500 for a kind it
// does not know).
func Status(k fault.Kind) int {
	switch k {
	case fault.Invalid:
		return fiber.StatusUnprocessableEntity
	case fault.Malformed:
		return fiber.StatusBadRequest
	case fault.NotFound:
		return fiber.StatusNotFound
	case fault.Conflict:
		return fiber.StatusConflict
	case fault.Unauthorized:
		return fiber.StatusUnauthorized
	case fault.Forbidden:
		return fiber.StatusForbidden
	case fault.TooMany:
		return fiber.StatusTooManyRequests
	case fault.Unsupported:
		return fiber.StatusUnsupportedMediaType
	case fault.TooLarge:
		return fiber.StatusRequestEntityTooLarge
	case fault.Gone:
		return fiber.StatusGone
	}
	return fiber.StatusInternalServerError
}

// Cause is what kind of error a failed request met.
type Cause int

// The causes, as Explain tells them apart.
const (
	Domain      Cause = iota // a domain error (fault.Error): Failure.Fault
	HTTP                     // Fiber's own (a 404, a body over its limit): Failure.HTTP
	Unavailable              // the database cannot be reached: 503, try again
	Internal                 // anything else: 500, logged
)

// Failure is what an error means for the answer: its cause and status,
// and the error itself for the front end to render.
type Failure struct {
	Cause  Cause
	Status int
	Fault  *fault.Error // for Domain
	HTTP   *fiber.Error // for HTTP
}

// Explain is the one mapping of errors to HTTP statuses, for both front
// ends: a domain error's kind gives its status (Status) and a refusal that
// says when to come back its Retry-After; Fiber's errors keep theirs; an
// unreachable database is 503 with Retry-After 2, logged as a warning; any
// other error is 500, logged as an error. what names the request in the log
// ("request", "page"). The front end renders the answer (problem+json, or
// an HTML page).
func Explain(c *fiber.Ctx, log *slog.Logger, what string, err error) Failure {
	var fe *fiber.Error
	var erased *seal.ErasedError
	if errors.As(err, &erased) {
		// The one answer for whatever needed a case's erased data: to read
		// a file, to add to the case.
		de := fault.New(fault.Gone, "case_erased", fmt.Sprintf("This case's personal data was erased on %s (%s): "+
			"it can no longer be read, and nothing can be added to it.", erased.At.UTC().Format("2 January 2006"), erased.Ground))
		return Failure{Cause: Domain, Status: Status(de.Kind), Fault: de}
	}
	if de, ok := fault.As(err); ok {
		RetryAfter(c, de)
		return Failure{Cause: Domain, Status: Status(de.Kind), Fault: de}
	} else if errors.As(err, &fe) {
		return Failure{Cause: HTTP, Status: fe.Code, HTTP: fe}
	} else if db.Unavailable(err) {
		log.WarnContext(c.UserContext(), what+" failed: the database is unreachable", "err", err, "route", c.Route().Path)
		c.Set(fiber.HeaderRetryAfter, "2")
		return Failure{Cause: Unavailable, Status: fiber.StatusServiceUnavailable}
	}
	log.ErrorContext(c.UserContext(), what+" failed", "err", err, "route", c.Route().Path)
	return Failure{Cause: Internal, Status: fiber.StatusInternalServerError}
}

// RetryAfter sends Retry-After for a refusal that says when to come back.
func RetryAfter(c *fiber.Ctx, de *fault.Error) {
	if de.Kind == fault.TooMany && de.RetryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(de.RetrySeconds()))
	}
}
