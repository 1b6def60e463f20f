package api

import (
	"slices"
	"testing"
)

// The larger body limit reaches the upload routes, as the router matches
// them, and nothing else.
func TestUploadRoutesGetTheUploadLimit(t *testing.T) {
	var routed []string
	for _, r := range (&API{}).routes() {
		routed = append(routed, r.method+" "+r.path)
	}
	for _, r := range uploadRoutes {
		if !slices.Contains(routed, r.method+" "+r.path) {
			t.Errorf("upload route %s %s is not in the route table", r.method, r.path)
		}
	}
	for _, tc := range []struct {
		method, path string
		upload       bool
	}{
		{"POST", "/api/v1/cases/7d0c5d6e-4b7a-4c53-9a53-5b0a8f0e6c11/evidence", true},
		{"POST", "/api/v1/cases/x/evidence/", true},
		{"POST", "/API/v1/Cases/x/Evidence", true},
		{"POST", "/api/v1/complainant/case/evidence", true},
		{"GET", "/api/v1/cases/x/evidence", false},
		{"PUT", "/api/v1/complainant/case/evidence", false},
		{"POST", "/api/v1/cases//evidence", false},
		{"POST", "/api/v1/cases/x/y/evidence", false},
		{"POST", "/api/v1/cases/x/evidence/y", false},
		{"POST", "/api/v1/cases/x/messages", false},
		{"POST", "/api/v1/cases", false},
		{"POST", "/", false},
		{"POST", "", false},
	} {
		if got := isUploadRoute(tc.method, tc.path); got != tc.upload {
			t.Errorf("%s %s: upload %v, want %v", tc.method, tc.path, got, tc.upload)
		}
	}
}
