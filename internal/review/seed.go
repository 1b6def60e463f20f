package review

import (
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SaveQueue adds the queue with slug, or renames and describes it again.
func SaveQueue(tx *gorm.DB, slug, name, description string) error {
	return tx.Select("slug", "name", "description").Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "slug"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "description"})}).
		Create(&queueRow{Slug: slug, Name: name, Description: description}).Error
}
