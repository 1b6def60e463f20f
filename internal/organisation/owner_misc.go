package organisation

import (
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// Writes to the profile other packages need (issue 17: one owner per table).

// Seed sets the profile to in unless an admin's settings exist (the demo's
// data); it logs no change.
func Seed(tx *gorm.DB, in Input) error {
	return tx.Model(&profileRow{}).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, DoNothing: true}).
		Create(map[string]any{"legal_name": in.LegalName, "address": in.Address, "jurisdiction": in.Jurisdiction,
			"contact": in.Contact, "updated_at": gorm.Expr("now()")}).Error
}
