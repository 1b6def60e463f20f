package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/paging"
)

// Reading path and query parameters: each bad one is a 422 naming it.

// uuidParam reads the UUID path parameter id; what names the thing it is
// the id of ("queue", "systemic issue").
func uuidParam(c *fiber.Ctx, what string) (uuid.UUID, error) { return namedParam(c, "id", what) }

// namedParam reads the UUID path parameter name, naming it when it is not one.
func namedParam(c *fiber.Ctx, name, what string) (uuid.UUID, error) {
	var f fault.Fields
	id := pathUUID(c, &f, name, what)
	return id, f.Err()
}

// pathUUID is namedParam adding its problem to f, for a handler that
// reports it together with others.
func pathUUID(c *fiber.Ctx, f *fault.Fields, name, what string) uuid.UUID {
	id, err := uuid.Parse(c.Params(name))
	if err != nil {
		f.Addf(name, "invalid", "the %s id in the path must be a UUID", what)
		return uuid.Nil
	}
	return id
}

// queryLimit reads ?limit=, a page size: a whole number from 1 to
// paging.MaxLimit, else limit is named in f. Absent (or bad), it is def;
// 0 leaves the default to the service.
func queryLimit(c *fiber.Ctx, f *fault.Fields, def int) int {
	v := c.Query("limit")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > paging.MaxLimit {
		f.Addf("limit", "out_of_range", "must be a whole number from 1 to %d", paging.MaxLimit)
		return def
	}
	return n
}

// queryUUID reads ?name= as a UUID; absent, it is nil; else name is named in f.
func queryUUID(c *fiber.Ctx, f *fault.Fields, name string) *uuid.UUID {
	return queryValue(c, f, name, "must be a UUID", uuid.Parse)
}

// queryBool reads ?name= as true or false; absent, it is nil; else name is named in f.
func queryBool(c *fiber.Ctx, f *fault.Fields, name string) *bool {
	return queryValue(c, f, name, "must be true or false", strconv.ParseBool)
}

// queryValue reads ?name= with parse: nil when absent or when parse
// refuses it, which names it in f with want.
func queryValue[T any](c *fiber.Ctx, f *fault.Fields, name, want string, parse func(string) (T, error)) *T {
	v := c.Query(name)
	if v == "" {
		return nil
	}
	x, err := parse(v)
	if err != nil {
		f.Add(name, "invalid", want)
		return nil
	}
	return &x
}
