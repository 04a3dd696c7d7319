package vendors

import "strings"

// DataClass is one SecMaster data class: the plural, lowercase name the
// association API takes, and the singular a responder may type.
type DataClass struct {
	Plural   string // as the API wants it: "vulnerabilities"
	Singular string // "vulnerability"
}

// DataClasses are SecMaster's SOC data classes that have data-object APIs
// in its API reference (Alert, Incident, Threat Indicator and
// Vulnerability Management). The association API wants them "plural and
// written in lowercase, for example alerts and incidents"; the plural is
// written out, never derived.
var DataClasses = []DataClass{
	{Plural: "alerts", Singular: "alert"},
	{Plural: "incidents", Singular: "incident"},
	{Plural: "indicators", Singular: "indicator"},
	{Plural: "vulnerabilities", Singular: "vulnerability"},
}

// NormalizeDataClass returns the API's name for a data class given in
// either form, in any case ("Vulnerability" -> "vulnerabilities"), and
// whether it is one of DataClasses.
func NormalizeDataClass(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, c := range DataClasses {
		if s == c.Plural || s == c.Singular {
			return c.Plural, true
		}
	}
	return "", false
}

// Choice is one documented value of a vendor enumeration, with the label
// COC's console shows for it.
type Choice struct {
	Value string
	Label string
}

// COCLevels are COC's incident levels (incident_level), most severe first.
var COCLevels = []Choice{
	{"level_10", "P1"}, {"level_20", "P2"}, {"level_30", "P3"}, {"level_40", "P4"}, {"level_50", "P5"},
}

// COCIncidentTypes are COC's preset incident categories (incident_type,
// and mtm_type when a solution is submitted).
var COCIncidentTypes = []Choice{
	{"inc_type_p_security_issues", "Security issue"},
	{"inc_type_p_function_issues", "Function issue"},
	{"inc_type_p_reliability_issues", "Reliability issue"},
	{"inc_type_p_change_issues", "Change issue"},
}

// COCSources are COC's incident sources (incident_source).
var COCSources = []Choice{
	{"incident_source_manual", "Manual creation"},
	{"incident_source_forwarding", "Transfer creation"},
	{"incident_source_alarm", "Alarm"},
}

// Valid reports whether v is one of the choices.
func Valid(choices []Choice, v string) bool {
	for _, c := range choices {
		if c.Value == v {
			return true
		}
	}
	return false
}

// Values lists the choices' values, for a message naming what is allowed.
func Values(choices []Choice) []string {
	out := make([]string, len(choices))
	for i, c := range choices {
		out[i] = c.Value
	}
	return out
}

// COC's documented field limits, in characters.
const (
	COCMaxTitle       = 200    // incident_title
	COCMaxDescription = 600    // incident_description
	COCMaxField       = 255    // region, application, assignee, creator, ...
	COCMaxComment     = 300    // virtual_confirm_comment
	COCMaxSolution    = 10_000 // cause and solution of commitSolution1
)
