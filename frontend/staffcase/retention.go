package staffcase

import (
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/retention"
)

// The Retention panel of the case's summary (issue 19, docs/retention.md):
// the erasure of an erased case (when, on what ground), the complainant's
// latest request for erasure (its status and date) with a refusal form on a
// legal ground, and the case's legal holds with forms to place one and to
// release each active one. The forms are a supervisor's or admin's of the
// case's queue (caseWorkspace.MayRetain), as internal/retention decides.

// The forms' sections (see tabOf): all on the summary.
const (
	secHold    = "hold"    // place a legal hold
	secUnhold  = "unhold"  // + "-<hold id>": release it
	secRefusal = "refusal" // refuse the complainant's request for erasure
)

func init() {
	for _, s := range []string{secHold, secUnhold, secRefusal} {
		tabOf[s] = ""
	}
}

// MayRetain: the user may place and release holds and refuse a request for
// erasure — a supervisor or admin of the case's queue who may act on it
// (the routes are auth.Supervisors and access.Works; internal/retention
// refuses anyone else with 403 supervisor_only).
func (d *caseWorkspace) MayRetain() bool { return d.CanAct && d.AnyCase }

// RetentionGrounds are the legal grounds of a refusal, for its select.
func (d *caseWorkspace) RetentionGrounds() []string { return retention.RefusalGrounds }

// ErasedGround is the erasure's ground as a code ("request", "retention").
func (d *caseWorkspace) ErasedGround() string {
	if d.Retention == nil || d.Retention.Erased == nil {
		return ""
	}
	return kit.ErasureGround(d.Retention.Erased.Ground)
}

// HoldActive reports whether hold h is on today.
func (d *caseWorkspace) HoldActive(h retention.Hold) bool { return h.Active(time.Now()) }

// placeHold: POST /cases/:id/legal-holds {reason, until}.
func (w *Pages) placeHold(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	_, err := w.Retention.PlaceHold(c.UserContext(), id, httpkit.Actor(c),
		retention.HoldInput{Reason: form.Get("reason"), Until: form.Get("until")})
	return "cw.flash.hold_placed", err
}

// releaseHold: POST /cases/:id/legal-holds/:hid/release {reason}.
func (w *Pages) releaseHold(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	hid, err := uuid.Parse(c.Params("hid"))
	if err != nil {
		return "", errNotFound
	}
	_, err = w.Retention.ReleaseHold(c.UserContext(), id, hid, httpkit.Actor(c), retention.ReleaseInput{Reason: form.Get("reason")})
	return "cw.flash.hold_released", err
}

// refuseErasure: POST /cases/:id/erasure/refuse {ground, refusal_note}
// (the note is "refusal_note" in the form: "note" is another form's field).
func (w *Pages) refuseErasure(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	_, err := w.Retention.RefuseErasure(c.UserContext(), id, httpkit.Actor(c),
		retention.RefuseInput{Ground: form.Get("ground"), Note: form.Get("refusal_note")})
	return "cw.flash.erasure_refused", renameFields(err, func(f string) string {
		if f == "note" {
			return "refusal_note"
		}
		return f
	})
}
