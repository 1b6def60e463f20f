package worker

import (
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// The worker's statements that need SQL's full power, among them its writes
// to processed_events (the ledger of handled events, which it owns).

// caseFound reports whether case id exists.
func caseFound(conn *gorm.DB, id uuid.UUID) (bool, error) {
	var found bool
	err := conn.Raw(`SELECT EXISTS (SELECT 1 FROM cases WHERE id = ?)`, id).Scan(&found).Error
	return found, err
}

// claim records, in tx, that consumer is handling event and reads whether
// the event's case exists, in one statement: fresh is false when the
// consumer handled the event before (a redelivery or a duplicate publish),
// found is false when the case does not exist (the nil id, an event about no
// case, is always found). A transaction rolled back takes the record with it.
func claim(tx *gorm.DB, consumer string, event, caseID uuid.UUID) (fresh, found bool, err error) {
	var r struct{ Fresh, Found bool }
	err = tx.Raw(`WITH ins AS (INSERT INTO processed_events (consumer, event_id) VALUES (?, ?)
			ON CONFLICT DO NOTHING RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM ins) AS fresh,
		       (?::uuid = '00000000-0000-0000-0000-000000000000' OR EXISTS (SELECT 1 FROM cases WHERE id = ?)) AS found`,
		consumer, event, caseID, caseID).Scan(&r).Error
	return r.Fresh, r.Found, err
}
