package demo

import (
	"github.com/google/uuid"
	"gorm.io/gorm"
)

// idsBySlug finds the row of table (ai_systems or bodies: the register's and
// escalation's) with slug: none, or its id.
func idsBySlug(conn *gorm.DB, table, slug string) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := conn.Raw(`SELECT id FROM `+table+` WHERE slug = ?`, slug).Scan(&ids).Error
	return ids, err
}
