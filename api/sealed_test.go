package api_test

import (
	"testing"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// inClear counts the rows of table whose bytea column col holds probe as
// plain UTF-8 bytes. It fails the test when the table has no row with col
// set (there would be nothing to check) or when the query fails, so a
// "stored sealed" check built on it can fail.
func inClear(t *testing.T, s *teststack.Stack, table, col, probe string) int {
	t.Helper()
	var r struct{ Rows, Clear int }
	if err := s.Core.DB.Raw(`SELECT count(`+col+`) AS rows,
		count(*) FILTER (WHERE position(convert_to(?, 'UTF8') IN `+col+`) > 0) AS clear FROM `+table, probe).
		Scan(&r).Error; err != nil {
		t.Fatalf("looking for %q in %s.%s: %v", probe, table, col, err)
	}
	if r.Rows == 0 {
		t.Fatalf("%s.%s holds nothing to check", table, col)
	}
	return r.Clear
}

// The check above finds plaintext where there is some: a column a test
// fills in clear is found.
func TestInClearFindsPlaintext(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := s.File(teststack.ValidCase())
	s.Core.DB.Exec(`UPDATE cases SET description_enc = convert_to('cut after sick-leave', 'UTF8') WHERE id = ?`, f.ID)
	if n := inClear(t, s, "cases", "description_enc", "sick-leave"); n != 1 {
		t.Fatalf("plaintext not found: %d", n)
	}
}
