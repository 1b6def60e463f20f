package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/fault"
)

// listDeadLetters: GET /api/v1/admin/dead-letters?cursor=&limit= — newest first.
func (a *API) listDeadLetters(c *fiber.Ctx) error {
	var f fault.Fields
	limit, before := 50, int64(0)
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			f.Add("limit", "out_of_range", "must be a whole number from 1 to 200")
		}
		limit = n
	}
	if v := c.Query("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			f.Add("cursor", "invalid", "is not a cursor this API returned")
		}
		before = n
	}
	if err := f.Err(); err != nil {
		return err
	}
	items, err := outbox.DeadLetters(c.UserContext(), a.Grievance.DB(), before, limit+1)
	if err != nil {
		return err
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		next = strconv.FormatInt(items[limit-1].ID, 10)
	}
	return c.JSON(fiber.Map{"items": items, "next_cursor": next})
}

// replayDeadLetter: POST /api/v1/admin/dead-letters/{id}/replay — back through the outbox.
func (a *API) replayDeadLetter(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		var f fault.Fields
		f.Add("id", "invalid", "the dead letter id in the path must be a positive whole number")
		return f.Err()
	}
	outboxID, err := outbox.Replay(c.UserContext(), a.Grievance.DB(), id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"dead_letter_id": id, "outbox_id": outboxID})
}
