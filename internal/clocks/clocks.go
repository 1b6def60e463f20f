// Package clocks keeps each case's SLA clocks in the database: it sets them
// from the case's policy (internal/sla does the arithmetic), pauses them while
// the case waits on the complainant, ends them when what they wait for
// happens, and fires warnings and breaches when they fall due (Sweep).
//
// It owns the case_clocks, case_pauses, sla_policies and sla_calendars
// tables, and publishes sla.warning, sla.breached, case.triaged (a priority
// a breach raised) and escalation.requested. The statements that need SQL's
// full power (the sweep's DueCasesQuery among them) are in queries.go;
// simple ones use GORM's builder. When a statutory date is missed it opens
// an escalation request through the EscalationRequests it is given
// (escalation.RequestOnBreach: internal/escalation owns the table). A
// clock's name is an sla.ClockName: one of
// sla.Clocks, or a task's clock named after its task (BodyItemClock,
// ProviderRequestClock); TestClockNamesMatchDatabase checks both against the
// table's CHECK.
//
// Every change runs inside the caller's transaction, which it is handed as
// tx, after the caller has locked the case row, so a clock never disagrees with the case it
// belongs to. Locks are always taken case row first, clock rows second —
// here, in the API's paths and in the sweeper — so the two never deadlock.
package clocks

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/sla"
)

// PolicyTTL is how long a process trusts a policy it has read: an admin's
// change reaches other processes within this time.
const PolicyTTL = 5 * time.Second

// Service sets, pauses, ends and sweeps clocks.
type Service struct {
	db  *gorm.DB
	log *slog.Logger
	now func() time.Time

	requests EscalationRequests
	chunk    int // due cases a sweep's transaction takes at most (SweepChunk)

	mu       sync.Mutex
	policies map[uuid.UUID]*Policy // by id; uuid.Nil is the default
}

// EscalationRequests opens, in tx, the requests to take cases to an
// independent body because their statutory clocks were breached, and
// returns their ids in the order of reqs, uuid.Nil for one already open.
// escalation_requests belongs to internal/escalation
// (escalation.RequestOnBreach), which imports this package, so the function
// is handed to New.
type EscalationRequests func(tx *gorm.DB, reqs []BreachRequest) ([]uuid.UUID, error)

// BreachRequest is the escalation request a missed statutory date asks for:
// the case, its breached clock, the clock's rule (JSON) and why.
type BreachRequest struct {
	CaseID uuid.UUID
	Clock  sla.ClockName
	Rule   string
	Reason string
}

// New returns the clock service; requests records the escalation requests
// of statutory breaches (nil only where nothing sweeps).
func New(gdb *gorm.DB, log *slog.Logger, requests EscalationRequests) *Service {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: gdb, log: log.With("part", "clocks"), now: time.Now, policies: map[uuid.UUID]*Policy{},
		requests: requests, chunk: SweepChunk}
}

// Policy is a stored policy with its calendar, ready to compute with.
type Policy struct {
	ID           uuid.UUID
	Slug         string
	Calendar     *sla.Calendar
	CalendarSlug string
	sla.Policy
	loaded time.Time
}

// Invalidate forgets the policies read so far (after an admin's change).
func (s *Service) Invalidate() {
	s.mu.Lock()
	clear(s.policies)
	s.mu.Unlock()
}

// policy returns the policy with id, or the default one for nil, reading it
// through q (the pool or a transaction) when it is not cached.
func (s *Service) policy(q *gorm.DB, id *uuid.UUID) (*Policy, error) {
	key := uuid.Nil
	if id != nil {
		key = *id
	}
	s.mu.Lock()
	p := s.policies[key]
	s.mu.Unlock()
	if p != nil && time.Since(p.loaded) < PolicyTTL {
		return p, nil
	}
	row, err := loadPolicy(q, id)
	if err != nil {
		return nil, fmt.Errorf("clocks: load policy: %w", err)
	}
	if row.ID == uuid.Nil {
		if id == nil {
			return nil, fmt.Errorf("clocks: no default SLA policy")
		}
		return s.policy(q, nil) // the case's policy was replaced: fall back to the default
	}
	p, err = parsePolicy(row.ID, row.Slug, row.CalendarSlug, row.Spec, row.Docs)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.policies[key] = p
	s.mu.Unlock()
	return p, nil
}

func parsePolicy(id uuid.UUID, slug, calSlug, spec string, d policyDocs) (*Policy, error) {
	var cs sla.CalendarSpec
	if err := json.Unmarshal([]byte(spec), &cs); err != nil {
		return nil, fmt.Errorf("clocks: calendar %s: %w", calSlug, err)
	}
	cal, err := sla.NewCalendar(cs)
	if err != nil {
		return nil, fmt.Errorf("clocks: calendar %s: %w", calSlug, err)
	}
	p := &Policy{ID: id, Slug: slug, Calendar: cal, CalendarSlug: calSlug, loaded: time.Now()}
	if err := json.Unmarshal([]byte(d.Tiers), &p.Tiers); err != nil {
		return nil, fmt.Errorf("clocks: policy %s tiers: %w", slug, err)
	}
	if err := json.Unmarshal([]byte(d.Statutory), &p.Statutory); err != nil {
		return nil, fmt.Errorf("clocks: policy %s statutory: %w", slug, err)
	}
	if err := json.Unmarshal([]byte(d.BreachActions), &p.Breach); err != nil {
		return nil, fmt.Errorf("clocks: policy %s breach actions: %w", slug, err)
	}
	if err := json.Unmarshal([]byte(d.AppealWindow), &p.AppealWindow); err != nil {
		return nil, fmt.Errorf("clocks: policy %s appeal window: %w", slug, err)
	}
	if p.WarnFractions, err = parseFloats(d.WarnFractions); err != nil {
		return nil, fmt.Errorf("clocks: policy %s warn fractions: %w", slug, err)
	}
	return p, nil
}

// parseFloats reads a PostgreSQL float8[] literal such as {0.75,0.9}.
func parseFloats(s string) ([]float64, error) {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "{"), "}")
	if s == "" {
		return nil, nil
	}
	var out []float64
	for _, f := range strings.Split(s, ",") {
		var v float64
		if _, err := fmt.Sscan(f, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Facts are a case's facts as Recompute reads them (FactsSelect).
type Facts struct {
	Kind              string
	Status            string
	Priority          *string
	SLAPolicyID       *uuid.UUID
	SubmittedAt       time.Time
	AcknowledgedAt    *time.Time
	DecidedAt         *time.Time
	AppealedAt        *time.Time
	ExtensionNoticeAt *time.Time
	IncidentAwareAt   *time.Time
	IncidentSubtype   *string
	Pauses            string // json [[paused_at, resumed_at], …]
}

func (f *Facts) sla() (sla.Facts, error) {
	out := sla.Facts{Kind: f.Kind, Events: sla.Events{Submitted: f.SubmittedAt}}
	if f.Priority != nil {
		out.Priority = *f.Priority
	}
	if f.IncidentSubtype != nil {
		out.IncidentSubtype = *f.IncidentSubtype
	}
	at := func(t *time.Time) time.Time {
		if t == nil {
			return time.Time{}
		}
		return *t
	}
	out.Events.Acknowledged, out.Events.Decision = at(f.AcknowledgedAt), at(f.DecidedAt)
	out.Events.Appealed = at(f.AppealedAt)
	out.Events.ExtensionNotice = at(f.ExtensionNoticeAt)
	out.Events.Awareness = f.SubmittedAt
	if f.IncidentAwareAt != nil {
		out.Events.Awareness = *f.IncidentAwareAt
	}
	var spans [][2]*time.Time
	if err := json.Unmarshal([]byte(f.Pauses), &spans); err != nil {
		return out, fmt.Errorf("clocks: pauses: %w", err)
	}
	for _, sp := range spans {
		if sp[0] == nil {
			continue
		}
		out.Pauses = append(out.Pauses, sla.Pause{From: *sp[0], To: at(sp[1])})
	}
	return out, nil
}

// Recompute sets every clock of a case from its policy and facts, in a
// transaction of its own (RecomputeIn): due dates with their rules and
// candidates, pauses, warnings and the next time the sweeper must look.
// It returns the clocks as set.
func (s *Service) Recompute(ctx context.Context, caseID uuid.UUID) ([]sla.Clock, error) {
	var out []sla.Clock
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		out, err = s.RecomputeIn(tx, caseID)
		return err
	})
	return out, err
}

// RecomputeIn is Recompute inside the caller's transaction tx: it locks the
// case's facts, sets every clock of the case from its policy and facts and
// returns them. Ended clocks are left as they were; a clock the policy no
// longer sets is dropped unless it has ended. A closed or withdrawn case has
// its clocks ended and none returned.
func (s *Service) RecomputeIn(tx *gorm.DB, caseID uuid.UUID) ([]sla.Clock, error) {
	f, err := lockFacts(tx, caseID)
	if err != nil {
		return nil, fmt.Errorf("clocks: load case: %w", err)
	}
	return s.recompute(tx, caseID, f, true)
}

// RecomputeRouting is RecomputeIn for a case about to be routed, in tx,
// before the routing's update of its row: its clocks are set as RecomputeIn
// would set them once the case had priority and the SLA policy policyID
// (nil: the default one), from f, its facts as the routing read them with
// FactsSelect under its row lock; its row is left to that update, which
// sets its next_due_at from them (cases.Routing.NextDue). Routing a case
// reads its row once and updates it once, where it did each twice (issue 18).
//
// What it reads (the policy, unless cached) it reads in tx at once; what it
// writes it leaves to store, which the caller runs through a handle that
// writes in tx, with the routing's other writes (db.Write). A case closed or
// withdrawn before it was routed owes nothing more: its clocks end in tx at
// once, and store writes nothing.
func (s *Service) RecomputeRouting(tx *gorm.DB, caseID uuid.UUID, f Facts, priority string, policyID *uuid.UUID) (
	store func(w *gorm.DB) error, err error) {
	f.Priority, f.SLAPolicyID = &priority, policyID
	if f.Status == "closed" || f.Status == "withdrawn" {
		_, err := s.recompute(tx, caseID, f, false)
		return func(*gorm.DB) error { return nil }, err
	}
	p, out, err := s.compute(tx, caseID, f)
	if err != nil {
		return nil, err
	}
	return func(w *gorm.DB) error { return s.store(w, caseID, p.ID, out, false) }, nil
}

// recompute sets the clocks of the case with facts f, in tx; with
// nextDue, it sets the case's next_due_at from them too.
func (s *Service) recompute(tx *gorm.DB, caseID uuid.UUID, f Facts, nextDue bool) ([]sla.Clock, error) {
	if f.Status == "closed" || f.Status == "withdrawn" {
		return nil, s.End(tx, caseID, f.Status) // nothing more is owed
	}
	p, out, err := s.compute(tx, caseID, f)
	if err != nil {
		return nil, err
	}
	if err := s.store(tx, caseID, p.ID, out, nextDue); err != nil {
		return out, err
	}
	return out, nil
}

// compute computes the clocks of the case with facts f under its policy,
// which it reads in tx unless it is cached.
func (s *Service) compute(tx *gorm.DB, caseID uuid.UUID, f Facts) (*Policy, []sla.Clock, error) {
	if f.Kind == "" {
		return nil, nil, fmt.Errorf("clocks: case %s does not exist", caseID)
	}
	sf, err := f.sla()
	if err != nil {
		return nil, nil, err
	}
	p, err := s.policy(tx, f.SLAPolicyID)
	if err != nil {
		return nil, nil, err
	}
	return p, p.Clocks(sf, p.Calendar), nil
}

// store writes the clocks as computed, in tx, in one statement that also
// updates the case row once: it upserts them, drops the running clocks the
// policy no longer sets (a priority whose tier lacks them) except a breached
// one (the case record of a missed date stays) and a task's (tasks.go: not
// the policy's), and sets the case's earliest running due date
// (cases.next_due_at, for claim-next's index) from what remains; without
// nextDue, the caller's update of the case sets it (RecomputeRouting).
func (s *Service) store(tx *gorm.DB, caseID, policyID uuid.UUID, cs []sla.Clock, nextDue bool) error {
	names, values, args := clockValues(caseID, policyID, cs, nil, nil)
	drop := dropClocks(caseID, names)
	if !nextDue {
		if err := writeClocks(tx, values, args, drop); err != nil {
			return fmt.Errorf("clocks: store: %w", err)
		}
		return nil
	}
	if len(values) == 0 {
		if err := cases.NextDueWithout(tx, caseID, drop); err != nil {
			return fmt.Errorf("clocks: drop: %w", err)
		}
		return nil
	}
	if err := cases.NextDueAfter(tx, caseID, storeClocks(values, args), drop); err != nil {
		return fmt.Errorf("clocks: store: %w", err)
	}
	return nil
}

// clockValues appends to values and args the rows of storeClocks for the
// clocks cs of a case, and returns their names with them.
func clockValues(caseID, policyID uuid.UUID, cs []sla.Clock, values []string, args []any) ([]sla.ClockName, []string, []any) {
	names := make([]sla.ClockName, 0, len(cs))
	for _, c := range cs {
		names = append(names, c.Clock)
		rule, _ := json.Marshal(c.Rule)
		cands := make([]candidate, 0, len(c.Candidates))
		for _, d := range c.Candidates {
			cands = append(cands, candidate{Rule: d.Rule, Started: d.Started.UTC(), DueAt: d.DueAt.UTC()})
		}
		candJSON, _ := json.Marshal(cands)
		var due, started any
		if !c.DueAt.IsZero() {
			due = c.DueAt.UTC()
		}
		if !c.Started.IsZero() {
			started = c.Started.UTC()
		}
		warn := make([]string, 0, len(c.WarnAt))
		for _, w := range c.WarnAt {
			if !w.IsZero() {
				warn = append(warn, w.UTC().Format(time.RFC3339Nano))
			}
		}
		values = append(values, storedValues)
		args = append(args, caseID, c.Clock, started, due, string(rule), policyID, string(candJSON), c.Paused,
			"{"+strings.Join(warn, ",")+"}")
	}
	return names, values, args
}

// recomputeMany is RecomputeIn for many cases at once, in tx (the sweep's,
// after a breach raised their priority): their facts are read in one
// statement, their clocks computed in Go and stored in one upsert (of the
// rows that change), the
// clocks their policies no longer set dropped in one statement, and their
// next_due_at set in one more.
func (s *Service) recomputeMany(tx *gorm.DB, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	all, err := lockFactsOf(tx, ids)
	if err != nil {
		return fmt.Errorf("clocks: load cases: %w", err)
	}
	if len(all) != len(ids) {
		return fmt.Errorf("clocks: %d cases to recompute, %d exist", len(ids), len(all))
	}
	var values []string
	var args []any
	keep := make(map[uuid.UUID][]sla.ClockName, len(all))
	stored := make([]uuid.UUID, 0, len(all))
	for _, cf := range all {
		f := cf.Facts
		if f.Status == "closed" || f.Status == "withdrawn" {
			if err := s.End(tx, cf.ID, f.Status); err != nil { // nothing more is owed
				return err
			}
			continue
		}
		sf, err := f.sla()
		if err != nil {
			return err
		}
		p, err := s.policy(tx, f.SLAPolicyID)
		if err != nil {
			return err
		}
		var names []sla.ClockName
		names, values, args = clockValues(cf.ID, p.ID, p.Clocks(sf, p.Calendar), values, args)
		keep[cf.ID] = names
		stored = append(stored, cf.ID)
	}
	if len(values) > 0 {
		// A clock the raise does not change (a statutory one, say) is not written again.
		if err := tx.Exec(storeChangedClocks(values), args...).Error; err != nil {
			return fmt.Errorf("clocks: store: %w", err)
		}
	}
	// As store: a breached clock, or a task's, stays.
	if err := dropClocksOf(tx, keep); err != nil {
		return fmt.Errorf("clocks: drop: %w", err)
	}
	if err := cases.NextDueOf(tx, stored); err != nil {
		return fmt.Errorf("clocks: next due: %w", err)
	}
	return nil
}

// candidate is one stored candidate due date: why a date is what it is.
type candidate struct {
	Rule    sla.Rule  `json:"rule"`
	Started time.Time `json:"started_at"`
	DueAt   time.Time `json:"due_at"`
}

// End ends, in tx, the named clocks of a case (all of them when names is
// empty) that are still running, recording what ended them (acknowledged,
// responded, decided, withdrawn …).
func (s *Service) End(tx *gorm.DB, caseID uuid.UUID, by string, names ...sla.ClockName) error {
	return s.EndAt(tx, caseID, by, time.Time{}, names...)
}

// EndAt is End with the moment the clocks were satisfied, when that was
// earlier than now: a serious incident's provider was told yesterday and
// the task recorded today (grievance.CompleteIncidentTask). A zero at is now.
func (s *Service) EndAt(tx *gorm.DB, caseID uuid.UUID, by string, at time.Time, names ...sla.ClockName) error {
	var when any
	if !at.IsZero() {
		when = at.UTC()
	}
	// The case's next_due_at leaves out the clocks this ends (cases.NextDueWithout).
	if err := cases.NextDueWithout(tx, caseID, endClocks(caseID, when, by, names)); err != nil {
		return fmt.Errorf("clocks: end %v: %w", names, err)
	}
	return nil
}

// Planned is the clocks of a case about to be filed, as Plan computes them
// and Start stores them.
type Planned struct {
	PolicyID uuid.UUID
	Clocks   []sla.Clock
}

// NextDue is the earliest due date of the planned clocks (the case's
// next_due_at, written with the case), or nil when none has one.
func (p Planned) NextDue() *time.Time {
	var next *time.Time
	for _, c := range p.Clocks {
		if !c.DueAt.IsZero() && (next == nil || c.DueAt.Before(*next)) {
			d := c.DueAt.UTC()
			next = &d
		}
	}
	return next
}

// Plan computes the clocks of a case of kind about to be filed at
// submitted, which has no priority, pause or clock yet: the default
// policy's statutory clocks. q (the pool or a transaction) reads the policy
// when it is not cached. The case is then written with Planned.NextDue as
// its next_due_at, and Start stores the clocks: nothing updates the row just
// inserted (issue 18).
func (s *Service) Plan(q *gorm.DB, kind string, submitted time.Time) (Planned, error) {
	p, err := s.policy(q, nil)
	if err != nil {
		return Planned{}, err
	}
	submitted = submitted.Truncate(time.Microsecond) // as PostgreSQL keeps it, so a later recompute agrees
	return Planned{PolicyID: p.ID,
		Clocks: p.Clocks(sla.Facts{Kind: kind, Events: sla.Events{Submitted: submitted, Awareness: submitted}}, p.Calendar)}, nil
}

// Start stores, in tx, the planned clocks of case caseID just inserted
// (with Planned.NextDue as its next_due_at).
func (s *Service) Start(tx *gorm.DB, caseID uuid.UUID, planned Planned) error {
	_, values, args := clockValues(caseID, planned.PolicyID, planned.Clocks, nil, nil)
	if len(values) == 0 {
		return nil
	}
	if err := startClocks(tx, values, args); err != nil {
		return fmt.Errorf("clocks: start: %w", err)
	}
	return nil
}

// Pause starts, in tx, a span in which pausable clocks stand still (the case
// waits on the complainant). A pause already open is kept.
func (s *Service) Pause(tx *gorm.DB, caseID uuid.UUID) error {
	if err := tx.Table("case_pauses").Clauses(clause.OnConflict{DoNothing: true}).
		Create(map[string]any{"case_id": caseID, "paused_at": gorm.Expr("now()")}).Error; err != nil {
		return fmt.Errorf("clocks: pause: %w", err)
	}
	return nil
}

// Resume closes the open pause, if any, in tx.
func (s *Service) Resume(tx *gorm.DB, caseID uuid.UUID) error {
	if err := tx.Table("case_pauses").Where("case_id = ? AND resumed_at IS NULL", caseID).
		Update("resumed_at", gorm.Expr("now()")).Error; err != nil {
		return fmt.Errorf("clocks: resume: %w", err)
	}
	return nil
}

// AppealBy is when the window to appeal a decision (or a refusal to take a
// case forward) made at from closes under the policy with policyID (nil for
// the default), with the rule that sets it. q (the pool or a transaction)
// reads the policy when it is not cached.
func (s *Service) AppealBy(q *gorm.DB, policyID *uuid.UUID, from time.Time) (time.Time, sla.Rule, error) {
	p, err := s.policy(q, policyID)
	if err != nil {
		return time.Time{}, sla.Rule{}, err
	}
	return p.AppealWindow.Closes(from, p.Calendar), p.AppealWindow.Rule, nil
}

// Reopen runs, in tx, a case's clock again that had ended for one of the
// reasons endedBy (remedied, unremedied …); it reports whether it did. The
// caller recomputes the case's clocks after it (RecomputeIn).
func (s *Service) Reopen(tx *gorm.DB, caseID uuid.UUID, clock sla.ClockName, endedBy ...string) (bool, error) {
	res := tx.Table("case_clocks").
		Where("case_id = ? AND clock = ? AND satisfied_by IN ?", caseID, clock, endedBy).
		Updates(map[string]any{"satisfied_at": nil, "satisfied_by": nil})
	if res.Error != nil {
		return false, fmt.Errorf("clocks: reopen %s: %w", clock, res.Error)
	}
	return res.RowsAffected > 0, nil
}

// DueAt returns when a case's clock is due (the earliest, if several), or
// none (no such clock, or one without a due date): the worker's reconciler
// rebuilds a lost case.submitted with it.
func DueAt(tx *gorm.DB, caseID uuid.UUID, clock sla.ClockName) ([]time.Time, error) {
	var out []time.Time
	err := tx.Table("case_clocks").Where("case_id = ? AND clock = ? AND due_at IS NOT NULL", caseID, clock).
		Order("due_at").Limit(1).Pluck("due_at", &out).Error
	return out, err
}
