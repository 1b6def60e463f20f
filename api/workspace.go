package api

import (
	"errors"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/api/middleware"
	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/download"
)

// The review workspace: the AI decision record, points of view and evidence.

// getAIDecision: GET /api/v1/cases/{id}/ai-decision.
func (a *API) getAIDecision(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	rec, err := a.Grievance.AIDecision(c.UserContext(), id)
	return answer(c, fiber.StatusOK, rec, err)
}

// putAIDecision: PUT /api/v1/cases/{id}/ai-decision — replaces the record.
func (a *API) putAIDecision(c *fiber.Ctx) error {
	id, req, err := caseRequest[grievance.AIDecisionRequest](c)
	if err != nil {
		return err
	}
	by := httpkit.Actor(c)
	rec, err := a.Grievance.RecordAIDecision(c.UserContext(), id, by, req)
	return answer(c, fiber.StatusOK, rec, err)
}

// postPointOfView: POST /api/v1/cases/{id}/points-of-view.
func (a *API) postPointOfView(c *fiber.Ctx) error {
	id, req, err := caseRequest[grievance.PointOfViewRequest](c)
	if err != nil {
		return err
	}
	by := httpkit.Actor(c)
	p, err := a.Grievance.RecordPointOfView(c.UserContext(), id, by, req)
	return answer(c, fiber.StatusCreated, p, err)
}

// postEvidence: POST /api/v1/cases/{id}/evidence, multipart/form-data {file, description, source}.
func (a *API) postEvidence(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	in, err := httpkit.EvidenceForm(c, false)
	if err != nil {
		return err
	}
	by := httpkit.Actor(c)
	e, err := a.Grievance.AddEvidence(c.UserContext(), id, by, in)
	return answer(c, fiber.StatusCreated, e, err)
}

// discloseEvidence: POST /api/v1/cases/{id}/evidence/{evidence_id}/disclosure
// {text, redactions: [{text, reason}]} — the organisation's evidence, redacted
// of third parties' data by the caller, disclosed to the complainant.
func (a *API) discloseEvidence(c *fiber.Ctx) error {
	id, eid, req, err := caseChildRequest[grievance.DisclosureRequest](c, "evidence_id", "evidence")
	if err != nil {
		return err
	}
	by := httpkit.Actor(c)
	d, err := a.Grievance.DiscloseEvidence(c.UserContext(), id, eid, by, req)
	return answer(c, fiber.StatusCreated, d, err)
}

// listEvidence: GET /api/v1/cases/{id}/evidence — without content.
func (a *API) listEvidence(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	items, err := a.Evidence.List(c.UserContext(), id)
	return answerItems(c, items, err)
}

// getEvidence: GET /api/v1/cases/{id}/evidence/{evidence_id} — the file,
// checked against its SHA-256 before a byte is sent.
func (a *API) getEvidence(c *fiber.Ctx) error {
	id, eid, err := caseChild(c, "evidence_id", "evidence")
	if err != nil {
		return err
	}
	e, content, err := a.Evidence.Open(c.UserContext(), id, eid)
	if err != nil {
		if errors.Is(err, evidence.ErrTampered) {
			a.Log.ErrorContext(c.UserContext(), "evidence tampering suspected: not served",
				"case_id", id, "evidence_id", eid, "err", err)
		}
		return err
	}
	for _, h := range download.Evidence(e.Filename, e.MediaType, e.SHA256) {
		c.Set(h.Name, h.Value)
	}
	return c.Send(content)
}

// complainantEvidence: POST /api/v1/complainant/case/evidence, multipart/form-data {file, description}.
func (a *API) complainantEvidence(c *fiber.Ctx) error {
	in, err := httpkit.EvidenceForm(c, true)
	if err != nil {
		return err
	}
	e, err := a.Grievance.AddEvidence(c.UserContext(), middleware.CaseID(c), cases.Actor{Kind: audit.ActorComplainant}, in)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(evidence.ComplainantEvidence{ID: e.ID, SHA256: e.SHA256, SizeBytes: e.SizeBytes,
		MediaType: e.MediaType, Filename: e.Filename, Description: e.Description, CreatedAt: e.CreatedAt})
}

// complainantEvidenceList: GET /api/v1/complainant/case/evidence — the files the complainant added.
func (a *API) complainantEvidenceList(c *fiber.Ctx) error {
	items, err := a.Evidence.ComplainantList(c.UserContext(), middleware.CaseID(c))
	return answerItems(c, items, err)
}

// listProviderRequests: GET /api/v1/cases/{id}/provider-requests — the
// case's requests for information to its AI system's provider.
func (a *API) listProviderRequests(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	items, err := a.Grievance.ProviderRequests(c.UserContext(), id)
	return answerItems(c, items, err)
}

// postProviderRequest: POST /api/v1/cases/{id}/provider-requests
// {questions, due_at | due_days} — sent to the provider's contact, with its
// own clock on the case.
func (a *API) postProviderRequest(c *fiber.Ctx) error {
	id, req, err := caseRequest[grievance.ProviderRequestInput](c)
	if err != nil {
		return err
	}
	by := httpkit.Actor(c)
	r, err := a.Grievance.SendProviderRequest(c.UserContext(), id, by, req)
	return answer(c, fiber.StatusCreated, r, err)
}

// providerAnswer is the provider's answer to a request for information.
type providerAnswer struct {
	Answer string `json:"answer"`
}

// answerProviderRequest: POST /api/v1/cases/{id}/provider-requests/{rid}/answer
// {answer} — records the provider's answer, which ends the request's clock.
func (a *API) answerProviderRequest(c *fiber.Ctx) error {
	id, rid, req, err := caseChildRequest[providerAnswer](c, "rid", "request for information")
	if err != nil {
		return err
	}
	by := httpkit.Actor(c)
	r, err := a.Grievance.AnswerProviderRequest(c.UserContext(), id, rid, by, req.Answer)
	return answer(c, fiber.StatusOK, r, err)
}
