// Package remedy holds the rules of remedy bundles: the five forms of
// reparation (UN Basic Principles on the Right to a Remedy and Reparation,
// principles 19–23) and their components, the moves a component may make, and
// the check that no offer asks the complainant to give up a right — and the
// remedies themselves (Service): it owns remedy_bundles, remedy_components
// (remedy_transitions holds their allowed moves) and restitution_exemptions,
// and publishes redress.remedy.proposed, .status_changed and .overdue. An
// offer that moves a decided case to remedy_in_progress does so through the
// Mover it is given (grievance's one move of a case). The forms
// and statuses are named types (Form, Status) whose lists equal the CHECKs of
// remedy_components, a case's and a systemic issue's alike (a test checks).
package remedy

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/text/currency"

	"github.com/redresshq/redress/internal/platform/fault"
)

// Form is a form of reparation (remedy_components.form).
type Form string

// Forms of reparation.
const (
	Restitution    Form = "restitution"
	Compensation   Form = "compensation"
	Rehabilitation Form = "rehabilitation"
	Satisfaction   Form = "satisfaction"
	NonRepetition  Form = "non_repetition"
)

// Forms lists them in the order of the Basic Principles; they are the values
// remedy_components.form allows (a test checks).
var Forms = []Form{Restitution, Compensation, Rehabilitation, Satisfaction, NonRepetition}

// Subtypes are the kinds of component each form has; "other" is always allowed.
var Subtypes = map[Form][]string{
	Restitution:    {"decision_reversed", "benefit_reinstated", "back_pay", "data_corrected", "access_restored", "other"},
	Compensation:   {"financial_loss", "non_material_harm", "costs", "other"},
	Rehabilitation: {"counselling", "medical_care", "legal_support", "social_support", "training_support", "other"},
	Satisfaction:   {"apology", "acknowledgement_of_facts", "public_statement", "other"},
	NonRepetition:  {"system_paused", "retrained", "threshold_changed", "policy_changed", "training", "human_oversight_added", "other"},
}

// Responsible parties.
var Responsible = []string{"deployer", "provider", "other"}

// Status is where a component stands (remedy_components.status).
type Status string

// Component statuses.
const (
	Proposed    Status = "proposed"
	Offered     Status = "offered"
	Accepted    Status = "accepted"
	Declined    Status = "declined"
	Implemented Status = "implemented"
	Verified    Status = "verified"
)

// Statuses lists every component status; they are the values
// remedy_components.status allows (a test checks).
var Statuses = []Status{Proposed, Offered, Accepted, Declined, Implemented, Verified}

// Transitions are a component's legal moves; they must equal the
// remedy_transitions table of migrations/00010_review.sql (a test checks).
// A guarantee of non-repetition may go from offered to implemented without
// the complainant's acceptance (see MayImplement).
var Transitions = map[Status][]Status{
	Proposed:    {Offered},
	Offered:     {Accepted, Declined, Implemented},
	Accepted:    {Implemented},
	Implemented: {Verified},
}

// CanMove reports whether a component of form may move from → to.
func CanMove(form Form, from, to Status) bool {
	if !slices.Contains(Transitions[from], to) {
		return false
	}
	return !(from == Offered && to == Implemented) || form == NonRepetition
}

// Limits on a component.
const (
	MaxComponents  = 20
	MaxDescription = 5000
	MaxDueAhead    = 5 * 366 * 24 * time.Hour
	MaxConditions  = 10
	MaxCondition   = 1000
)

// ComponentInput is one component of POST …/remedies.
type ComponentInput struct {
	Form            Form    `json:"form"`
	Subtype         string  `json:"subtype"`
	Description     string  `json:"description"`
	Responsible     string  `json:"responsible"`
	ResponsibleName string  `json:"responsible_name"`
	Amount          Decimal `json:"amount"` // e.g. "1250.00" or 1250
	Currency        string  `json:"currency"`
	DueAt           string  `json:"due_at"` // RFC 3339, or a date meaning the end of that day (UTC)
	// Conditions are what the complainant is asked to do, kept apart from
	// what the organisation will do (Description); a second person approves
	// them before the offer reaches the complainant.
	Conditions []string `json:"conditions"`
}

// Component is a validated ComponentInput.
type Component struct {
	Form                              Form
	Subtype, Description, Responsible string
	ResponsibleName                   *string
	Amount, Currency                  *string
	DueAt                             time.Time
	Conditions                        []string
}

// Decimal is an amount given as a JSON number (1250.5) or string ("1250.50"),
// kept as its digits so no float ever rounds money.
type Decimal string

// UnmarshalJSON takes a number or a string.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*d = ""
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		var str string
		if err := json.Unmarshal(b, &str); err != nil {
			return err
		}
		*d = Decimal(str)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		// A type error, so the decoder names the field (components[0].amount).
		return &json.UnmarshalTypeError{Value: "non-number", Type: reflect.TypeOf(0.0)}
	}
	*d = Decimal(n.String())
	return nil
}

var amountPattern = regexp.MustCompile(`^[0-9]{1,12}(\.[0-9]{1,2})?$`)

// Validate checks a bundle's components at now, naming each field at fault
// (components[2].currency), and returns them cleaned. onlyForms, when given,
// restricts the forms allowed (a systemic issue takes only non-repetition).
func Validate(in []ComponentInput, now time.Time, onlyForms ...Form) ([]Component, error) {
	var f fault.Fields
	if len(in) == 0 || len(in) > MaxComponents {
		f.Addf("components", "required", "give 1 to %d components", MaxComponents)
		return nil, f.Err() // a thousand components are not checked one by one
	}
	out := make([]Component, 0, len(in))
	for i, c := range in {
		at := func(field string) string { return fmt.Sprintf("components[%d].%s", i, field) }
		var v Component
		v.Form = c.Form
		switch {
		case !slices.Contains(Forms, c.Form):
			f.Addf(at("form"), "invalid", "must be one of %s", join(Forms))
		case len(onlyForms) > 0 && !slices.Contains(onlyForms, c.Form):
			f.Addf(at("form"), "not_allowed_here", "only %s components can be given here", join(onlyForms))
		case !slices.Contains(Subtypes[c.Form], c.Subtype):
			f.Addf(at("subtype"), "invalid", "for %s, one of %s", c.Form, strings.Join(Subtypes[c.Form], ", "))
		}
		v.Subtype = c.Subtype
		v.Description = strings.TrimSpace(c.Description)
		f.Text(at("description"), c.Description, 10, MaxDescription)
		if !f.Has(at("description")) {
			CheckOffer(&f, at("description"), v.Description)
		}
		if len(c.Conditions) > MaxConditions {
			f.Addf(at("conditions"), "too_many", "at most %d conditions", MaxConditions)
		}
		for j, cond := range c.Conditions {
			if j >= MaxConditions {
				break
			}
			field := fmt.Sprintf("%s[%d]", at("conditions"), j)
			f.Text(field, cond, 10, MaxCondition)
			if !f.Has(field) {
				CheckOffer(&f, field, cond)
				v.Conditions = append(v.Conditions, strings.TrimSpace(cond))
			}
		}
		v.Responsible = c.Responsible
		if !slices.Contains(Responsible, c.Responsible) {
			f.Addf(at("responsible"), "invalid", "must be one of %s", strings.Join(Responsible, ", "))
		}
		name := strings.TrimSpace(c.ResponsibleName)
		switch {
		case c.Responsible == "other" && name == "":
			f.Add(at("responsible_name"), "required", "name the party responsible (1 to 200 characters)")
		case c.Responsible == "other":
			f.Text(at("responsible_name"), c.ResponsibleName, 1, 200)
			v.ResponsibleName = &name
		case name != "":
			f.Add(at("responsible_name"), "not_allowed", "only when responsible is other")
		}
		amount := string(c.Amount)
		switch {
		case amount == "" && c.Form == Compensation:
			f.Add(at("amount"), "required", "compensation needs an amount, such as \"1250.00\"")
		case amount != "" && (!amountPattern.MatchString(amount) || strings.Trim(amount, "0.") == ""):
			f.Add(at("amount"), "invalid", "a positive amount with at most 2 decimals, such as \"1250.00\"")
		case amount != "":
			v.Amount = &amount
		}
		switch {
		case amount != "" && c.Currency == "":
			f.Add(at("currency"), "required", "an ISO 4217 code, such as EUR")
		case c.Currency != "" && amount == "":
			f.Add(at("currency"), "not_allowed", "only with an amount")
		case c.Currency != "":
			if u, err := currency.ParseISO(c.Currency); err != nil || u.String() != c.Currency {
				f.Add(at("currency"), "invalid", "an ISO 4217 code in capitals, such as EUR")
			} else {
				v.Currency = &c.Currency
			}
		}
		due, err := ParseDue(c.DueAt)
		switch {
		case c.DueAt == "":
			f.Add(at("due_at"), "required", "when it will be done, e.g. 2027-01-31 or 2027-01-31T17:00:00Z")
		case err != nil:
			f.Add(at("due_at"), "invalid", "a date (2027-01-31) or date and time (2027-01-31T17:00:00Z)")
		case !due.After(now):
			f.Add(at("due_at"), "in_the_past", "must be in the future")
		case due.Sub(now) > MaxDueAhead:
			f.Add(at("due_at"), "too_far", "at most 5 years ahead")
		}
		v.DueAt = due
		out = append(out, v)
	}
	return out, f.Err()
}

// join lists named values for a message.
func join[T ~string](values []T) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// ParseDue reads an RFC 3339 date-time, or a date meaning the end of that
// day in UTC.
func ParseDue(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, err
	}
	return d.Add(24*time.Hour - time.Second).UTC(), nil
}
