package worker

import (
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/platform/db"
)

// The worker's statements that need SQL's full power, among them its writes
// to processed_events (the ledger of handled events, which it owns).

// readCaseFound queues on r the read of whether case id exists into found.
// Every consumer follows one rule for an event about a case: a case that
// does not exist makes the event poison (dead-lettered, never acknowledged
// in silence; claim reads it in a transaction). An event about no case (a
// systemic issue's remedy, an operations alert) carries the nil id.
func readCaseFound(r *db.Reads, id uuid.UUID, found *bool) {
	r.Raw(found, `SELECT EXISTS (SELECT 1 FROM cases WHERE id = ?)`, id)
}

// queueClaim queues on r the statement that records, in r's transaction,
// that each of consumers (a consumer's stages) is handling event, and reads
// whether the event's case exists, into c: fresh are those that had not
// handled the event before (the others saw a redelivery or a duplicate
// publish), found is false when the case does not exist (the nil id, an event about no case, is always found).
// A transaction rolled back takes the records with it.
func queueClaim(r *db.Reads, consumers []string, event, caseID uuid.UUID, c *claimed) {
	r.Raw(c, `WITH ins AS (INSERT INTO processed_events (consumer, event_id) SELECT unnest(?::text[]), ?
			ON CONFLICT DO NOTHING RETURNING consumer)
		SELECT ARRAY(SELECT consumer FROM ins) AS fresh,
		       (?::uuid = '00000000-0000-0000-0000-000000000000' OR EXISTS (SELECT 1 FROM cases WHERE id = ?)) AS found`,
		db.TextSlice(consumers), event, caseID, caseID)
}

// claimed is what queueClaim reads.
type claimed struct {
	Fresh db.TextSlice
	Found bool
}
