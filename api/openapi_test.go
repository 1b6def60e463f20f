package api

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// Every route in the route table is in the OpenAPI document, and the
// document describes no route that does not exist.
func TestOpenAPICoversTheRouteTable(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openapiSpec, &doc); err != nil {
		t.Fatal(err)
	}
	param := regexp.MustCompile(`\{([a-z_]+)\}`)
	var documented []string
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" "+param.ReplaceAllString(path, ":$1"))
		}
	}
	var routed []string
	for _, r := range (&API{}).routes() {
		routed = append(routed, r.Method+" "+r.Path)
	}
	for _, r := range routed {
		if !slices.Contains(documented, r) {
			t.Errorf("%s is routed but not in api/openapi.yaml", r)
		}
	}
	for _, d := range documented {
		if strings.HasPrefix(d, "GET /api/openapi") || strings.HasPrefix(d, "GET /livez") || strings.HasPrefix(d, "GET /readyz") {
			continue
		}
		if !slices.Contains(routed, d) {
			t.Errorf("%s is in api/openapi.yaml but not routed", d)
		}
	}
}
