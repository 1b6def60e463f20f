package config

import (
	"strings"
	"testing"
)

// TestOrganisation: the REDRESS_ORGANISATION_* settings are read (the
// jurisdiction upper-cased), and a jurisdiction that is not a country code
// or EU is refused by name.
func TestOrganisation(t *testing.T) {
	c, err := LoadFrom(mapEnv(map[string]string{"REDRESS_ORGANISATION_NAME": "Acme SA",
		"REDRESS_ORGANISATION_ADDRESS": "1 rue X, Paris", "REDRESS_ORGANISATION_JURISDICTION": " fr ",
		"REDRESS_ORGANISATION_CONTACT": "help@acme.example"}), Need{})
	if err != nil || c.Organisation != (Organisation{"Acme SA", "1 rue X, Paris", "FR", "help@acme.example"}) {
		t.Fatalf("organisation: %+v %v", c, err)
	}
	for _, bad := range []string{"France", "F", "1R", "ZZ"} {
		_, err := LoadFrom(mapEnv(map[string]string{"REDRESS_ORGANISATION_JURISDICTION": bad}), Need{})
		if err == nil || !strings.Contains(err.Error(), "REDRESS_ORGANISATION_JURISDICTION") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
