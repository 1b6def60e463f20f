// Package stats is what the mechanism learns: per-AI-system figures for
// staff (cases, decisions, time to decision, SLA clocks, remedies, feedback,
// root causes) and public statistics with small counts suppressed.
//
// Every figure is an SQL aggregate (GROUP BY, FILTER, percentile_cont); Go
// only folds the few grouped rows into the answer. See docs/stats.md.
//
// It owns no table and publishes no event: it only reads. Its statements,
// and the named rows they return, are in queries.go.
package stats

import (
	"math"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/remedy"
	"github.com/redresshq/redress/internal/sla"
)

// Threshold is the smallest count public statistics show; 1 to Threshold-1
// is suppressed, and so is a rate, median or mean of fewer than Threshold.
const Threshold = 5

// Codes the figures are broken down by; each must equal the CHECK of its
// column (migrations 00001, 00009, 00010; TestCodesMatchTheSchema checks).
var (
	Kinds          = cases.Strings(cases.Kinds)
	Rights         = decision.Rights
	Statuses       = cases.Strings(cases.Statuses)
	Outcomes       = cases.Strings(decision.Outcomes)
	Stages         = []string{"first", "appeal"}
	Clocks         = cases.Strings(sla.Clocks)
	RootCauses     = grievance.RootCauses
	RemedyForms    = cases.Strings(remedy.Forms)
	RemedyStatuses = cases.Strings(remedy.Statuses)
)

// Service computes the statistics.
type Service struct {
	db *gorm.DB

	computing sync.Mutex // held while the public statistics are computed
	mu        sync.Mutex // guards the fields below
	publicTTL time.Duration
	public    *Public   // the last public statistics, shared read-only
	publicAt  time.Time // when they were computed, by this process's clock
}

// PublicTTL is how long each process reuses the public statistics by
// default: as long as clients may cache them (Cache-Control max-age).
const PublicTTL = 5 * time.Minute

// New returns the statistics service.
func New(gdb *gorm.DB) *Service { return &Service{db: gdb, publicTTL: PublicTTL} }

// SetPublicCacheTTL sets how long public statistics are reused; 0 computes
// them on every call.
func (s *Service) SetPublicCacheTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.publicTTL, s.public = d, nil
}

// Range is the span of submission times a per-system answer covers:
// From inclusive, Until exclusive; nil is open.
type Range struct {
	From  *time.Time `json:"from"`
	Until *time.Time `json:"until"`
}

// ParseRange reads the query's from and to, each an RFC 3339 date
// (YYYY-MM-DD, a whole day in UTC) or date-time, into a Range, adding
// field errors to f. A date as `to` includes that whole day; a date-time as
// `to` is included itself.
func ParseRange(f *fault.Fields, from, to string) Range {
	var r Range
	if from != "" {
		if t, _, ok := parseInstant(f, "from", from); ok {
			r.From = &t
		}
	}
	if to != "" {
		if t, isDate, ok := parseInstant(f, "to", to); ok {
			if isDate {
				t = t.AddDate(0, 0, 1)
			} else {
				t = t.Add(time.Microsecond) // PostgreSQL keeps microseconds: < t+1µs is <= t
			}
			r.Until = &t
		}
	}
	if r.From != nil && r.Until != nil && !r.From.Before(*r.Until) {
		f.Add("from", "after_to", "must not be after to")
	}
	return r
}

// Years a range may start or end in, in UTC. Below: before any case. Above:
// a day or a microsecond is added to the end, and an answer must still
// write its range as JSON, which stops at year 9999.
const (
	minYear = 1970
	maxYear = 9998
)

// parseInstant reads an RFC 3339 date or date-time, in UTC truncated to
// PostgreSQL's microseconds, naming field in f when s is none or lies
// outside minYear to maxYear in UTC. A '+' of an offset that arrived
// unescaped in a query string (and so as a space) is taken back.
func parseInstant(f *fault.Fields, field, s string) (t time.Time, isDate, ok bool) {
	if d, err := time.Parse(time.DateOnly, s); err == nil {
		t, isDate, ok = d.UTC(), true, true
	} else if d, err := time.Parse(time.RFC3339Nano, strings.Replace(s, " ", "+", 1)); err == nil {
		t, ok = d.UTC().Truncate(time.Microsecond), true
	}
	switch {
	case !ok:
		f.Add(field, "invalid", "must be an RFC 3339 date (2026-01-31) or date-time (2026-01-31T09:00:00Z)")
	case t.Year() < minYear || t.Year() > maxYear:
		f.Addf(field, "out_of_range", "must lie from %d-01-01 to %d-12-31 in UTC", minYear, maxYear)
		ok = false
	}
	return t, isDate, ok
}

// zeros returns a map with every code at 0.
func zeros(codes []string) map[string]int64 {
	m := make(map[string]int64, len(codes))
	for _, c := range codes {
		m[c] = 0
	}
	return m
}

// ratio is num/den rounded to four places, nil when den is 0.
func ratio(num, den int64) *float64 {
	if den == 0 {
		return nil
	}
	return round(float64(num)/float64(den), 4)
}

// round rounds v to places decimals.
func round(v float64, places int) *float64 {
	p := math.Pow(10, float64(places))
	r := math.Round(v*p) / p
	return &r
}

// roundPtr rounds *v; nil stays nil.
func roundPtr(v *float64, places int) *float64 {
	if v == nil {
		return nil
	}
	return round(*v, places)
}

// overturned is how many of a tally of outcomes changed the AI's decision
// (decision_overturned + decision_modified),
// and of how many that were within scope.
func overturned(byOutcome map[string]int64) (changed, within int64) {
	for o, n := range byOutcome {
		if o != string(decision.OutcomeNotWithinScope) {
			within += n
		}
	}
	return byOutcome[string(decision.OutcomeOverturned)] + byOutcome[string(decision.OutcomeModified)], within
}
