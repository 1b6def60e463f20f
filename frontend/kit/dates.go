package kit

import (
	"fmt"
	"html/template"
	"strings"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/language/display"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Dates and times are shown in the reader's language and in the
// organisation's time zone (REDRESS_TIME_ZONE), each wrapped in <time
// datetime="…"> so that machines read the exact instant. The words (month
// names, the order of day, month and year, the hour's form, the zone's
// "GMT+1" form) are CLDR's, kept in the catalogues (date.*); the digits are
// golang.org/x/text's for the language (Arabic-Indic for ar).

// Clock formats times for one language and zone.
type Clock struct {
	t   *Translator
	loc *time.Location
	p   *message.Printer
}

func NewClock(t *Translator, loc *time.Location) *Clock {
	if loc == nil {
		loc = time.UTC
	}
	return &Clock{t: t, loc: loc, p: message.NewPrinter(language.Make(t.lang))}
}

// num writes n with the language's digits, at least width of them.
func (c *Clock) num(n, width int) string {
	opts := []number.Option{number.NoSeparator()}
	if width > 1 {
		opts = append(opts, number.MinIntegerDigits(width))
	}
	return c.p.Sprint(number.Decimal(n, opts...))
}

// asTime reads a template value as a time: time.Time, *time.Time, or a
// "2006-01-02" / RFC 3339 string; ok is false for anything else or zero.
func asTime(v any) (time.Time, bool) {
	var t time.Time
	switch x := v.(type) {
	case time.Time:
		t = x
	case *time.Time:
		if x == nil {
			return t, false
		}
		t = *x
	case string:
		var err error
		if t, err = time.Parse(time.RFC3339, x); err != nil {
			if t, err = time.Parse(time.DateOnly, x); err != nil {
				return t, false
			}
		}
	case *string:
		if x == nil {
			return t, false
		}
		return asTime(*x)
	default:
		return t, false
	}
	return t, !t.IsZero()
}

// civil reports whether t is a calendar date stored as midnight UTC (a
// decision's date, a remedy's due day): shown as that day in every zone.
func civil(t time.Time) bool {
	u := t.UTC()
	return u.Hour() == 0 && u.Minute() == 0 && u.Second() == 0 && u.Nanosecond() == 0
}

// dateText is t's day in words: "5 March 2027", "5 mars 2027", "٥ مارس ٢٠٢٧".
func (c *Clock) dateText(t time.Time) string {
	return c.t.T("date.long", "Day", c.num(t.Day(), 1), "Month", c.t.T(fmt.Sprintf("date.month.%d", int(t.Month()))),
		"Year", c.num(t.Year(), 1))
}

// zoneText is the zone's offset in the language's GMT form: "GMT+1", "UTC+5:30".
func (c *Clock) zoneText(t time.Time) string {
	_, off := t.Zone()
	if off == 0 {
		return c.t.T("date.gmt_zero")
	}
	sign := "+"
	if off < 0 {
		sign, off = "-", -off
	}
	h, m := off/3600, off%3600/60
	s := sign + c.num(h, 1)
	if m != 0 {
		s += ":" + c.num(m, 2)
	}
	return c.t.T("date.gmt", "Offset", s)
}

// timeText is t's hour and minute: "15:49", "3:49 م".
func (c *Clock) timeText(t time.Time) string {
	h12 := t.Hour() % 12
	if h12 == 0 {
		h12 = 12
	}
	ampm := c.t.T("date.am")
	if t.Hour() >= 12 {
		ampm = c.t.T("date.pm")
	}
	return c.t.T("date.time", "H", c.num(t.Hour(), 1), "HH", c.num(t.Hour(), 2), "H12", c.num(h12, 1),
		"MM", c.num(t.Minute(), 2), "AmPm", ampm)
}

// Date is v's day in words, in a <time> element.
func (c *Clock) Date(v any) template.HTML {
	t, ok := asTime(v)
	if !ok {
		return ""
	}
	if civil(t) {
		t = t.UTC()
		return timeElement(t.Format(time.DateOnly), c.dateText(t))
	}
	t = t.In(c.loc)
	return timeElement(t.Format(time.DateOnly), c.dateText(t))
}

// DateTime is v's day, hour and zone in words, in a <time> element.
func (c *Clock) DateTime(v any) template.HTML {
	t, ok := asTime(v)
	if !ok {
		return ""
	}
	return timeElement(t.In(c.loc).Format(time.RFC3339), c.DateTimeText(t))
}

// DateTimeText is t's day, hour and zone in words, as plain text (a PDF's).
func (c *Clock) DateTimeText(t time.Time) string {
	t = t.In(c.loc)
	return c.t.T("date.datetime", "Date", c.dateText(t), "Time", c.timeText(t), "Zone", c.zoneText(t))
}

// ZoneNote says on the page which zone times are in.
func (c *Clock) ZoneNote() string {
	return c.t.T("date.zone_note", "Zone", c.zoneText(time.Now().In(c.loc)))
}

func timeElement(machine, text string) template.HTML {
	return template.HTML(`<time datetime="` + template.HTMLEscapeString(machine) + `">` +
		template.HTMLEscapeString(text) + `</time>`)
}

// TH translates id like T, for messages that carry markup in their
// arguments (a <time>, a <bdi>): arguments of type template.HTML are kept as
// they are, everything else (the message and the other arguments) is
// escaped.
func (t *Translator) TH(id string, args ...any) template.HTML {
	var marks []template.HTML
	plain := make([]any, len(args))
	copy(plain, args)
	for i := 1; i < len(plain); i += 2 {
		if h, ok := plain[i].(template.HTML); ok {
			plain[i] = fmt.Sprintf("\ue000%d\ue001", len(marks))
			marks = append(marks, h)
		}
	}
	s := template.HTMLEscapeString(t.T(id, plain...))
	for i, h := range marks {
		s = strings.Replace(s, fmt.Sprintf("\ue000%d\ue001", i), string(h), 1)
	}
	return template.HTML(s)
}

// Typed isolates text a person typed (a name, a description, a reference)
// for direction: <bdi> around it, so that Arabic text in an English
// sentence, or the reverse, keeps its punctuation where it belongs.
func Typed(v any) template.HTML {
	s := fmt.Sprint(v)
	if p, ok := v.(*string); ok {
		if p == nil {
			return ""
		}
		s = *p
	}
	if s == "" {
		return ""
	}
	return template.HTML("<bdi>" + template.HTMLEscapeString(s) + "</bdi>")
}

// PeriodText names a chart's period: a month ("March 2027") or the week
// starting on a day ("5 March 2027"); short abbreviates the month ("Mar
// 2027", "5 Mar") for a chart's axis.
func (c *Clock) PeriodText(t time.Time, month, short bool) string {
	t = t.UTC()
	name := c.t.T(fmt.Sprintf("date.month.%d", int(t.Month())))
	if short {
		name = c.t.T(fmt.Sprintf("date.mon.%d", int(t.Month())))
	}
	switch {
	case month:
		return c.t.T("date.month_year", "Month", name, "Year", c.num(t.Year(), 1))
	case short:
		return c.t.T("date.day_month", "Day", c.num(t.Day(), 1), "Month", name)
	}
	return c.dateText(t)
}

// LangNames are languages by their own names ("English, français"),
// from CLDR (golang.org/x/text/language/display); a code CLDR does not
// know is shown as it is.
func LangNames(v any) string {
	var codes []string
	switch x := v.(type) {
	case string:
		codes = []string{x}
	case *string:
		if x != nil {
			codes = []string{*x}
		}
	case []string:
		codes = x
	}
	out := make([]string, 0, len(codes))
	for _, code := range codes {
		if code = strings.TrimSpace(code); code == "" {
			continue
		}
		name := ""
		if tag, err := language.Parse(code); err == nil {
			name = display.Self.Name(tag)
		}
		if name == "" {
			name = code
		}
		out = append(out, name)
	}
	return strings.Join(out, ", ")
}
