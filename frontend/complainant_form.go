package frontend

import (
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/registry"
)

// complaintData is what the complaint form offers to choose from.
type complaintData struct {
	Kinds       []string
	Systems     []registry.AISystem
	Informed    []string
	Rights      []string
	HarmTypes   []string
	Channels    []string
	Severities  []string
	OtherSystem string // the select's value for a system not in the register
}

const otherSystem = "other"

// receiptCookie is what the receipt page shows once: the one code (and,
// for what staff see, the reference), until Until.
type receiptCookie struct {
	Reference     string    `json:"reference"`
	Code          string    `json:"code"`
	AcknowledgeBy time.Time `json:"acknowledge_by"`
	// Emails says the complainant gave their identity and chose email.
	Emails bool      `json:"emails,omitempty"`
	Until  time.Time `json:"until"`
}

// receiptShown is how long the receipt page (and its PDF) shows the code.
const receiptShown = 15 * time.Minute

// CodeGroups is the code in its groups, each but the last with its hyphen,
// so a narrow screen breaks the code between groups and nowhere else.
func (rc receiptCookie) CodeGroups() []string { return strings.SplitAfter(rc.Code, "-") }

func (w *Web) complaintPage(c *fiber.Ctx, form url.Values) (*Page, error) {
	systems, err := w.allSystems(c)
	if err != nil {
		return nil, err
	}
	if form == nil {
		form = url.Values{}
	}
	if !validIdempotencyKey(form.Get("idempotency_key")) {
		form.Set("idempotency_key", newIdempotencyKey())
	}
	return &Page{Form: form, Data: complaintData{Kinds: grievance.Kinds, Systems: systems, Informed: grievance.InformedOfAI,
		Rights: grievance.Rights, HarmTypes: grievance.HarmTypes, Channels: grievance.Channels,
		Severities: grievance.PreliminarySeverity, OtherSystem: otherSystem}}, nil
}

// complaintForm: GET /complaints/new — the form, with a fresh idempotency key.
func (w *Web) complaintForm(c *fiber.Ctx) error {
	form := url.Values{}
	// A link from the register may preselect a system: /complaints/new?system=<id>.
	if s := c.Query("system"); s != "" {
		form.Set("ai_system", strings.Clone(s))
	}
	p, err := w.complaintPage(c, form)
	if err != nil {
		return err
	}
	return w.render(c, fiber.StatusOK, "complainant/new", "complaint.title", p)
}

// fileComplaint: POST /complaints/new — files the case through the same
// intake as POST /api/v1/cases (with the form's idempotency key, so a double
// submit files once), signs the complainant in to it, and sends them to the
// receipt, which a sealed cookie carries across the redirect.
func (w *Web) fileComplaint(c *fiber.Ctx) error {
	form, err := formValues(c)
	if err != nil {
		return err
	}
	delete(form, csrfField)
	p, err := w.complaintPage(c, form)
	if err != nil {
		return err
	}
	r := w.req(c)
	in := intakeFromForm(form, r.lang)
	key := form.Get("idempotency_key")
	rec, err := w.Grievance.Submit(c.UserContext(), in, key)
	if err != nil {
		if de, ok := fault.As(err); ok && de.Code == "idempotency_key_reused" {
			// The form was sent before with other answers (the browser's back
			// button): a new key lets this one be sent as a new complaint.
			form.Set("idempotency_key", newIdempotencyKey())
		}
		return w.cpFormError(c, err, "complainant/new", "complaint.title", p, "")
	}
	emails := in.Contact != nil && in.Anonymous != nil && !*in.Anonymous && in.Contact.PreferredChannel == "email"
	if err := w.setSealed(c, cookieReceipt, "/complaints/receipt",
		receiptCookie{Reference: rec.Reference, Code: rec.Code, AcknowledgeBy: rec.AcknowledgeBy, Emails: emails,
			Until: time.Now().Add(receiptShown)}, receiptShown); err != nil {
		return err
	}
	if err := w.signInToCase(c, rec.CaseID); err != nil {
		return err
	}
	return w.seeOther(c, "/complaints/receipt", "")
}

// intakeFromForm turns the form into the API's intake request. Contact
// details count only for an identified complaint; the representative only
// when something of it is filled in.
func intakeFromForm(f url.Values, lang string) *grievance.IntakeRequest {
	in := &grievance.IntakeRequest{
		Kind: f.Get("kind"), DecisionReference: f.Get("decision_reference"), DecisionDate: f.Get("decision_date"),
		InformedOfAI: f.Get("informed_of_ai"), Description: f.Get("description"), Rights: f["rights"],
		HarmTypes: f["harm_types"], DesiredOutcome: f.Get("desired_outcome"), Language: lang,
		RelatedReference: f.Get("related_reference"), PreliminarySeverity: f.Get("preliminary_severity"),
	}
	switch sys := f.Get("ai_system"); sys {
	case "", otherSystem:
		in.AISystemOther = f.Get("ai_system_other")
	default:
		in.AISystemID = sys
	}
	switch f.Get("anonymous") {
	case "true":
		yes := true
		in.Anonymous = &yes
	case "false":
		no := false
		in.Anonymous = &no
		in.Contact = &grievance.Contact{Name: f.Get("contact.name"), Email: f.Get("contact.email"),
			Phone: f.Get("contact.phone"), Address: f.Get("contact.address"),
			PreferredChannel: f.Get("contact.preferred_channel")}
	}
	rep := &grievance.Representative{Name: f.Get("representative.name"),
		Organisation: f.Get("representative.organisation"), Mandate: f.Get("representative.mandate")}
	if strings.TrimSpace(rep.Name+rep.Organisation+rep.Mandate) != "" {
		in.Representative = rep
	}
	return in
}

// signInToCase gives the browser the complainant's token for their case,
// as POST /api/v1/complainant/session does.
func (w *Web) signInToCase(c *fiber.Ctx, caseID uuid.UUID) error {
	token, _, err := w.Tokens.Issue(auth.AudienceComplainant, caseID, "", w.ComplainantTokenTTL)
	if err != nil {
		return err
	}
	w.setCookie(c, cookieCase, token, "/", w.ComplainantTokenTTL)
	return nil
}

// receiptPage: GET /complaints/receipt — the one code, in the browser that
// filed, for a few minutes or until the complainant says they have saved it:
// a reload or a change of language must not lose it, and it is never stored
// anywhere else.
func (w *Web) receiptPage(c *fiber.Ctx) error {
	rc, ok := w.receipt(c)
	if !ok {
		return w.render(c, fiber.StatusOK, "complainant/receipt_gone", "receipt.gone_title", &Page{})
	}
	return w.render(c, fiber.StatusOK, "complainant/receipt", "receipt.title", &Page{Data: rc})
}

// receipt reads the sealed receipt while it may still be shown.
func (w *Web) receipt(c *fiber.Ctx) (receiptCookie, bool) {
	var rc receiptCookie
	if !w.readSealed(c, cookieReceipt, &rc) || rc.Code == "" || time.Now().After(rc.Until) {
		return receiptCookie{}, false
	}
	return rc, true
}

// receiptPDF: GET /complaints/receipt/code.pdf — the code on one printable
// page, downloaded as a file; a plain link, so it works without JavaScript,
// and only while the receipt page still shows the code.
func (w *Web) receiptPDF(c *fiber.Ctx) error {
	rc, ok := w.receipt(c)
	if !ok {
		return w.render(c, fiber.StatusNotFound, "complainant/receipt_gone", "receipt.gone_title", &Page{})
	}
	r := w.req(c)
	t, lang := r.translator, r.lang
	if rtl[lang] { // the PDF's fonts have no Arabic script
		t, lang = w.i18n.translator("en", nil), "en"
	}
	base := strings.TrimRight(w.PublicURL, "/")
	if base == "" {
		base = c.BaseURL()
	}
	sheet := codeSheet{Title: t.T("receipt.pdf_title"), Code: rc.Code, CodeLabel: t.T("receipt.code"),
		Purpose: t.T("receipt.pdf_purpose"), Secret: t.T("receipt.pdf_secret"), Where: t.T("receipt.pdf_where"),
		URL: base + "/follow-up", Reference: t.T("receipt.pdf_reference", "Reference", rc.Reference),
		Lost: t.T("receipt.pdf_lost"), Created: time.Now()}
	if !rc.AcknowledgeBy.IsZero() {
		sheet.AckBy = t.T("receipt.ack_by", "Date", formatTime(lang, rc.AcknowledgeBy, true))
	}
	pdf, err := renderCodeSheet(sheet)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/pdf")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="complaint-code.pdf"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(pdf)
}

// receiptDone: POST /complaints/receipt/done clears the receipt from this browser.
func (w *Web) receiptDone(c *fiber.Ctx) error {
	w.clearCookie(c, cookieReceipt, "/complaints/receipt")
	return w.seeOther(c, "/follow-up", "receipt.cleared")
}

func newIdempotencyKey() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return "web-" + base64.RawURLEncoding.EncodeToString(b)
}

func validIdempotencyKey(k string) bool {
	if len(k) < 16 || len(k) > 255 {
		return false
	}
	for i := 0; i < len(k); i++ {
		if k[i] < 0x21 || k[i] > 0x7e {
			return false
		}
	}
	return true
}
