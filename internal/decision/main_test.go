package decision_test

import (
	"os"
	"testing"

	"github.com/redresshq/redress/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
