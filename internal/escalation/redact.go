package escalation

import (
	"slices"
)

// Masked replaces the words of a message withheld whole (an anonymous
// referral); the placeholders of mask.go replace what identifies the
// complainant inside free text, each saying what was removed.
const Masked = "[withheld]"

// Redact applies a consent scope to a dossier built with everything, and
// logs each thing withheld or masked:
//   - always: internal notes stay inside, staff are named by role;
//   - identity_withheld: the complainant's and representative's identity and
//     contact details are withheld, and masked wherever they appear in free
//     text (the description, messages, reasons...), with every email
//     address, phone-like number, street address and IBAN whoever's it is
//     (MaskText); evidence file names and
//     descriptions are withheld, and
//     the decision reference is withheld (it points at the person in the
//     organisation's records);
//   - anonymous: also the AI decision's inputs and output, the words of
//     the messages (a writing style can identify), the case reference and
//     filed_anonymously, and every date to the month (anonymise.go).
func Redact(d *Dossier, scope ConsentScope) {
	log := &d.Redactions
	defer mergeLog(log)
	add := func(field, action, reason string, n int) {
		*log = append(*log, Redaction{Field: field, Action: action, Reason: reason, Count: n})
	}
	add("handling.messages", "withheld", "internal notes stay with the organisation; only messages with the complainant are shown", 0)
	add("chronology.actor", "withheld", "staff are named by role, not by person", 0)
	if scope == IdentityShared {
		return
	}
	const why = "the complainant did not consent to sharing their identity"
	tokens := identifiers(d.Complainant)
	if scope == Anonymous {
		tokens = append(anonymousMatchers(d.Case.Reference), tokens...) // first: a reference can look like a phone number
	}
	if c := d.Complainant; c != nil {
		for _, f := range []struct{ name, v string }{{"complainant.name", c.Name}, {"complainant.email", c.Email},
			{"complainant.phone", c.Phone}, {"complainant.address", c.Address}, {"complainant.customer_number", c.CustomerNumber},
			{"complainant.preferred_channel", c.PreferredChannel}, {"complainant.representative_name", c.RepresentativeName},
			{"complainant.representative_organisation", c.RepresentativeOrg},
			{"complainant.representative_email", c.RepresentativeEmail},
			{"complainant.representative_mandate", c.RepresentativeMandate}} {
			if f.v != "" {
				add(f.name, "withheld", why, 0)
			}
		}
		d.Complainant = nil
	}
	mask := func(field string, s *string) {
		if s == nil {
			return
		}
		out, n := maskText(*s, tokens)
		if n > 0 {
			*s = out
			add(field, "masked", maskedWhy, n)
		}
	}
	mask("case.description", &d.Case.Description)
	mask("case.desired_outcome", &d.Case.DesiredOutcome)
	mask("referral.reason", &d.Referral.Reason)
	mask("classification.rationale", d.Classification.Rationale)
	mask("classification.scale_rationale", d.Classification.ScaleRationale)
	mask("classification.scope_rationale", d.Classification.ScopeRationale)
	mask("classification.irremediability_rationale", d.Classification.IrremediabilityRationale)
	mask("contested_decision.ai_system_other", d.Contested.SystemOther)
	mask("contested_decision.decision_reference", d.Contested.DecisionReference)
	mask("contested_decision.output", d.Contested.Output)
	mask("contested_decision.oversight_detail", d.Contested.OversightDetail)
	for i := range d.Contested.Inputs {
		mask("contested_decision.inputs", &d.Contested.Inputs[i])
	}
	for i := range d.Handling.Messages {
		mask("handling.messages.body", &d.Handling.Messages[i].Body)
	}
	for i := range d.Handling.Decisions {
		mask("handling.decisions.rationale", &d.Handling.Decisions[i].Rationale)
		mask("handling.decisions.signposting", &d.Handling.Decisions[i].Signposting)
	}
	for i := range d.Remedies {
		mask("remedies.description", &d.Remedies[i].Description)
		mask("remedies.reason", &d.Remedies[i].Reason)
	}
	if d.Contested.DecisionReference != nil {
		d.Contested.DecisionReference = nil
		add("contested_decision.decision_reference", "withheld",
			"it points at the person in the organisation's records; the body may ask the organisation for it", 0)
	}
	withheldFiles := 0
	for i := range d.Evidence {
		if d.Evidence[i].Filename != nil || d.Evidence[i].Description != nil {
			withheldFiles++
		}
		d.Evidence[i].Filename, d.Evidence[i].Description = nil, nil
	}
	if withheldFiles > 0 {
		add("evidence.filename", "withheld", "file names and descriptions can identify the complainant; the hashes stay", withheldFiles)
	}
	if scope != Anonymous {
		return
	}
	const anon = "anonymous referral: nothing that could point back at the person"
	if len(d.Contested.Inputs) > 0 || d.Contested.Output != nil {
		d.Contested.Inputs, d.Contested.Output = nil, nil
		add("contested_decision.inputs", "withheld", anon+" (the inputs and output are about the person)", 0)
	}
	if n := len(d.Handling.Messages); n > 0 {
		for i := range d.Handling.Messages {
			d.Handling.Messages[i].Body = Masked
		}
		add("handling.messages.body", "withheld", anon+" (the words of a message can identify its writer)", n)
	}
	coarsenDates(d)
	add("dates", "coarsened", anon+" (an exact date can point at the person): every date is given to the month, "+
		"each timestamp as the first of its month at 00:00 UTC (date_precision: month), and dates in free text lose their day", 0)
	if d.Case.Reference != "" {
		d.Case.Reference = anonymousReference(d.ReferralID)
		add("case.reference", "withheld", anon+" (the complainant knows the case by it): the referral's own reference stands in", 0)
	}
	if d.Case.FiledAnonymous != nil {
		d.Case.FiledAnonymous = nil
		add("case.filed_anonymously", "withheld", anon+" (the consent scope says what the body gets; whether the organisation "+
			"knows the person is not the body's to read)", 0)
	}
}

// mergeLog merges the entries of one field and action into one line.
func mergeLog(log *[]Redaction) {
	merged := (*log)[:0]
	for _, r := range *log {
		if i := slices.IndexFunc(merged, func(m Redaction) bool { return m.Field == r.Field && m.Action == r.Action }); i >= 0 {
			merged[i].Count += r.Count
			continue
		}
		merged = append(merged, r)
	}
	*log = merged
}
