package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/clocks"
)

// listCalendars: GET /api/v1/admin/sla/calendars.
func (a *API) listCalendars(c *fiber.Ctx) error {
	cs, err := a.Clocks.Calendars(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": cs})
}

// saveCalendar: POST /api/v1/admin/sla/calendars and PUT …/{id}.
func (a *API) saveCalendar(c *fiber.Ctx) error {
	id, err := optionalID(c, "calendar")
	if err != nil {
		return err
	}
	var in clocks.CalendarInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	cal, err := a.Clocks.SaveCalendar(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	if id == nil {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(cal)
}

// listPolicies: GET /api/v1/admin/sla/policies.
func (a *API) listPolicies(c *fiber.Ctx) error {
	ps, err := a.Clocks.Policies(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": ps})
}

// savePolicy: POST /api/v1/admin/sla/policies and PUT …/{id}.
func (a *API) savePolicy(c *fiber.Ctx) error {
	id, err := optionalID(c, "policy")
	if err != nil {
		return err
	}
	var in clocks.PolicyInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := a.Clocks.SavePolicy(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	if id == nil {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(p)
}

// optionalID is the {id} path parameter when the route has one.
func optionalID(c *fiber.Ctx, what string) (*uuid.UUID, error) {
	if c.Params("id") == "" {
		return nil, nil
	}
	id, err := uuidParam(c, what)
	if err != nil {
		return nil, err
	}
	return &id, nil
}
