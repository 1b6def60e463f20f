package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/fault"
)

// listDeadLetters: GET /api/v1/admin/dead-letters?cursor=&limit= — newest first.
func (a *API) listDeadLetters(c *fiber.Ctx) error {
	return seqList(c, func(d outbox.DeadLetter) int64 { return d.ID },
		func(before int64, limit int) ([]outbox.DeadLetter, error) {
			return a.Outbox.DeadLetters(c.UserContext(), before, limit)
		})
}

// replayDeadLetter: POST /api/v1/admin/dead-letters/{id}/replay — back through the outbox.
func (a *API) replayDeadLetter(c *fiber.Ctx) error {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		var f fault.Fields
		f.Add("id", "invalid", "the dead letter id in the path must be a positive whole number")
		return f.Err()
	}
	outboxID, err := a.Outbox.Replay(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusAccepted).JSON(fiber.Map{"dead_letter_id": id, "outbox_id": outboxID})
}
