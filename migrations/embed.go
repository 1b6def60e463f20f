// Package migrations holds the numbered SQL migrations, embedded in the binary
// and applied with goose by `redress migrate`.
package migrations

import "embed"

// FS holds the *.sql migrations.
//
//go:embed *.sql
var FS embed.FS
