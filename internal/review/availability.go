package review

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/platform/db"
)

// Availability returns whether a user is available for auto-assignment or
// away (SetAvailability sets it).
func (s *Service) Availability(ctx context.Context, userID uuid.UUID) (string, error) {
	var status string
	if err := db.Conn(ctx, s.db).Raw(`SELECT coalesce(availability, '') FROM users WHERE id = ?`, userID).
		Scan(&status).Error; err != nil {
		return "", fmt.Errorf("review: availability: %w", err)
	}
	if status == "" {
		status = Available
	}
	return status, nil
}
