package frontend_test

import (
	"os"
	"testing"

	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/browser"
)

// The package's tests share one Chromium (browser.Main) and one PostgreSQL
// cluster (testenv.Main).
func TestMain(m *testing.M) { os.Exit(browser.Main(m, testenv.Main)) }
