package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/stats"
)

// aiSystemStats: GET /api/v1/stats/ai-systems/{id}?from&to — what staff learn about one AI system.
func (a *API) aiSystemStats(c *fiber.Ctx) error {
	var f fault.Fields
	id := pathUUID(c, &f, "id", "AI system")
	r := stats.ParseRange(&f, c.Query("from"), c.Query("to"))
	if err := f.Err(); err != nil {
		return err
	}
	out, err := a.Stats.AISystem(c.UserContext(), id, r)
	return answer(c, fiber.StatusOK, out, err)
}

// publicStats: GET /api/v1/stats/public — aggregates for everyone, counts under 5 suppressed.
func (a *API) publicStats(c *fiber.Ctx) error {
	out, err := a.Stats.Public(c.UserContext())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.JSON(out)
}
