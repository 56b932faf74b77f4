package hub

import "slices"

// What JupyterHub accepts in c.JupyterHub.services, per version, read from
// jupyterhub/services/service.py (the Service traits tagged input=True) at
// every release tag from 1.0.0 to 6.0.0b2 of github:jupyterhub/jupyterhub
// (testdata/jupyterhub-versions.md lists the tags and lines). The keys of
// 1.5.0 are those of 1.2.0; 2.x those of 2.0.0; 3.0.0 through 5.5.1 have the
// same 15; 6.0.0b1 adds timeout. No roles, no scopes before 2.0.

// FieldType is a Python type a service field takes.
type FieldType int

const (
	FieldStr     FieldType = iota + 1 // traitlets Unicode
	FieldBool                         // traitlets Bool (which also takes 0 and 1)
	FieldInt                          // int
	FieldFloat                        // float
	FieldStrList                      // a list of str: traitlets List, jupyterhub.traitlets.Command
	FieldDict                         // traitlets Dict
)

// serviceField is one trait of jupyterhub.services.service.Service tagged
// input=True. For any other key the Hub raises AttributeError("No such
// service field: KEY") and exits: init_services up to 4.x (1.5.0
// app.py:2059-2062, 3.0.0 app.py:2334-2337), service_from_spec from 5.0
// (5.2.1 app.py:2835-2839, 6.0.0b2 app.py:2894-2898).
type serviceField struct {
	key          string
	major, minor int // the first version that accepts it
	types        []FieldType
}

// serviceFields, in version order. Each names the tag and
// services/service.py line where the key first appears; the types hold at
// every tag that has the key (Unicode, Bool, Dict, List, and
// jupyterhub.traitlets.Command, a List of Unicode that wraps a str as [str]).
var serviceFields = []serviceField{
	// 1.0.0 service.py:171-263
	{"name", 1, 0, []FieldType{FieldStr}},
	{"admin", 1, 0, []FieldType{FieldBool}},
	{"url", 1, 0, []FieldType{FieldStr}},
	{"api_token", 1, 0, []FieldType{FieldStr}},
	{"info", 1, 0, []FieldType{FieldDict}},
	{"command", 1, 0, []FieldType{FieldStrList}}, // Command(minlen=0); a str is wrapped as [str] (traitlets.py Command.validate)
	{"cwd", 1, 0, []FieldType{FieldStr}},
	{"environment", 1, 0, []FieldType{FieldDict}},
	{"user", 1, 0, []FieldType{FieldStr}},
	{"oauth_client_id", 1, 0, []FieldType{FieldStr}},
	{"oauth_redirect_uri", 1, 0, []FieldType{FieldStr}},
	{"oauth_no_confirm", 1, 1, []FieldType{FieldBool}},               // 1.1.0 service.py:204
	{"display", 1, 2, []FieldType{FieldBool}},                        // 1.2.0 service.py:204
	{"oauth_roles", 2, 0, []FieldType{FieldStrList}},                 // 2.0.0 service.py:202
	{"oauth_client_allowed_scopes", 3, 0, []FieldType{FieldStrList}}, // 3.0.0 service.py:210
	// 6.0.0b1 and 6.0.0b2 service.py:244, Integer(30) ("versionadded:: 6.0"):
	// traitlets' Integer takes an int (and a bool), never a float, so
	// 'timeout': 2.5 stops the Hub with a TraitError.
	{"timeout", 6, 0, []FieldType{FieldInt}},
}

// ServiceKeys returns, sorted, every key a c.JupyterHub.services entry may
// have at v. Versions before 1.0 are treated as 1.0.
func ServiceKeys(v Version) []string {
	var out []string
	for _, f := range serviceFields {
		if v.AtLeast(f.major, f.minor) || f.major == 1 && f.minor == 0 {
			out = append(out, f.key)
		}
	}
	slices.Sort(out)
	return out
}

// ServiceFieldTypes returns the types the service key takes, nil for a key
// no version has.
func ServiceFieldTypes(key string) []FieldType {
	for _, f := range serviceFields {
		if f.key == key {
			return f.types
		}
	}
	return nil
}

// DeprecatedServiceKeys maps the keys v still accepts but has deprecated to
// the reason.
func DeprecatedServiceKeys(v Version) map[string]string {
	m := map[string]string{}
	if v.AtLeast(2, 0) {
		// Logged for a new service with admin: True, which is also put in the
		// admin role: 2.0.0 app.py:2268 (init_services), 3.0.0 app.py:2311-2318,
		// 5.2.1 app.py:2801 (service_from_spec). Removing admin: True later
		// does not revoke the role (3.0.0 app.py:2189-2196) [ran 3.0.0].
		m["admin"] = "deprecated in JupyterHub 2.0: give the service a role in c.JupyterHub.load_roles instead (admin: True puts it in the whole admin role, and dropping the key later does not take it out)"
	}
	if v.AtLeast(3, 0) {
		// "DEPRECATED in 3.0: use oauth_client_allowed_scopes": 3.0.0
		// services/service.py:203-208 through 6.0.0b2 service.py:213; ignored
		// when both are set (3.0.0 app.py:2369-2387, 5.0.0 app.py:2846-2860).
		m["oauth_roles"] = "deprecated in JupyterHub 3.0: use oauth_client_allowed_scopes (oauth_roles is ignored when both are set)"
	}
	return m
}
