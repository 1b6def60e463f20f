package escalation

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Date precisions of a dossier (Dossier.DatePrecision).
const (
	PrecisionSecond = "second"
	PrecisionMonth  = "month"
)

// An anonymous referral carries nothing that points back at the person
// (docs/escalation.md, "Anonymous means anonymous"): besides what
// identity_withheld withholds,
//   - every date is given to the month: each timestamp becomes the first of
//     its month at 00:00 UTC and the dossier says date_precision "month";
//     the decision date becomes YYYY-MM; dates written in free text lose
//     their day (2026-03-14 → 2026-03, "14 March 2026" → "March 2026",
//     14/03/2026 → [date removed]);
//   - the case reference is replaced by the referral's own (A- and the
//     first 8 hex digits of the referral id, the one the body's portal
//     shows), and masked where it appears in free text;
//   - filed_anonymously is left out: the consent scope says what the body
//     gets, and "false" on an anonymous referral reads as if the person
//     were known to the body.

// anonymousReference is the reference an anonymous referral goes by.
func anonymousReference(referralID string) string {
	id := strings.ReplaceAll(referralID, "-", "")
	if len(id) > 8 {
		id = id[:8]
	}
	return "A-" + strings.ToUpper(id)
}

// monthOf is t to the month: the first day of its month, 00:00 UTC.
func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func monthPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	m := monthOf(*t)
	return &m
}

// coarsenDates puts every date of d to the month.
func coarsenDates(d *Dossier) {
	d.DatePrecision = PrecisionMonth
	d.GeneratedAt = monthOf(d.GeneratedAt)
	c := &d.Case
	c.SubmittedAt, c.AcknowledgedAt, c.IncidentAwareAt = monthOf(c.SubmittedAt), monthPtr(c.AcknowledgedAt), monthPtr(c.IncidentAwareAt)
	if x := d.Contested.DecisionDate; x != nil && len(*x) >= 7 {
		m := (*x)[:7]
		d.Contested.DecisionDate = &m
	}
	for i := range d.Chronology {
		d.Chronology[i].At = monthOf(d.Chronology[i].At)
	}
	for i := range d.Deadlines {
		k := &d.Deadlines[i]
		k.StartedAt, k.DueAt, k.SatisfiedAt, k.BreachedAt = monthOf(k.StartedAt), monthPtr(k.DueAt), monthPtr(k.SatisfiedAt), monthPtr(k.BreachedAt)
	}
	h := &d.Handling
	for i := range h.Decisions {
		h.Decisions[i].DecidedAt, h.Decisions[i].FinalAt = monthOf(h.Decisions[i].DecidedAt), monthPtr(h.Decisions[i].FinalAt)
	}
	if h.Appeal != nil {
		h.Appeal.AppealedAt = monthPtr(h.Appeal.AppealedAt)
	}
	h.ClosedAt = monthPtr(h.ClosedAt)
	for i := range h.Messages {
		h.Messages[i].At = monthOf(h.Messages[i].At)
	}
	for i := range d.Remedies {
		r := &d.Remedies[i]
		r.DueAt, r.OfferedAt, r.RespondedAt = monthOf(r.DueAt), monthPtr(r.OfferedAt), monthPtr(r.RespondedAt)
		r.ImplementedAt, r.VerifiedAt = monthPtr(r.ImplementedAt), monthPtr(r.VerifiedAt)
	}
	for i := range d.Evidence {
		d.Evidence[i].AddedAt = monthOf(d.Evidence[i].AddedAt)
	}
}

// monthNames are the months in en, fr, es and ar (both Arabic series),
// longest first so that "mar" never stops short of "marzo".
var monthNames = func() string {
	names := strings.Fields(`january february march april may june july august september october november december
		jan feb mar apr jun jul aug sep sept oct nov dec
		janvier février fevrier mars avril mai juin juillet août aout septembre octobre novembre décembre decembre
		enero febrero marzo abril mayo junio julio agosto septiembre setiembre octubre noviembre diciembre
		يناير فبراير مارس أبريل ابريل مايو يونيو يوليو أغسطس اغسطس سبتمبر أكتوبر اكتوبر نوفمبر ديسمبر
		كانون_الثاني شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين_الأول تشرين_الثاني كانون_الأول`)
	slices.SortStableFunc(names, func(a, b string) int { return len(b) - len(a) })
	for i, n := range names {
		names[i] = regexp.QuoteMeta(strings.ReplaceAll(n, "_", " "))
	}
	return strings.Join(names, "|")
}()

var (
	// isoDate is 2026-03-14 (or 2026-3-4): the day goes.
	isoDate = regexp.MustCompile(`\b\d{4}-\d{1,2}-\d{1,2}\b`)
	// numericDate is 14/03/2026, 14.03.26, 3-14-2026: day and month cannot
	// be told apart, so the whole date goes.
	numericDate = regexp.MustCompile(`\b\d{1,2}[./\-]\d{1,2}[./\-](?:\d{4}|\d{2})\b`)
	// dayMonth is "14 March", "14th of March 2026", "le 14 mars", "14 de
	// marzo de 2026", "١٤ مارس": the day number goes.
	dayMonth = regexp.MustCompile(`(?i)(\p{Nd}{1,2})(?:st|nd|rd|th|er|º)?\s+(?:of\s+|de\s+)?(` + monthNames + `)`)
	// monthDay is "March 14", "March 14th, 2026": the day number goes.
	monthDay = regexp.MustCompile(`(?i)(` + monthNames + `)\s+(\p{Nd}{1,2})(?:st|nd|rd|th)?\b,?`)
)

// anonymousMatchers find, in free text, what an anonymous referral leaves
// out beyond identity_withheld: the case reference and exact dates.
func anonymousMatchers(reference string) []matcher {
	var out []matcher
	if r := strings.TrimSpace(reference); r != "" {
		if re := looseRE(r); re != nil {
			out = append(out, regexMatcher(re, MaskedRef))
		}
	}
	out = append(out,
		matcher{find: regexMatcher(isoDate, "").find, replace: func(m string) string { return m[:strings.LastIndexByte(m, '-')] }},
		regexMatcher(numericDate, MaskedDate),
		matcher{find: regexMatcher(dayMonth, "").find, replace: func(m string) string {
			sm := dayMonth.FindStringSubmatch(m)
			return sm[2]
		}},
		matcher{find: regexMatcher(monthDay, "").find, replace: func(m string) string {
			sm := monthDay.FindStringSubmatch(m)
			return sm[1]
		}},
	)
	return out
}
