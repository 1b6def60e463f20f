package complainant

import (
	"crypto/rand"
	"encoding/base64"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/registry"
)

// The complaint form is asked in steps, one topic each. Every step is a
// plain form posting to /complaints/new with the answers of the other steps
// in hidden fields: nothing is kept on the server, in the browser's storage
// or in a cookie until the last step sends the complaint, with its files,
// to /complaints/send.

// formStep is one step of the complaint form.
type formStep struct {
	Name   string   // its message ids: complaint.step.<Name>…
	Fields []string // the answers it asks (form names), in form order
	Check  []string // the intake's fields it validates, in form order
}

var complaintSteps = []formStep{
	{Name: "what", Fields: []string{"kind", "description", "decision_date", "decision_reference"},
		Check: []string{"kind", "description", "decision_date", "decision_reference"}},
	{Name: "system", Fields: []string{"ai_system", "ai_system_other", "informed_of_ai"},
		Check: []string{"ai_system_id", "ai_system_other", "informed_of_ai"}},
	{Name: "want", Fields: []string{"desired_outcome", "rights", "harm_types", "preliminary_severity", "related_reference"},
		Check: []string{"desired_outcome", "rights", "harm_types", "preliminary_severity", "related_reference"}},
	{Name: "who", Fields: []string{"country", "anonymous", "contact.name", "contact.email", "contact.phone", "contact.address",
		"contact.customer_number", "contact.preferred_channel", "representative.name", "representative.organisation", "representative.mandate"},
		Check: []string{"country", "anonymous", "contact.name", "contact.preferred_channel", "contact.email", "contact.phone",
			"contact.address", "contact.customer_number", "contact", "representative.name", "representative.organisation",
			"representative.mandate", "representative"}},
	{Name: "send", Check: []string{"file", "description"}},
}

const (
	stepSend = 5
	// contactShown marks a "who" step whose contact fields were on the page:
	// choosing to give one's name shows them first, without a JavaScript.
	contactShown = "contact_shown"
	// evidenceDescription is the send step's "what the files show".
	evidenceDescription = "evidence_description"
)

// answerFields are every answer the steps carry, and the idempotency key.
func answerFields() []string {
	out := []string{"idempotency_key"}
	for _, s := range complaintSteps {
		out = append(out, s.Fields...)
	}
	return out
}

// complaintData is what a step of the complaint form shows.
type complaintData struct {
	Step, Total int
	StepName    string
	Steps       []stepLink
	Carry       []hiddenField // the other steps' answers
	Kinds       []string
	Systems     []registry.AISystem
	Informed    []string
	Rights      []string
	HarmTypes   []string
	Channels    []string
	Severities  []string
	Countries   []CountryOpt // the "who" step's select, in the page's language
	OtherSystem string       // the select's value for a system not in the register
	ShowContact bool         // the "who" step asks for contact details
	ShowRelated bool         // the "want" step asks for the earlier complaint
	Summary     []summarySection
	MaxFiles    int
	MaxFileMiB  int
}

type stepLink struct {
	N             int
	Name          string
	Current, Done bool
}

type hiddenField struct{ Name, Value string }

// summarySection is one step's answers on the check-and-send step.
type summarySection struct {
	Step int
	Name string
	Rows []summaryRow
}

type summaryRow struct{ Label, Value string }

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

// stepPage is step n of the form, with the answers in form.
func (w *Pages) stepPage(c *fiber.Ctx, n int, form url.Values) (*kit.Page, error) {
	systems, err := w.allSystems(c)
	if err != nil {
		return nil, err
	}
	if !validIdempotencyKey(form.Get("idempotency_key")) {
		form.Set("idempotency_key", newIdempotencyKey())
	}
	step := complaintSteps[n-1]
	d := complaintData{Step: n, Total: len(complaintSteps), StepName: step.Name, Kinds: cases.Strings(cases.Kinds), Systems: systems,
		Informed: grievance.InformedOfAI, Rights: decision.Rights, HarmTypes: decision.HarmTypes, Channels: grievance.Channels,
		Severities: grievance.PreliminarySeverity, OtherSystem: otherSystem, Countries: countries(w.Req(c).Lang()),
		ShowContact: form.Get("anonymous") == "false", ShowRelated: form.Get("kind") == "retaliation" || form.Get("related_reference") != "",
		MaxFiles: evidence.MaxComplainant, MaxFileMiB: evidence.MaxBytes >> 20}
	for i, s := range complaintSteps {
		d.Steps = append(d.Steps, stepLink{N: i + 1, Name: s.Name, Current: i+1 == n, Done: i+1 < n})
	}
	for _, name := range answerFields() {
		if n != stepSend && slices.Contains(step.Fields, name) {
			continue // asked on this page
		}
		for _, v := range form[name] {
			d.Carry = append(d.Carry, hiddenField{Name: name, Value: v})
		}
	}
	if n == stepSend {
		d.Summary = w.complaintSummary(c, form, systems)
	}
	return &kit.Page{Form: form, Data: d}, nil
}

// renderStep shows a step with status, its errors (if err) in form order.
func (w *Pages) renderStep(c *fiber.Ctx, status, n int, form url.Values, err error) error {
	p, perr := w.stepPage(c, n, form)
	if perr != nil {
		return perr
	}
	if err != nil {
		de, ok := fault.As(err)
		if !ok {
			return w.RenderError(c, err)
		}
		r := w.Req(c)
		order := complaintSteps[n-1].Check
		fields := slices.Clone(de.Fields)
		slices.SortStableFunc(fields, func(a, b fault.FieldError) int { return fieldRank(order, a.Field) - fieldRank(order, b.Field) })
		prefix := ""
		if n == stepSend {
			prefix = "evidence"
		}
		setErrors(r, p, de, fields, prefix)
		status = httpkit.Status(de.Kind)
	}
	return w.Render(c, status, "complainant/new", "complaint.title", p)
}

// fieldRank is a field's place in a step's form order: contact.email sorts
// with contact.email, contact with the first contact field.
func fieldRank(order []string, field string) int {
	for i, o := range order {
		if o == field || strings.HasPrefix(field, o+".") || strings.HasPrefix(field, o+"[") || strings.HasPrefix(o, field+".") {
			return i
		}
	}
	return len(order)
}

// complaintForm: GET /complaints/new — the safety advice and the first
// step, with a fresh idempotency key. A link from the register may
// preselect a system: /complaints/new?system=<id>.
func (w *Pages) complaintForm(c *fiber.Ctx) error {
	form := url.Values{}
	if s := c.Query("system"); s != "" {
		form.Set("ai_system", strings.Clone(s))
	}
	return w.renderStep(c, fiber.StatusOK, 1, form, nil)
}

// complaintStep: POST /complaints/new — one step's answers, with the
// others' in hidden fields. "go" says where to: next (the step's answers
// are checked first, by the intake's rules for those fields), back, or
// step-N (a "change" button on the last step). Nothing is stored.
func (w *Pages) complaintStep(c *fiber.Ctx) error {
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	form = keepAnswers(form)
	n, _ := strconv.Atoi(c.FormValue("step"))
	n = min(max(n, 1), len(complaintSteps))
	switch to := c.FormValue("go"); {
	case to == "back":
		return w.renderStep(c, fiber.StatusOK, max(n-1, 1), form, nil)
	case strings.HasPrefix(to, "step-"):
		m, _ := strconv.Atoi(strings.TrimPrefix(to, "step-"))
		return w.renderStep(c, fiber.StatusOK, min(max(m, 1), len(complaintSteps)), form, nil)
	}
	if n == stepSend {
		return w.renderStep(c, fiber.StatusOK, n, form, nil)
	}
	if complaintSteps[n-1].Name == "who" && form.Get("anonymous") == "false" && c.FormValue(contactShown) == "" {
		// Giving one's name: now ask how to reach them, on the same step.
		return w.renderStep(c, fiber.StatusOK, n, form, nil)
	}
	if err := w.checkStep(c, n, form); err != nil {
		return w.renderStep(c, fiber.StatusOK, n, form, err)
	}
	return w.renderStep(c, fiber.StatusOK, n+1, form, nil)
}

// checkStep validates step n's answers by the intake's rules for its fields.
func (w *Pages) checkStep(c *fiber.Ctx, n int, form url.Values) error {
	return w.Grievance.ValidateIntakeFields(c.UserContext(), intakeFromForm(form, w.Req(c).Lang()), complaintSteps[n-1].Check...)
}

// keepAnswers keeps the answers of a posted step and drops the rest
// (the CSRF token, the buttons); an anonymous complaint keeps no contact
// or representative, and only a retaliation complaint an earlier reference.
func keepAnswers(form url.Values) url.Values {
	out := url.Values{}
	for _, name := range answerFields() {
		if v, ok := form[name]; ok {
			out[name] = v
		}
	}
	if out.Get("anonymous") == "true" {
		for name := range out {
			if strings.HasPrefix(name, "contact.") || strings.HasPrefix(name, "representative.") {
				delete(out, name)
			}
		}
	}
	if out.Get("kind") != "retaliation" {
		delete(out, "related_reference")
	}
	return out
}

// fileComplaint: POST /complaints/send (multipart/form-data) — the last
// step: every answer in hidden fields, the CSRF token among them, and the
// files. The body is read part by part, in memory (parseFilingForm); each
// step's answers are checked again, in order, and the first step with a
// problem is shown again; then the case and its files are filed in one
// transaction, with the form's idempotency key (a double submit files
// once), the browser is signed in to the case and sent to the receipt.
func (w *Pages) fileComplaint(c *fiber.Ctx) error {
	form, files, err := parseFilingForm(c.Get(fiber.HeaderContentType), c.Get(fiber.HeaderContentEncoding), c.Request().Body())
	if err != nil {
		return err
	}
	// The token of this browser's session, or (a double submit, sent
	// again after the first signed the browser in to its new case) the
	// anonymous one of the same nonce: a filing acts on no session.
	if tok := form.Get(kit.CSRFField); !w.ValidCSRF(c, tok) && !w.ValidAnonymousCSRF(c, tok) {
		return w.RenderError(c, kit.ErrCSRF)
	}
	description := form.Get(evidenceDescription)
	form = keepAnswers(form)
	for n := 1; n < stepSend; n++ {
		if err := w.checkStep(c, n, form); err != nil {
			return w.renderStep(c, fiber.StatusOK, n, form, err)
		}
	}
	for i := range files {
		files[i].Description = description
	}
	in := intakeFromForm(form, w.Req(c).Lang())
	rec, err := w.Grievance.SubmitWithEvidence(c.UserContext(), in, form.Get("idempotency_key"), files)
	if err != nil {
		if de, ok := fault.As(err); ok && de.Code == "idempotency_key_reused" {
			// The form was sent before with other answers (the browser's back
			// button): a new key lets this one be sent as a new complaint.
			form.Set("idempotency_key", newIdempotencyKey())
		}
		form.Set("evidence.description", description) // shown again; the files must be chosen again
		return w.renderStep(c, fiber.StatusOK, stepSend, form, err)
	}
	emails := in.Contact != nil && in.Anonymous != nil && !*in.Anonymous && in.Contact.PreferredChannel == "email"
	if err := w.SetSealed(c, kit.CookieReceipt, "/complaints/receipt",
		receiptCookie{Reference: rec.Reference, Code: rec.Code, AcknowledgeBy: rec.AcknowledgeBy, Emails: emails,
			Until: time.Now().Add(receiptShown)}, receiptShown); err != nil {
		return err
	}
	if err := w.signInToCase(c, rec.CaseID, false); err != nil {
		return err
	}
	return w.SeeOther(c, "/complaints/receipt", "")
}

// complaintSummary is every answer, by step, in the page's language.
func (w *Pages) complaintSummary(c *fiber.Ctx, f url.Values, systems []registry.AISystem) []summarySection {
	r := w.Req(c)
	none := r.T("complaint.summary.none")
	val := func(v string) string {
		if strings.TrimSpace(v) == "" {
			return none
		}
		return v
	}
	opt := func(prefix, v string) string {
		if v == "" {
			return none
		}
		return r.OptionLabel(prefix, v)
	}
	opts := func(prefix string, vs []string) string {
		if len(vs) == 0 {
			return none
		}
		out := make([]string, len(vs))
		for i, v := range vs {
			out[i] = r.OptionLabel(prefix, v)
		}
		return strings.Join(out, r.T("complaint.summary.separator"))
	}
	label := (&page{&kit.Page{Request: r}}).CpFieldLabel
	system := none
	switch id := f.Get("ai_system"); id {
	case "":
	case otherSystem:
		system = r.T("complaint.system_other")
	default:
		for _, s := range systems {
			if s.ID.String() == id {
				system = s.Name + " (" + s.Provider + ")"
			}
		}
	}
	out := []summarySection{
		{Step: 1, Name: "what", Rows: []summaryRow{
			{label("kind"), opt("cp.kind", f.Get("kind"))},
			{label("description"), val(f.Get("description"))},
			{label("decision_date"), val(f.Get("decision_date"))},
			{label("decision_reference"), val(f.Get("decision_reference"))},
		}},
		{Step: 2, Name: "system", Rows: []summaryRow{{label("ai_system_id"), system}}},
		{Step: 3, Name: "want", Rows: []summaryRow{
			{label("desired_outcome"), val(f.Get("desired_outcome"))},
			{label("rights"), opts("cp.right", f["rights"])},
			{label("harm_types"), opts("cp.harm", f["harm_types"])},
			{label("preliminary_severity"), opt("cp.severity", f.Get("preliminary_severity"))},
		}},
		{Step: 4, Name: "who", Rows: []summaryRow{{label("country"), val(countryName(r.Lang(), f.Get("country")))},
			{label("anonymous"), opt("cp.anonymous", f.Get("anonymous"))}}},
	}
	if f.Get("ai_system") == otherSystem || f.Get("ai_system_other") != "" {
		out[1].Rows = append(out[1].Rows, summaryRow{label("ai_system_other"), val(f.Get("ai_system_other"))})
	}
	out[1].Rows = append(out[1].Rows, summaryRow{label("informed_of_ai"), opt("cp.informed", f.Get("informed_of_ai"))})
	if f.Get("kind") == "retaliation" {
		out[2].Rows = append(out[2].Rows, summaryRow{label("related_reference"), val(f.Get("related_reference"))})
	}
	if f.Get("anonymous") == "false" {
		out[3].Rows = append(out[3].Rows,
			summaryRow{label("contact.name"), val(f.Get("contact.name"))},
			summaryRow{label("contact.preferred_channel"), opt("cp.channel", f.Get("contact.preferred_channel"))},
			summaryRow{label("contact.email"), val(f.Get("contact.email"))},
			summaryRow{label("contact.phone"), val(f.Get("contact.phone"))},
			summaryRow{label("contact.address"), val(f.Get("contact.address"))},
			summaryRow{label("contact.customer_number"), val(f.Get("contact.customer_number"))})
		if f.Get("representative.name") != "" {
			out[3].Rows = append(out[3].Rows,
				summaryRow{label("representative.name"), val(f.Get("representative.name"))},
				summaryRow{label("representative.organisation"), val(f.Get("representative.organisation"))},
				summaryRow{label("representative.mandate"), val(f.Get("representative.mandate"))})
		}
	}
	return out
}

// intakeFromForm turns the answers into the API's intake request. Contact
// details count only for an identified complaint; the representative only
// when something of it is filled in.
func intakeFromForm(f url.Values, lang string) *grievance.IntakeRequest {
	in := &grievance.IntakeRequest{
		Kind: f.Get("kind"), DecisionReference: f.Get("decision_reference"), DecisionDate: f.Get("decision_date"),
		InformedOfAI: f.Get("informed_of_ai"), Description: f.Get("description"), Rights: f["rights"],
		HarmTypes: f["harm_types"], DesiredOutcome: f.Get("desired_outcome"), Language: lang,
		RelatedReference: f.Get("related_reference"), PreliminarySeverity: f.Get("preliminary_severity"),
		Country: f.Get("country"),
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
			CustomerNumber: f.Get("contact.customer_number"), PreferredChannel: f.Get("contact.preferred_channel")}
	}
	rep := &grievance.Representative{Name: f.Get("representative.name"),
		Organisation: f.Get("representative.organisation"), Mandate: f.Get("representative.mandate")}
	if strings.TrimSpace(rep.Name+rep.Organisation+rep.Mandate) != "" {
		in.Representative = rep
	}
	return in
}

// signInToCase gives the browser the complainant's token for their case,
// as POST /api/v1/complainant/session does; the forms' CSRF token is bound
// to it from now on. rotate gives a new CSRF nonce too: at a sign-in with
// the code (not after a filing, whose double submit must still file once).
func (w *Pages) signInToCase(c *fiber.Ctx, caseID uuid.UUID, rotate bool) error {
	token, _, err := w.Tokens.Issue(auth.AudienceComplainant, caseID, "", w.ComplainantTokenTTL)
	if err != nil {
		return err
	}
	w.SetCookie(c, kit.CookieCase, token, "/", w.ComplainantTokenTTL)
	if _, claims, err := w.Tokens.Verify(token, auth.AudienceComplainant); err == nil {
		w.Req(c).CaseToken = claims.ID
	}
	if rotate {
		w.RotateCSRF(c)
	}
	return nil
}

// receiptPage: GET /complaints/receipt — the one code, in the browser that
// filed, for a few minutes or until the complainant says they have saved it:
// a reload or a change of language must not lose it, and it is never stored
// anywhere else.
func (w *Pages) receiptPage(c *fiber.Ctx) error {
	rc, ok := w.receipt(c)
	if !ok {
		return w.Render(c, fiber.StatusOK, "complainant/receipt_gone", "receipt.gone_title", &kit.Page{})
	}
	return w.Render(c, fiber.StatusOK, "complainant/receipt", "receipt.title", &kit.Page{Data: rc})
}

// receipt reads the sealed receipt while it may still be shown.
func (w *Pages) receipt(c *fiber.Ctx) (receiptCookie, bool) {
	var rc receiptCookie
	if !w.ReadSealed(c, kit.CookieReceipt, &rc) || rc.Code == "" || time.Now().After(rc.Until) {
		return receiptCookie{}, false
	}
	return rc, true
}

// receiptPDF: GET /complaints/receipt/code.pdf — the code on one printable
// page, downloaded as a file; a plain link, so it works without JavaScript,
// and only while the receipt page still shows the code.
func (w *Pages) receiptPDF(c *fiber.Ctx) error {
	rc, ok := w.receipt(c)
	if !ok {
		return w.Render(c, fiber.StatusNotFound, "complainant/receipt_gone", "receipt.gone_title", &kit.Page{})
	}
	r := w.Req(c)
	t := r.Translator
	base := strings.TrimRight(w.PublicURL, "/")
	if base == "" {
		base = c.BaseURL()
	}
	sheet := codeSheet{Title: t.T("receipt.pdf_title"), Code: rc.Code, CodeLabel: t.T("receipt.code"),
		Purpose: t.T("receipt.pdf_purpose"), Secret: t.T("receipt.pdf_secret"), Where: t.T("receipt.pdf_where"),
		URL: base + "/follow-up", Reference: t.T("receipt.pdf_reference", "Reference", rc.Reference),
		Lost: t.T("receipt.pdf_lost"), Created: time.Now()}
	if !rc.AcknowledgeBy.IsZero() {
		sheet.AckBy = t.T("receipt.ack_by", "Date", kit.NewClock(t, w.TimeZone).DateTimeText(rc.AcknowledgeBy))
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
func (w *Pages) receiptDone(c *fiber.Ctx) error {
	w.ClearCookie(c, kit.CookieReceipt, "/complaints/receipt")
	return w.SeeOther(c, "/follow-up", "receipt.cleared")
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
