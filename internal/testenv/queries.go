package testenv

import "gorm.io/gorm"

// checkConstraints returns the definitions of table's CHECK constraints, as
// PostgreSQL keeps them.
func checkConstraints(gdb *gorm.DB, table string) ([]string, error) {
	var defs []string
	err := gdb.Raw(`SELECT pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = to_regclass(?) AND contype = 'c'`, table).Scan(&defs).Error
	return defs, err
}

// indexDef returns the definition PostgreSQL keeps of an index.
func indexDef(gdb *gorm.DB, index string) (string, error) {
	var def string
	err := gdb.Raw(`SELECT pg_get_indexdef(?::regclass)`, index).Scan(&def).Error
	return def, err
}
