package db

import (
	"database/sql/driver"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5/pgtype"
)

// TextSlice is a PostgreSQL text[] column (or array expression) as a Go
// []string, read and written by pgx's array codec (pgtype). GORM runs on
// database/sql, where pgx's stdlib adapter hands an array over as its text
// literal and GORM would spread a bare []string argument into a list, so
// the column's Go type carries Scan and Value that call pgx. nil is written
// as the empty array (the columns are NOT NULL DEFAULT '{}'); NULL reads as
// nil, '{}' as an empty, non-nil slice, and a NULL element as "".
type TextSlice []string

// GormDataType names the column's type for GORM's schema.
func (TextSlice) GormDataType() string { return "text[]" }

// Value hands the elements to pgx, which encodes them as text[].
func (a TextSlice) Value() (driver.Value, error) {
	if a == nil {
		return pgtype.FlatArray[string]{}, nil
	}
	return pgtype.FlatArray[string](a), nil
}

// typeMaps are pgx type maps for Scan; a Map caches its plans and is not
// safe for concurrent use, so each Scan borrows one.
var typeMaps = sync.Pool{New: func() any { return pgtype.NewMap() }}

// Scan decodes a text[] value, in the text format (database/sql) or the
// binary one (pgx's scan), with pgx's array codec; on error the value is
// left as it was.
func (a *TextSlice) Scan(src any) error {
	if src == nil {
		*a = nil
		return nil
	}
	switch src.(type) {
	case string, []byte:
	default:
		return fmt.Errorf("db: cannot scan %T into TextSlice", src)
	}
	m := typeMaps.Get().(*pgtype.Map)
	defer typeMaps.Put(m)
	var elems []pgtype.Text
	var err error
	if b, ok := src.([]byte); ok && len(b) > 0 && b[0] == 0 {
		// pgx's own scan (Reads' batches) hands the binary format over as
		// is; it starts with the dimension count, a text literal never with
		// a zero byte.
		err = m.Scan(pgtype.TextArrayOID, pgtype.BinaryFormatCode, b, &elems)
	} else {
		err = m.SQLScanner(&elems).Scan(src)
	}
	if err != nil {
		return fmt.Errorf("db: text[]: %w", err)
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		out[i] = e.String
	}
	*a = out
	return nil
}
