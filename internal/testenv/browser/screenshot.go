package browser

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Screenshot saves a full-page PNG of the tab in the artifact folder and
// returns its path, when screenshots are asked for ($REDRESS_SCREENSHOTS set
// to 1, as `make screenshots` does); otherwise it does nothing and returns "".
// The file is named after the test and name. The folder is $REDRESS_ARTIFACTS
// if set, else artifacts/screenshots at the repository's root.
//
// Nothing reads these pictures but people, and a full-page shot costs Chromium
// about half a second, so `make test` does not take them (BENCHMARKS.md, tenth
// session). A failing check always saves one, asked for or not (describe).
func Screenshot(t testing.TB, ctx context.Context, name string) string {
	t.Helper()
	if !ScreenshotsWanted() {
		return ""
	}
	path, err := saveScreenshot(t, ctx, name)
	if err != nil {
		t.Fatalf("browser: screenshot %q: %v", name, err)
	}
	return path
}

// ScreenshotsEnv is the variable that asks Screenshot for its pictures.
const ScreenshotsEnv = "REDRESS_SCREENSHOTS"

// ScreenshotsWanted reports whether ScreenshotsEnv asks for screenshots.
func ScreenshotsWanted() bool { return os.Getenv(ScreenshotsEnv) == "1" }

func saveScreenshot(t testing.TB, ctx context.Context, name string) (string, error) {
	dir, err := artifactDir()
	if err != nil {
		return "", err
	}
	png, err := run(ctx, chromedp.FullScreenshot(100)) // quality 100 means PNG
	if err != nil {
		return "", fmt.Errorf("capture: %w", err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fileName(t.Name()+"-"+name)+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		return "", err
	}
	return path, nil
}

// artifactDir is where screenshots go.
func artifactDir() (string, error) {
	if dir := os.Getenv("REDRESS_ARTIFACTS"); dir != "" {
		return dir, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "artifacts", "screenshots"), nil
}

// module is the repository's Go module.
const module = "github.com/redresshq/redress"

// repoRoot is the nearest directory at or above the working directory (a test
// runs in its package's directory) whose go.mod is Redress's.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("browser: find the repository: %w", err)
	}
	for {
		if mod, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil {
			first, _, _ := strings.Cut(string(mod), "\n")
			if strings.TrimSpace(first) != "module "+module {
				return "", fmt.Errorf("browser: %s/go.mod is not the module %s", dir, module)
			}
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("browser: no go.mod at or above the working directory (run the tests inside the repository)")
		}
		dir = parent
	}
}

// fileName makes s safe as a file name: subtests' slashes and anything but
// letters, digits, dots, dashes and underscores become underscores.
func fileName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		}
		return '_'
	}, s)
}
