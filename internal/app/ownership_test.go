package app_test

import (
	"io/fs"
	"os"
	pathpkg "path"
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
	row := regexp.MustCompile("(?m)^\\| `([a-z_.]+)` \\| `([a-z/-]+)` \\|([^|\\n]*)\\|")
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
	create := regexp.MustCompile(`(?i)CREATE TABLE (?:IF NOT EXISTS )?([\w.]+)`)
	drop := regexp.MustCompile(`(?i)DROP TABLE (?:IF EXISTS )?([\w.]+)`)
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
// non-test Go code writes it (see writes). Tools under cmd/ that are not
// the product (the bench and the chaos harness, which set up data) count
// like any package.
func tableWriters(t *testing.T, root string, tables []string) map[string][]string {
	t.Helper()
	sources := map[string]string{} // package folder → its non-test Go code
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
		sources[pkg] += string(b) + "\n"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return writes(sources, tables)
}

// writes maps each table to the packages whose code writes it:
//   - SQL text: INSERT INTO, UPDATE or DELETE FROM naming it;
//   - a GORM model of it declared in the package (a TableName method
//     returning its name), or .Table("name");
//   - another package's exported model used to write: Create, Save or
//     Delete of &pkg.Model{…}, or Model(&pkg.Model{…}) followed on the same
//     line by Update, Updates or UpdateColumn(s).
func writes(sources map[string]string, tables []string) map[string][]string {
	sqlWrite := regexp.MustCompile(`(?i)\b(?:INSERT INTO|UPDATE|DELETE FROM)\s+"?(\w+)"?`)
	model := regexp.MustCompile(`(?:TableName\(\) string \{\s*return|\.Table\()\s*"([\w.]+)"`)
	exported := regexp.MustCompile(`func \(\*?([A-Z]\w*)\) TableName\(\) string \{\s*return "(\w+)"`)
	foreign := regexp.MustCompile(`(?:\.(?:Create|Save|Delete)\(&(\w+)\.([A-Z]\w*)\b|\.Model\(&(\w+)\.([A-Z]\w*)\{[^\n]*\.Update(?:s|Column|Columns)?\()`)
	models := map[string]string{} // "cases.Case" → "cases"
	for pkg, src := range sources {
		for _, m := range exported.FindAllStringSubmatch(src, -1) {
			models[pathpkg.Base(pkg)+"."+m[1]] = m[2]
		}
	}
	found := map[string]map[string]bool{}
	add := func(table, pkg string) {
		table = strings.ToLower(table)
		if !slices.Contains(tables, table) {
			return
		}
		if found[table] == nil {
			found[table] = map[string]bool{}
		}
		found[table][pkg] = true
	}
	for pkg, src := range sources {
		for _, re := range []*regexp.Regexp{sqlWrite, model} {
			for _, m := range re.FindAllStringSubmatch(src, -1) {
				add(m[1], pkg)
			}
		}
		for _, m := range foreign.FindAllStringSubmatch(src, -1) {
			alias, typ := m[1]+m[3], m[2]+m[4]
			if table, ok := models[alias+"."+typ]; ok {
				add(table, pkg)
			}
		}
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

// The detector sees each way of writing a table, so the map cannot be
// passed by writing another package's table through its exported model.
func TestOwnershipDetectorSeesEveryWrite(t *testing.T) {
	sources := map[string]string{
		"internal/cases": "func (Case) TableName() string { return \"cases\" }\n" +
			"func (s *S) Read() { tx.Model(&Case{}).Find(&x) }",
		"internal/sqlwriter":   "q := `UPDATE cases SET status = ?`",
		"internal/creator":     "tx.Create(&cases.Case{ID: id})",
		"internal/updater":     "tx.Model(&cases.Case{ID: id}).Where(\"x\").Updates(m)",
		"internal/deleter":     "tx.Delete(&cases.Case{}, id)",
		"internal/tabler":      `tx.Table("cases").Updates(m)`,
		"internal/reader":      "tx.Model(&cases.Case{}).Where(\"id = ?\", id).Find(&c)",
		"internal/lockreader":  "tx.Clauses(clause.Locking{Strength: \"UPDATE\"}).Find(&c)",
		"internal/otherwrites": "q := `INSERT INTO messages (id) VALUES (?)`",
	}
	got := writes(sources, []string{"cases", "messages"})
	want := []string{"internal/cases", "internal/creator", "internal/deleter", "internal/sqlwriter", "internal/tabler", "internal/updater"}
	if !slices.Equal(got["cases"], want) {
		t.Errorf("writers of cases: %q, want %q", got["cases"], want)
	}
	if !slices.Equal(got["messages"], []string{"internal/otherwrites"}) {
		t.Errorf("writers of messages: %q", got["messages"])
	}
}
