package frontend

import (
	"io/fs"
	"os"
)

// osDir is the package's own folder, for tests that read its Go files.
type osDir struct{}

func (osDir) Open(name string) (fs.File, error) { return os.Open(name) }
