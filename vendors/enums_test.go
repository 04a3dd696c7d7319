package vendors_test

import (
	"testing"

	"github.com/incidentbot/incidentbot/vendors"
)

func TestNormalizeDataClass(t *testing.T) {
	for in, want := range map[string]string{
		"vulnerability": "vulnerabilities", "vulnerabilities": "vulnerabilities", "Alert": "alerts",
		"incidents": "incidents", " indicator ": "indicators",
	} {
		if got, ok := vendors.NormalizeDataClass(in); !ok || got != want {
			t.Errorf("NormalizeDataClass(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"vulnerabilitys", "alertss", "", "tickets"} {
		if got, ok := vendors.NormalizeDataClass(bad); ok {
			t.Errorf("NormalizeDataClass(%q) = %q, accepted", bad, got)
		}
	}
}

func TestCOCEnumerations(t *testing.T) {
	if !vendors.Valid(vendors.COCIncidentTypes, "inc_type_p_security_issues") || vendors.Valid(vendors.COCIncidentTypes, "inc_type_typo") {
		t.Error("incident types")
	}
	if !vendors.Valid(vendors.COCLevels, "level_50") || vendors.Valid(vendors.COCLevels, "level_99") {
		t.Error("levels")
	}
}
