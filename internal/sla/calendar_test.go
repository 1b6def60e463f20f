package sla

import (
	"strings"
	"testing"
	"time"
)

var parisTZ = mustLoad("Europe/Paris")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func mustCalendar(spec CalendarSpec) *Calendar {
	c, err := NewCalendar(spec)
	if err != nil {
		panic(err)
	}
	return c
}

// paris is a wall-clock time in Europe/Paris, seconds and nanoseconds zero.
func paris(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, parisTZ)
}

// office: Paris, Monday to Friday 09:00–12:30 and 13:30–17:00 (7 h a day),
// French public holidays of 2025 and New Year 2026.
var office = mustCalendar(CalendarSpec{
	TimeZone: "Europe/Paris",
	Hours:    MondayToFriday("09:00-12:30", "13:30-17:00"),
	Holidays: []string{"2025-01-01", "2025-04-21", "2025-05-01", "2025-05-08", "2025-05-29", "2025-06-09",
		"2025-07-14", "2025-08-15", "2025-11-01", "2025-11-11", "2025-12-25", "2026-01-01"},
})

// uneven: days with different hours, for the business-day rule.
var uneven = mustCalendar(CalendarSpec{
	TimeZone: "Europe/Paris",
	Hours: map[time.Weekday][]string{
		time.Monday:    {"09:00-17:00"},
		time.Tuesday:   {"14:00-17:00", "09:00-11:00"}, // unsorted on purpose
		time.Wednesday: {"10:00-18:00"},
		time.Thursday:  {"09:00-17:00"},
		time.Friday:    {"09:00-15:00"},
	},
})

// sundays: open only on Sundays, all day, so the daylight-saving nights count.
var sundays = mustCalendar(CalendarSpec{
	TimeZone: "Europe/Paris",
	Hours:    map[time.Weekday][]string{time.Sunday: {"00:00-24:00"}},
})

var parisAlways = AlwaysOpen(parisTZ)

func TestAddBusinessHours(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cal   *Calendar
		start time.Time
		d     time.Duration
		want  time.Time
	}{
		{"inside a span", office, paris(2025, 3, 3, 10, 0), 2 * time.Hour, paris(2025, 3, 3, 12, 0)},
		{"over the lunch break", office, paris(2025, 3, 3, 10, 0), 3 * time.Hour, paris(2025, 3, 3, 14, 0)},
		{"ends exactly at a close: 12:30, not 13:30", office, paris(2025, 3, 3, 10, 0), 150 * time.Minute, paris(2025, 3, 3, 12, 30)},
		{"before opening rolls forward", office, paris(2025, 3, 3, 7, 0), time.Hour, paris(2025, 3, 3, 10, 0)},
		{"in the lunch break rolls forward", office, paris(2025, 3, 3, 12, 45), time.Hour, paris(2025, 3, 3, 14, 30)},
		{"after closing rolls to the next day", office, paris(2025, 3, 3, 18, 0), time.Hour, paris(2025, 3, 4, 10, 0)},
		{"over a weekend", office, paris(2025, 3, 7, 16, 0), 2 * time.Hour, paris(2025, 3, 10, 10, 0)},
		{"Friday close, not Monday opening", office, paris(2025, 3, 7, 16, 0), time.Hour, paris(2025, 3, 7, 17, 0)},
		{"starting on Saturday", office, paris(2025, 3, 8, 11, 0), time.Hour, paris(2025, 3, 10, 10, 0)},
		{"five full days", office, paris(2025, 3, 3, 9, 0), 35 * time.Hour, paris(2025, 3, 7, 17, 0)},
		{"five days and an hour", office, paris(2025, 3, 3, 9, 0), 36 * time.Hour, paris(2025, 3, 10, 10, 0)},
		{"spring DST weekend", office, paris(2025, 3, 28, 16, 0), 2 * time.Hour, paris(2025, 3, 31, 10, 0)},
		{"autumn DST weekend", office, paris(2025, 10, 24, 16, 0), 2 * time.Hour, paris(2025, 10, 27, 10, 0)},
		{"holiday on a Thursday (1 May)", office, paris(2025, 4, 30, 16, 0), 2 * time.Hour, paris(2025, 5, 2, 10, 0)},
		{"holiday on a Tuesday (11 Nov)", office, paris(2025, 11, 10, 16, 0), 2 * time.Hour, paris(2025, 11, 12, 10, 0)},
		{"Christmas, then a full Friday", office, paris(2025, 12, 24, 16, 0), 8 * time.Hour, paris(2025, 12, 26, 17, 0)},
		{"year end and New Year's Day", office, paris(2025, 12, 31, 16, 0), 2 * time.Hour, paris(2026, 1, 2, 10, 0)},
		{"start given in UTC", office, time.Date(2025, 3, 3, 8, 0, 0, 0, time.UTC), time.Hour, paris(2025, 3, 3, 10, 0)},
		{"one nanosecond", office, paris(2025, 3, 3, 10, 0), 1, paris(2025, 3, 3, 10, 0).Add(1)},
		{"zero returns start, even outside hours", office, paris(2025, 3, 8, 11, 0), 0, paris(2025, 3, 8, 11, 0)},
		{"negative returns start", office, paris(2025, 3, 3, 10, 0), -time.Hour, paris(2025, 3, 3, 10, 0)},
		{"uneven: Tuesday's late span", uneven, paris(2025, 3, 4, 10, 0), 2 * time.Hour, paris(2025, 3, 4, 15, 0)},
		{"uneven: short Friday into Monday", uneven, paris(2025, 3, 7, 14, 0), 2 * time.Hour, paris(2025, 3, 10, 10, 0)},
		{"24/7 over the spring change: 24 h elapsed", parisAlways, paris(2025, 3, 29, 12, 0), 24 * time.Hour, paris(2025, 3, 30, 13, 0)},
		{"24/7 over the autumn change", parisAlways, paris(2025, 10, 25, 12, 0), 24 * time.Hour, paris(2025, 10, 26, 11, 0)},
		{"Sundays only: the 23-hour Sunday", sundays, paris(2025, 3, 30, 0, 0), 23 * time.Hour, paris(2025, 3, 31, 0, 0)},
		{"Sundays only: the 25-hour Sunday", sundays, paris(2025, 10, 26, 0, 0), 24 * time.Hour, paris(2025, 10, 26, 23, 0)},
		{"Sundays only: a week later", sundays, paris(2025, 3, 30, 12, 0), 13 * time.Hour, paris(2025, 4, 6, 1, 0)},
	} {
		got := tc.cal.AddBusinessHours(tc.start, tc.d)
		if !got.Equal(tc.want) {
			t.Errorf("%s: AddBusinessHours(%v, %v) = %v, want %v", tc.name, tc.start, tc.d, got, tc.want)
		}
		if got.Location() != tc.cal.Location() {
			t.Errorf("%s: result in %v, want the calendar's zone %v", tc.name, got.Location(), tc.cal.Location())
		}
	}
}

func TestAddBusinessDays(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cal   *Calendar
		start time.Time
		n     int
		want  time.Time
	}{
		{"same clock time two days later", office, paris(2025, 3, 3, 10, 0), 2, paris(2025, 3, 5, 10, 0)},
		{"before opening counts from the opening", office, paris(2025, 3, 3, 7, 0), 2, paris(2025, 3, 5, 9, 0)},
		{"in the lunch break counts from 13:30", office, paris(2025, 3, 3, 12, 45), 2, paris(2025, 3, 5, 13, 30)},
		{"after closing counts from the next opening", office, paris(2025, 3, 3, 18, 0), 2, paris(2025, 3, 6, 9, 0)},
		{"Friday to Monday", office, paris(2025, 3, 7, 15, 0), 1, paris(2025, 3, 10, 15, 0)},
		{"Saturday counts from Monday's opening", office, paris(2025, 3, 8, 11, 0), 1, paris(2025, 3, 11, 9, 0)},
		{"spring DST weekend keeps the wall clock", office, paris(2025, 3, 28, 10, 0), 1, paris(2025, 3, 31, 10, 0)},
		{"autumn DST weekend keeps the wall clock", office, paris(2025, 10, 24, 10, 0), 1, paris(2025, 10, 27, 10, 0)},
		{"1 May skipped", office, paris(2025, 4, 30, 10, 0), 1, paris(2025, 5, 2, 10, 0)},
		{"Easter Monday skipped", office, paris(2025, 4, 17, 10, 0), 2, paris(2025, 4, 22, 10, 0)},
		{"Christmas skipped", office, paris(2025, 12, 24, 11, 0), 2, paris(2025, 12, 29, 11, 0)},
		{"over the year end", office, paris(2025, 12, 31, 11, 0), 1, paris(2026, 1, 2, 11, 0)},
		{"ten days over two weekends", office, paris(2025, 3, 3, 16, 59), 10, paris(2025, 3, 17, 16, 59)},
		{"zero returns start", office, paris(2025, 3, 8, 11, 0), 0, paris(2025, 3, 8, 11, 0)},
		{"uneven: into Tuesday's break, the afternoon opening", uneven, paris(2025, 3, 3, 12, 0), 1, paris(2025, 3, 4, 14, 0)},
		{"uneven: before Wednesday's late opening", uneven, paris(2025, 3, 4, 9, 0), 1, paris(2025, 3, 5, 10, 0)},
		{"uneven: after Friday's early close, the close", uneven, paris(2025, 3, 6, 16, 0), 1, paris(2025, 3, 7, 15, 0)},
		{"uneven: Monday 16:00 + 4 = Friday 15:00", uneven, paris(2025, 3, 3, 16, 0), 4, paris(2025, 3, 7, 15, 0)},
		{"uneven: Wednesday 17:30 + 1 = Thursday's close", uneven, paris(2025, 3, 5, 17, 30), 1, paris(2025, 3, 6, 17, 0)},
		{"uneven: Tuesday's break start rolls to 14:00", uneven, paris(2025, 3, 4, 12, 0), 1, paris(2025, 3, 5, 14, 0)},
		{"24/7: the same wall clock the next day (23 h)", parisAlways, paris(2025, 3, 29, 12, 0), 1, paris(2025, 3, 30, 12, 0)},
		{"24/7: the same wall clock the next day (25 h)", parisAlways, paris(2025, 10, 25, 12, 0), 1, paris(2025, 10, 26, 12, 0)},
		{"Sundays only: a week per day", sundays, paris(2025, 3, 23, 10, 0), 2, paris(2025, 4, 6, 10, 0)},
	} {
		got := tc.cal.AddBusinessDays(tc.start, tc.n)
		if !got.Equal(tc.want) {
			t.Errorf("%s: AddBusinessDays(%v, %d) = %v, want %v", tc.name, tc.start, tc.n, got, tc.want)
		}
	}
	// The 24/7 days are calendar days, not 24-hour blocks.
	if d := parisAlways.AddBusinessDays(paris(2025, 3, 29, 12, 0), 1).Sub(paris(2025, 3, 29, 12, 0)); d != 23*time.Hour {
		t.Errorf("24/7 day over the spring change lasted %v, want 23h", d)
	}
}

func TestBusinessDurationBetween(t *testing.T) {
	for _, tc := range []struct {
		name string
		cal  *Calendar
		a, b time.Time
		want time.Duration
	}{
		{"one hour", office, paris(2025, 3, 3, 10, 0), paris(2025, 3, 3, 11, 0), time.Hour},
		{"lunch excluded", office, paris(2025, 3, 3, 10, 0), paris(2025, 3, 3, 14, 0), 3 * time.Hour},
		{"over a weekend", office, paris(2025, 3, 7, 16, 0), paris(2025, 3, 10, 10, 0), 2 * time.Hour},
		{"a weekend alone", office, paris(2025, 3, 8, 0, 0), paris(2025, 3, 10, 0, 0), 0},
		{"a whole week", office, paris(2025, 3, 3, 0, 0), paris(2025, 3, 10, 0, 0), 35 * time.Hour},
		{"spring DST weekend", office, paris(2025, 3, 28, 9, 0), paris(2025, 3, 31, 17, 0), 14 * time.Hour},
		{"autumn DST weekend", office, paris(2025, 10, 24, 9, 0), paris(2025, 10, 27, 17, 0), 14 * time.Hour},
		{"over New Year's Day", office, paris(2025, 12, 31, 9, 0), paris(2026, 1, 2, 17, 0), 14 * time.Hour},
		{"a holiday alone", office, paris(2025, 5, 1, 0, 0), paris(2025, 5, 2, 0, 0), 0},
		{"reversed is negative", office, paris(2025, 3, 3, 11, 0), paris(2025, 3, 3, 10, 0), -time.Hour},
		{"empty", office, paris(2025, 3, 3, 10, 0), paris(2025, 3, 3, 10, 0), 0},
		{"both ends outside hours", office, paris(2025, 3, 3, 7, 0), paris(2025, 3, 3, 20, 0), 7 * time.Hour},
		{"24/7: the 23-hour day", parisAlways, paris(2025, 3, 30, 0, 0), paris(2025, 3, 31, 0, 0), 23 * time.Hour},
		{"24/7: the 25-hour day", parisAlways, paris(2025, 10, 26, 0, 0), paris(2025, 10, 27, 0, 0), 25 * time.Hour},
		{"Sundays only: the 23-hour Sunday", sundays, paris(2025, 3, 29, 0, 0), paris(2025, 4, 1, 0, 0), 23 * time.Hour},
		{"Sundays only: the 25-hour Sunday", sundays, paris(2025, 10, 25, 0, 0), paris(2025, 10, 28, 0, 0), 25 * time.Hour},
		{"uneven: one week", uneven, paris(2025, 3, 3, 0, 0), paris(2025, 3, 10, 0, 0), (8 + 5 + 8 + 8 + 6) * time.Hour},
	} {
		if got := tc.cal.BusinessDurationBetween(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: BusinessDurationBetween(%v, %v) = %v, want %v", tc.name, tc.a, tc.b, got, tc.want)
		}
	}
}

func TestIsWorkingTime(t *testing.T) {
	for _, tc := range []struct {
		name string
		cal  *Calendar
		t    time.Time
		want bool
	}{
		{"opening instant", office, paris(2025, 3, 3, 9, 0), true},
		{"just before opening", office, paris(2025, 3, 3, 9, 0).Add(-1), false},
		{"last nanosecond of the morning", office, paris(2025, 3, 3, 12, 30).Add(-1), true},
		{"closing instant", office, paris(2025, 3, 3, 12, 30), false},
		{"lunch", office, paris(2025, 3, 3, 13, 0), false},
		{"afternoon opening", office, paris(2025, 3, 3, 13, 30), true},
		{"evening close", office, paris(2025, 3, 3, 17, 0), false},
		{"Saturday", office, paris(2025, 3, 8, 10, 0), false},
		{"1 May", office, paris(2025, 5, 1, 10, 0), false},
		{"2 May", office, paris(2025, 5, 2, 10, 0), true},
		{"in UTC, 08:30 UTC = 09:30 Paris in winter", office, time.Date(2025, 3, 3, 8, 30, 0, 0, time.UTC), true},
		{"in UTC, 07:30 UTC = 09:30 Paris in summer", office, time.Date(2025, 7, 1, 7, 30, 0, 0, time.UTC), true},
		{"in UTC, 07:30 UTC = 08:30 Paris in winter", office, time.Date(2025, 3, 3, 7, 30, 0, 0, time.UTC), false},
		{"24/7 on a Saturday night", parisAlways, paris(2025, 3, 8, 3, 0), true},
		{"Sundays only: Sunday midnight", sundays, paris(2025, 3, 30, 0, 0), true},
		{"Sundays only: Monday midnight", sundays, paris(2025, 3, 31, 0, 0), false},
	} {
		if got := tc.cal.IsWorkingTime(tc.t); got != tc.want {
			t.Errorf("%s: IsWorkingTime(%v) = %v, want %v", tc.name, tc.t, got, tc.want)
		}
	}
}

func TestNewCalendar(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec CalendarSpec
		err  string // "" when valid
	}{
		{"office hours", CalendarSpec{TimeZone: "Europe/Paris", Hours: MondayToFriday("09:00-17:00"), Holidays: []string{"2025-12-25"}}, ""},
		{"touching spans", CalendarSpec{TimeZone: "UTC", Hours: MondayToFriday("09:00-12:00", "12:00-17:00")}, ""},
		{"until midnight", CalendarSpec{TimeZone: "UTC", Hours: map[time.Weekday][]string{time.Saturday: {"18:00-24:00"}}}, ""},
		{"no hours: 24/7", CalendarSpec{TimeZone: "America/New_York"}, ""},
		{"empty days: 24/7", CalendarSpec{TimeZone: "UTC", Hours: map[time.Weekday][]string{time.Monday: nil}}, ""},
		{"unknown zone", CalendarSpec{TimeZone: "Europe/Atlantis"}, `unknown time zone "Europe/Atlantis"`},
		{"no zone", CalendarSpec{}, `time zone "": an IANA zone name`},
		{"host zone", CalendarSpec{TimeZone: "Local"}, `time zone "Local": an IANA zone name`},
		{"not a span", CalendarSpec{TimeZone: "UTC", Hours: MondayToFriday("9-17")}, `span "9-17"`},
		{"one-digit hour", CalendarSpec{TimeZone: "UTC", Hours: MondayToFriday("9:00-17:00")}, `time "9:00"`},
		{"signed hour", CalendarSpec{TimeZone: "UTC", Hours: MondayToFriday("+9:00-17:00")}, `time "+9:00"`},
		{"empty span", CalendarSpec{TimeZone: "UTC", Hours: MondayToFriday("09:00-09:00")}, "must end after it starts"},
		{"backwards span", CalendarSpec{TimeZone: "UTC", Hours: MondayToFriday("17:00-09:00")}, "must end after it starts"},
		{"hour 25", CalendarSpec{TimeZone: "UTC", Hours: MondayToFriday("09:00-25:00")}, `time "25:00"`},
		{"minute 60", CalendarSpec{TimeZone: "UTC", Hours: MondayToFriday("09:60-10:00")}, `time "09:60"`},
		{"24:30", CalendarSpec{TimeZone: "UTC", Hours: MondayToFriday("09:00-24:30")}, `time "24:30"`},
		{"overlap", CalendarSpec{TimeZone: "UTC", Hours: MondayToFriday("13:00-17:00", "09:00-13:30")}, "spans 09:00-13:30 and 13:00-17:00 overlap"},
		{"weekday 7", CalendarSpec{TimeZone: "UTC", Hours: map[time.Weekday][]string{7: {"09:00-17:00"}}}, "weekday 7 out of range"},
		{"bad holiday", CalendarSpec{TimeZone: "UTC", Hours: MondayToFriday("09:00-17:00"), Holidays: []string{"25/12/2025"}}, `holiday "25/12/2025"`},
		{"no such date", CalendarSpec{TimeZone: "UTC", Hours: MondayToFriday("09:00-17:00"), Holidays: []string{"2025-02-30"}}, `holiday "2025-02-30"`},
		{"holidays without hours", CalendarSpec{TimeZone: "UTC", Holidays: []string{"2025-12-25"}}, "holidays need working hours"},
	} {
		c, err := NewCalendar(tc.spec)
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: NewCalendar: %v", tc.name, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: NewCalendar error = %v, want one containing %q", tc.name, err, tc.err)
		case tc.err != "" && c != nil:
			t.Errorf("%s: NewCalendar returned a calendar with its error", tc.name)
		case tc.err == "" && c.Location().String() != tc.spec.TimeZone:
			t.Errorf("%s: zone %v, want %s", tc.name, c.Location(), tc.spec.TimeZone)
		}
	}
}

func TestCalendarWithoutHoursIsAlwaysOpen(t *testing.T) {
	c := mustCalendar(CalendarSpec{TimeZone: "Europe/Paris"})
	start := paris(2025, 3, 29, 23, 0) // Saturday night before the spring change
	if !c.IsWorkingTime(start) {
		t.Errorf("IsWorkingTime(%v) = false on a calendar without hours", start)
	}
	if got, want := c.AddBusinessHours(start, 5*time.Hour), paris(2025, 3, 30, 5, 0); !got.Equal(want) {
		t.Errorf("AddBusinessHours = %v, want %v", got, want)
	}
}

func TestAlwaysOpenNilIsUTC(t *testing.T) {
	if loc := AlwaysOpen(nil).Location(); loc != time.UTC {
		t.Errorf("AlwaysOpen(nil) zone = %v, want UTC", loc)
	}
}

func TestMondayToFriday(t *testing.T) {
	h := MondayToFriday("09:00-12:30", "13:30-17:00")
	if len(h) != 5 || len(h[time.Saturday]) != 0 || len(h[time.Sunday]) != 0 {
		t.Fatalf("MondayToFriday = %v, want five weekdays", h)
	}
	h[time.Monday][0] = "00:00-01:00"
	if h[time.Tuesday][0] != "09:00-12:30" {
		t.Errorf("days share one slice: changing Monday changed Tuesday to %v", h[time.Tuesday])
	}
}

// everyDay is a 24/7 calendar spelled out span by span, to check the
// AlwaysOpen shortcuts against the general walk.
var everyDay = mustCalendar(CalendarSpec{
	TimeZone: "Europe/Paris",
	Hours: map[time.Weekday][]string{
		time.Sunday: {"00:00-24:00"}, time.Monday: {"00:00-24:00"}, time.Tuesday: {"00:00-12:00", "12:00-24:00"},
		time.Wednesday: {"00:00-24:00"}, time.Thursday: {"00:00-24:00"}, time.Friday: {"00:00-24:00"},
		time.Saturday: {"00:00-24:00"},
	},
})

// fuzzCalendars are the calendars FuzzAddBusinessHours draws from.
var fuzzCalendars = []*Calendar{
	office,
	uneven,
	sundays,
	parisAlways,
	everyDay,
	// Night spans across the 02:00–03:00 changes.
	mustCalendar(CalendarSpec{TimeZone: "Europe/Paris", Hours: map[time.Weekday][]string{
		time.Sunday: {"01:30-03:30", "22:00-24:00"}, time.Monday: {"00:00-02:30"}, time.Wednesday: {"02:15-02:45", "09:00-10:00"},
	}}),
	// Half-hour daylight saving.
	mustCalendar(CalendarSpec{TimeZone: "Australia/Lord_Howe", Hours: MondayToFriday("01:00-03:00", "08:00-18:00"),
		Holidays: []string{"2025-12-25", "2025-12-26", "2026-01-01"}}),
	mustCalendar(CalendarSpec{TimeZone: "America/New_York", Hours: MondayToFriday("08:30-17:30"),
		Holidays: []string{"2025-07-04", "2025-11-27", "2025-12-25"}}),
}

func FuzzAddBusinessHours(f *testing.F) {
	for _, s := range []struct {
		unix int64
		d    int64
		cal  uint8
	}{
		{paris(2025, 3, 28, 16, 0).Unix(), int64(2 * time.Hour), 0},
		{paris(2025, 10, 24, 16, 0).Unix(), int64(9 * time.Hour), 0},
		{paris(2025, 3, 30, 1, 0).Unix(), int64(90 * time.Minute), 5},
		{paris(2025, 10, 26, 1, 0).Unix(), int64(3 * time.Hour), 5},
		{paris(2025, 3, 29, 12, 0).Unix(), int64(24 * time.Hour), 4},
		{paris(2025, 12, 31, 16, 0).Unix(), int64(40 * time.Hour), 0},
		{time.Date(2025, 10, 4, 12, 0, 0, 0, time.UTC).Unix(), int64(20 * time.Hour), 6},
		{time.Date(2025, 3, 7, 21, 0, 0, 0, time.UTC).Unix(), 1, 7},
	} {
		f.Add(s.unix, s.d, s.cal)
	}
	const (
		lo   = 631152000  // 1990-01-01
		span = 1577836800 // 50 years
		maxD = int64(2000 * time.Hour)
	)
	f.Fuzz(func(t *testing.T, unix, dn int64, ci uint8) {
		cal := fuzzCalendars[int(ci)%len(fuzzCalendars)]
		start := time.Unix(lo+((unix%span)+span)%span, (dn%1e9+1e9)%1e9)
		d := time.Duration((dn%maxD+maxD)%maxD + 1) // 1 ns to 2000 h

		got := cal.AddBusinessHours(start, d)
		if got.Before(start) {
			t.Fatalf("AddBusinessHours(%v, %v) = %v, before the start", start, d, got)
		}
		if b := cal.BusinessDurationBetween(start, got); b != d {
			t.Fatalf("AddBusinessHours(%v, %v) = %v, but BusinessDurationBetween = %v", start, d, got, b)
		}
		// The earliest such instant: the last nanosecond before it is working
		// time, so got is working time or the close of the span it ends.
		if !cal.IsWorkingTime(got.Add(-1)) {
			t.Fatalf("AddBusinessHours(%v, %v) = %v: the nanosecond before is not working time", start, d, got)
		}
		if b := cal.BusinessDurationBetween(start, got.Add(-1)); b != d-1 {
			t.Fatalf("AddBusinessHours(%v, %v) = %v is not the earliest: %v of work before it", start, d, got, b)
		}
		if cal == everyDay {
			if want := parisAlways.AddBusinessHours(start, d); !got.Equal(want) {
				t.Fatalf("spelled-out 24/7 gives %v, AlwaysOpen %v", got, want)
			}
		}

		n := int(uint64(dn)%15) + 1
		due := cal.AddBusinessDays(start, n)
		if !due.After(start) || !cal.IsWorkingTime(due.Add(-1)) && !cal.IsWorkingTime(due) {
			t.Fatalf("AddBusinessDays(%v, %d) = %v: not after start in or at the end of working time", start, n, due)
		}
		if cal == everyDay {
			if want := parisAlways.AddBusinessDays(start, n); !due.Equal(want) {
				t.Fatalf("spelled-out 24/7 gives %v for %d days, AlwaysOpen %v", due, n, want)
			}
		}
	})
}
