package testenv_test

import (
	"os"
	"slices"
	"testing"

	"github.com/redresshq/redress/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// CheckValues reads what a CHECK constraint allows, and finds nothing where there is nothing.
func TestCheckValues(t *testing.T) {
	gdb, _ := testenv.DB(t)
	if err := gdb.Exec(`CREATE TABLE check_probe (
		a text CHECK (a IN ('x', 'it''s', 'b')),
		n int CHECK (n IN (1, 2)),
		free text)`).Error; err != nil {
		t.Fatal(err)
	}
	if got, want := testenv.CheckValues(t, gdb, "check_probe", "a"), []string{"b", "it's", "x"}; !slices.Equal(got, want) {
		t.Errorf("a: %q, want %q", got, want)
	}
	if got := testenv.CheckValues(t, gdb, "cases", "status"); !slices.Contains(got, "submitted") || !slices.Contains(got, "closed") {
		t.Errorf("cases.status: %q", got)
	}
	ft := &fatalTB{TB: t}
	func() {
		defer func() { _ = recover() }()
		testenv.CheckValues(ft, gdb, "check_probe", "free")
	}()
	if !ft.failed {
		t.Error("a column with no CHECK gave values")
	}
}

// fatalTB records Fatalf and stops the call, as testing.T's would.
type fatalTB struct {
	testing.TB
	failed bool
}

func (f *fatalTB) Fatalf(string, ...any) { f.failed = true; panic("fatal") }
func (f *fatalTB) Helper()               {}
