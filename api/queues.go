package api

import (
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/review"
	"github.com/redresshq/redress/internal/routing"
)

func reviewerOf(u *auth.User) review.Reviewer {
	return review.Reviewer{ID: u.ID, Skills: u.Skills, Languages: u.Languages}
}

// listQueues: GET /api/v1/queues — every queue with open, unassigned, breaching and due-today counts.
func (a *API) listQueues(c *fiber.Ctx) error {
	v := httpkit.Viewer(c)
	qs, err := a.Review.Queues(c.UserContext(), time.Now().UTC(), &v)
	if err != nil {
		return err
	}
	if qs == nil {
		qs = []review.Queue{}
	}
	return c.JSON(fiber.Map{"items": qs})
}

// queueCases: GET /api/v1/queues/{id}/cases — the staff case list, narrowed to one queue.
func (a *API) queueCases(c *fiber.Ctx) error {
	id, err := uuidParam(c, "queue")
	if err != nil {
		return err
	}
	if err := a.Review.Exists(c.UserContext(), id); err != nil {
		return err
	}
	filter, err := caseFilter(c)
	if err != nil {
		return err
	}
	filter.QueueID = &id
	page, err := a.Grievance.List(c.UserContext(), filter)
	return answer(c, fiber.StatusOK, page, err)
}

// claimNext: POST /api/v1/queues/{id}/claim — 200 with the claimed case, or 204 when there is nothing you may take.
func (a *API) claimNext(c *fiber.Ctx) error {
	id, err := uuidParam(c, "queue")
	if err != nil {
		return err
	}
	caseID, err := a.Review.Claim(c.UserContext(), id, reviewerOf(httpkit.User(c)))
	if err != nil {
		return err
	}
	if caseID == uuid.Nil {
		return c.SendStatus(fiber.StatusNoContent)
	}
	d, err := a.Grievance.Get(c.UserContext(), caseID)
	return answer(c, fiber.StatusOK, d, err)
}

// releaseCase: POST /api/v1/cases/{id}/release — give a case back to its queue.
func (a *API) releaseCase(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := a.Grievance.Status(c.UserContext(), id); err != nil {
		return err
	}
	by := httpkit.Actor(c)
	if err := a.Review.Release(c.UserContext(), id, by); err != nil {
		return err
	}
	return a.getCase(c)
}

// assignCase: POST /api/v1/cases/{id}/assign {user_id} — a supervisor's reassignment.
func (a *API) assignCase(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req struct {
		UserID string `json:"user_id"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var f fault.Fields
	to, perr := uuid.Parse(req.UserID)
	if perr != nil {
		f.Add("user_id", "invalid", "must be the id of a reviewer or supervisor")
		return f.Err()
	}
	if _, err := a.Grievance.Status(c.UserContext(), id); err != nil {
		return err
	}
	target, err := a.Users.Get(c.UserContext(), to)
	if err != nil || !slices.Contains(claimers, target.Role) {
		f.Add("user_id", "not_a_reviewer", "no active reviewer or supervisor has that id")
		return f.Err()
	}
	if err := a.Review.Assign(c.UserContext(), id, httpkit.User(c).ID, reviewerOf(target)); err != nil {
		return err
	}
	return a.getCase(c)
}

var taxonomies = routing.Taxonomies{Kinds: cases.Strings(cases.Kinds), Rights: decision.Rights, HarmTypes: decision.HarmTypes,
	Channels: grievance.Channels, Severities: grievance.PreliminarySeverity}

// listRoutingRules: GET /api/v1/admin/routing-rules — in evaluation order, the default last.
func (a *API) listRoutingRules(c *fiber.Ctx) error {
	rules, err := a.Routing.Rules(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": rules})
}

// createRoutingRule: POST /api/v1/admin/routing-rules — added just before the default rule.
func (a *API) createRoutingRule(c *fiber.Ctx) error {
	var in routing.RuleInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, err := a.Routing.Create(c.UserContext(), in, taxonomies)
	return answer(c, fiber.StatusCreated, r, err)
}

// updateRoutingRule: PUT /api/v1/admin/routing-rules/{id}.
func (a *API) updateRoutingRule(c *fiber.Ctx) error {
	id, err := uuidParam(c, "rule")
	if err != nil {
		return err
	}
	var in routing.RuleInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	r, err := a.Routing.Update(c.UserContext(), id, in, taxonomies)
	return answer(c, fiber.StatusOK, r, err)
}

// reorderRoutingRules: POST /api/v1/admin/routing-rules/order {ids: [...]}.
func (a *API) reorderRoutingRules(c *fiber.Ctx) error {
	var req struct {
		IDs []string `json:"ids"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	for i := range req.IDs {
		req.IDs[i] = strings.ToLower(strings.TrimSpace(req.IDs[i]))
	}
	rules, err := a.Routing.Reorder(c.UserContext(), req.IDs)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": rules})
}

// setAvailability: PUT /api/v1/me/availability {availability: available|away}.
func (a *API) setAvailability(c *fiber.Ctx) error {
	var req struct {
		Availability string `json:"availability"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := a.Review.SetAvailability(c.UserContext(), httpkit.User(c).ID, req.Availability); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"availability": req.Availability})
}

// setAutoAssignment: PUT /api/v1/admin/queues/{id}/auto-assignment {enabled, cap}.
func (a *API) setAutoAssignment(c *fiber.Ctx) error {
	id, err := uuidParam(c, "queue")
	if err != nil {
		return err
	}
	var req review.AutoAssignment
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := a.Review.SetAutoAssignment(c.UserContext(), id, req); err != nil {
		return err
	}
	return c.JSON(req)
}
