package auth

import (
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// The statements on the accounts' tables that need SQL's full power: the
// session check every request makes (one statement joining the session, its
// user, the role's policy and the second factor), the upserts of accounts,
// policies and enrolments, and the conditional updates that let only one of
// two concurrent uses of a code pass. Simple reads and writes use GORM's
// builder where they are made.

// liveRow is a session's user as lookUpLive reads it, with what the check
// needs besides.
type liveRow struct {
	User
	Restricted bool
	Stale      bool // last seen over a minute ago
	Extra      *string
}

// lookUpLive reads the user of session id of userID if the session is live:
// not revoked, not expired, the user active and still holding the
// session's role; col (with args) is the extra column's expression.
func lookUpLive(tx *gorm.DB, id, userID uuid.UUID, col string, args []any) ([]liveRow, error) {
	var rows []liveRow
	err := tx.Raw(`
			SELECT u.*, s.last_seen_at < now() - interval '1 minute' AS stale,
			       (coalesce(p.second_factor_required, false) AND f.confirmed_at IS NULL) AS restricted,
			       `+col+` AS extra
			  FROM staff_sessions s
			  JOIN users u ON u.id = s.user_id
			  LEFT JOIN sign_in_policies p ON p.role = u.role
			  LEFT JOIN user_second_factors f ON f.user_id = u.id
			 WHERE s.id = ? AND s.user_id = ? AND s.revoked_at IS NULL AND s.expires_at > now()
			   AND u.active AND u.role = s.role`, append(args, id, userID)...).Scan(&rows).Error
	return rows, err
}

// openSession inserts the session out describes, expiring ttl from now, and
// fills in its id and times.
func openSession(tx *gorm.DB, out *Session, ttl time.Duration) error {
	return tx.Raw(`INSERT INTO staff_sessions (user_id, role, kind, expires_at, user_agent)
		VALUES (?, ?, ?, now() + make_interval(secs => ?), ?) RETURNING id, created_at, last_seen_at, expires_at`,
		out.UserID, out.Role, out.Kind, ttl.Seconds(), out.UserAgent).
		Row().Scan(&out.ID, &out.CreatedAt, &out.LastSeenAt, &out.ExpiresAt)
}

// liveSessions reads the live sessions of userID opened under the
// account's role, newest first.
func liveSessions(tx *gorm.DB, userID uuid.UUID) ([]Session, error) {
	out := []Session{}
	err := tx.Raw(`SELECT s.* FROM staff_sessions s JOIN users u ON u.id = s.user_id
		WHERE s.user_id = ? AND s.revoked_at IS NULL AND s.expires_at > now() AND u.role = s.role
		ORDER BY s.created_at DESC, s.id`, userID).Scan(&out).Error
	return out, err
}

// endStaleSessionsOf revokes the sessions of userID opened under another
// role than the account's, or of an account no longer active.
func endStaleSessionsOf(tx *gorm.DB, userID uuid.UUID) error {
	return tx.Exec(`UPDATE staff_sessions s SET revoked_at = now() FROM users u
		WHERE u.id = s.user_id AND s.user_id = ? AND s.revoked_at IS NULL AND (NOT u.active OR u.role <> s.role)`, userID).Error
}

// insertStaff adds user, active, and fills in its id (the database sets
// its times).
func insertStaff(tx *gorm.DB, user *User) error {
	return tx.Raw(`INSERT INTO users (email, name, role, password_hash, languages, skills, active)
		VALUES (?, ?, ?, ?, ?, ?, true) RETURNING id`, user.Email, user.Name, user.Role, user.PasswordHash,
		user.Languages, user.Skills).Row().Scan(&user.ID)
}

// upsertUser adds user, or updates the account with its email (name, role,
// password, languages, skills, body; active again), and fills in its id and
// times.
func upsertUser(tx *gorm.DB, user *User) error {
	return tx.Raw(`
		INSERT INTO users (email, name, role, password_hash, languages, skills, active, body_id)
		VALUES (?, ?, ?, ?, ?, ?, true, ?)
		ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, role = EXCLUDED.role,
			password_hash = EXCLUDED.password_hash, languages = EXCLUDED.languages,
			skills = EXCLUDED.skills, active = true, body_id = EXCLUDED.body_id, updated_at = now()
		RETURNING id, created_at, updated_at`,
		user.Email, user.Name, user.Role, user.PasswordHash, user.Languages, user.Skills, user.BodyID).
		Row().Scan(&user.ID, &user.CreatedAt, &user.UpdatedAt)
}

// upsertBodyUser adds user, a body's, or updates the account with its email
// if it is a user of that same body, and fills in its id and times; it
// reports false (and changes nothing) when the address is another's.
func upsertBodyUser(tx *gorm.DB, user *User) (bool, error) {
	rows, err := tx.Raw(`
		INSERT INTO users (email, name, role, password_hash, languages, skills, active, body_id)
		VALUES (?, ?, 'body', ?, ?, ?, true, ?)
		ON CONFLICT (email) DO UPDATE SET name = EXCLUDED.name, password_hash = EXCLUDED.password_hash,
			languages = EXCLUDED.languages, active = true, updated_at = now()
		 WHERE users.role = 'body' AND users.body_id = EXCLUDED.body_id
		RETURNING id, created_at, updated_at`,
		user.Email, user.Name, user.PasswordHash, user.Languages, user.Skills, user.BodyID).Rows()
	if err != nil {
		return false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return false, rows.Err()
	}
	return true, rows.Scan(&user.ID, &user.CreatedAt, &user.UpdatedAt)
}

// setPolicy sets whether role must use a second factor; the policy's
// updated_at moves only when that changes.
func setPolicy(tx *gorm.DB, role Role, required bool) error {
	return tx.Exec(`INSERT INTO sign_in_policies (role, second_factor_required) VALUES (?, ?)
				ON CONFLICT (role) DO UPDATE SET second_factor_required = EXCLUDED.second_factor_required,
					updated_at = CASE WHEN sign_in_policies.second_factor_required = EXCLUDED.second_factor_required
					                  THEN sign_in_policies.updated_at ELSE now() END`, role, required).Error
}

// factorState is an account's second factor as factorStateOf reads it.
type factorState struct {
	ConfirmedAt *time.Time
	Required    bool
	Left        int // unused recovery codes
}

// factorStateOf reads when the second factor of userID was turned on,
// whether role requires one, and how many recovery codes are left.
func factorStateOf(tx *gorm.DB, userID uuid.UUID, role Role) (factorState, error) {
	var row factorState
	err := tx.Raw(`SELECT
		(SELECT confirmed_at FROM user_second_factors WHERE user_id = ?) AS confirmed_at,
		coalesce((SELECT second_factor_required FROM sign_in_policies WHERE role = ?), false) AS required,
		(SELECT count(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL) AS left`,
		userID, role, userID).Scan(&row).Error
	return row, err
}

// setPending keeps sealed as the pending secret of userID.
func setPending(tx *gorm.DB, userID uuid.UUID, sealed []byte) error {
	return tx.Exec(`INSERT INTO user_second_factors (user_id, pending_sealed) VALUES (?, ?)
			ON CONFLICT (user_id) DO UPDATE SET pending_sealed = EXCLUDED.pending_sealed, updated_at = now()`,
		userID, sealed).Error
}

// countFailure counts a wrong code of userID at now: the count starts
// again when the last failure was before windowStart.
func countFailure(tx *gorm.DB, userID uuid.UUID, now, windowStart time.Time) error {
	return tx.Exec(`UPDATE user_second_factors SET
		failures = CASE WHEN failures_since < ? THEN 1 ELSE failures + 1 END,
		failures_since = CASE WHEN failures_since < ? THEN ? ELSE failures_since END
		WHERE user_id = ?`, windowStart, windowStart, now, userID).Error
}

// takeStep takes step as used by userID, unless a step at or after it was;
// confirm also turns the pending secret on. It returns the rows changed.
func takeStep(tx *gorm.DB, userID uuid.UUID, step int64, confirm bool) (int64, error) {
	set := "last_step = ?, failures = 0"
	cond := "secret_sealed IS NOT NULL"
	if confirm {
		set = "last_step = ?, failures = 0, secret_sealed = pending_sealed, pending_sealed = NULL, confirmed_at = now()"
		cond = "pending_sealed IS NOT NULL AND secret_sealed IS NULL"
	}
	res := tx.Exec(`UPDATE user_second_factors SET `+set+`, updated_at = now()
		WHERE user_id = ? AND last_step < ? AND `+cond, step, userID, step)
	return res.RowsAffected, res.Error
}

// AccountsWithOldRecoveryCodes counts the accounts that have unused recovery
// codes keyed by a token secret other than the one of kid (the current
// REDRESS_JWT_SECRET's, TokenKeyID): they stop working when the secret they
// were made under is no longer REDRESS_JWT_SECRET_PREVIOUS.
func AccountsWithOldRecoveryCodes(q *gorm.DB, kid string) (int64, error) {
	var n int64
	err := q.Model(&recoveryCode{}).Where("used_at IS NULL AND key_id IS DISTINCT FROM ?", kid).
		Distinct("user_id").Count(&n).Error
	return n, err
}
