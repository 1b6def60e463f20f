package audit

import (
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// The statements on the case record that need SQL's full power.

// head is the head of a case's chain: the case's id (nil when the case does
// not exist), and its latest entry's seq (0 when it has none) and hash.
type head struct {
	ID   *uuid.UUID
	Seq  int
	Hash []byte
}

// chainHead locks the case row and reads the head of its chain, in one
// statement.
func chainHead(tx *gorm.DB, caseID uuid.UUID) (head, error) {
	var h head
	err := tx.Raw(`
			SELECT c.id, coalesce(h.seq, 0) AS seq, h.hash FROM cases c
			  LEFT JOIN LATERAL (SELECT seq, hash FROM audit_entries
			                      WHERE case_id = c.id ORDER BY seq DESC LIMIT 1) h ON true
			 WHERE c.id = ? FOR UPDATE OF c`, caseID).Scan(&h).Error
	return h, err
}

// chainHeads locks the rows of cases ids and reads the heads of their
// chains, in one statement; a case that does not exist has no row.
func chainHeads(tx *gorm.DB, ids []uuid.UUID) ([]head, error) {
	var hs []head
	err := tx.Raw(`
			SELECT c.id, coalesce(h.seq, 0) AS seq, h.hash FROM cases c
			  LEFT JOIN LATERAL (SELECT seq, hash FROM audit_entries
			                      WHERE case_id = c.id ORDER BY seq DESC LIMIT 1) h ON true
			 WHERE c.id IN ? ORDER BY c.id FOR UPDATE OF c`, ids).Scan(&hs).Error
	return hs, err
}
