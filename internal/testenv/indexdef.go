package testenv

import (
	"testing"

	"gorm.io/gorm"
)

// IndexDef is the definition PostgreSQL keeps of an index (its CREATE INDEX
// statement), for a test that compares a partial index's list with Go's.
func IndexDef(t testing.TB, gdb *gorm.DB, index string) string {
	t.Helper()
	def, err := indexDef(gdb, index)
	if err != nil {
		t.Fatal(err)
	}
	return def
}
