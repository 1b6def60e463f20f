package frontend

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"

	"github.com/redresshq/redress/frontend/kit"
)

// TestCataloguesAreComplete fails when a message is missing from any
// language, or when a template or handler names a message English lacks.
func TestCataloguesAreComplete(t *testing.T) {
	cat, err := kit.LoadCatalogues(files)
	if err != nil {
		t.Fatal(err)
	}
	for lang, ids := range cat.Missing() {
		if len(ids) > 0 {
			t.Errorf("%s lacks %d messages: %s", lang, len(ids), strings.Join(ids, ", "))
		}
	}
	en := map[string]bool{}
	for _, id := range cat.IDs("en") {
		en[id] = true
	}
	used := usedMessageIDs(t)
	if n := len(used); n < 20 {
		t.Fatalf("found message ids in only %d files: the scan is broken", n)
	}
	for name, ids := range used {
		for _, id := range ids {
			if !en[id] {
				t.Errorf("%s uses message %q, which no catalogue has", name, id)
			}
		}
	}
}

// Message ids named literally: {{.T "id"}}, {{$.T "id"}}, .T("id"), and
// "id" values of flash and title arguments in Go.
var (
	templateID = regexp.MustCompile(`\.TH? "([a-z0-9_.]+)"`)
	goID       = regexp.MustCompile(`(?:\.TH?\(|[fF]lash\(c, |[sS]eeOther\([^,]+, [^,]+, |[rR]ender\(c, [^,]+, [^,]+, |[fF]ormError\(c, [^,]+, [^,]+, )"([a-z0-9_]+\.[a-z0-9_.]+)"`)
)

func usedMessageIDs(t *testing.T) map[string][]string {
	out := map[string][]string{}
	err := fs.WalkDir(files, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		buf, err := fs.ReadFile(files, p)
		for _, m := range templateID.FindAllStringSubmatch(string(buf), -1) {
			out[p] = append(out[p], m[1])
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	goFiles, err := fs.Glob(osDir{}, "*.go")
	if err != nil {
		t.Fatal(err)
	}
	kitFiles, err := fs.Glob(osDir{}, "*/*.go") // the page kit and the parts in their own packages, once in this folder
	if err != nil {
		t.Fatal(err)
	}
	goFiles = append(goFiles, kitFiles...)
	for _, p := range goFiles {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		buf, err := fs.ReadFile(osDir{}, p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goID.FindAllStringSubmatch(string(buf), -1) {
			out[p] = append(out[p], m[1])
		}
	}
	return out
}
