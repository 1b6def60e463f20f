package api

import (
	"encoding/base64"
	"encoding/json"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/registry"
)

type registryCursor struct {
	Name string    `json:"n"`
	ID   uuid.UUID `json:"i"`
}

// listAISystems: GET /api/v1/ai-systems — the public register, by name.
func (a *API) listAISystems(c *fiber.Ctx) error {
	var f fault.Fields
	limit := queryLimit(c, &f, 100)
	var cur registryCursor
	if v := c.Query("cursor"); v != "" {
		b, err := base64.RawURLEncoding.DecodeString(v)
		if err != nil || json.Unmarshal(b, &cur) != nil || cur.Name == "" {
			f.Add("cursor", "invalid", "is not a cursor this API returned")
		}
	}
	lang := contentLanguage(c, &f)
	if err := f.Err(); err != nil {
		return err
	}
	items, err := a.Registry.List(c.UserContext(), cur.Name, cur.ID, limit+1)
	if err != nil {
		return err
	}
	next := ""
	if len(items) > limit {
		last := items[limit-1]
		items = items[:limit]
		b, _ := json.Marshal(registryCursor{last.Name, last.ID})
		next = base64.RawURLEncoding.EncodeToString(b)
	}
	if items == nil {
		items = []registry.AISystem{}
	}
	if err := a.Content.Systems(c.UserContext(), lang, items); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=60")
	return c.JSON(fiber.Map{"items": items, "next_cursor": next})
}
