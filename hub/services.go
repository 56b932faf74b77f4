package hub

import "slices"

// What JupyterHub accepts in c.JupyterHub.services, per version. Sources, in
// short (testdata/jupyterhub-versions.md has them in full):
//   - 1.x: jupyterhub/jupyterhub services/service.py @0063752a (1.0-era; has
//     internal_ssl), the oauth_no_confirm docstring ".. versionadded: 1.1" and
//     changelog 1.2.0 "Control service display #3160". No roles, no scopes.
//   - 2.0: ekmixon/jupyterhub services/service.py @56894926 (a fork at 2.0.0rc2).
//   - 3.0: Debian's jupyterhub 3.0.0 (/usr/lib/python3/dist-packages/jupyterhub),
//     cross-checked by the tests.
//   - 4.x: derived from 3.x plus changelog 4.0.0 (no service-key change).
//   - 5.x: manics/jupyterhub services/service.py @74273c4b and app.py
//     @55f30169 (forks of 5.1+ main).
//   - 6.0: the key "timeout" is derived from the alembic migration
//     be8ecf03ddac_service_timeout.py (services.timeout column, created
//     2025-11-24, after every 5.x migration).

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
// input=True. init_services (3.0.0 app.py:2334-2338; 5.x
// service_from_spec) raises AttributeError("No such service field: %s")
// for any other key, and the Hub exits.
type serviceField struct {
	key          string
	major, minor int // the first version that accepts it
	types        []FieldType
}

// serviceFields, in version order; the types are 3.0.0 services/service.py
// lines 186-334 unless marked.
var serviceFields = []serviceField{
	// 1.0-era service.py @0063752a
	{"name", 1, 0, []FieldType{FieldStr}},
	{"admin", 1, 0, []FieldType{FieldBool}},
	{"url", 1, 0, []FieldType{FieldStr}},
	{"api_token", 1, 0, []FieldType{FieldStr}},
	{"info", 1, 0, []FieldType{FieldDict}},
	{"command", 1, 0, []FieldType{FieldStrList}}, // Command(minlen=0); a str is wrapped as [str]
	{"cwd", 1, 0, []FieldType{FieldStr}},
	{"environment", 1, 0, []FieldType{FieldDict}},
	{"user", 1, 0, []FieldType{FieldStr}},
	{"oauth_client_id", 1, 0, []FieldType{FieldStr}},
	{"oauth_redirect_uri", 1, 0, []FieldType{FieldStr}},
	{"oauth_no_confirm", 1, 1, []FieldType{FieldBool}},               // ".. versionadded: 1.1"
	{"display", 1, 2, []FieldType{FieldBool}},                        // changelog 1.2.0, #3160
	{"oauth_roles", 2, 0, []FieldType{FieldStrList}},                 // 2.0.0rc2 service.py
	{"oauth_client_allowed_scopes", 3, 0, []FieldType{FieldStrList}}, // 3.0.0 service.py:210
	{"timeout", 6, 0, []FieldType{FieldInt, FieldFloat}},             // derived: migration be8ecf03ddac (an Integer column); its trait type is unconfirmed
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
		// 3.0.0 app.py:2311-2318 logs this for a new service with admin: True
		// and grants it the admin role; 5.x service_from_spec does the same.
		// Removing admin: True later does not revoke the admin role
		// (init_role_assignment, app.py:2189-2196) [ran 3.0.0].
		m["admin"] = "deprecated in JupyterHub 2.0: give the service a role in c.JupyterHub.load_roles instead (admin: True puts it in the whole admin role, and dropping the key later does not take it out)"
	}
	if v.AtLeast(3, 0) {
		// 3.0.0 services/service.py:203-208, app.py:2369-2387
		m["oauth_roles"] = "deprecated in JupyterHub 3.0: use oauth_client_allowed_scopes (oauth_roles is ignored when both are set)"
	}
	return m
}
