package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/systemic"
)

// listSystemicIssues: GET /api/v1/systemic-issues?ai_system_id=&status=&cursor=&limit=.
func (a *API) listSystemicIssues(c *fiber.Ctx) error {
	var f fault.Fields
	filter := systemic.Filter{Status: strings.Clone(c.Query("status")), Cursor: strings.Clone(c.Query("cursor"))}
	filter.AISystemID = queryUUID(c, &f, "ai_system_id")
	filter.Limit = queryLimit(c, &f, 0)
	if err := f.Err(); err != nil {
		return err
	}
	p, err := a.Systemic.List(c.UserContext(), filter)
	return answer(c, fiber.StatusOK, p, err)
}

// createSystemicIssue: POST /api/v1/systemic-issues {ai_system_id, mechanism, title, description, case_ids, alert_id}.
func (a *API) createSystemicIssue(c *fiber.Ctx) error {
	var in systemic.CreateRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	id, err := a.Systemic.Create(c.UserContext(), httpkit.User(c).ID, in)
	if err != nil {
		return err
	}
	v := httpkit.Viewer(c)
	d, err := a.Systemic.Get(c.UserContext(), id, &v)
	if err != nil {
		return err
	}
	c.Location("/api/v1/systemic-issues/" + id.String())
	return c.Status(fiber.StatusCreated).JSON(d)
}

// getSystemicIssue: GET /api/v1/systemic-issues/{id} — with its cases.
func (a *API) getSystemicIssue(c *fiber.Ctx) error {
	id, err := uuidParam(c, "systemic issue")
	if err != nil {
		return err
	}
	v := httpkit.Viewer(c)
	d, err := a.Systemic.Get(c.UserContext(), id, &v)
	return answer(c, fiber.StatusOK, d, err)
}

// linkSystemicCases: POST /api/v1/systemic-issues/{id}/cases {case_ids}.
func (a *API) linkSystemicCases(c *fiber.Ctx) error {
	id, err := uuidParam(c, "systemic issue")
	if err != nil {
		return err
	}
	var req struct {
		CaseIDs []string `json:"case_ids"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if _, err := a.Systemic.Link(c.UserContext(), id, httpkit.User(c).ID, req.CaseIDs); err != nil {
		return err
	}
	return a.getSystemicIssue(c)
}

// unlinkSystemicCase: DELETE /api/v1/systemic-issues/{id}/cases/{case_id} with
// the reason in the body ({reason}) or the query (?reason=).
func (a *API) unlinkSystemicCase(c *fiber.Ctx) error {
	id, err := uuidParam(c, "systemic issue")
	if err != nil {
		return err
	}
	caseID, err := namedParam(c, "case_id", "case")
	if err != nil {
		return err
	}
	reason := strings.Clone(c.Query("reason"))
	if len(c.Request().Body()) > 0 {
		var req struct {
			Reason string `json:"reason"`
		}
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		if req.Reason != "" {
			reason = req.Reason
		}
	}
	if err := a.Systemic.Unlink(c.UserContext(), id, caseID, httpkit.User(c).ID, reason); err != nil {
		return err
	}
	return a.getSystemicIssue(c)
}

// resolveSystemicIssue: POST /api/v1/systemic-issues/{id}/resolve {note}.
func (a *API) resolveSystemicIssue(c *fiber.Ctx) error {
	id, err := uuidParam(c, "systemic issue")
	if err != nil {
		return err
	}
	var req struct {
		Note string `json:"note"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := a.Systemic.Resolve(c.UserContext(), id, httpkit.User(c).ID, req.Note); err != nil {
		return err
	}
	return a.getSystemicIssue(c)
}

// listSystemicAlerts: GET /api/v1/systemic-alerts?ai_system_id=&acknowledged=&cursor=&limit= — newest first.
func (a *API) listSystemicAlerts(c *fiber.Ctx) error {
	var f fault.Fields
	filter := systemic.AlertFilter{Cursor: strings.Clone(c.Query("cursor"))}
	filter.AISystemID = queryUUID(c, &f, "ai_system_id")
	filter.Acknowledged = queryBool(c, &f, "acknowledged")
	filter.Limit = queryLimit(c, &f, 0)
	if err := f.Err(); err != nil {
		return err
	}
	v := httpkit.Viewer(c)
	filter.Viewer = &v
	p, err := a.Systemic.Alerts(c.UserContext(), filter)
	return answer(c, fiber.StatusOK, p, err)
}

// acknowledgeSystemicAlert: POST /api/v1/systemic-alerts/{id}/acknowledge.
func (a *API) acknowledgeSystemicAlert(c *fiber.Ctx) error {
	id, err := uuidParam(c, "alert")
	if err != nil {
		return err
	}
	if len(c.Request().Body()) > 0 {
		var req struct{}
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	al, err := a.Systemic.Acknowledge(c.UserContext(), id, httpkit.Viewer(c))
	return answer(c, fiber.StatusOK, al, err)
}

// getAlerting: GET /api/v1/admin/ai-systems/{id}/alerting.
func (a *API) getAlerting(c *fiber.Ctx) error {
	id, err := uuidParam(c, "AI system")
	if err != nil {
		return err
	}
	out, err := a.Systemic.AlertingOf(c.UserContext(), id)
	return answer(c, fiber.StatusOK, out, err)
}

// putAlerting: PUT /api/v1/admin/ai-systems/{id}/alerting {threshold, window_hours}.
func (a *API) putAlerting(c *fiber.Ctx) error {
	id, err := uuidParam(c, "AI system")
	if err != nil {
		return err
	}
	var in systemic.AlertingInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	out, err := a.Systemic.SetAlerting(c.UserContext(), id, in)
	return answer(c, fiber.StatusOK, out, err)
}
