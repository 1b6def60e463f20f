package grievance

import (
	"gorm.io/gorm"
)

// Writes to the intake's tables other packages need (issue 17: one owner per
// table).

// PruneIdempotencyKeys deletes the idempotency keys older than a day (the
// worker's housekeeping): a retry of a filing comes within minutes.
func PruneIdempotencyKeys(tx *gorm.DB) error {
	return tx.Table("idempotency_keys").Where("created_at < now() - interval '24 hours'").Delete(map[string]any{}).Error
}
