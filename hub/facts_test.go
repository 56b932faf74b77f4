package hub

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func mustVersion(t *testing.T, s string) Version {
	t.Helper()
	v, err := ParseVersion(s)
	if err != nil {
		t.Fatalf("ParseVersion(%q): %v", s, err)
	}
	return v
}

// representativeTags is one release tag per minor version, 1.5 to 6.0,
// the tags the facts were read at (testdata/jupyterhub-versions.md).
var representativeTags = []string{"1.5.0", "2.0.0", "2.1.1", "2.2.2", "2.3.1", "3.0.0", "3.1.1", "4.0.2", "4.1.6",
	"5.0.0", "5.1.0", "5.2.1", "5.3.0", "5.4.6", "5.5.1", "6.0.0b2"}

func TestServiceKeys(t *testing.T) {
	base := []string{"admin", "api_token", "command", "cwd", "environment", "info", "name", "oauth_client_id", "oauth_redirect_uri", "url", "user"}
	with := func(extra ...string) []string {
		out := append(slices.Clone(base), extra...)
		slices.Sort(out)
		return out
	}
	v12 := with("oauth_no_confirm", "display")                                               // 1.2.0 to 1.5.x
	v20 := with("oauth_no_confirm", "display", "oauth_roles")                                // 2.x
	v30 := with("oauth_no_confirm", "display", "oauth_roles", "oauth_client_allowed_scopes") // 3.0 to 5.5
	v60 := with("oauth_no_confirm", "display", "oauth_roles", "oauth_client_allowed_scopes", "timeout")
	want := map[string][]string{
		"1.0.0": with(), "1.1.0": with("oauth_no_confirm"), "1.2.0": v12, "1.5.0": v12,
		"2.0.0": v20, "2.1.1": v20, "2.2.2": v20, "2.3.1": v20,
		"3.0.0": v30, "3.1.1": v30, "4.0.2": v30, "4.1.6": v30, "5.0.0": v30, "5.1.0": v30, "5.2.1": v30,
		"5.3.0": v30, "5.4.6": v30, "5.5.1": v30,
		"6.0.0b1": v60, "6.0.0b2": v60,
	}
	for _, tag := range representativeTags {
		if _, ok := want[tag]; !ok {
			t.Fatalf("no expected keys for %s", tag)
		}
	}
	for tag, keys := range want {
		if got := ServiceKeys(mustVersion(t, tag)); !slices.Equal(got, keys) {
			t.Errorf("ServiceKeys(%s) =\n %v\nwant\n %v", tag, got, keys)
		}
	}
	if slices.Contains(ServiceKeys(NewestStable), "timeout") {
		t.Errorf("timeout must not be accepted before 6.0")
	}
}

func TestDeprecatedServiceKeys(t *testing.T) {
	if got := DeprecatedServiceKeys(Version{1, 5, 0}); len(got) != 0 {
		t.Errorf("1.5: %v", got)
	}
	d2 := DeprecatedServiceKeys(Version{2, 0, 0})
	if _, ok := d2["admin"]; !ok || len(d2) != 1 {
		t.Errorf("2.0: %v", d2)
	}
	d3 := DeprecatedServiceKeys(Version{3, 0, 0})
	if !strings.Contains(d3["oauth_roles"], "3.0") || !strings.Contains(d3["admin"], "2.0") {
		t.Errorf("3.0: %v", d3)
	}
	// every deprecated key is still accepted
	for _, v := range []Version{{2, 0, 0}, {3, 0, 0}, {6, 0, 0}} {
		for k := range DeprecatedServiceKeys(v) {
			if !slices.Contains(ServiceKeys(v), k) {
				t.Errorf("%v: deprecated key %q is not in ServiceKeys", v, k)
			}
		}
	}
}

func TestScopes(t *testing.T) {
	if got := Scopes(Version{1, 5, 0}); got != nil {
		t.Errorf("Scopes(1.5) = %v, want nil", got)
	}
	// The number of scope_definitions at each tag (scopes.py), and what
	// arrived at the tags where the list changed.
	count := map[string]int{"2.0.0": 38, "2.1.1": 39, "2.2.2": 39, "2.3.1": 39, "3.0.0": 40, "3.1.1": 40, "4.0.2": 40, "4.1.6": 40,
		"5.0.0": 47, "5.1.0": 47, "5.2.1": 47, "5.3.0": 47, "5.4.6": 47, "5.5.1": 47, "6.0.0b2": 48}
	for _, tag := range representativeTags[1:] {
		if got := len(Scopes(mustVersion(t, tag))); got != count[tag] {
			t.Errorf("len(Scopes(%s)) = %d, want %d", tag, got, count[tag])
		}
	}
	cases := []struct {
		v         string
		has, hasn []string
	}{
		{"2.0.0", []string{"inherit", "delete:users", "list:users", "read:users:activity", "delete:servers"}, []string{"all", "read:metrics", "admin-ui"}},
		{"2.1.1", []string{"read:metrics"}, []string{"admin-ui"}},
		{"3.0.0", []string{"admin-ui", "read:metrics", "(no_scope)", "self"}, []string{"admin:services", "shares"}},
		{"4.1.6", nil, []string{"admin:services", "read:shares"}},
		{"5.0.0", []string{"admin:services", "shares", "read:users:shares", "read:groups:shares"}, []string{"start:servers"}},
		{"5.5.1", []string{"admin:services", "shares", "read:users:shares", "read:groups:shares"}, []string{"start:servers"}},
		{"6.0.0b2", []string{"start:servers"}, []string{"all"}},
	}
	for _, c := range cases {
		got := Scopes(mustVersion(t, c.v))
		if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
			t.Errorf("Scopes(%s) is not sorted and unique", c.v)
		}
		for _, s := range c.has {
			if !slices.Contains(got, s) {
				t.Errorf("Scopes(%s) lacks %q", c.v, s)
			}
		}
		for _, s := range c.hasn {
			if slices.Contains(got, s) {
				t.Errorf("Scopes(%s) has %q", c.v, s)
			}
		}
	}
}

func TestSubscopes(t *testing.T) {
	for _, c := range []struct {
		v, scope string
		want     []string
	}{
		{"1.5.0", "servers", nil},
		{"2.0.0", "servers", []string{"read:servers", "delete:servers"}},
		{"5.5.1", "servers", []string{"read:servers", "delete:servers"}},
		{"6.0.0b2", "servers", []string{"read:servers", "start:servers", "delete:servers"}},
		{"3.0.0", "admin:users", []string{"admin:auth_state", "users", "read:roles:users", "delete:users"}},
		{"3.0.0", "list:users", []string{"read:users:name"}},
		{"3.0.0", "read:servers", []string{"read:users:name"}},
		{"4.1.6", "admin:services", nil},
		{"5.0.0", "admin:services", []string{"list:services", "read:services", "read:roles:services"}},
		{"5.0.0", "shares", []string{"access:servers", "read:shares", "users:shares", "groups:shares"}},
		{"3.0.0", "read:users:activity", nil},
	} {
		if got := Subscopes(mustVersion(t, c.v), c.scope); !slices.Equal(got, c.want) {
			t.Errorf("Subscopes(%s, %s) = %v, want %v", c.v, c.scope, got, c.want)
		}
	}
	// Every subscope is a scope of its version.
	for _, tag := range representativeTags[1:] {
		v := mustVersion(t, tag)
		for _, s := range Scopes(v) {
			for _, sub := range Subscopes(v, s) {
				if !slices.Contains(Scopes(v), sub) {
					t.Errorf("%s: subscope %q of %q is not a scope", tag, sub, s)
				}
			}
		}
	}
	got := ExpandScopes(Version{3, 0, 0}, []string{"admin:users", "read:servers!user=alice"})
	want := []string{"admin:auth_state", "admin:users", "delete:users", "list:users", "read:roles:users", "read:servers",
		"read:users", "read:users:activity", "read:users:groups", "read:users:name", "users", "users:activity"}
	if !slices.Equal(got, want) {
		t.Errorf("ExpandScopes(3.0, admin:users, read:servers!user=alice) =\n %v\nwant\n %v", got, want)
	}
}

func TestValidateScope(t *testing.T) {
	ok := []struct{ v, scope string }{
		{"2.0.0", "read:users"},
		{"2.0.0", "read:servers!user=alice"},
		{"2.0.0", "users:activity!user"},
		{"2.0.0", "servers!group=staff"},
		{"2.0.0", "access:services!service=grader"},
		{"2.0.0", "admin:servers!server=alice/lab"},
		{"2.0.0", "inherit"},
		{"3.0.0", "self"},
		{"3.0.0", "(no_scope)"},
		{"3.0.0", "access:servers!server"},
		{"3.0.0", "access:services!service"},
		{"3.0.0", "read:servers!server=alice/"},
		{"3.0.0", "delete:users"},
		{"5.5.1", "read:shares!user=alice"},
		{"6.0.0b2", "start:servers!group=class"},
	}
	for _, c := range ok {
		if err := ValidateScope(mustVersion(t, c.v), c.scope); err != nil {
			t.Errorf("ValidateScope(%s, %q) = %v, want nil", c.v, c.scope, err)
		}
	}
	bad := []struct{ v, scope, want string }{
		{"1.5.0", "read:users", "no scopes"},
		{"3.0.0", "all", "'inherit'"},
		{"2.0.0", "all", "'inherit'"},
		{"3.0.0", "read:user", "does not exist in JupyterHub 3.0.0"},
		{"3.0.0", "admin:services", "added in 5.0"},
		{"5.5.1", "start:servers", "added in 6.0"},
		{"2.0.0", "admin-ui", "added in 3.0"},
		{"2.0.0", "read:metrics", "added in 2.1"},
		{"3.0.0", "read:users!usr=alice", "unknown filter"},
		{"3.0.0", "read:users!group", "group name"},
		{"3.0.0", "read:users!user=", "empty"},
		{"2.3.1", "access:servers!server", "3.0"},
		{"2.3.1", "access:services!service", "3.0"},
		{"3.0.0", "custom:grader:read", "custom_scopes"},
		{"2.3.1", "custom:grader:read", "3.0"},
		{"3.0.0", "!user=alice", "no name"},
		{"3.0.0", "", "no name"},
	}
	for _, c := range bad {
		err := ValidateScope(mustVersion(t, c.v), c.scope)
		if err == nil {
			t.Errorf("ValidateScope(%s, %q) = nil, want an error", c.v, c.scope)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("ValidateScope(%s, %q) = %q, want it to mention %q", c.v, c.scope, err, c.want)
		}
	}
	// Every scope of every version validates at that version.
	for _, s := range representativeTags[1:] {
		v := mustVersion(t, s)
		for _, scope := range Scopes(v) {
			if err := ValidateScope(v, scope); err != nil {
				t.Errorf("%s: %v", s, err)
			}
		}
	}
}

func TestRoleNameRE(t *testing.T) {
	if RoleNameRE(Version{1, 5, 0}) != nil {
		t.Errorf("1.5 has no roles")
	}
	re := RoleNameRE(Version{3, 0, 0})
	good := []string{"abc", "idle-culler", "service-role.v2", "a~b_c", "a1b", "user", strings.Repeat("a", 255), "abc\n"}
	bad := []string{"", "ab", "Abc", "1abc", "abc-", "ab_", "ab.", "has space", "ümlaut", strings.Repeat("a", 256), "abc\n\n", "abc/def", "ab!c"}
	for _, s := range good {
		if !re.MatchString(s) {
			t.Errorf("role name %q should match", s)
		}
	}
	for _, s := range bad {
		if re.MatchString(s) {
			t.Errorf("role name %q should not match", s)
		}
	}
	for _, s := range representativeTags[1:] {
		if RoleNameRE(mustVersion(t, s)) == nil {
			t.Errorf("RoleNameRE(%s) = nil", s)
		}
	}
}

func TestDefaultRoles(t *testing.T) {
	if DefaultRoles(Version{1, 5, 0}) != nil {
		t.Errorf("1.5 has no roles")
	}
	want := []string{"user", "admin", "server", "token"}
	for _, s := range representativeTags[1:] {
		if got := DefaultRoles(mustVersion(t, s)); !slices.Equal(got, want) {
			t.Errorf("DefaultRoles(%s) = %v", s, got)
		}
		for _, r := range DefaultRoles(mustVersion(t, s)) {
			if !RoleNameRE(mustVersion(t, s)).MatchString(r) {
				t.Errorf("default role %q fails the role-name check", r)
			}
		}
	}
}

// installedHub runs python code against the system JupyterHub. Under CI=true a
// missing interpreter or package fails the test; elsewhere it skips. Once
// jupyterhub imports, any error of code fails the test.
func installedHub(t *testing.T, code string) []byte {
	t.Helper()
	const py = "/usr/bin/python3"
	run := func(code string) ([]byte, error) {
		cmd := exec.Command(py, "-c", code)
		cmd.Dir = t.TempDir() // not a directory that could shadow the jupyterhub package
		var stderr strings.Builder
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			err = fmt.Errorf("%v\n%s", err, stderr.String())
		}
		return out, err
	}
	if _, err := run("import jupyterhub"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s cannot import jupyterhub (install Debian's jupyterhub package): %v", py, err)
		}
		t.Skipf("%s cannot import jupyterhub: %v", py, err)
	}
	out, err := run(code)
	if err != nil {
		t.Fatalf("python3 -c %q: %v", code, err)
	}
	return out
}

// installedVersion is the version of the system JupyterHub (3.0.0 in
// Debian bookworm); the cross-checks compare against what this package says
// for that version.
func installedVersion(t *testing.T) Version {
	out := installedHub(t, "import jupyterhub; print(jupyterhub.__version__)")
	return mustVersion(t, strings.TrimSpace(string(out)))
}

func TestScopesMatchInstalledHub(t *testing.T) {
	v := installedVersion(t)
	out := installedHub(t, `from jupyterhub.scopes import scope_definitions; import json; print(json.dumps(sorted(scope_definitions)))`)
	var got []string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("parsing %q: %v", out, err)
	}
	if want := Scopes(v); !slices.Equal(got, want) {
		t.Errorf("installed JupyterHub %s defines scopes\n %v\nbut Scopes(%s) =\n %v", v, got, v, want)
	}
	if v != (Version{3, 0, 0}) {
		t.Logf("installed JupyterHub is %s, not 3.0.0", v)
	}
	out = installedHub(t, `from jupyterhub.scopes import scope_definitions as d; import json; print(json.dumps({k: v.get("subscopes", []) for k, v in d.items()}))`)
	var subs map[string][]string
	if err := json.Unmarshal(out, &subs); err != nil {
		t.Fatalf("parsing %q: %v", out, err)
	}
	for scope, want := range subs {
		if got := Subscopes(v, scope); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("installed JupyterHub %s: %s has subscopes %v, but Subscopes says %v", v, scope, want, got)
		}
	}
}

func TestServiceKeysMatchInstalledHub(t *testing.T) {
	v := installedVersion(t)
	// The keys init_services accepts are Service.traits(input=True)
	// (3.0.0 app.py:2334-2337), the same set class_traits gives.
	out := installedHub(t, `from jupyterhub.services.service import Service; import json; print(json.dumps(sorted(Service.class_traits(input=True))))`)
	var got []string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("parsing %q: %v", out, err)
	}
	if want := ServiceKeys(v); !slices.Equal(got, want) {
		t.Errorf("installed JupyterHub %s accepts service keys\n %v\nbut ServiceKeys(%s) =\n %v", v, got, v, want)
	}
	// and init_services really rejects anything else with this message
	out = installedHub(t, `import inspect; from jupyterhub.app import JupyterHub; print(inspect.getsource(JupyterHub.init_services))`)
	for _, s := range []string{"traits = service.traits(input=True)", `raise AttributeError("No such service field: %s" % key)`} {
		if !strings.Contains(string(out), s) {
			t.Errorf("JupyterHub %s init_services no longer contains %q", v, s)
		}
	}
}

func TestRoleNameMatchesInstalledHub(t *testing.T) {
	v := installedVersion(t)
	out := installedHub(t, `from jupyterhub.roles import _role_name_pattern; print(_role_name_pattern.pattern)`)
	if got := strings.TrimSpace(string(out)); got != `^[a-z][a-z0-9\-_~\.]{1,253}[a-z0-9]$` {
		t.Errorf("JupyterHub %s role name pattern is %s", v, got)
	}
	names := []string{"abc", "ab", "Abc", "abc-", "idle-culler", "abc\n", "abc\n\n", "a.b~c_d", "1ab"}
	js, _ := json.Marshal(names)
	out = installedHub(t, `import json; from jupyterhub.roles import _role_name_pattern as p; print(json.dumps([bool(p.match(n)) for n in json.loads(r'''`+string(js)+`''')]))`)
	var hub []bool
	if err := json.Unmarshal(out, &hub); err != nil {
		t.Fatalf("parsing %q: %v", out, err)
	}
	for i, n := range names {
		if got := RoleNameRE(v).MatchString(n); got != hub[i] {
			t.Errorf("role name %q: RoleNameRE says %v, JupyterHub %s says %v", n, got, v, hub[i])
		}
	}
}

func TestValidateScopeMatchesInstalledHub(t *testing.T) {
	v := installedVersion(t)
	scopes := []string{"read:users", "all", "read:user", "read:users!user=alice", "read:users!user", "read:users!server", "read:users!service",
		"read:users!group", "read:users!group=g", "read:users!usr=x", "access:servers!server=alice/lab", "admin-ui", "delete:users"}
	js, _ := json.Marshal(scopes)
	out := installedHub(t, `import json
from jupyterhub.scopes import _check_scopes_exist
res = []
for s in json.loads(r'''`+string(js)+`'''):
    try:
        _check_scopes_exist([s])
        res.append(True)
    except KeyError:
        res.append(False)
print(json.dumps(res))`)
	var hub []bool
	if err := json.Unmarshal(out, &hub); err != nil {
		t.Fatalf("parsing %q: %v", out, err)
	}
	for i, s := range scopes {
		if got := ValidateScope(v, s) == nil; got != hub[i] {
			t.Errorf("scope %q: ValidateScope accepts=%v, JupyterHub %s accepts=%v", s, got, v, hub[i])
		}
	}
}

// specScopes reads the oauth2 scope names from a JupyterHub REST API spec
// (securitySchemes.oauth2.flows.authorizationCode.scopes), without a YAML
// library: the names are the keys at the first indentation under "scopes:".
func specScopes(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI has the REST API specs in ../shared/jupyterhub: %v", err)
		}
		t.Skipf("no REST API spec: %v", err)
	}
	defer f.Close()
	var out []string
	inSchemes, inScopes, indent := false, false, -1
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		trimmed := strings.TrimLeft(line, " ")
		depth := len(line) - len(trimmed)
		switch {
		case trimmed == "securitySchemes:" || trimmed == "securityDefinitions:":
			inSchemes = true
		case inSchemes && !inScopes && trimmed == "scopes:":
			inScopes = true
		case inScopes:
			if trimmed == "" {
				continue
			}
			if indent < 0 {
				indent = depth
			}
			if depth < indent {
				return out
			}
			if depth == indent {
				name, _, _ := strings.Cut(trimmed, ": ")
				out = append(out, strings.TrimSuffix(name, ":"))
			}
		}
	}
	return out
}

func TestScopesMatchRESTAPISpecs(t *testing.T) {
	// /work/shared is beside the module in development and in CI.
	dir := filepath.Join("..", "..", "shared", "jupyterhub")
	for file, ver := range map[string]string{
		"rest-api-3.0.yml":     "3.0.0",
		"rest-api-5.5.1.yml":   "5.5.1",
		"rest-api-6.0.0b2.yml": "6.0.0b2",
	} {
		t.Run(file, func(t *testing.T) {
			got := specScopes(t, filepath.Join(dir, file))
			slices.Sort(got)
			if want := Scopes(mustVersion(t, ver)); !slices.Equal(got, want) {
				t.Errorf("%s lists scopes\n %v\nbut Scopes(%s) =\n %v", file, got, ver, want)
			}
		})
	}
}

func TestServiceFieldTypes(t *testing.T) {
	// 6.0.0b2 services/service.py: timeout = Integer(30), which refuses a float.
	if got := ServiceFieldTypes("timeout"); !slices.Equal(got, []FieldType{FieldInt}) {
		t.Errorf("ServiceFieldTypes(timeout) = %v, want [FieldInt]", got)
	}
	for _, v := range []Version{{1, 0, 0}, {3, 0, 0}, {6, 0, 0}} {
		for _, k := range ServiceKeys(v) {
			if len(ServiceFieldTypes(k)) == 0 {
				t.Errorf("ServiceFieldTypes(%q) is empty", k)
			}
		}
	}
	if got := ServiceFieldTypes("no_such_key"); got != nil {
		t.Errorf("ServiceFieldTypes(no_such_key) = %v", got)
	}
}

func TestServiceFieldTypesMatchInstalledHub(t *testing.T) {
	v := installedVersion(t)
	out := installedHub(t, `from jupyterhub.services.service import Service; import json; print(json.dumps({k: type(t).__name__ for k, t in Service.class_traits(input=True).items()}))`)
	var got map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("parsing %q: %v", out, err)
	}
	traitType := map[string]FieldType{"Unicode": FieldStr, "Bool": FieldBool, "Dict": FieldDict, "List": FieldStrList, "Command": FieldStrList}
	for key, trait := range got {
		want, ok := traitType[trait]
		if !ok {
			t.Errorf("JupyterHub %s: the service key %q is a %s, which hubctl does not map", v, key, trait)
			continue
		}
		if types := ServiceFieldTypes(key); !slices.Equal(types, []FieldType{want}) {
			t.Errorf("JupyterHub %s: the service key %q is a %s, but ServiceFieldTypes says %v", v, key, trait, types)
		}
	}
}
