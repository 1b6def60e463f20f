package review

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// Availability returns whether a user is available for auto-assignment or
// away (SetAvailability sets it).
func (s *Service) Availability(ctx context.Context, userID uuid.UUID) (string, error) {
	status, err := availability(s.db.WithContext(ctx), userID)
	if err != nil {
		return "", fmt.Errorf("review: availability: %w", err)
	}
	if status == "" {
		status = Available
	}
	return status, nil
}
