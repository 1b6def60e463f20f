package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/api/middleware"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/download"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/paging"
)

// listBodies: GET /api/v1/bodies?type=&jurisdiction= — the public register
// of independent bodies.
func (a *API) listBodies(c *fiber.Ctx) error {
	var f fault.Fields
	lang := contentLanguage(c, &f)
	if err := f.Err(); err != nil {
		return err
	}
	all, err := a.Escalation.Bodies(c.UserContext(), false, strings.Clone(c.Query("type")), strings.Clone(c.Query("jurisdiction")))
	if err != nil {
		return err
	}
	items := make([]escalation.Body, len(all))
	for i, b := range all {
		items[i] = b.Public()
	}
	if err := a.Content.Bodies(c.UserContext(), lang, items); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.JSON(fiber.Map{"items": items})
}

// signingKeys: GET /.well-known/redress-signing-key — the keys that sign dossiers.
func (a *API) signingKeys(c *fiber.Ctx) error {
	keys, err := a.Escalation.PublicKeys(c.UserContext())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "public, max-age=3600")
	return c.JSON(fiber.Map{"keys": keys})
}

// adminBodies: GET /api/v1/admin/bodies — every body, inactive too, with its channels.
func (a *API) adminBodies(c *fiber.Ctx) error {
	all, err := a.Escalation.Bodies(c.UserContext(), true, strings.Clone(c.Query("type")), strings.Clone(c.Query("jurisdiction")))
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": all})
}

// saveBody: POST /api/v1/admin/bodies and PUT /api/v1/admin/bodies/{id}.
func (a *API) saveBody(c *fiber.Ctx) error {
	var id *uuid.UUID
	status := fiber.StatusCreated
	if c.Method() == fiber.MethodPut {
		v, err := uuidParam(c, "body")
		if err != nil {
			return err
		}
		id, status = &v, fiber.StatusOK
	}
	var in escalation.BodyInput
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	b, err := a.Escalation.SaveBody(c.UserContext(), id, in)
	if err != nil {
		return err
	}
	return c.Status(status).JSON(b)
}

// addBodyUser: POST /api/v1/admin/bodies/{id}/users {email, name, password}
// — an account in the bodies' portal, seeing only this body's referrals.
func (a *API) addBodyUser(c *fiber.Ctx) error {
	id, err := uuidParam(c, "body")
	if err != nil {
		return err
	}
	var req struct {
		Email     string   `json:"email"`
		Name      string   `json:"name"`
		Password  string   `json:"password"`
		Languages []string `json:"languages"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var f fault.Fields
	f.Text("name", req.Name, 1, 200)
	if err := f.Err(); err != nil {
		return err
	}
	if _, err := a.Escalation.Body(c.UserContext(), id); err != nil {
		return err
	}
	// Only a new address, or one of this body's users: never a staff account, or another body's.
	u, err := a.Users.AddBodyUser(c.UserContext(), auth.NewUser{Email: req.Email, Name: strings.TrimSpace(req.Name),
		Password: req.Password, Languages: req.Languages, BodyID: &id})
	if err != nil {
		return err
	}
	// Lists, never null, as every other answer with a user has them.
	if u.Languages == nil {
		u.Languages = []string{}
	}
	if u.Skills == nil {
		u.Skills = []string{}
	}
	return c.Status(fiber.StatusCreated).JSON(u)
}

// escalateCase: POST /api/v1/cases/{id}/escalations {body_id, consent_scope, reason, legal_basis}.
func (a *API) escalateCase(c *fiber.Ctx) error {
	id, req, err := caseRequest[escalation.ReferralRequest](c)
	if err != nil {
		return err
	}
	r, err := a.Escalation.Refer(c.UserContext(), id, escalation.Requester{Source: escalation.SourceStaff, Actor: httpkit.Actor(c)}, req)
	return answer(c, fiber.StatusCreated, r, err)
}

// complainantEscalation: POST /api/v1/complainant/case/escalations {body_id, consent_scope, reason}.
func (a *API) complainantEscalation(c *fiber.Ctx) error {
	var req escalation.ReferralRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	r, err := a.Escalation.Refer(c.UserContext(), middleware.CaseID(c), escalation.Requester{Source: escalation.SourceComplainant}, req)
	if err != nil {
		return err
	}
	// The complainant sees where their case went, not the dossier or the staff's view.
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": r.ID, "body": r.Body, "status": r.Status,
		"consent_scope": r.ConsentScope, "legal_basis": r.LegalBasis, "created_at": r.CreatedAt})
}

// caseReferrals: GET /api/v1/cases/{id}/referrals — with messages, disclosures and deliveries.
func (a *API) caseReferrals(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := a.Grievance.Status(c.UserContext(), id); err != nil {
		return err
	}
	items, err := a.Escalation.CaseReferrals(c.UserContext(), id)
	return answerItems(c, items, err)
}

// caseAndReferral reads {id} and {rid}.
func caseAndReferral(c *fiber.Ctx) (uuid.UUID, uuid.UUID, error) {
	return caseChild(c, "rid", "referral")
}

// organisationMessage: POST /api/v1/cases/{id}/referrals/{rid}/messages {body} — to the body.
func (a *API) organisationMessage(c *fiber.Ctx) error {
	id, rid, err := caseAndReferral(c)
	if err != nil {
		return err
	}
	var req escalation.MessageRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	m, err := a.Escalation.AddMessage(c.UserContext(), rid, &id, httpkit.User(c).ID, false, req)
	return answer(c, fiber.StatusCreated, m, err)
}

// requestDisclosure: POST /api/v1/cases/{id}/referrals/{rid}/identity-disclosures {legal_basis, reason}.
func (a *API) requestDisclosure(c *fiber.Ctx) error {
	id, rid, err := caseAndReferral(c)
	if err != nil {
		return err
	}
	var req escalation.DisclosureRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	d, err := a.Escalation.RequestDisclosure(c.UserContext(), id, rid, httpkit.User(c).ID, req)
	return answer(c, fiber.StatusCreated, d, err)
}

// approveDisclosure: POST /api/v1/cases/{id}/referrals/{rid}/identity-disclosures/{did}/approve.
func (a *API) approveDisclosure(c *fiber.Ctx) error {
	id, rid, err := caseAndReferral(c)
	if err != nil {
		return err
	}
	did, err := namedParam(c, "did", "identity disclosure")
	if err != nil {
		return err
	}
	d, err := a.Escalation.ApproveDisclosure(c.UserContext(), id, rid, did, httpkit.User(c).ID)
	return answer(c, fiber.StatusOK, d, err)
}

// bodyViewer is the signed-in body user.
func bodyViewer(c *fiber.Ctx) *escalation.Viewer {
	id := httpkit.User(c).ID
	return &escalation.Viewer{BodyUser: &id}
}

// listReferrals: GET /api/v1/referrals?status=&cursor=&limit= — the body's referrals, newest first.
func (a *API) listReferrals(c *fiber.Ctx) error {
	var f fault.Fields
	limit := queryLimit(c, &f, 0)
	cursor := paging.PageArgs(&f, &limit, c.Query("cursor"))
	if err := f.Err(); err != nil {
		return err
	}
	page, err := a.Escalation.Referrals(c.UserContext(), httpkit.User(c).ID, escalation.ReferralStatus(strings.Clone(c.Query("status"))), cursor, limit)
	return answer(c, fiber.StatusOK, page, err)
}

// getReferral: GET /api/v1/referrals/{id} — the referral with its dossier.
func (a *API) getReferral(c *fiber.Ctx) error {
	id, err := uuidParam(c, "referral")
	if err != nil {
		return err
	}
	r, err := a.Escalation.Referral(c.UserContext(), id, bodyViewer(c))
	return answer(c, fiber.StatusOK, r, err)
}

// referralDossier: GET /api/v1/referrals/{id}/dossier (the exact signed
// JSON) and …/dossier.pdf, each with its signature in Redress-Signature.
func (a *API) referralDossier(c *fiber.Ctx) error {
	id, err := uuidParam(c, "referral")
	if err != nil {
		return err
	}
	return a.dossierFile(c, id, bodyViewer(c))
}

// caseReferralDossier: the same for staff, under the case the referral is of.
func (a *API) caseReferralDossier(c *fiber.Ctx) error {
	id, rid, err := caseAndReferral(c)
	if err != nil {
		return err
	}
	return a.dossierFile(c, rid, &escalation.Viewer{CaseID: &id})
}

func (a *API) dossierFile(c *fiber.Ctx, id uuid.UUID, v *escalation.Viewer) error {
	pdf := strings.HasSuffix(c.Path(), ".pdf")
	f, err := a.Escalation.DossierFile(c.UserContext(), id, v, pdf)
	if err != nil {
		return err
	}
	for _, h := range download.Dossier(f.Reference, pdf, f.Signature.KeyID, f.Signature.Value, f.Signature.SHA256) {
		c.Set(h.Name, h.Value)
	}
	return c.Send(f.Bytes)
}

// referralStatus: POST /api/v1/referrals/{id}/status {status, outcome}.
func (a *API) referralStatus(c *fiber.Ctx) error {
	id, err := uuidParam(c, "referral")
	if err != nil {
		return err
	}
	var req escalation.StatusRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	r, err := a.Escalation.SetStatus(c.UserContext(), id, httpkit.User(c).ID, req)
	return answer(c, fiber.StatusOK, r, err)
}

// bodyMessage: POST /api/v1/referrals/{id}/messages {body} — to the organisation.
func (a *API) bodyMessage(c *fiber.Ctx) error {
	id, err := uuidParam(c, "referral")
	if err != nil {
		return err
	}
	var req escalation.MessageRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	m, err := a.Escalation.AddMessage(c.UserContext(), id, nil, httpkit.User(c).ID, true, req)
	return answer(c, fiber.StatusCreated, m, err)
}

// referralItem reads {id}, {rid} and {item}.
func referralItem(c *fiber.Ctx) (uuid.UUID, uuid.UUID, uuid.UUID, error) {
	id, rid, err := caseAndReferral(c)
	if err != nil {
		return uuid.Nil, uuid.Nil, uuid.Nil, err
	}
	item, err := namedParam(c, "item", "outcome item")
	return id, rid, item, err
}

// recordCompliance: POST /api/v1/cases/{id}/referrals/{rid}/items/{item}/compliance {evidence, evidence_reference}.
func (a *API) recordCompliance(c *fiber.Ctx) error {
	id, rid, item, err := referralItem(c)
	if err != nil {
		return err
	}
	var req escalation.ComplianceRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	it, err := a.Escalation.RecordCompliance(c.UserContext(), id, rid, item, httpkit.Actor(c), req)
	return answer(c, fiber.StatusOK, it, err)
}

// verifyCompliance: POST /api/v1/cases/{id}/referrals/{rid}/items/{item}/verify — a second person.
func (a *API) verifyCompliance(c *fiber.Ctx) error {
	id, rid, item, err := referralItem(c)
	if err != nil {
		return err
	}
	it, err := a.Escalation.VerifyCompliance(c.UserContext(), id, rid, item, httpkit.User(c).ID)
	return answer(c, fiber.StatusOK, it, err)
}

// settleItem: POST /api/v1/referrals/{id}/items/{item}/settle {note} — the body.
func (a *API) settleItem(c *fiber.Ctx) error {
	id, err := uuidParam(c, "referral")
	if err != nil {
		return err
	}
	item, err := namedParam(c, "item", "outcome item")
	if err != nil {
		return err
	}
	var req escalation.SettleRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	it, err := a.Escalation.Settle(c.UserContext(), id, item, httpkit.User(c).ID, req)
	return answer(c, fiber.StatusOK, it, err)
}

// complainantReferralMessage: POST /api/v1/complainant/case/referrals/{rid}/messages {body} —
// the complainant answers a body that wrote to them.
func (a *API) complainantReferralMessage(c *fiber.Ctx) error {
	rid, err := namedParam(c, "rid", "referral")
	if err != nil {
		return err
	}
	var req escalation.MessageRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	m, err := a.Escalation.ComplainantAnswer(c.UserContext(), middleware.CaseID(c), rid, req)
	return answer(c, fiber.StatusCreated, m, err)
}

// referSystemicIssue: POST /api/v1/systemic-issues/{id}/referrals {body_id, reason, legal_basis}.
func (a *API) referSystemicIssue(c *fiber.Ctx) error {
	id, err := uuidParam(c, "systemic issue")
	if err != nil {
		return err
	}
	var req escalation.SystemicReferralRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	r, err := a.Escalation.ReferSystemic(c.UserContext(), id, httpkit.User(c).ID, req)
	return answer(c, fiber.StatusCreated, r, err)
}

// listSystemicReferrals: GET /api/v1/systemic-referrals — the body's systemic referrals.
func (a *API) listSystemicReferrals(c *fiber.Ctx) error {
	items, err := a.Escalation.SystemicReferrals(c.UserContext(), httpkit.User(c).ID)
	return answerItems(c, items, err)
}

// getSystemicReferral: GET /api/v1/systemic-referrals/{id}.
func (a *API) getSystemicReferral(c *fiber.Ctx) error {
	id, err := uuidParam(c, "referral")
	if err != nil {
		return err
	}
	r, err := a.Escalation.SystemicReferral(c.UserContext(), id, httpkit.User(c).ID)
	return answer(c, fiber.StatusOK, r, err)
}
