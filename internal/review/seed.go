package review

import (
	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// SaveQueue adds the queue with slug, or renames and describes it again, and
// returns its id.
func SaveQueue(tx *gorm.DB, slug, name, description string) (uuid.UUID, error) {
	q := queueRow{Slug: slug, Name: name, Description: description}
	err := tx.Select("slug", "name", "description").Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "slug"}},
		DoUpdates: clause.AssignmentColumns([]string{"name", "description"})},
		clause.Returning{Columns: []clause.Column{{Name: "id"}}}).
		Create(&q).Error
	return q.ID, err
}
