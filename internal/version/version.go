// Package version holds the build's version, set with -ldflags at build time.
package version

// Version is overwritten by the linker: -X github.com/redresshq/redress/internal/version.Version=v1.2.3.
var Version = "dev"
