package kit

import (
	"os"
	"testing"
)

// New uses the catalogues it is given (frontend parses its embedded ones once
// per process) and reads Files' own when given none.
func TestNewUsesTheCataloguesItIsGiven(t *testing.T) {
	files := os.DirFS("..")
	cat, err := LoadCatalogues(files)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	given, err := New(Config{Files: files, Catalogues: cat, CSRFKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if given.I18n != cat {
		t.Error("New read the catalogues again instead of using the ones it was given")
	}
	read, err := New(Config{Files: files, CSRFKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if read.I18n == nil || read.I18n == cat {
		t.Errorf("without catalogues New did not read its own: %p", read.I18n)
	}
	if got, want := len(read.I18n.IDs("ar")), len(cat.IDs("ar")); got == 0 || got != want {
		t.Errorf("New read %d Arabic messages, LoadCatalogues %d", got, want)
	}
}
