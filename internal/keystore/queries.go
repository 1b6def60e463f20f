package keystore

import (
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// keyOf reads a case's key with the case's own erasure: a case marked
// erased in the data reads as erased even when its key is still in the
// keystore (a keystore restored from a backup older than the erasure,
// until the next retention run destroys the key again). One rule for
// every read: the key or the case says erased, and it is.
func keyOf(q *gorm.DB, caseID uuid.UUID) (*caseKey, error) {
	var row struct {
		CaseID        uuid.UUID
		Wrapped       []byte
		MasterKeyID   *string
		CreatedAt     time.Time
		WrappedAt     time.Time
		ErasedAt      *time.Time
		Ground        *string
		CaseErasedAt  *time.Time
		ErasureGround *string
	}
	err := q.Raw(`SELECT k.case_id, k.wrapped, k.master_key_id, k.created_at, k.wrapped_at, k.erased_at, k.ground,
	       c.erased_at AS case_erased_at, c.erasure_ground
	  FROM keystore.case_keys k LEFT JOIN cases c ON c.id = k.case_id
	 WHERE k.case_id = ?`, caseID).Scan(&row).Error
	if err != nil {
		return nil, err
	}
	if row.CaseID == uuid.Nil {
		return nil, gorm.ErrRecordNotFound
	}
	k := caseKey{CaseID: row.CaseID, Wrapped: row.Wrapped, MasterKeyID: row.MasterKeyID, CreatedAt: row.CreatedAt,
		WrappedAt: row.WrappedAt, ErasedAt: row.ErasedAt, Ground: row.Ground}
	if k.ErasedAt == nil && row.CaseErasedAt != nil {
		k.ErasedAt, k.Ground = row.CaseErasedAt, row.ErasureGround
	}
	return &k, nil
}
