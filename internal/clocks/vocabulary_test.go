package clocks_test

import (
	"regexp"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/sla"
	"github.com/redresshq/redress/internal/testenv"
)

// The clock names Go gives are the ones case_clocks.clock accepts: the
// policy's and the law's by name (sla.Clocks), a task's by a pattern its
// constructor's names match (clocks.BodyItemClock, ProviderRequestClock).
func TestClockNamesMatchDatabase(t *testing.T) {
	gdb, _ := testenv.DB(t)
	var def string
	if err := gdb.Raw(`SELECT pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = 'case_clocks'::regclass AND conname = 'case_clocks_clock_check'`).Scan(&def).Error; err != nil || def == "" {
		t.Fatalf("case_clocks_clock_check: %q %v", def, err)
	}
	list := regexp.MustCompile(`clock = ANY \(ARRAY\[([^\]]*)\]`).FindStringSubmatch(def)
	if list == nil {
		t.Fatalf("no list of names in %s", def)
	}
	var got []string
	for _, m := range regexp.MustCompile(`'([^']*)'`).FindAllStringSubmatch(list[1], -1) {
		got = append(got, m[1])
	}
	slices.Sort(got)
	want := make([]string, len(sla.Clocks))
	for i, c := range sla.Clocks {
		want[i] = string(c)
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("case_clocks.clock allows %q by name, Go names %q", got, want)
	}

	var patterns []*regexp.Regexp
	for _, m := range regexp.MustCompile(`clock ~ '([^']*)'`).FindAllStringSubmatch(def, -1) {
		patterns = append(patterns, regexp.MustCompile(m[1]))
	}
	tasks := []sla.ClockName{clocks.BodyItemClock(uuid.New()), clocks.ProviderRequestClock(uuid.New())}
	if len(patterns) != len(tasks) || len(tasks) != len(clocks.TaskPrefixes) {
		t.Fatalf("case_clocks.clock has %d patterns, Go %d task clocks and %d prefixes", len(patterns), len(tasks), len(clocks.TaskPrefixes))
	}
	for _, name := range tasks {
		n := 0
		for _, p := range patterns {
			if p.MatchString(string(name)) {
				n++
			}
		}
		if n != 1 || !clocks.IsTask(name) {
			t.Errorf("task clock %q matches %d of the database's patterns (IsTask %v)", name, n, clocks.IsTask(name))
		}
	}
	for _, name := range sla.Clocks {
		if clocks.IsTask(name) {
			t.Errorf("%s is taken for a task's clock", name)
		}
	}
}
