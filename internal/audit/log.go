package audit

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Log reads case records for the edges (api/, frontend/), which hold no
// database handle of their own.
type Log struct{ db *gorm.DB }

// NewLog is the case records of gdb.
func NewLog(gdb *gorm.DB) *Log { return &Log{db: gdb} }

// Entries loads a case's record in order (Entries).
func (l *Log) Entries(ctx context.Context, caseID uuid.UUID) ([]Entry, error) {
	return Entries(l.db.WithContext(ctx), caseID)
}
