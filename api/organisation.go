package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/organisation"
)

// organisationProfile: GET /api/v1/organisation — who runs the mechanism
// (public: the public pages say it too).
func (a *API) organisationProfile(c *fiber.Ctx) error {
	p, err := a.Organisation.Get(c.UserContext())
	return answer(c, fiber.StatusOK, p, err)
}

// adminOrganisation: GET /api/v1/admin/organisation — the profile in force
// and the log of its changes, newest first.
func (a *API) adminOrganisation(c *fiber.Ctx) error {
	p, err := a.Organisation.Get(c.UserContext())
	if err != nil {
		return err
	}
	changes, err := a.Organisation.Changes(c.UserContext(), 100)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"profile": p, "changes": changes})
}

// putOrganisation: PUT /api/v1/admin/organisation {legal_name, address,
// jurisdiction, contact} — an admin's settings in place of the
// configuration's, logged.
func (a *API) putOrganisation(c *fiber.Ctx) error {
	var in organisation.Input
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	p, err := a.Organisation.Set(c.UserContext(), httpkit.User(c).ID, in)
	return answer(c, fiber.StatusOK, p, err)
}
