// Package access decides who on the staff may see a case, and records each
// look at a complainant's identity or at a case's sealed content (issue 14,
// docs/privacy.md "Who can read a complaint").
//
// The rule is one SQL expression over a case row (groundSQL): every route of
// the API and the pages, every list, count, email, export and download asks
// it, through Open (one case), Visible (a list's condition) or Readers (an
// email's recipients). A staff member sees a case only on a ground:
//
//   - assignee: the case is assigned to them;
//   - queue_member: a reviewer who is a member of the case's queue and may
//     take it (it is open and unassigned, and they have its skills and
//     languages);
//   - supervisor: a supervisor or admin who is a member of the case's queue;
//   - break_glass: an admin who opened it outside their reach, with a reason,
//     for a limited time (breakglass.go).
//
// Whoever is recused — owns or operates the case's AI system, took the
// contested decision, or decided the case before its appeal — has no ground,
// whatever else holds. Without a ground a case does not exist for them: 404.
//
// It owns the tables access_log and break_glass, and publishes
// redress.case.break_glass; its statements that need SQL's full power are in
// queries.go.
package access

import (
	"context"
	"fmt"
	"strings"

	"database/sql"
	"errors"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Ground is why a staff member may see a case.
type Ground string

// The grounds, in the order the rule tries them.
const (
	Assignee    Ground = "assignee"
	QueueMember Ground = "queue_member"
	Supervisor  Ground = "supervisor"
	BreakGlass  Ground = "break_glass"
)

// Grounds lists every ground.
var Grounds = []Ground{Assignee, QueueMember, Supervisor, BreakGlass}

// MayWork reports whether g lets its holder act on a case they do not hold:
// a supervisor or admin of its queue. (The assignee acts on their own case;
// a reviewer who may take it, or an admin who broke the glass, only reads.)
func (g Ground) MayWork() bool { return g == Supervisor }

// What is what a look showed.
type What string

// What a look can show.
const (
	Content  What = "content"  // the description, messages, points of view, the dossier
	Identity What = "identity" // name, email, phone, address, representative
	Evidence What = "evidence" // one evidence file (Look.EvidenceID)
)

// Viewer is the staff member asking: their id, role, skills and languages
// (the last two decide which open cases of their queue a reviewer may take).
type Viewer struct {
	ID        uuid.UUID
	Role      auth.Role
	Skills    []string
	Languages []string
}

// Look is one thing a read shows, recorded in the access log.
type Look struct {
	What       What
	EvidenceID *uuid.UUID // for Evidence
}

// ErrNotFound is the answer for a case outside the viewer's reach: the same
// as for a case that does not exist, because a case's existence is itself
// sensitive.
var ErrNotFound = fault.New(fault.NotFound, "case_not_found", "No case has that id.")

// Service decides and records.
type Service struct {
	db  *gorm.DB
	log *recorder
}

// New returns the service.
func New(gdb *gorm.DB) *Service { return &Service{db: gdb, log: newRecorder(gdb)} }

func textArray(s []string) db.TextSlice {
	if s == nil {
		return db.TextSlice{}
	}
	return db.TextSlice(s)
}

// groundSQL is the rule: the ground on which viewer v may see the case c (a
// row of cases aliased c), or NULL. Its arguments follow it.
func groundSQL(v Viewer) (string, []any) {
	return ruleSQL(v.Role, map[string]any{"u": v.ID, "skills": textArray(v.Skills), "langs": textArray(v.Languages)})
}

// column is an SQL expression standing for one of the viewer's values in
// ruleSQL, where the statement reads the viewer's row itself.
type column string

// ruleSQL writes the rule for a viewer of role, whose id, skills and
// languages are vals["u"], vals["skills"] and vals["langs"]: values, passed
// as arguments, or columns of a users row in the same statement.
//
// The branches that cannot apply to the role are left out in Go rather than
// tested in SQL; the grounds are the same. With the role as a parameter
// PostgreSQL never found the prepared list statement's generic plan cheaper
// and planned the long statement again on every call; without it, a
// supervisor's list switches to the generic plan after five calls. The
// membership tests stay EXISTS probes: as "= ANY (ARRAY(SELECT …))" they
// are read once per statement, but PostgreSQL then misjudges how many cases
// pass and sorts the whole table instead of walking the list's index
// (BENCHMARKS.md, "Reads and need to know").
func ruleSQL(role auth.Role, vals map[string]any) (string, []any) {
	var (
		recused = `
	WHEN c.decision_taker_id = $u OR $u = ANY (c.excluded_reviewers)
	  OR EXISTS (SELECT 1 FROM ai_system_staff rx WHERE rx.ai_system_id = c.ai_system_id AND rx.user_id = $u)
	  THEN NULL
	WHEN c.assignee_id = $u THEN 'assignee'`
		// A case not yet routed counts as the default rule's queue's. The
		// routed case's test is a plain equality with the outer row, which
		// PostgreSQL turns into one hashed look at the user's memberships
		// for a whole list, not an index probe per case.
		member = `(EXISTS (SELECT 1 FROM queue_members mx WHERE mx.user_id = $u AND mx.queue_id = c.queue_id)
	       OR c.queue_id IS NULL AND EXISTS (SELECT 1 FROM queue_members mx
	          JOIN routing_rules dr ON dr.queue_id = mx.queue_id AND dr.is_default WHERE mx.user_id = $u))`
		supervisor = `
	WHEN ` + member + `
	  THEN 'supervisor'`
		queueMember = `
	WHEN c.assignee_id IS NULL
	  AND c.status IN ` + cases.ClaimableSQL + `
	  AND c.required_skills <@ $skills::text[] AND c.required_languages <@ $langs::text[]
	  AND ` + member + `
	  THEN 'queue_member'`
		breakGlass = `
	WHEN EXISTS (SELECT 1 FROM break_glass bx
	       WHERE bx.case_id = c.id AND bx.user_id = $u AND bx.expires_at > now())
	  THEN 'break_glass'`
	)
	expr := `(CASE` + recused
	switch role {
	case "supervisor":
		expr += supervisor
	case "admin":
		expr += supervisor + breakGlass
	case "reviewer":
		expr += queueMember
	}
	expr += `
	END)`
	// Positional arguments, so the expression composes with other
	// conditions: each $name becomes ? with its value, in order, or the
	// column it names.
	var b strings.Builder
	var args []any
	parts := strings.Split(expr, "$")
	b.WriteString(parts[0])
	for _, p := range parts[1:] {
		n := 0
		for n < len(p) && p[n] >= 'a' && p[n] <= 'z' {
			n++
		}
		val, ok := vals[p[:n]]
		if !ok {
			panic("access: unknown parameter $" + p[:n])
		}
		if col, ok := val.(column); ok {
			b.WriteString(string(col))
		} else {
			b.WriteString("?")
			args = append(args, val)
		}
		b.WriteString(p[n:])
	}
	return b.String(), args
}

// GroundColumn is the rule as one scalar of another statement that reads
// the viewer's users row as u: the ground on which user userID, of role,
// may see the case caseID, or NULL. The staff middleware asks it in the
// statement that checks the session, so a case route costs no round trip
// more than any other (Pass takes its answer).
func GroundColumn(role auth.Role, userID, caseID uuid.UUID) (string, []any) {
	g, args := ruleSQL(role, map[string]any{"u": userID, "skills": column("u.skills"), "langs": column("u.languages")})
	return `(SELECT ` + g + ` FROM cases c WHERE c.id = ?)`, append(args, caseID)
}

// Visible is the condition, over cases aliased c, that v may see the case:
// for lists, searches and counts.
func Visible(v Viewer) (string, []any) {
	g, args := groundSQL(v)
	return g + " IS NOT NULL", args
}

// Scope restricts a GORM query over cases aliased c to those v may see.
func Scope(v Viewer) func(*gorm.DB) *gorm.DB {
	return func(q *gorm.DB) *gorm.DB {
		cond, args := Visible(v)
		return q.Where(cond, args...)
	}
}

// Open returns the ground on which v may see the case, or ErrNotFound,
// asking the rule with q, and records looks: when q is a caller's
// transaction (a write's), inserted in it; else (q is the pool) queued for
// the recorder (record.go), which writes the looks of concurrent reads
// together in one durable transaction within milliseconds, so a read costs
// neither a second transaction nor a wait for the disk. The readers of the
// log flush the queue first (Flush). route names the route that shows them
// ("GET /api/v1/cases/:id").
func (s *Service) Open(q *gorm.DB, v Viewer, caseID uuid.UUID, route string, looks ...Look) (Ground, error) {
	ground, err := groundOf(q, v, caseID)
	if err != nil && !isNoRows(err) {
		return "", fmt.Errorf("access: open: %w", err)
	}
	return s.found(q, v, caseID, ground, route, looks)
}

// found is Open once the rule has answered ground (nil: no ground); looks
// are inserted with q when it is a transaction, else queued.
func (s *Service) found(q *gorm.DB, v Viewer, caseID uuid.UUID, ground *string, route string, looks []Look) (Ground, error) {
	if ground == nil {
		return "", ErrNotFound
	}
	if len(looks) > 0 {
		rows := entries(v, caseID, Ground(*ground), route, looks)
		if db.InTransaction(q) {
			if err := q.Create(&rows).Error; err != nil {
				return "", fmt.Errorf("access: record: %w", err)
			}
		} else {
			s.log.add(rows)
		}
	}
	return Ground(*ground), nil
}

// Record writes looks the reader made on a case they may see on ground g,
// when what they see is known only after the read (Open records the rest),
// in the caller's transaction tx.
func (s *Service) Record(tx *gorm.DB, v Viewer, caseID uuid.UUID, g Ground, route string, looks ...Look) error {
	rows := entries(v, caseID, g, route, looks)
	if err := tx.Create(&rows).Error; err != nil {
		return fmt.Errorf("access: record: %w", err)
	}
	return nil
}

// Readers keeps, of the users ids, those who may see the case now: the
// recipients of an email about it. Inactive users and body users are dropped.
// It reads with q: the pool, or the caller's transaction, in one statement.
func (s *Service) Readers(q *gorm.DB, caseID uuid.UUID, ids []uuid.UUID) ([]uuid.UUID, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var out []uuid.UUID
	r := db.ReadsOn(q)
	s.QueueReaders(r, caseID, &out, "u.id IN ?", ids)
	if err := r.Run(); err != nil {
		return nil, fmt.Errorf("access: readers: %w", err)
	}
	return out, nil
}

// QueueReaders queues on r the read of the users among (a condition over
// the users row aliased u, with its arguments) who may see the case now,
// into ids, by id: Readers, for users a statement finds (a queue's members),
// in a batch of other reads. Inactive users and body users are dropped.
func (s *Service) QueueReaders(r *db.Reads, caseID uuid.UUID, ids *[]uuid.UUID, among string, args ...any) {
	r.Raw(ids, readersSQL(among), append([]any{caseID}, args...)...)
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// Kind is what a case route does with the case, which decides the grounds
// it admits. Every case route of both route tables declares one (NewGate
// panics on a route without one, so a route added later without it fails
// every test that builds the app).
type Kind int

// The kinds of case routes.
const (
	// Reads shows the case (a GET, or a POST that only reveals, such as the
	// complainant's contact details): any ground.
	Reads Kind = iota + 1
	// Works writes to the case or acts on it — a message, a status move, a
	// clock extension, a referral or a message to a body, a release, a
	// decision…: only its holder (the assignee ground) or a supervisor or
	// admin of its queue (the supervisor ground). A reviewer who may only
	// take the case (queue_member) gets ErrNotYours, an admin who broke the
	// glass ErrReadOnly. Taking a case is a queue's route (claim), not one
	// of the case.
	Works
)

// ErrNotYours answers a write on a case the writer may see but not act on:
// a reviewer of its queue who has not taken it. (403, not 404: the case is
// visible to them.)
var ErrNotYours = fault.New(fault.Forbidden, "not_your_case",
	"Only the reviewer who holds this case, or a supervisor of its queue, may act on it. Claim it from the queue first.")

// MayAct reports whether g lets its holder act on the case (a Works
// route): its assignee, or a supervisor or admin of its queue.
func (g Ground) MayAct() bool { return g == Assignee || g == Supervisor }

// Gate is one case route's check, for the route tables: the route's name
// in the access log, what it shows, and its kind (Reads or Works).
type Gate struct {
	Route string
	Looks []What
	Kind  Kind
}

// NewGate is the gate of the route method path of kind, showing looks. A
// route that shows something reads; a route without a kind, or a GET that
// claims to work, is a mistake in the route table: NewGate panics.
func NewGate(method, path string, kind Kind, looks []What) Gate {
	switch {
	case kind != Reads && kind != Works:
		panic("access: the case route " + method + " " + path + " declares no kind (access.Reads or access.Works)")
	case kind == Works && (method == "GET" || method == "HEAD" || len(looks) > 0):
		panic("access: the case route " + method + " " + path + " shows the case, so it reads (access.Reads)")
	}
	return Gate{Route: method + " " + path, Looks: looks, Kind: kind}
}

// Admit is Open for a route through gate g: the evidence look names the
// file evidenceID (dropped when it is not an id: the handler names that
// error), and a route that writes is refused to a read-only ground.
func (s *Service) Admit(ctx context.Context, v Viewer, g Gate, caseID uuid.UUID, evidenceID string) (Ground, error) {
	ground, err := s.Open(s.db.WithContext(ctx), v, caseID, g.Route, g.looks(evidenceID)...)
	return g.pass(ground, err)
}

// Pass is Admit for a statement that has already asked GroundColumn for v
// on caseID and found ground (nil: none).
func (s *Service) Pass(ctx context.Context, v Viewer, g Gate, caseID uuid.UUID, evidenceID string, ground *string) (Ground, error) {
	got, err := s.found(s.db.WithContext(ctx), v, caseID, ground, g.Route, g.looks(evidenceID))
	return g.pass(got, err)
}

// looks is what a request through g shows: the evidence look names the file
// evidenceID (dropped when it is not an id: the handler names that error).
func (g Gate) looks(evidenceID string) []Look {
	var looks []Look
	for _, w := range g.Looks {
		l := Look{What: w}
		if w == Evidence {
			eid, err := uuid.Parse(evidenceID)
			if err != nil {
				continue
			}
			l.EvidenceID = &eid
		}
		looks = append(looks, l)
	}
	return looks
}

// pass refuses a route that works on the case to a ground that may not act
// on it: break-glass only reads (ErrReadOnly); a reviewer who may take the
// case has not yet (ErrNotYours).
func (g Gate) pass(ground Ground, err error) (Ground, error) {
	if err != nil {
		return "", err
	}
	if g.Kind == Reads {
		return ground, nil
	}
	if ground.ReadOnly() {
		return "", ErrReadOnly
	}
	if !ground.MayAct() {
		return "", ErrNotYours
	}
	return ground, nil
}
