package retention

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/cases"
)

// ended is an ended case a run weighs.
type ended struct {
	ID        uuid.UUID
	Reference string
	Kind      string
	Status    string
	EndedAt   time.Time
	Outcome   string // of the final decision, "" for none
	Referred  bool
	Held      bool
	// Pending: what the case may still need — a referral a body has not
	// closed, or an appeal open or still possible; "" for nothing.
	Pending string
}

// endedAfter reads up to limit ended, unerased cases after id (keyset on
// id) that ended before endedBefore (no schedule keeps a case less long):
// when each ended, whether it reached a body, whether it is held, and what
// it may still need at now (an open referral, an appeal).
func endedAfter(q *gorm.DB, now time.Time, after uuid.UUID, endedBefore time.Time, limit int) ([]ended, error) {
	var out []ended
	err := q.Raw(`SELECT c.id, c.reference, c.kind, c.status,
	       COALESCE(c.closed_at, c.status_changed_at) AS ended_at,
	       COALESCE((SELECT d.outcome FROM decisions d WHERE d.case_id = c.id AND d.status = 'final'
	                  ORDER BY d.final_at DESC NULLS LAST LIMIT 1), '') AS outcome,
	       EXISTS (SELECT 1 FROM referrals r WHERE r.case_id = c.id) AS referred,
	       EXISTS (SELECT 1 FROM legal_holds h WHERE h.case_id = c.id AND h.`+activeHoldOf("h")+`) AS held,
	       CASE WHEN EXISTS (SELECT 1 FROM referrals r WHERE r.case_id = c.id AND r.status <> 'closed') THEN 'open referral'
	            WHEN c.appeal_state = 'open' THEN 'appeal open'
	            WHEN c.appeal_by > ? THEN 'appeal still possible'
	            ELSE '' END AS pending
	  FROM cases c
	 WHERE c.erased_at IS NULL AND c.status IN ?
	   AND c.id > ? AND COALESCE(c.closed_at, c.status_changed_at) <= ?
	 ORDER BY c.id LIMIT ?`, now, cases.Strings(Ended), after, endedBefore, limit).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("retention: ended cases: %w", err)
	}
	return out, nil
}

func activeHoldOf(alias string) string {
	return "released_at IS NULL AND (" + alias + ".until IS NULL OR " + alias + ".until >= current_date)"
}

// uncorrected are the cases marked erased whose data key is not: a
// keystore restored from a backup older than their erasure.
type uncorrected struct {
	ID            uuid.UUID
	Reference     string
	ErasedAt      time.Time
	ErasureGround string
}

func erasedWithLiveKeys(q *gorm.DB) ([]uncorrected, error) {
	var out []uncorrected
	err := q.Raw(`SELECT c.id, c.reference, c.erased_at, c.erasure_ground
	  FROM cases c JOIN keystore.case_keys k ON k.case_id = c.id
	 WHERE c.erased_at IS NOT NULL AND k.erased_at IS NULL`).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("retention: erased cases' keys: %w", err)
	}
	return out, nil
}

// keysErasedCasesNot are the cases whose data key is destroyed but which
// the data does not mark erased: data restored from a dump older than the
// erasure.
func keysErasedCasesNot(q *gorm.DB) ([]uncorrected, error) {
	var out []uncorrected
	err := q.Raw(`SELECT c.id, c.reference, k.erased_at, k.ground AS erasure_ground
	  FROM cases c JOIN keystore.case_keys k ON k.case_id = c.id
	 WHERE c.erased_at IS NULL AND k.erased_at IS NOT NULL`).Scan(&out).Error
	if err != nil {
		return nil, fmt.Errorf("retention: erased keys: %w", err)
	}
	return out, nil
}
