package access

import (
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/auth"
)

// The statements of need to know that need SQL's full power: the rule
// (groundSQL) over a case row, the grants joined to their cases, and the
// complainant's view of the access log.

// groundOf is the ground on which v may see the case (nil: none), or
// sql.ErrNoRows when there is no such case.
func groundOf(tx *gorm.DB, v Viewer, caseID uuid.UUID) (*string, error) {
	g, args := groundSQL(v)
	var ground *string
	err := tx.Raw(`SELECT `+g+` FROM cases c WHERE c.id = ?`, append(args, caseID)...).Row().Scan(&ground)
	return ground, err
}

// readersSQL selects the ids of the active staff users among (a condition
// over users aliased u; its arguments follow the case's id) who may see the
// case (the first argument), each by the rule of their role (ruleSQL, the
// viewer's values read from u), in one statement.
func readersSQL(among string) string {
	cols := map[string]any{"u": column("u.id"), "skills": column("u.skills"), "langs": column("u.languages")}
	var b strings.Builder
	b.WriteString(`SELECT u.id FROM cases c, users u
	 WHERE c.id = ? AND (` + among + `) AND u.active AND u.role <> 'body'
	   AND CASE u.role`)
	for _, role := range []auth.Role{auth.RoleReviewer, auth.RoleSupervisor, auth.RoleAdmin} {
		g, _ := ruleSQL(role, cols) // every value a column: no arguments
		b.WriteString("\n\tWHEN '" + string(role) + "' THEN " + g + " IS NOT NULL")
	}
	g, _ := ruleSQL("", cols)
	b.WriteString("\n\tELSE " + g + " IS NOT NULL END\n\t ORDER BY u.id")
	return b.String()
}

// insertGrant records a break-glass grant of g's case, user and reason,
// which ends after d, and returns its id and times.
func insertGrant(tx *gorm.DB, g *Grant, d time.Duration) (Grant, error) {
	var row Grant
	err := tx.Raw(`INSERT INTO break_glass (case_id, user_id, reason, expires_at)
			VALUES (?, ?, ?, now() + make_interval(secs => ?)) RETURNING id, opened_at, expires_at`,
		g.CaseID, g.UserID, g.Reason, d.Seconds()).Scan(&row).Error
	return row, err
}

// activeGrants is the user's running grant on the case that lasts longest
// (none or one).
func activeGrants(tx *gorm.DB, caseID, userID uuid.UUID) ([]Grant, error) {
	var rows []Grant
	err := tx.Raw(`SELECT b.id, b.case_id, c.reference, b.user_id, b.reason, b.opened_at, b.expires_at
		  FROM break_glass b JOIN cases c ON c.id = b.case_id
		 WHERE b.case_id = ? AND b.user_id = ? AND b.expires_at > now()
		 ORDER BY b.expires_at DESC LIMIT 1`, caseID, userID).Scan(&rows).Error
	return rows, err
}

// grantByID is the grant with its case's reference (none or one).
func grantByID(tx *gorm.DB, id uuid.UUID) ([]Grant, error) {
	var rows []Grant
	err := tx.Raw(`SELECT b.id, b.case_id, c.reference, b.user_id, b.reason, b.opened_at, b.expires_at
		  FROM break_glass b JOIN cases c ON c.id = b.case_id WHERE b.id = ?`, id).Scan(&rows).Error
	return rows, err
}

// lookDay is one row of the complainant's view of the access log: a role
// looked at what on day.
type lookDay struct {
	Role auth.Role
	What string
	Day  time.Time
}

// looksByDay groups the looks at the case by role, what and day (in loc),
// newest day first.
func looksByDay(tx *gorm.DB, caseID uuid.UUID, loc *time.Location) ([]lookDay, error) {
	var rows []lookDay
	err := tx.Raw(`SELECT role, what, (at AT TIME ZONE ?)::date AS day
		  FROM access_log WHERE case_id = ?
		 GROUP BY 1, 2, 3
		 ORDER BY day DESC, array_position(ARRAY['identity', 'content', 'evidence'], what),
		          array_position(ARRAY['admin', 'supervisor', 'reviewer'], role)`,
		loc.String(), caseID).Scan(&rows).Error
	return rows, err
}
