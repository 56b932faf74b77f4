package helm

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/provision"
)

func writeValues(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestCullKnobsAreTheChartsDefaults holds cullKnobs against the chart's
// values.yaml (testdata/z2jh/cull-defaults.yaml): the same keys, the same
// defaults, and none left out.
func TestCullKnobsAreTheChartsDefaults(t *testing.T) {
	data, err := os.ReadFile("../testdata/z2jh/cull-defaults.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var chart struct{ Cull map[string]any }
	if err := yaml.Unmarshal(data, &chart); err != nil {
		t.Fatal(err)
	}
	if chart.Cull["enabled"] != cullEnabledDefault {
		t.Errorf("cull.enabled: chart %v, cullEnabledDefault %v", chart.Cull["enabled"], cullEnabledDefault)
	}
	var keys []string
	for _, k := range cullKnobs {
		keys = append(keys, k.Key)
		if got := chart.Cull[k.Key]; !reflect.DeepEqual(got, k.Default) {
			t.Errorf("cull.%s: chart's default %#v, cullKnobs %#v", k.Key, got, k.Default)
		}
	}
	for k := range chart.Cull {
		if k != "enabled" && !slices.Contains(keys, k) {
			t.Errorf("cull.%s: in the chart's defaults, not in cullKnobs", k)
		}
	}
}

// chartDefaultArgs are the flags chart 4.4.0 passes its culler with no cull.*
// values: --timeout=3600 --cull-every=600 --concurrency=10 (jupyterhub_config.py
// leaves out the falsy maxAge and users, and --cull-admin-users=false while
// adminUsers is true).
var chartDefaultArgs = []string{"--timeout=3600", "--cull-every=600", "--concurrency=10"}

func TestCullArgsEveryKnob(t *testing.T) {
	with := func(drop string, add ...string) []string {
		var out []string
		for _, a := range chartDefaultArgs {
			if !strings.HasPrefix(a, drop+"=") {
				out = append(out, a)
			}
		}
		return append(out, add...)
	}
	for _, tt := range []struct {
		name, cull string
		args       []string
		cullUsers  bool
	}{
		{"no cull section", "", chartDefaultArgs, false},
		{"empty cull section", "cull: {}\n", chartDefaultArgs, false},
		{"enabled only", "cull:\n  enabled: true\n", chartDefaultArgs, false},
		{"timeout", "cull:\n  timeout: 7200\n", []string{"--timeout=7200", "--cull-every=600", "--concurrency=10"}, false},
		{"timeout 0: the culler's default", "cull:\n  timeout: 0\n", with("--timeout"), false},
		{"timeout null: the culler's default", "cull:\n  timeout: null\n", with("--timeout"), false},
		{"every", "cull:\n  every: 60\n", []string{"--timeout=3600", "--cull-every=60", "--concurrency=10"}, false},
		{"every 0: timeout/2", "cull:\n  every: 0\n", with("--cull-every"), false},
		{"concurrency", "cull:\n  concurrency: 3\n", []string{"--timeout=3600", "--cull-every=600", "--concurrency=3"}, false},
		{"concurrency null", "cull:\n  concurrency: ~\n", with("--concurrency"), false},
		{"users", "cull:\n  users: true\n", with("", "--cull-users"), true},
		{"users false", "cull:\n  users: false\n", chartDefaultArgs, false},
		{"users yes: true to Helm (YAML 1.1)", "cull:\n  users: yes\n", with("", "--cull-users"), true},
		{"users True", "cull:\n  users: True\n", with("", "--cull-users"), true},
		{"removeNamedServers on", "cull:\n  removeNamedServers: on\n", with("", "--remove-named-servers"), false},
		{"adminUsers off", "cull:\n  adminUsers: off\n", with("", "--cull-admin-users=false"), false},
		{"adminUsers NO", "cull:\n  adminUsers: NO\n", with("", "--cull-admin-users=false"), false},
		{"users null", "cull:\n  users: null\n", chartDefaultArgs, false},
		{"adminUsers false", "cull:\n  adminUsers: false\n", with("", "--cull-admin-users=false"), false},
		{"adminUsers null: falsy, so not culled", "cull:\n  adminUsers: null\n", with("", "--cull-admin-users=false"), false},
		{"adminUsers true", "cull:\n  adminUsers: true\n", chartDefaultArgs, false},
		{"removeNamedServers", "cull:\n  removeNamedServers: true\n", with("", "--remove-named-servers"), false},
		{"removeNamedServers false", "cull:\n  removeNamedServers: false\n", chartDefaultArgs, false},
		{"maxAge", "cull:\n  maxAge: 86400\n", with("", "--max-age=86400"), false},
		{"maxAge 0", "cull:\n  maxAge: 0\n", chartDefaultArgs, false},
		{"all, in the chart's order", "cull:\n  maxAge: 5\n  removeNamedServers: true\n  adminUsers: false\n  users: true\n  concurrency: 2\n  every: 4\n  timeout: 8\n",
			[]string{"--timeout=8", "--cull-every=4", "--concurrency=2", "--cull-users", "--cull-admin-users=false", "--remove-named-servers", "--max-age=5"}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			uv, err := ReadValues(writeValues(t, "values.yaml", "hub: {}\n"+tt.cull))
			if err != nil {
				t.Fatal(err)
			}
			args, cullUsers, err := uv.CullArgs()
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(args, tt.args) || cullUsers != tt.cullUsers {
				t.Errorf("got %q (cull users %v), want %q (%v)", args, cullUsers, tt.args, tt.cullUsers)
			}
		})
	}
}

func TestCullArgsRefusesWhatTheChartOrHubctlRefuses(t *testing.T) {
	for _, tt := range []struct{ cull, want string }{
		{"cull:\n  timeout: 1h\n", `:2: cull.timeout is "1h"; the chart's schema wants an integer or null`},
		{"cull:\n  every: 1.5\n", `:2: cull.every is "1.5"`},
		{"cull:\n  users: \"yes\"\n", `:2: cull.users is "yes"; the chart's schema wants true, false or null`},
		{"cull:\n  users: \"true\"\n", `:2: cull.users is "true"; the chart's schema wants true, false or null`},
		{"cull:\n  users: !!str on\n", `:2: cull.users is "on"`},
		{"cull:\n  maxAge: [1]\n", `:2: cull.maxAge`},
		{"cull:\n\n  concurrency: 1001\n", `:3: cull.concurrency is 1001; hubctl cull allows 1 to 1000`},
		{"cull:\n  timeout: -5\n", `:2: cull.timeout is -5`},
	} {
		p := writeValues(t, "v.yaml", tt.cull)
		uv, err := ReadValues(p)
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = uv.CullArgs()
		if err == nil || !strings.HasPrefix(err.Error(), p+":") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: got %v, want %s%s", tt.cull, err, p, tt.want)
		}
	}
}

func TestReadValuesErrorsNameFileAndLine(t *testing.T) {
	for _, tt := range []struct{ content, want string }{
		{"hub:\n  services:\n    a: [\n", ":3: did not find expected node content"},
		{"- a\n- b\n", ":1: values are a mapping"},
		{"hub:\n  x: &a {k: 1}\n  <<: *a\n", ":3: a YAML merge key"},
	} {
		p := writeValues(t, "v.yaml", tt.content)
		_, err := ReadValues(p)
		if err == nil || !strings.HasPrefix(err.Error(), p+tt.want) {
			t.Errorf("%q: got %v, want prefix %s%s", tt.content, err, p, tt.want)
		}
	}
	if _, err := ReadValues(filepath.Join(t.TempDir(), "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml: no such file") {
		t.Errorf("missing file: %v", err)
	}
	for _, empty := range []string{"", "# nothing\n", "~\n"} {
		uv, err := ReadValues(writeValues(t, "v.yaml", empty))
		if err != nil {
			t.Fatalf("%q: %v", empty, err)
		}
		if args, _, _ := uv.CullArgs(); !slices.Equal(args, chartDefaultArgs) {
			t.Errorf("%q: %q", empty, args)
		}
	}
}

func TestValuesFromCarriesCullAndKeepsUserEntries(t *testing.T) {
	s, r := cullIdlePreset()
	s.Command = []string{"hubctl", "cull", "--timeout", "60", "--cull_every=5", "--exclude-user=admin", "--cull-users", "--max-age=9"}
	p := writeValues(t, "config.yaml", `hub:
  services:
    # the grading service
    grader:
      url: http://grader:8000
      apiToken: &tok "`+strings.Repeat("ab", 32)+`"
    other:
      apiToken: *tok
  loadRoles:
    grader:
      scopes: [list:users]
      services: [grader]
cull:
  timeout: 7200
  adminUsers: false
`)
	uv, err := ReadValues(p)
	if err != nil {
		t.Fatal(err)
	}
	if n := uv.LiteralTokens(); n != 2 {
		t.Errorf("LiteralTokens %d, want 2", n)
	}
	out, err := Render(provision.Managed{Services: []provision.Service{s}, Roles: []provision.Role{r}}, uv, Options{})
	if err != nil {
		t.Fatal(err)
	}
	tok := strings.Repeat("ab", 32)
	want := map[string]any{
		"cull": map[string]any{"enabled": false},
		"hub": map[string]any{
			"loadRoles": map[string]any{
				"cull-idle-role": map[string]any{"scopes": []any{"list:users", "read:users:activity", "read:servers", "delete:servers"}, "services": []any{"cull-idle"}},
				"grader":         map[string]any{"scopes": []any{"list:users"}, "services": []any{"grader"}},
			},
			"services": map[string]any{
				// Only --exclude-user is hubctl's own: the rest are the chart's.
				"cull-idle": map[string]any{"command": []any{"hubctl", "cull", "--exclude-user=admin", "--timeout=7200", "--cull-every=600", "--concurrency=10", "--cull-admin-users=false"}},
				"grader":    map[string]any{"url": "http://grader:8000", "apiToken": tok},
				"other":     map[string]any{"apiToken": tok},
			},
		},
	}
	checkParse(t, out, want)
	checkSchema(t, out)
	if !strings.Contains(string(out), "# the grading service\n    grader:") {
		t.Errorf("the user's comment is lost:\n%s", out)
	}
	if !strings.Contains(string(out), "cull.* values of\n# "+p) {
		t.Errorf("the cull comment does not name %s:\n%s", p, out)
	}

	// cull.users gives the culler's role the scopes deleting users takes.
	uv2, err := ReadValues(writeValues(t, "v.yaml", "cull:\n  users: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := FromValues(provision.Managed{Services: []provision.Service{s}, Roles: []provision.Role{r}}, uv2)
	if err != nil {
		t.Fatal(err)
	}
	flags, err := m.Services[0].CullerFlags()
	if err != nil || !flags.CullUsers {
		t.Fatalf("CullerFlags %+v, %v", flags, err)
	}
	for _, sc := range hub.CullerRoleScopes(hub.NewestStable, flags) {
		if !slices.Contains(m.Roles[0].Scopes, sc) {
			t.Errorf("role scopes %q lack %s, which --cull-users needs", m.Roles[0].Scopes, sc)
		}
	}
	// hubctl's own --cull-users, turned off by the chart's cull.users
	// (false by default): the role loses what only that took.
	withUsers := provision.Service{Name: "cull-idle", Command: []string{"hubctl", "cull", "--cull-users=true"}}
	usersRole := provision.Role{Name: "cull-idle-role", Scopes: hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{CullUsers: true}), Services: []string{"cull-idle"}}
	m, err = FromValues(provision.Managed{Services: []provision.Service{withUsers}, Roles: []provision.Role{usersRole}}, uv)
	if err != nil {
		t.Fatal(err)
	}
	if want := hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{}); !slices.Equal(m.Roles[0].Scopes, want) || slices.Contains(m.Services[0].Command, "--cull-users=true") {
		t.Errorf("cull.users false: role scopes %q, want %q; command %q", m.Roles[0].Scopes, want, m.Services[0].Command)
	}
	if slices.Contains(r.Scopes, "admin:users") || len(r.Scopes) != 4 {
		t.Errorf("FromValues changed the caller's role: %q", r.Scopes)
	}
}

func TestValuesFromRefusesANameInBoth(t *testing.T) {
	s, r := cullIdlePreset()
	p := writeValues(t, "config.yaml", "hub:\n  loadRoles:\n    x: {}\n    cull-idle-role:\n      scopes: []\n")
	uv, err := ReadValues(p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Render(provision.Managed{Services: []provision.Service{s}, Roles: []provision.Role{r}}, uv, Options{})
	if err == nil || err.Error() != p+":4: hub.loadRoles.cull-idle-role is also one of hubctl's roles; rename one (Helm would merge the two into one role)" {
		t.Errorf("got %v", err)
	}
}

// TestReadValuesBoundsAliases: aliases of aliases ("billion laughs") in a
// small file are an error, in bounded time, both where ReadValues merges
// mappings and where Render copies the user's entries.
func TestReadValuesBoundsAliases(t *testing.T) {
	laughs := func(open, close string) string {
		var b strings.Builder
		b.WriteString("x:\n  l0: &l0 " + open + "lol, lol, lol, lol, lol, lol, lol, lol, lol, lol" + close + "\n")
		for i := 1; i < 9; i++ {
			b.WriteString(fmt.Sprintf("  l%d: &l%d %s", i, i, open))
			for j := 0; j < 10; j++ {
				if j > 0 {
					b.WriteString(", ")
				}
				if open == "{" {
					b.WriteString(fmt.Sprintf("k%d: ", j))
				}
				b.WriteString(fmt.Sprintf("*l%d", i-1))
			}
			b.WriteString(close + "\n")
		}
		return b.String()
	}
	maps := strings.ReplaceAll(laughs("{", "}"), "&l0 {lol, lol, lol, lol, lol, lol, lol, lol, lol, lol}", "&l0 {a: lol}")
	if _, err := ReadValues(writeValues(t, "maps.yaml", maps+"hub:\n  services:\n    s: *l8\n")); err == nil || !strings.Contains(err.Error(), "aliases expanded") {
		t.Errorf("maps: %v", err)
	}
	p := writeValues(t, "lists.yaml", laughs("[", "]")+"hub:\n  services:\n    s:\n      command: *l8\n")
	uv, err := ReadValues(p)
	if err != nil {
		t.Fatal(err)
	}
	s, r := cullIdlePreset()
	if _, err := Render(provision.Managed{Services: []provision.Service{s}, Roles: []provision.Role{r}}, uv, Options{}); err == nil || !strings.HasPrefix(err.Error(), p+": line ") || !strings.Contains(err.Error(), "aliases expanded") {
		t.Errorf("lists: %v", err)
	}
}

func TestValuesFromRefusesServicesThatAreNotAMap(t *testing.T) {
	p := writeValues(t, "v.yaml", "hub:\n  services:\n    - name: a\n")
	uv, err := ReadValues(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Render(provision.Managed{}, uv, Options{}); err == nil || err.Error() != p+":2: hub.services is a list; the chart takes a map keyed by name" {
		t.Errorf("got %v", err)
	}
}
