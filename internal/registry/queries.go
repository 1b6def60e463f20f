package registry

import "gorm.io/gorm"

// The register's statements that need SQL (issue 17: one owner per table,
// its SQL in queries.go).

// SeedStaff records that the user with email has role (owner, operator, …)
// for the system with slug, unless it is recorded already (the demo's data):
// they are recused from its cases.
func SeedStaff(tx *gorm.DB, systemSlug, email, role string) error {
	return tx.Exec(`INSERT INTO ai_system_staff (ai_system_id, user_id, role)
		SELECT s.id, u.id, ? FROM ai_systems s, users u
		 WHERE s.slug = ? AND u.email = ? ON CONFLICT DO NOTHING`, role, systemSlug, email).Error
}
