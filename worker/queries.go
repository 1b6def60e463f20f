package worker

import (
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// The worker's statements that need SQL's full power, and its model of
// processed_events (the ledger of handled events, which it owns).

// processedEvent is a row of processed_events: consumer handled event.
type processedEvent struct {
	Consumer string    `gorm:"primaryKey"`
	EventID  uuid.UUID `gorm:"primaryKey"`
}

func (processedEvent) TableName() string { return "processed_events" }

// caseFound reports whether case id exists.
func caseFound(conn *gorm.DB, id uuid.UUID) (bool, error) {
	var found bool
	err := conn.Raw(`SELECT EXISTS (SELECT 1 FROM cases WHERE id = ?)`, id).Scan(&found).Error
	return found, err
}
