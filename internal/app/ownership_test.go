package app_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// One owner per table (issue 17): docs/architecture.md's "Who owns what"
// table names, for every table of the schema, the one package that writes
// it, and the packages that still write it too and are to hand their
// statements to the owner. This test reads that table and the Go source,
// and fails when a package writes a table the map does not let it write,
// when a table has no row, or when a listed writer no longer writes it (so
// the map shrinks as the work is done, and never lies).
func TestOneOwnerPerTable(t *testing.T) {
	root := filepath.Join("..", "..")
	owners, others := ownershipMap(t, filepath.Join(root, "docs", "architecture.md"))
	tables := schemaTables(t, filepath.Join(root, "migrations"))
	writers := tableWriters(t, root, tables)

	for _, table := range tables {
		owner, ok := owners[table]
		if !ok {
			t.Errorf("table %s has no row in docs/architecture.md's ownership map", table)
			continue
		}
		allowed := append([]string{owner}, others[table]...)
		for _, pkg := range writers[table] {
			if !slices.Contains(allowed, pkg) {
				t.Errorf("%s writes table %s, owned by %s: call the owner, or list %s in the map's last column",
					pkg, table, owner, pkg)
			}
		}
		for _, pkg := range others[table] {
			if !slices.Contains(writers[table], pkg) {
				t.Errorf("the map says %s still writes %s, but it no longer does: take it out of the map", pkg, table)
			}
		}
	}
	for table := range owners {
		if !slices.Contains(tables, table) {
			t.Errorf("the ownership map names %s, which the schema does not have", table)
		}
	}
}

// ownershipMap reads the rows "| `table` | `owner` | `also`, … |" of the
// section "Who owns what".
func ownershipMap(t *testing.T, path string) (map[string]string, map[string][]string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "## Who owns what")
	if !ok {
		t.Fatal("docs/architecture.md has no section \"## Who owns what\"")
	}
	if next := strings.Index(section, "\n## "); next >= 0 {
		section = section[:next]
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z_]+)` \\| `([a-z/-]+)` \\|([^|\\n]*)\\|")
	code := regexp.MustCompile("`([a-z/-]+)`")
	owners, others := map[string]string{}, map[string][]string{}
	for _, m := range row.FindAllStringSubmatch(section, -1) {
		owners[m[1]] = m[2]
		for _, o := range code.FindAllStringSubmatch(m[3], -1) {
			others[m[1]] = append(others[m[1]], o[1])
		}
	}
	if len(owners) == 0 {
		t.Fatal("the ownership map has no rows")
	}
	return owners, others
}

// schemaTables lists the tables the migrations create and keep.
func schemaTables(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	create := regexp.MustCompile(`(?i)CREATE TABLE (?:IF NOT EXISTS )?(\w+)`)
	drop := regexp.MustCompile(`(?i)DROP TABLE (?:IF EXISTS )?(\w+)`)
	set := map[string]bool{}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		up, _, _ := strings.Cut(string(b), "-- +goose Down")
		for _, m := range create.FindAllStringSubmatch(up, -1) {
			set[m[1]] = true
		}
		for _, m := range drop.FindAllStringSubmatch(up, -1) {
			delete(set, m[1])
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// tableWriters finds, per table, the packages (folders below root) whose
// non-test Go code writes it: an INSERT INTO, UPDATE or DELETE FROM naming
// it, or a GORM model of it (a TableName method returning its name, or
// .Table("name")). Tools under cmd/ that are not the product (the bench and
// the chaos harness, which set up data) count like any package.
func tableWriters(t *testing.T, root string, tables []string) map[string][]string {
	t.Helper()
	write := regexp.MustCompile(`(?i)\b(?:INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?`)
	model := regexp.MustCompile(`(?:TableName\(\) string \{\s*return|\.Table\()\s*"(\w+)"`)
	found := map[string]map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != root || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		if strings.HasPrefix(pkg, "internal/testenv") {
			return nil // test fixtures set up data as a test would
		}
		for _, re := range []*regexp.Regexp{write, model} {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				name := strings.ToLower(m[1])
				if slices.Contains(tables, name) {
					if found[name] == nil {
						found[name] = map[string]bool{}
					}
					found[name][pkg] = true
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for table, pkgs := range found {
		for p := range pkgs {
			out[table] = append(out[table], p)
		}
		sort.Strings(out[table])
	}
	return out
}
