package outbox

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"
)

// Service is the outbox's dead letters for the edges (api/, the command
// line), which hold no database handle of their own.
type Service struct{ db *gorm.DB }

// New is the outbox of gdb.
func New(gdb *gorm.DB) *Service { return &Service{db: gdb} }

// DeadLetters lists dead letters newest first, with ids below beforeID (0:
// from the newest).
func (s *Service) DeadLetters(ctx context.Context, beforeID int64, limit int) ([]DeadLetter, error) {
	return DeadLetters(ctx, s.db, beforeID, limit)
}

// Replay puts a dead letter's message back into the outbox under a new id
// (Replay) and returns that id.
func (s *Service) Replay(ctx context.Context, id int64) (uuid.UUID, error) {
	return Replay(ctx, s.db, id)
}
