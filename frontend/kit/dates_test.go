package kit

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestDatesInTheReadersLanguage: a date and a time read as CLDR writes them
// in each language, in the organisation's zone, inside <time datetime>.
func TestDatesInTheReadersLanguage(t *testing.T) {
	cat, err := LoadCatalogues(os.DirFS(".."))
	if err != nil {
		t.Fatal(err)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2027, 3, 5, 14, 49, 0, 0, time.UTC)  // 15:49 in Paris
	day := time.Date(2026, 12, 12, 0, 0, 0, 0, time.UTC) // a calendar date
	for _, tc := range []struct{ lang, date, dateTime, civil string }{
		{"en", "5 March 2027", "5 March 2027 at 15:49 GMT+1", "12 December 2026"},
		{"fr", "5 mars 2027", "5 mars 2027 à 15:49 UTC+1", "12 décembre 2026"},
		{"es", "5 de marzo de 2027", "5 de marzo de 2027, 15:49 (GMT+1)", "12 de diciembre de 2026"},
		{"ar", "٥ مارس ٢٠٢٧", "٥ مارس ٢٠٢٧ في ٣:٤٩ م غرينتش+١", "١٢ ديسمبر ٢٠٢٦"},
	} {
		c := NewClock(cat.Translator(tc.lang, func(id string) { t.Errorf("missing %s", id) }), paris)
		if got, want := string(c.Date(at)), `<time datetime="2027-03-05">`+tc.date+`</time>`; got != want {
			t.Errorf("%s: Date = %s, want %s", tc.lang, got, want)
		}
		if got, want := string(c.DateTime(&at)), `<time datetime="2027-03-05T15:49:00+01:00">`+tc.dateTime+`</time>`; got != want {
			t.Errorf("%s: DateTime = %s, want %s", tc.lang, got, want)
		}
		// A calendar date stays its day whatever the zone.
		west := NewClock(cat.Translator(tc.lang, nil), time.FixedZone("W", -5*3600))
		if got := string(west.Date(day)); !strings.Contains(got, ">"+tc.civil+"<") {
			t.Errorf("%s: civil date = %s, want %s", tc.lang, got, tc.civil)
		}
	}
	var none *time.Time
	c := NewClock(cat.Translator("en", nil), nil)
	if c.Date(none) != "" || c.DateTime(time.Time{}) != "" {
		t.Error("a missing time should show nothing")
	}
	tr := cat.Translator("en", nil)
	if got := string(tr.TH("register.suspended_since", "Date", c.Date(day))); !strings.Contains(got, `<time datetime="2026-12-12">12 December 2026</time>`) {
		t.Errorf("TH kept no markup: %s", got)
	}
	if got := string(Typed(`<b>x</b> "y"`)); got != `<bdi>&lt;b&gt;x&lt;/b&gt; &#34;y&#34;</bdi>` {
		t.Errorf("Typed = %s", got)
	}
}
