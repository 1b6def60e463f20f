package evidence

import (
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// The statements on evidence that need SQL's full power.

const table = "evidence"

// fromComplainant is the evidence a complainant added themselves.
const fromComplainant = "source = '" + string(SourceComplainant) + "' AND added_by IS NULL"

// insert stores sealed evidence of case caseID and reads back its
// created_at (the database's clock).
func insert(tx *gorm.DB, caseID uuid.UUID, e *Sealed) error {
	if err := tx.Raw(`INSERT INTO evidence (id, case_id, sha256, size_bytes, media_type, meta_enc, content_enc, source, added_by)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING created_at`, e.ID, caseID, e.sum[:], e.SizeBytes, e.MediaType,
		e.metaEnc, e.contentEnc, e.Source, e.AddedBy).Scan(&e.CreatedAt).Error; err != nil {
		return fmt.Errorf("grievance: insert evidence: %w", err)
	}
	return nil
}

// CountFromComplainant counts the files the complainant added to case caseID.
func CountFromComplainant(tx *gorm.DB, caseID uuid.UUID) (int64, error) {
	var n int64
	if err := tx.Table(table).Where("case_id = ? AND "+fromComplainant, caseID).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("grievance: count evidence: %w", err)
	}
	return n, nil
}
