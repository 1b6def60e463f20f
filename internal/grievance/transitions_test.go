package grievance_test

import (
	"os"
	"testing"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func TestEveryStatusHasAStage(t *testing.T) {
	for _, st := range cases.Statuses {
		if s := grievance.StageOf(st); s.Code == "" || s.Label == "" {
			t.Errorf("status %s has no stage for the complainant", st)
		}
	}
}
