package complainant

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Protection on the complainant's page (docs/protection.md): the measures
// proposed for their consent, the check-ins after closure, linked cases.

// protectionData is the follow-up page's protection section.
type protectionData struct {
	Measures []grievance.Measure
	Checkins []checkinRow
	Linked   []linkedRow
}

type checkinRow struct {
	grievance.Checkin
	Yes bool // answered "yes"
}

type linkedRow struct {
	grievance.ProtectionLinkedCase
	Stage string // the stage code of its status, in the complainant's words
}

func newProtectionData(p *grievance.Protection) *protectionData {
	d := &protectionData{Measures: p.Measures}
	for _, k := range p.Checkins {
		d.Checkins = append(d.Checkins, checkinRow{Checkin: k, Yes: k.Happened != nil && *k.Happened})
	}
	for _, l := range p.Linked {
		d.Linked = append(d.Linked, linkedRow{ProtectionLinkedCase: l, Stage: grievance.StageOf(cases.Status(l.Status)).Code})
	}
	return d
}

// ShowProtection says whether the page has a protection section.
func (d *caseData) ShowProtection() bool {
	p := d.Protection
	return p != nil && (len(p.Measures) > 0 || len(p.Checkins) > 0 || len(p.Linked) > 0)
}

// boolField reads a yes/no radio: nil when neither was chosen.
func boolField(c *fiber.Ctx, name string) *bool {
	switch c.FormValue(name) {
	case "true":
		yes := true
		return &yes
	case "false":
		no := false
		return &no
	}
	return nil
}

// followUpMeasure: POST /follow-up/measures/:mid/consent {consent}.
func (w *Pages) followUpMeasure(c *fiber.Ctx) error {
	mid, err := uuid.Parse(c.Params("mid"))
	if err != nil {
		return fault.New(fault.NotFound, "measure_not_found", "There is no such measure.")
	}
	consent := boolField(c, "consent")
	if _, err := w.Grievance.AnswerMeasure(c.UserContext(), *w.Req(c).CaseID, mid, consent); err != nil {
		return w.actionError(c, err, "measure."+mid.String())
	}
	flash := "followup.measure_declined"
	if *consent {
		flash = "followup.measure_consented"
	}
	return w.SeeOther(c, "/follow-up#protection", flash)
}

// followUpCheckin: POST /follow-up/checkins/:cid {happened, text}.
func (w *Pages) followUpCheckin(c *fiber.Ctx) error {
	cid, err := uuid.Parse(c.Params("cid"))
	if err != nil {
		return fault.New(fault.NotFound, "checkin_not_found", "There is no such check-in.")
	}
	k, err := w.Grievance.AnswerCheckin(c.UserContext(), *w.Req(c).CaseID, cid, grievance.CheckinAnswer{
		Happened: boolField(c, "happened"), Text: strings.Clone(c.FormValue("text"))})
	if err != nil {
		return w.actionError(c, err, "checkin."+cid.String())
	}
	flash := "followup.checkin_thanks_no"
	if k.RetaliationReference != nil {
		flash = "followup.checkin_thanks_yes"
	}
	return w.SeeOther(c, "/follow-up#protection", flash)
}
