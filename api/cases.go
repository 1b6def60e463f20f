package api

import (
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
)

const maxIdempotencyKey = 255

// createCase files a complaint: POST /api/v1/cases.
func (a *API) createCase(c *fiber.Ctx) error {
	key := c.Get("Idempotency-Key")
	if len(key) > maxIdempotencyKey || !printableASCII(key) {
		var f fault.Fields
		f.Addf("Idempotency-Key", "invalid", "must be 1 to %d visible ASCII characters", maxIdempotencyKey)
		return f.Err()
	}
	key = strings.Clone(key)
	var req grievance.IntakeRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	rec, err := a.Grievance.Submit(c.UserContext(), &req, key)
	if err != nil {
		return err
	}
	if rec.Replayed {
		c.Set("Idempotent-Replayed", "true")
	}
	return c.Status(fiber.StatusCreated).JSON(rec)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x21 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// listCases: GET /api/v1/cases with filters and a keyset cursor.
func (a *API) listCases(c *fiber.Ctx) error {
	filter, err := caseFilter(c)
	if err != nil {
		return err
	}
	page, err := a.Grievance.List(c.UserContext(), filter)
	return answer(c, fiber.StatusOK, page, err)
}

// caseFilter reads the case-list filters from the query string.
func caseFilter(c *fiber.Ctx) (grievance.Filter, error) {
	var f fault.Fields
	filter := grievance.Filter{
		Viewer:   httpkit.Viewer(c),
		Kind:     strings.Clone(c.Query("kind")),
		Priority: strings.Clone(c.Query("priority")),
		Cursor:   strings.Clone(c.Query("cursor")),
	}
	for _, s := range strings.Split(c.Query("status"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			filter.Statuses = append(filter.Statuses, strings.Clone(s))
		}
	}
	filter.QueueID = queryUUID(c, &f, "queue_id")
	filter.AISystemID = queryUUID(c, &f, "ai_system_id")
	if c.Query("assignee_id") == "me" {
		id := httpkit.User(c).ID
		filter.AssigneeID = &id
	} else {
		filter.AssigneeID = queryUUID(c, &f, "assignee_id")
	}
	filter.Breached = queryBool(c, &f, "breached")
	filter.Limit = queryLimit(c, &f, 0)
	return filter, f.Err()
}

func pathID(c *fiber.Ctx) (uuid.UUID, error) { return uuidParam(c, "case") }

// getCase: GET /api/v1/cases/{id}.
func (a *API) getCase(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	d, err := a.Grievance.Get(c.UserContext(), id)
	return answer(c, fiber.StatusOK, d, err)
}

// caseIdentity: GET /api/v1/cases/{id}/identity — who complained, recorded
// in the access log by the route's guard.
func (a *API) caseIdentity(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	who, err := a.Grievance.IdentityOf(c.UserContext(), id)
	return answer(c, fiber.StatusOK, who, err)
}

// caseAudit: GET /api/v1/cases/{id}/audit — the case record and whether its chain verifies.
func (a *API) caseAudit(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if _, err := a.Grievance.Status(c.UserContext(), id); err != nil {
		return err
	}
	entries, err := a.Audit.Entries(c.UserContext(), id)
	if err != nil {
		return err
	}
	if entries == nil {
		entries = []audit.Entry{}
	}
	return c.JSON(fiber.Map{"items": entries, "verification": audit.Verify(id, entries)})
}

// staffMessage: POST /api/v1/cases/{id}/messages {body, visibility}.
func (a *API) staffMessage(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req struct {
		Body       string               `json:"body"`
		Visibility grievance.Visibility `json:"visibility"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	msg, err := a.Grievance.AddMessage(c.UserContext(), id, httpkit.Actor(c), req.Visibility, req.Body)
	return answer(c, fiber.StatusCreated, msg, err)
}

// acknowledgeCase: POST /api/v1/cases/{id}/acknowledge.
func (a *API) acknowledgeCase(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if len(c.Request().Body()) > 0 {
		var req struct{}
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
	}
	if err := a.Grievance.Acknowledge(c.UserContext(), id, httpkit.Actor(c)); err != nil {
		return err
	}
	return a.getCase(c)
}

// transitionCase: POST /api/v1/cases/{id}/transitions {to, reason}.
func (a *API) transitionCase(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req struct {
		To     string `json:"to"`
		Reason string `json:"reason"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	by := httpkit.Actor(c)
	if _, err := a.Grievance.Transition(c.UserContext(), id, by, cases.Status(req.To), req.Reason); err != nil {
		return err
	}
	return a.getCase(c)
}

// triageCase: POST /api/v1/cases/{id}/triage — classification and severity;
// the priority follows by the maximum rule, and a downgrade waits for approval.
func (a *API) triageCase(c *fiber.Ctx) error {
	id, req, err := caseRequest[decision.TriageRequest](c)
	if err != nil {
		return err
	}
	by := httpkit.Actor(c)
	res, err := a.Decision.Triage(c.UserContext(), id, by, req)
	if err != nil {
		return err
	}
	d, err := a.Grievance.Get(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"case": d, "triage": res})
}

// approvePriority: POST /api/v1/cases/{id}/priority/approve {approve, reason} — a second person decides a downgrade.
func (a *API) approvePriority(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	approve, reason, err := decodeApproval(c, "say whether you approve the downgrade (true or false)")
	if err != nil {
		return err
	}
	if err := a.Decision.ApprovePriority(c.UserContext(), id, httpkit.User(c).ID, approve, reason); err != nil {
		return err
	}
	return a.getCase(c)
}

// noticeExtension: POST /api/v1/cases/{id}/clocks/{clock}/extension {reasons}.
func (a *API) noticeExtension(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req struct {
		Reasons string `json:"reasons"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := a.Decision.NoticeExtension(c.UserContext(), id, httpkit.Actor(c), strings.Clone(c.Params("clock")), req.Reasons); err != nil {
		return err
	}
	return a.getCase(c)
}

// recordIncident: POST /api/v1/cases/{id}/incident {aware_at, subtype}.
func (a *API) recordIncident(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req struct {
		AwareAt string `json:"aware_at"`
		Subtype string `json:"subtype"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var aware time.Time
	if req.AwareAt != "" {
		if aware, err = time.Parse(time.RFC3339, req.AwareAt); err != nil {
			var f fault.Fields
			f.Add("aware_at", "invalid", "must be a date and time in RFC 3339, such as 2026-11-20T14:30:00Z")
			return f.Err()
		}
	}
	if err := a.Incident.Record(c.UserContext(), id, httpkit.Actor(c), aware, req.Subtype); err != nil {
		return err
	}
	return a.getCase(c)
}

// decideCase: POST /api/v1/cases/{id}/decision — the reviewer's reasoned decision.
func (a *API) decideCase(c *fiber.Ctx) error {
	id, req, err := caseRequest[decision.Request](c)
	if err != nil {
		return err
	}
	if _, err := a.Decision.Decide(c.UserContext(), id, httpkit.Actor(c), req); err != nil {
		return err
	}
	return a.getCase(c)
}

// approveDecision: POST /api/v1/cases/{id}/decision/approve {approve, reason} — four eyes.
func (a *API) approveDecision(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	approve, reason, err := decodeApproval(c, "true makes the decision final; false sends the case back to review (give a reason)")
	if err != nil {
		return err
	}
	if err := a.Decision.ApproveDecision(c.UserContext(), id, httpkit.Actor(c), approve, reason); err != nil {
		return err
	}
	return a.getCase(c)
}

// decodeApproval reads a four-eyes body {approve, reason}; approve is required
// (hint says what it means).
func decodeApproval(c *fiber.Ctx, hint string) (approve bool, reason string, err error) {
	var req struct {
		Approve *bool  `json:"approve"`
		Reason  string `json:"reason"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return false, "", err
	}
	if req.Approve == nil {
		var f fault.Fields
		f.Add("approve", "required", hint)
		return false, "", f.Err()
	}
	return *req.Approve, req.Reason, nil
}
