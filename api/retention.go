package api

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/api/middleware"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/retention"
)

// caseRetention: GET /api/v1/cases/{id}/retention — the case's erasure,
// legal holds and the complainant's latest request for erasure.
func (a *API) caseRetention(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	st, err := a.Retention.StateOf(c.UserContext(), id, true)
	return answer(c, fiber.StatusOK, st, err)
}

// placeHold: POST /api/v1/cases/{id}/legal-holds {reason, until}.
func (a *API) placeHold(c *fiber.Ctx) error {
	id, req, err := caseRequest[retention.HoldInput](c)
	if err != nil {
		return err
	}
	h, err := a.Retention.PlaceHold(c.UserContext(), id, httpkit.Actor(c), req)
	return answer(c, fiber.StatusCreated, h, err)
}

// releaseHold: POST /api/v1/cases/{id}/legal-holds/{hid}/release {reason}.
func (a *API) releaseHold(c *fiber.Ctx) error {
	id, hid, req, err := caseChildRequest[retention.ReleaseInput](c, "hid", "legal hold")
	if err != nil {
		return err
	}
	h, err := a.Retention.ReleaseHold(c.UserContext(), id, hid, httpkit.Actor(c), req)
	return answer(c, fiber.StatusOK, h, err)
}

// refuseErasure: POST /api/v1/cases/{id}/erasure/refuse {ground, note}.
func (a *API) refuseErasure(c *fiber.Ctx) error {
	id, req, err := caseRequest[retention.RefuseInput](c)
	if err != nil {
		return err
	}
	r, err := a.Retention.RefuseErasure(c.UserContext(), id, httpkit.Actor(c), req)
	return answer(c, fiber.StatusOK, r, err)
}

// requestErasure: POST /api/v1/complainant/case/erasure {} — the
// complainant asks for their case to be erased.
func (a *API) requestErasure(c *fiber.Ctx) error {
	if err := decodeJSON(c, &struct{}{}); err != nil {
		return err
	}
	r, err := a.Retention.RequestErasure(c.UserContext(), middleware.CaseID(c))
	return answer(c, fiber.StatusCreated, r, err)
}

// cancelErasure: POST /api/v1/complainant/case/erasure/cancel {}.
func (a *API) cancelErasure(c *fiber.Ctx) error {
	if err := decodeJSON(c, &struct{}{}); err != nil {
		return err
	}
	r, err := a.Retention.CancelErasure(c.UserContext(), middleware.CaseID(c))
	return answer(c, fiber.StatusOK, r, err)
}

// retentionSchedules: GET /api/v1/admin/retention/schedules.
func (a *API) retentionSchedules(c *fiber.Ctx) error {
	s, err := a.Retention.Schedules(c.UserContext())
	return answerItems(c, s, err)
}

// putRetentionSchedule: PUT /api/v1/admin/retention/schedules {kind,
// ending, keep_days, note} — makes or replaces the schedule of a kind and ending.
func (a *API) putRetentionSchedule(c *fiber.Ctx) error {
	var req retention.ScheduleInput
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	s, err := a.Retention.SetSchedule(c.UserContext(), *httpkit.Actor(c).ID, req)
	return answer(c, fiber.StatusOK, s, err)
}

// deleteRetentionSchedule: DELETE /api/v1/admin/retention/schedules/{id}.
func (a *API) deleteRetentionSchedule(c *fiber.Ctx) error {
	id, err := namedParam(c, "id", "schedule")
	if err != nil {
		return err
	}
	if err := a.Retention.DeleteSchedule(c.UserContext(), id); err != nil {
		return err
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// retentionRuns: GET /api/v1/admin/retention/runs — the latest 50 runs.
func (a *API) retentionRuns(c *fiber.Ctx) error {
	runs, err := a.Retention.Runs(c.UserContext(), 50)
	return answerItems(c, runs, err)
}

// runRetention: POST /api/v1/admin/retention/runs {} — a run now.
func (a *API) runRetention(c *fiber.Ctx) error {
	if err := decodeJSON(c, &struct{}{}); err != nil {
		return err
	}
	r, err := a.Retention.RunNow(c.UserContext(), time.Now())
	return answer(c, fiber.StatusCreated, r, err)
}
