package httpkit

import (
	"testing"

	"github.com/redresshq/redress/internal/platform/fault"
)

func TestStatusOfEveryKind(t *testing.T) {
	for k, want := range map[fault.Kind]int{
		fault.Invalid: 422, fault.Malformed: 400, fault.NotFound: 404, fault.Conflict: 409,
		fault.Unauthorized: 401, fault.Forbidden: 403, fault.TooMany: 429, fault.Unsupported: 415,
		fault.TooLarge: 413, fault.Kind(0): 500,
	} {
		if got := Status(k); got != want {
			t.Errorf("Status(%d) = %d, want %d", k, got, want)
		}
	}
}

func TestCaseScoped(t *testing.T) {
	for path, want := range map[string]bool{
		"/cases/:id": true, "/cases/:id/evidence": true, "/cases/:idx": false, "/cases": false, "/queue": false,
	} {
		if got := CaseScoped("/cases/:id", path); got != want {
			t.Errorf("CaseScoped(%q) = %v, want %v", path, got, want)
		}
	}
}
