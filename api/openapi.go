package api

import (
	_ "embed"

	"github.com/gofiber/fiber/v2"
)

//go:embed openapi.yaml
var openapiSpec []byte

// openapi serves the OpenAPI 3.1 description of this API.
func (a *API) openapi(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "application/yaml")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(openapiSpec)
}
