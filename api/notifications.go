package api

import (
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/notify"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/paging"
)

// listWebhooks: GET /api/v1/admin/webhooks — every endpoint, oldest first, without secrets.
func (a *API) listWebhooks(c *fiber.Ctx) error {
	items, err := a.Notify.Endpoints(c.UserContext())
	return answerItems(c, items, err)
}

// createWebhook: POST /api/v1/admin/webhooks {url, secret, events} — 201 with
// the endpoint, and its secret once when Redress generated it.
func (a *API) createWebhook(c *fiber.Ctx) error {
	var req struct {
		URL    string   `json:"url"`
		Secret string   `json:"secret"`
		Events []string `json:"events"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	e, err := a.Notify.CreateEndpoint(c.UserContext(), req.URL, req.Secret, req.Events)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store") // it may hold the secret
	return c.Status(fiber.StatusCreated).JSON(e)
}

// setWebhookActive: POST /api/v1/admin/webhooks/{id}/active {active} — turn deliveries on or off.
func (a *API) setWebhookActive(c *fiber.Ctx) error {
	id, err := uuidParam(c, "webhook")
	if err != nil {
		return err
	}
	var req struct {
		Active *bool `json:"active"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.Active == nil {
		var f fault.Fields
		f.Add("active", "required", "is required: true to deliver, false to hold deliveries")
		return f.Err()
	}
	e, err := a.Notify.SetEndpointActive(c.UserContext(), id, *req.Active)
	return answer(c, fiber.StatusOK, e, err)
}

// webhookDeliveries: GET /api/v1/admin/webhooks/{id}/deliveries?cursor=&limit= —
// the delivery log, newest first, each delivery with every attempt.
func (a *API) webhookDeliveries(c *fiber.Ctx) error {
	id, err := uuidParam(c, "webhook")
	if err != nil {
		return err
	}
	return seqList(c, func(d notify.Delivery) int64 { return d.ID },
		func(before int64, limit int) ([]notify.Delivery, error) {
			return a.Notify.Deliveries(c.UserContext(), id, before, limit)
		})
}

// seqList answers a page of a list ordered by a serial id, newest first:
// fetch returns up to limit items with an id below before (0: from the newest).
func seqList[T any](c *fiber.Ctx, id func(T) int64, fetch func(before int64, limit int) ([]T, error)) error {
	limit, before, err := seqPage(c)
	if err != nil {
		return err
	}
	items, err := fetch(before, limit+1)
	if err != nil {
		return err
	}
	next := ""
	if len(items) > limit {
		items = items[:limit]
		next = strconv.FormatInt(id(items[limit-1]), 10)
	}
	return c.JSON(fiber.Map{"items": items, "next_cursor": next})
}

// seqPage reads limit (1–200, default 50) and cursor (a row id this API
// returned; the page holds lower ids) for lists ordered by a serial id.
func seqPage(c *fiber.Ctx) (limit int, before int64, err error) {
	var f fault.Fields
	limit = queryLimit(c, &f, paging.DefaultLimit)
	if v := c.Query("cursor"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			f.Add("cursor", "invalid", "is not a cursor this API returned")
		}
		before = n
	}
	return limit, before, f.Err()
}

// queueMembers: GET /api/v1/admin/queues/{id}/members — who hears of new cases in the queue.
func (a *API) queueMembers(c *fiber.Ctx) error {
	id, err := uuidParam(c, "queue")
	if err != nil {
		return err
	}
	items, err := a.Review.Members(c.UserContext(), id)
	return answerItems(c, items, err)
}

// putQueueMember: PUT /api/v1/admin/queues/{id}/members/{user_id} — 204; idempotent.
func (a *API) putQueueMember(c *fiber.Ctx) error {
	queueID, userID, err := memberParams(c)
	if err != nil {
		return err
	}
	// An optional body {notify_new_cases}: emailed of every new case (default true).
	var req struct {
		NotifyNewCases *bool `json:"notify_new_cases"`
	}
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	notify := req.NotifyNewCases == nil || *req.NotifyNewCases
	if err := a.Review.AddMember(c.UserContext(), queueID, userID, httpkit.User(c).ID, notify); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// deleteQueueMember: DELETE /api/v1/admin/queues/{id}/members/{user_id} — 204; idempotent.
func (a *API) deleteQueueMember(c *fiber.Ctx) error {
	queueID, userID, err := memberParams(c)
	if err != nil {
		return err
	}
	if err := a.Review.RemoveMember(c.UserContext(), queueID, userID); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

func memberParams(c *fiber.Ctx) (queueID, userID uuid.UUID, err error) {
	var f fault.Fields
	queueID, userID = pathUUID(c, &f, "id", "queue"), pathUUID(c, &f, "user_id", "user")
	return queueID, userID, f.Err()
}
