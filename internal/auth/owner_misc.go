package auth

import (
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// The writes to users that other packages need (issue 17: one owner per
// table): internal/review's auto-assignment and availability.

// MarkAssigned notes that user was just given a case: auto-assignment's
// round robin takes the member assigned longest ago.
func MarkAssigned(tx *gorm.DB, userID uuid.UUID) error {
	return tx.Table("users").Where("id = ?", userID).Update("last_assigned_at", gorm.Expr("clock_timestamp()")).Error
}

// SetAvailability marks a user available for auto-assignment or away
// (internal/review checks the value).
func SetAvailability(tx *gorm.DB, userID uuid.UUID, status string) error {
	return tx.Table("users").Where("id = ?", userID).Update("availability", status).Error
}

// NoSecondFactorRequired turns the two-step sign-in requirement off for
// every role (the demo signs in with a password alone).
func NoSecondFactorRequired(tx *gorm.DB) error {
	return tx.Table("sign_in_policies").Where("second_factor_required").
		Updates(map[string]any{"second_factor_required": false, "updated_at": gorm.Expr("now()")}).Error
}
