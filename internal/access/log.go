package access

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Reading the access log (issue 14, docs/privacy.md "The access log"): the
// looks Open and Record wrote, for a case's supervisors (CaseLog), for
// admins (Search) and, without names, for the complainant (ForComplainant).

// Entry is one look, as staff read it: who (named), their role then, when,
// what, through which route and on which ground.
type Entry struct {
	ID            int64      `json:"id"`
	At            time.Time  `json:"at"`
	CaseID        uuid.UUID  `json:"case_id"`
	CaseReference string     `json:"case_reference"`
	UserID        uuid.UUID  `json:"user_id"`
	UserName      string     `json:"user_name"`
	UserEmail     string     `json:"user_email"`
	Role          auth.Role  `json:"role"`
	What          What       `json:"what"`
	EvidenceID    *uuid.UUID `json:"evidence_id,omitempty"`
	Route         string     `json:"route"`
	Ground        Ground     `json:"ground"`
}

// LogPage is a page of the log, newest first; NextCursor ("" on the last
// page) gives the next, older one.
type LogPage struct {
	Items      []Entry `json:"items"`
	NextCursor string  `json:"next_cursor"`
}

// Page sizes of the log.
const (
	DefaultLogLimit = 50
	MaxLogLimit     = 200
)

// Whats lists what a look can show.
var Whats = []What{Content, Identity, Evidence}

// LogFilter narrows a search of the log; zero fields do not filter. Every
// field is checked and a bad one is named in a 422 (Search).
type LogFilter struct {
	UserEmail     string     // the staff member's email, exactly (any case)
	UserID        *uuid.UUID // the staff member
	CaseReference string     // "RD-123-456-789", typed with any spaces or dashes
	CaseID        *uuid.UUID // one case (CaseLog)
	Ground        string     // one of Grounds
	What          string     // one of Whats
	// From and To bound the looks' times: an RFC 3339 time, or a date in
	// Zone (From: from the start of that day; To: to its end, included).
	From, To string
	Zone     *time.Location // nil: UTC
	Cursor   string         // a NextCursor Search returned
	Limit    int            // 1 to MaxLogLimit; 0 is DefaultLogLimit
}

// validate checks f and returns the canonical case reference and the
// position of the cursor (0: the first page).
func (f *LogFilter) validate() (string, int64, *time.Time, *time.Time, error) {
	var fs fault.Fields
	from := ParseBound(&fs, "from", f.From, false, f.Zone)
	to := ParseBound(&fs, "to", f.To, true, f.Zone)
	if len(f.UserEmail) > 254 {
		fs.Add("user_email", "too_long", "must be at most 254 characters")
	} else if f.UserEmail != "" {
		fs.Text("user_email", f.UserEmail, 1, 254)
	}
	ref := ""
	if strings.TrimSpace(f.CaseReference) != "" {
		r, err := auth.NormalizeReference(f.CaseReference)
		if err != nil {
			fs.Add("case_reference", "invalid", "must be a case reference such as RD-123-456-789")
		}
		ref = r
	}
	if f.Ground != "" && !slices.Contains(Grounds, Ground(f.Ground)) {
		fs.Add("ground", "invalid", "must be one of assignee, queue_member, supervisor, break_glass")
	}
	if f.What != "" && !slices.Contains(Whats, What(f.What)) {
		fs.Add("what", "invalid", "must be one of content, identity, evidence")
	}
	if from != nil && to != nil && !to.After(*from) {
		fs.Add("to", "before_from", "must be after from")
	}
	if f.Limit == 0 {
		f.Limit = DefaultLogLimit
	}
	if f.Limit < 1 || f.Limit > MaxLogLimit {
		fs.Addf("limit", "out_of_range", "must be from 1 to %d", MaxLogLimit)
	}
	var before int64
	if f.Cursor != "" {
		n, err := strconv.ParseInt(f.Cursor, 10, 64)
		if err != nil || n < 1 {
			fs.Add("cursor", "invalid", "is not a cursor this API returned")
		}
		before = n
	}
	return ref, before, from, to, fs.Err()
}

// Search reads the log newest first, filtered, a page at a time (keyset
// pagination on the entry's id, which grows with every look).
func (s *Service) Search(ctx context.Context, f LogFilter) (*LogPage, error) {
	if err := s.Flush(ctx); err != nil {
		return nil, err
	}
	ref, before, from, to, err := f.validate()
	if err != nil {
		return nil, err
	}
	q := s.db.WithContext(ctx).Table("access_log l").
		Select(`l.id, l.at, l.case_id, c.reference AS case_reference, l.user_id, u.name AS user_name,
			u.email AS user_email, l.role, l.what, l.evidence_id, l.route, l.ground`).
		Joins("JOIN users u ON u.id = l.user_id").
		Joins("JOIN cases c ON c.id = l.case_id")
	if f.CaseID != nil {
		q = q.Where("l.case_id = ?", *f.CaseID)
	}
	if ref != "" {
		q = q.Where("c.reference = ?", ref)
	}
	if f.UserID != nil {
		q = q.Where("l.user_id = ?", *f.UserID)
	}
	if f.UserEmail != "" {
		q = q.Where("lower(u.email) = lower(?)", strings.TrimSpace(f.UserEmail))
	}
	if f.Ground != "" {
		q = q.Where("l.ground = ?", f.Ground)
	}
	if f.What != "" {
		q = q.Where("l.what = ?", f.What)
	}
	if from != nil {
		q = q.Where("l.at >= ?", *from)
	}
	if to != nil {
		q = q.Where("l.at < ?", *to)
	}
	if before > 0 {
		q = q.Where("l.id < ?", before)
	}
	var rows []Entry
	if err := q.Order("l.id DESC").Limit(f.Limit + 1).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("access: search the log: %w", err)
	}
	p := &LogPage{Items: rows}
	if len(rows) > f.Limit {
		p.Items = rows[:f.Limit]
		p.NextCursor = strconv.FormatInt(p.Items[f.Limit-1].ID, 10)
	}
	if p.Items == nil {
		p.Items = []Entry{}
	}
	return p, nil
}

// CaseLog is the log of one case, newest first, a page at a time: what
// the case's supervisors read in its workspace. Whether the reader may
// read it is the caller's to ask (Ground.MayWork).
func (s *Service) CaseLog(ctx context.Context, caseID uuid.UUID, cursor string, limit int) (*LogPage, error) {
	if err := s.Flush(ctx); err != nil {
		return nil, err
	}
	return s.Search(ctx, LogFilter{CaseID: &caseID, Cursor: cursor, Limit: limit})
}

// ComplainantLook is what a complainant reads of the looks at their case:
// which role saw what, on which day; never who.
type ComplainantLook struct {
	Role auth.Role `json:"role"`
	What What      `json:"what"`
	// Day is the day in the organisation's time zone, as midnight UTC
	// (a calendar date); its JSON is "2027-03-05".
	Day Day `json:"date"`
}

// Day is a calendar date, stored as midnight UTC.
type Day struct{ time.Time }

// MarshalJSON writes the date as "2006-01-02".
func (d Day) MarshalJSON() ([]byte, error) { return []byte(`"` + d.Format(time.DateOnly) + `"`), nil }

// ForComplainant lists the looks at the case by role, what and day, newest
// day first: one row for however many looks a role made at a thing that day.
// Days are counted in loc (nil: UTC).
func (s *Service) ForComplainant(ctx context.Context, caseID uuid.UUID, loc *time.Location) ([]ComplainantLook, error) {
	if err := s.Flush(ctx); err != nil {
		return nil, err
	}
	if loc == nil {
		loc = time.UTC
	}
	rows, err := looksByDay(s.db.WithContext(ctx), caseID, loc)
	if err != nil {
		return nil, fmt.Errorf("access: the complainant's log: %w", err)
	}
	out := make([]ComplainantLook, 0, len(rows))
	for _, r := range rows {
		y, m, d := r.Day.Date()
		out = append(out, ComplainantLook{Role: r.Role, What: What(r.What), Day: Day{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}})
	}
	return out, nil
}

// ParseBound reads a search's from or to: an RFC 3339 time, or a date
// (2027-03-05) in loc, which as a from is the start of that day and as a to
// (end) the start of the next, so that the day is included. A bad value is
// named in f; "" is no bound.
func ParseBound(f *fault.Fields, field, v string, end bool, loc *time.Location) *time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	if loc == nil {
		loc = time.UTC
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return &t
	}
	d, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		f.Add(field, "invalid", "must be a date (2027-03-05) or an RFC 3339 time")
		return nil
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return &d
}

// Check adds the filter's problems to fs (an edge's own, so that one 422
// names every bad field).
func (f LogFilter) Check(fs *fault.Fields) {
	if _, _, _, _, err := f.validate(); err != nil {
		if e, ok := fault.As(err); ok {
			for _, fe := range e.Fields {
				fs.Add(fe.Field, fe.Code, fe.Message)
			}
		}
	}
}
