package sla

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // a calendar's zone is legal data: never depend on the host's zoneinfo
)

// CalendarSpec is a business calendar as data, the form configuration takes.
// NewCalendar checks it and turns it into a Calendar.
type CalendarSpec struct {
	// TimeZone is an IANA zone name such as "Europe/Paris". Working hours and
	// holidays are wall-clock times and dates in this zone.
	TimeZone string `json:"time_zone"`
	// Hours lists each weekday's opening intervals as "HH:MM-HH:MM" wall-clock
	// spans, half-open ([09:00, 12:30)); "24:00" ends a span at midnight. A day
	// may have several spans (a lunch break) or none (a weekend). When no day
	// has any span the calendar is open round the clock (24/7).
	Hours map[time.Weekday][]string `json:"hours,omitempty"`
	// Holidays are dates ("YYYY-MM-DD") on which nothing opens. A 24/7
	// calendar takes none.
	Holidays []string `json:"holidays,omitempty"`
}

// MondayToFriday returns Hours with the same spans on every weekday from
// Monday to Friday and none at the weekend, e.g.
// MondayToFriday("09:00-12:30", "13:30-17:00").
func MondayToFriday(spans ...string) map[time.Weekday][]string {
	h := make(map[time.Weekday][]string, 5)
	for d := time.Monday; d <= time.Friday; d++ {
		h[d] = slices.Clone(spans)
	}
	return h
}

// Calendar says when work happens: weekly working hours and holidays in one
// time zone. Its methods are pure; every instant they return is in the
// calendar's zone. Business time is real elapsed time inside working hours,
// so an interval that a daylight-saving change shortens counts as shorter.
// The zero Calendar is not usable: build one with NewCalendar or AlwaysOpen.
type Calendar struct {
	loc      *time.Location
	week     [7][]interval // by time.Weekday
	holidays map[civil]bool
	always   bool
}

// interval is a half-open wall-clock span in minutes after midnight.
type interval struct{ from, to int }

// civil is a calendar date, independent of any zone.
type civil struct {
	y int
	m time.Month
	d int
}

func civilOf(t time.Time) civil {
	y, m, d := t.Date()
	return civil{y, m, d}
}

func (c civil) addDays(n int) civil {
	return civilOf(time.Date(c.y, c.m, c.d+n, 0, 0, 0, 0, time.UTC))
}

func (c civil) weekday() time.Weekday {
	return time.Date(c.y, c.m, c.d, 0, 0, 0, 0, time.UTC).Weekday()
}

// NewCalendar checks spec and builds its Calendar. It fails on an empty,
// "Local" or unknown time zone, a malformed, empty or overlapping span, a
// malformed holiday, and holidays on a calendar without hours.
func NewCalendar(spec CalendarSpec) (*Calendar, error) {
	if spec.TimeZone == "" || spec.TimeZone == "Local" {
		return nil, fmt.Errorf("sla: calendar: time zone %q: an IANA zone name such as Europe/Paris is required", spec.TimeZone)
	}
	loc, err := time.LoadLocation(spec.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("sla: calendar: unknown time zone %q: %w", spec.TimeZone, err)
	}
	c := &Calendar{loc: loc, holidays: make(map[civil]bool, len(spec.Holidays))}
	n := 0
	for day, spans := range spec.Hours {
		if day < time.Sunday || day > time.Saturday {
			return nil, fmt.Errorf("sla: calendar: weekday %d out of range", day)
		}
		for _, s := range spans {
			iv, err := parseInterval(s)
			if err != nil {
				return nil, fmt.Errorf("sla: calendar: %s hours: %w", day, err)
			}
			c.week[day] = append(c.week[day], iv)
		}
		slices.SortFunc(c.week[day], func(a, b interval) int { return a.from - b.from })
		for i := 1; i < len(c.week[day]); i++ {
			if c.week[day][i].from < c.week[day][i-1].to {
				return nil, fmt.Errorf("sla: calendar: %s hours: spans %s and %s overlap",
					day, c.week[day][i-1], c.week[day][i])
			}
		}
		n += len(c.week[day])
	}
	for _, h := range spec.Holidays {
		t, err := time.Parse(time.DateOnly, h)
		if err != nil {
			return nil, fmt.Errorf("sla: calendar: holiday %q: want YYYY-MM-DD", h)
		}
		c.holidays[civilOf(t)] = true
	}
	if n == 0 {
		if len(spec.Holidays) > 0 {
			return nil, errors.New("sla: calendar: holidays need working hours; a calendar without hours is open round the clock")
		}
		return AlwaysOpen(loc), nil
	}
	return c, nil
}

// AlwaysOpen returns a calendar open round the clock, every day, in loc (UTC
// when loc is nil): business time is elapsed time. P0 clocks run on it.
func AlwaysOpen(loc *time.Location) *Calendar {
	if loc == nil {
		loc = time.UTC
	}
	c := &Calendar{loc: loc, always: true}
	for d := range c.week {
		c.week[d] = []interval{{0, 24 * 60}}
	}
	return c
}

// Location returns the calendar's time zone.
func (c *Calendar) Location() *time.Location { return c.loc }

// IsWorkingTime reports whether t falls inside working hours. Spans are
// half-open: the opening instant is working time, the closing instant is not.
func (c *Calendar) IsWorkingTime(t time.Time) bool {
	if c.always {
		return true
	}
	from, _ := c.spanAfter(t)
	return from.Equal(t)
}

// AddBusinessHours returns the earliest instant by which d of working time
// has passed since start. A start outside working hours counts from the next
// opening; a result that uses up an interval exactly is that interval's close
// (Friday 17:00, not Monday 09:00). When d <= 0 it returns start.
func (c *Calendar) AddBusinessHours(start time.Time, d time.Duration) time.Time {
	if d <= 0 {
		return start.In(c.loc)
	}
	if c.always {
		return start.Add(d).In(c.loc)
	}
	t := start
	for {
		from, to := c.spanAfter(t)
		avail := to.Sub(from)
		if d <= avail {
			return from.Add(d)
		}
		d -= avail
		t = to
	}
}

// AddBusinessDays returns the due instant n business days after start. A
// business day is a date with working hours that is not a holiday. The rule:
// roll start forward to working time (a Saturday start counts from Monday's
// opening, a start in the lunch break from the afternoon opening); take the
// same wall-clock time on the n-th following business day; if that time is
// not working time that day, take the day's next opening, or its closing when
// no span follows (Monday 16:00 + 4 days = Friday 15:00 when Friday closes at
// 15:00). On a 24/7 calendar this is the same wall-clock time n days later,
// which across a daylight-saving change is 23 or 25 hours per day. When
// n <= 0 it returns start.
func (c *Calendar) AddBusinessDays(start time.Time, n int) time.Time {
	if n <= 0 {
		return start.In(c.loc)
	}
	s, _ := c.spanAfter(start)
	day := civilOf(s)
	for k := 0; k < n; {
		day = day.addDays(1)
		if c.isBusinessDay(day) {
			k++
		}
	}
	want := time.Date(day.y, day.m, day.d, s.Hour(), s.Minute(), s.Second(), s.Nanosecond(), c.loc)
	var closing time.Time
	for _, iv := range c.week[day.weekday()] {
		from, to := c.bounds(day, iv)
		if !from.Before(to) {
			continue
		}
		if want.Before(to) {
			if want.Before(from) {
				return from
			}
			return want
		}
		closing = to
	}
	if closing.IsZero() { // every span lost to a daylight-saving jump
		return want
	}
	return closing
}

// BusinessDurationBetween returns the working time in [a, b), negative when b
// is before a.
func (c *Calendar) BusinessDurationBetween(a, b time.Time) time.Duration {
	if b.Before(a) {
		return -c.BusinessDurationBetween(b, a)
	}
	if c.always {
		return b.Sub(a)
	}
	var total time.Duration
	for t := a; ; {
		from, to := c.spanAfter(t)
		if !from.Before(b) {
			return total
		}
		if to.After(b) {
			to = b
		}
		total += to.Sub(from)
		t = to
	}
}

func (c *Calendar) isBusinessDay(day civil) bool {
	return !c.holidays[day] && len(c.week[day.weekday()]) > 0
}

// bounds returns the instants that open and close iv on day.
func (c *Calendar) bounds(day civil, iv interval) (from, to time.Time) {
	return time.Date(day.y, day.m, day.d, 0, iv.from, 0, 0, c.loc),
		time.Date(day.y, day.m, day.d, 0, iv.to, 0, 0, c.loc)
}

// spanAfter returns the working span that contains t or, if none does, the
// next one to open: from is the later of its opening and t, to its closing.
func (c *Calendar) spanAfter(t time.Time) (from, to time.Time) {
	day := civilOf(t.In(c.loc))
	// Some weekday has hours and holidays are finite, so a span opens within
	// a week or two after the last holiday that blocks one.
	for limit := len(c.holidays) + 15; limit > 0; limit-- {
		if !c.holidays[day] {
			for _, iv := range c.week[day.weekday()] {
				from, to := c.bounds(day, iv)
				if to.After(t) && from.Before(to) {
					if from.Before(t) {
						from = t
					}
					return from.In(c.loc), to
				}
			}
		}
		day = day.addDays(1)
	}
	panic("sla: calendar without working hours") // NewCalendar never builds one
}

func parseInterval(s string) (interval, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return interval{}, fmt.Errorf("span %q: want HH:MM-HH:MM", s)
	}
	from, err1 := parseClock(a)
	to, err2 := parseClock(b)
	if err := errors.Join(err1, err2); err != nil {
		return interval{}, fmt.Errorf("span %q: %w", s, err)
	}
	if from >= to {
		return interval{}, fmt.Errorf("span %q: must end after it starts", s)
	}
	return interval{from, to}, nil
}

func parseClock(s string) (int, error) {
	s = strings.TrimSpace(s)
	digits := func(x string) bool {
		return len(x) == 2 && x[0] >= '0' && x[0] <= '9' && x[1] >= '0' && x[1] <= '9'
	}
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || !digits(hh) || !digits(mm) {
		return 0, fmt.Errorf("time %q: want HH:MM from 00:00 to 24:00", s)
	}
	h, _ := strconv.Atoi(hh)
	m, _ := strconv.Atoi(mm)
	if m > 59 || h > 24 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("time %q: want HH:MM from 00:00 to 24:00", s)
	}
	return h*60 + m, nil
}

func (iv interval) String() string {
	return fmt.Sprintf("%02d:%02d-%02d:%02d", iv.from/60, iv.from%60, iv.to/60, iv.to%60)
}
