package notify

import (
	"time"

	"github.com/google/uuid"
	"github.com/redresshq/redress/internal/cases"
	"gorm.io/gorm"
)

// The statements of notifications_sent and the webhook tables that need
// SQL's full power: the claims of due emails and deliveries (SKIP LOCKED,
// moving the next attempt in the same statement), the outcomes that compute
// the next attempt, a body's delivery owed from its endpoint, and the reads
// that join a case with its queue's people. Simple reads and writes use
// GORM's builder where they are made.

// emailDueSQL and deliveryDueSQL are the statuses of an email and a webhook
// delivery still owed an attempt, as SQL lists of constants: the text of
// the partial indexes notifications_sent_due_idx and webhook_deliveries_due_idx,
// which the claims' plans use.
var (
	emailDueSQL    = cases.SQLList([]NotificationStatus{NotificationPending, NotificationFailed})
	deliveryDueSQL = cases.SQLList([]DeliveryStatus{DeliveryPending, DeliveryFailed})
)

// claimEmails claims up to limit due emails: each row's next attempt moves
// five minutes on and its attempt number up.
func claimEmails(tx *gorm.DB, limit int) ([]Email, error) {
	var rows []Email
	err := tx.Raw(`
		WITH due AS (
			SELECT event_id, recipient_kind, recipient_ref FROM notifications_sent
			 WHERE status IN `+emailDueSQL+` AND next_attempt_at <= now()
			 ORDER BY next_attempt_at
			 LIMIT ?
			 FOR UPDATE SKIP LOCKED)
		UPDATE notifications_sent s SET attempt = s.attempt + 1, next_attempt_at = now() + interval '5 minutes'
		  FROM due
		 WHERE s.event_id = due.event_id AND s.recipient_kind = due.recipient_kind AND s.recipient_ref = due.recipient_ref
		RETURNING s.event_id, s.recipient_kind, s.recipient_ref, s.case_id, s.template, s.data::text AS data, s.attempt`,
		limit).Scan(&rows).Error
	return rows, err
}

// recordEmail records the outcome of an email's attempt, the next attempt
// wait from now; errText is nil when there was no error.
func recordEmail(tx *gorm.DB, e Email, status NotificationStatus, errText *string, wait time.Duration) error {
	return tx.Exec(`UPDATE notifications_sent
		   SET status = ?, error = ?, next_attempt_at = now() + make_interval(secs => ?),
		       sent_at = CASE WHEN ? = '`+string(NotificationSent)+`' THEN now() END
		 WHERE event_id = ? AND recipient_kind = ? AND recipient_ref = ? AND attempt = ?`,
		status, errText, wait.Seconds(), status, e.EventID, e.RecipientKind, e.RecipientRef, e.Attempt).Error
}

// queueSupervisorIDs are the active supervisors who are members of the
// case's queue, or of its default rule's queue while it is not routed.
func queueSupervisorIDs(tx *gorm.DB, caseID uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := tx.Raw(`SELECT u.id FROM cases c
		  JOIN queue_members m ON m.queue_id = coalesce(c.queue_id, (SELECT dr.queue_id FROM routing_rules dr WHERE dr.is_default))
		  JOIN users u ON u.id = m.user_id
		 WHERE c.id = ? AND u.role = 'supervisor' AND u.active ORDER BY u.id`, caseID).Scan(&ids).Error
	return ids, err
}

// caseInfo is what a staff email says of a case, as loadCaseInfo reads it.
type caseInfo struct {
	Reference  string
	Kind       string
	Priority   *string
	QueueID    *uuid.UUID
	QueueName  *string
	AssigneeID *uuid.UUID
}

// loadCaseInfo reads a case with its queue's name; a zero Reference when
// there is no such case.
func loadCaseInfo(tx *gorm.DB, id uuid.UUID) (caseInfo, error) {
	var c caseInfo
	err := tx.Raw(`SELECT c.reference, c.kind, c.priority, c.queue_id, q.name AS queue_name, c.assignee_id
		  FROM cases c LEFT JOIN queues q ON q.id = c.queue_id WHERE c.id = ?`, id).Scan(&c).Error
	return c, err
}

// listening is the condition, over users aliased u, that the user is a
// member of the queue (an SQL expression) who asked to hear of its new cases.
func listening(queue string) string {
	return `u.id IN (SELECT m.user_id FROM queue_members m WHERE m.queue_id = ` + queue + ` AND m.notify_new_cases)`
}

// newCaseListeners are a queue's name and its active staff members who
// asked to hear of its new cases, in one read (none: "", nil).
func newCaseListeners(tx *gorm.DB, queueID uuid.UUID) (string, []uuid.UUID, error) {
	var rows []struct {
		Name string
		ID   *uuid.UUID
	}
	err := tx.Raw(`SELECT q.name, l.id FROM queues q
		  LEFT JOIN LATERAL (SELECT u.id FROM users u WHERE `+listening("q.id")+` AND u.active AND u.role <> 'body') l ON true
		 WHERE q.id = ? ORDER BY l.id`, queueID).Scan(&rows).Error
	if err != nil || len(rows) == 0 {
		return "", nil, err
	}
	ids := make([]uuid.UUID, 0, len(rows))
	for _, r := range rows {
		if r.ID != nil {
			ids = append(ids, *r.ID)
		}
	}
	return rows[0].Name, ids, nil
}

// The reads of other packages' tables: bodies (internal/escalation), queues
// (internal/review), ai_systems (internal/registry).

// contactRow is where to write to a body or a user, and in which languages
// (comma-separated); a body's name.
type contactRow struct {
	Name      string
	Email     *string
	Languages string
}

// contactColumns are the columns of bodies or users a contactRow's address reads.
const contactColumns = "email, array_to_string(languages, ',') AS languages"

// bodyOf reads a body's name and address (a zero row when there is none).
func bodyOf(tx *gorm.DB, id uuid.UUID) (contactRow, error) {
	var b contactRow
	err := tx.Raw(`SELECT name, email FROM bodies WHERE id = ?`, id).Scan(&b).Error
	return b, err
}

// activeBodyContact reads an active body's address and languages (a zero
// row when there is none).
func activeBodyContact(tx *gorm.DB, id uuid.UUID) (contactRow, error) {
	var b contactRow
	err := tx.Raw(`SELECT `+contactColumns+`
			FROM bodies WHERE id = ? AND active`, id).Scan(&b).Error
	return b, err
}

// aiSystemName is an AI system's name ("" when there is none).
func aiSystemName(tx *gorm.DB, id uuid.UUID) (string, error) {
	var name string
	err := tx.Raw(`SELECT name FROM ai_systems WHERE id = ?`, id).Scan(&name).Error
	return name, err
}

// oweBodyDelivery owes the body's active endpoint, if any, a delivery of a
// referral's event, once; it returns the rows it added.
func oweBodyDelivery(tx *gorm.DB, bodyID, referralID, eventID uuid.UUID, subject string, payload []byte) (int64, error) {
	res := tx.Exec(`INSERT INTO webhook_deliveries (endpoint_id, event_id, subject, payload, referral_id)
		SELECT id, ?, ?, ?, ? FROM webhook_endpoints WHERE body_id = ? AND active
		ON CONFLICT (endpoint_id, event_id) DO NOTHING`, eventID, subject, payload, referralID, bodyID)
	return res.RowsAffected, res.Error
}

// deliveryRows reads up to limit of an endpoint's deliveries with an id
// below before (0 for the newest), newest first; the next attempt only
// while one is owed.
func deliveryRows(tx *gorm.DB, endpointID uuid.UUID, before int64, limit int) ([]Delivery, error) {
	var out []Delivery
	err := tx.Raw(`SELECT id, endpoint_id, event_id, subject, attempt, status, response_code, error,
		       CASE WHEN status IN `+deliveryDueSQL+` THEN next_attempt_at END AS next_attempt_at,
		       created_at, delivered_at
		  FROM webhook_deliveries WHERE endpoint_id = ? AND (?::bigint = 0 OR id < ?) ORDER BY id DESC LIMIT ?`,
		endpointID, before, before, limit).Scan(&out).Error
	return out, err
}

// claimedDelivery is a delivery claimed to be posted, with its endpoint's
// address and sealed secret.
type claimedDelivery struct {
	ID         int64
	EndpointID uuid.UUID
	EventID    uuid.UUID
	Subject    string
	Payload    []byte
	Attempt    int
	URL        string
	SecretEnc  []byte
}

// claimDeliveries claims up to limit due deliveries to active endpoints:
// each row's next attempt moves two minutes on and its attempt number up.
func claimDeliveries(tx *gorm.DB, limit int) ([]claimedDelivery, error) {
	var rows []claimedDelivery
	err := tx.Raw(`
		WITH due AS (
			SELECT d.id FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
			 WHERE d.status IN `+deliveryDueSQL+` AND d.next_attempt_at <= now() AND e.active
			 ORDER BY d.next_attempt_at
			 LIMIT ?
			 FOR UPDATE OF d SKIP LOCKED)
		UPDATE webhook_deliveries d SET attempt = d.attempt + 1, next_attempt_at = now() + interval '2 minutes'
		  FROM due, webhook_endpoints e
		 WHERE d.id = due.id AND e.id = d.endpoint_id
		RETURNING d.id, d.endpoint_id, d.event_id, d.subject, d.payload, d.attempt, e.url, e.secret_enc`,
		limit).Scan(&rows).Error
	return rows, err
}

// recordDelivery records the outcome of a delivery's attempt, the next
// attempt wait from now, unless another worker claimed it since; it returns
// the rows it changed.
func recordDelivery(tx *gorm.DB, d claimedDelivery, status DeliveryStatus, code *int, errText *string, wait time.Duration) (int64, error) {
	res := tx.Exec(`UPDATE webhook_deliveries
			   SET status = ?, response_code = ?, error = ?, next_attempt_at = now() + make_interval(secs => ?),
			       delivered_at = CASE WHEN ? = '`+string(DeliveryDelivered)+`' THEN now() END
			 WHERE id = ? AND attempt = ?`,
		status, code, errText, wait.Seconds(), status, d.ID, d.Attempt)
	return res.RowsAffected, res.Error
}
