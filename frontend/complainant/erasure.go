package complainant

import (
	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/retention"
)

// The follow-up page's "Erase my case" (issue 19, docs/retention.md): what
// erasure means, the form to ask for it (a box to tick: it cannot be
// undone), the pending request with its date and a Cancel form, a refusal's
// legal ground in words and its note, and, once erased, a banner at the top
// of the page and no form that would add anything to the case.

// Erased is when and why the case's personal data was erased, or nil.
func (d *caseData) Erased() *retention.Erasure {
	if d.Retention == nil {
		return nil
	}
	return d.Retention.Erased
}

// ErasedGround is the erasure's ground code (ErasureGround).
func (d *caseData) ErasedGround() string {
	if e := d.Erased(); e != nil {
		return kit.ErasureGround(e.Ground)
	}
	return ""
}

// ErasureRequest is the latest request for erasure, or nil.
func (d *caseData) ErasureRequest() *retention.Request {
	if d.Retention == nil {
		return nil
	}
	return d.Retention.Request
}

// CanAskErasure: the case is not erased and no request waits.
func (d *caseData) CanAskErasure() bool {
	if d.Erased() != nil {
		return false
	}
	r := d.ErasureRequest()
	return r == nil || r.Status != retention.RequestPending
}

// followUpErasure: POST /follow-up/erasure {confirm} — the complainant asks
// for their case to be erased, having ticked "I understand this cannot be
// undone".
func (w *Pages) followUpErasure(c *fiber.Ctx) error {
	if c.FormValue("confirm") == "" {
		var f fault.Fields
		f.Add("confirm", "required", "tick the box to confirm you understand this cannot be undone")
		return w.actionError(c, f.Err(), "erasure")
	}
	if _, err := w.Retention.RequestErasure(c.UserContext(), *w.Req(c).CaseID); err != nil {
		return w.actionError(c, err, "erasure")
	}
	return w.SeeOther(c, "/follow-up#erasure", "followup.erasure.requested")
}

// followUpErasureCancel: POST /follow-up/erasure/cancel — the complainant
// withdraws their pending request.
func (w *Pages) followUpErasureCancel(c *fiber.Ctx) error {
	if _, err := w.Retention.CancelErasure(c.UserContext(), *w.Req(c).CaseID); err != nil {
		return w.actionError(c, err, "erasure")
	}
	return w.SeeOther(c, "/follow-up#erasure", "followup.erasure.cancelled")
}
