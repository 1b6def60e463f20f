package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/incident"
)

// Serious incidents: the tasks an incident case owes (docs/incidents.md).
// Recording awareness is POST /api/v1/cases/{id}/incident (cases.go).

// completeIncidentTask: POST /api/v1/cases/{id}/incident/tasks/{task}
// {note, outcome?, authority_reference?, done_at?} — by the case's holder,
// or a supervisor or admin (checked by the domain). Answers with the case.
func (a *API) completeIncidentTask(c *fiber.Ctx) error {
	id, req, err := caseRequest[incident.TaskRequest](c)
	if err != nil {
		return err
	}
	by := httpkit.Actor(c)
	if err := a.Incident.CompleteTask(c.UserContext(), id, by, strings.Clone(c.Params("task")), req); err != nil {
		return err
	}
	return a.getCase(c)
}
