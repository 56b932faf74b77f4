package helm

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/z2jhschema"
	"github.com/hubctl/hubctl/provision"
	"gopkg.in/yaml.v3"
)

func cullIdlePreset() (provision.Service, provision.Role) {
	return provision.Service{Name: "cull-idle", Command: []string{"hubctl", "cull", "--timeout=3600"}},
		provision.Role{Name: "cull-idle-role", Scopes: hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{CullUsers: false}), Services: []string{"cull-idle"}}
}

// The exact values for the cull-idle preset.
const cullIdleHelm = `# hubctl's services and roles as Zero-to-JupyterHub chart values (helm upgrade ... -f FILE)

# The chart's own culler (jupyterhub-idle-culler) is off: hub.services.cull-idle
# runs ` + "`hubctl cull`" + ` instead, so the hub image must have hubctl on its PATH.
cull:
  enabled: false
hub:
  loadRoles:
    cull-idle-role:
      scopes:
        - list:users
        - read:users:activity
        - read:servers
        - delete:servers
      services:
        - cull-idle
  services:
    cull-idle:
      command:
        - hubctl
        - cull
        - --timeout=3600
`

func TestValuesCullIdlePreset(t *testing.T) {
	s, r := cullIdlePreset()
	out, err := Values(provision.Managed{Services: []provision.Service{s}, Roles: []provision.Role{r}})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != cullIdleHelm {
		t.Errorf("got\n%s\nwant\n%s", out, cullIdleHelm)
	}
	want := map[string]any{
		"cull": map[string]any{"enabled": false},
		"hub": map[string]any{
			"loadRoles": map[string]any{"cull-idle-role": map[string]any{
				"scopes":   []any{"list:users", "read:users:activity", "read:servers", "delete:servers"},
				"services": []any{"cull-idle"},
			}},
			"services": map[string]any{"cull-idle": map[string]any{
				"command": []any{"hubctl", "cull", "--timeout=3600"},
			}},
		},
	}
	checkParse(t, out, want)
	checkSchema(t, out)
}

// nasty are strings YAML likes to misread.
var nasty = []string{
	"yes", "no", "on", "off", "y", "N", "Yes", "NO", "On", "OFF", "true", "False", "~", "null", "Null", "",
	"1:20", "190:20:30.15", "0x1F", "0b101", "010", "1_000", "+1", "-1", ".5", "1e3", "1.0e+3", ".inf", "-.Inf", ".NaN",
	"2024-01-02", "2001-12-14t21:59:43.10-05:00", "<<", "=", "!tag", "&anchor", "*alias", "%percent", "@at", "`tick",
	"{flow: map}", "[seq]", "|", ">", "? q", "---", "...", "- lead dash", "-", "-x", "#hash", "a #not comment",
	"key: colon", "colon:", "quote\"s 'both'", "'", "\"", "back\\slash", "multi\nline", "trailing newline\n",
	"two trailing\n\n", "\n", "\n\n", "\nlead newline", "a\n\nb", "a\n \nb", "a \nb", "end\n ", "  \n", "x\n\n\n", "\t\n", "- a\n- b\n", "k: v\n# c\n", "  indented\n  block\n", " lead space", "trail space ", "tab\tin", "\ttab lead",
	"cr\r\nlf", "lone\rcr", "ls\u2028ps\u2029nel\u0085", "ünïcødé ✓ 🚀 日本語", "\u00a0nbsp", "bom\ufeff", "nul\x00del\x7f",
	"\x1b[31mesc", "zero-width\u200b", "right-to-left \u202e", "%{x}", "{{ .Values.x }}", "$(echo hi)",
}

func nastyMap(prefix string) (map[string]string, map[string]any) {
	m, want := map[string]string{}, map[string]any{}
	for i, s := range nasty {
		k := s
		if _, dup := m[k]; dup || k == "" {
			k = fmt.Sprintf("%s%d", prefix, i)
		}
		m[k] = s
		want[k] = s
	}
	// values under nasty keys too
	m["on"], want["on"] = "yes: no # on", "yes: no # on"
	return m, want
}

func anyList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func nastyManaged() (provision.Managed, map[string]any) {
	cull, cullRole := cullIdlePreset()
	f := false
	timeout := 1.5
	info, wantInfo := nastyMap("info")
	env, wantEnv := nastyMap("ENV_")
	ext := provision.Service{
		Name: "ext.svc_1-x", Admin: true, URL: "http://ext.example:8000/a:b/#frag?yes=no",
		Token: provision.TokenLiteral, APIToken: "12_3:45:59",
		Command:                  append([]string{"/opt/bin/svc"}, nasty...),
		Environment:              env,
		User:                     "no",
		Cwd:                      "/srv/x: y #z",
		OAuthNoConfirm:           true,
		OAuthClientID:            "service-yes: no #x",
		OAuthRedirectURI:         "http://ext.example:8000/oauth_callback?a='b'&c=\"d\"",
		OAuthClientAllowedScopes: []string{"read:users:name", "access:services!service=on"},
		OAuthRoles:               []string{"on", "- user"},
		Display:                  &f,
		Info:                     info,
		Timeout:                  &timeout,
	}
	role := provision.Role{Name: "ext-role", Description: "Reads users: yes\n# not a comment\n- not a list\nünïcødé ✓\n",
		Scopes: []string{"read:users", "admin:groups"}, Services: []string{"ext.svc_1-x"}, Users: nasty[:20], Groups: []string{"on", "no", "ünï"}}
	m := provision.Managed{Services: []provision.Service{ext, cull}, Roles: []provision.Role{role, cullRole}}
	want := map[string]any{
		"cull": map[string]any{"enabled": false},
		"hub": map[string]any{
			"services": map[string]any{
				"cull-idle": map[string]any{"command": []any{"hubctl", "cull", "--timeout=3600"}},
				"ext.svc_1-x": map[string]any{
					"admin":                       true,
					"apiToken":                    "12_3:45:59",
					"command":                     anyList(ext.Command),
					"cwd":                         "/srv/x: y #z",
					"display":                     false,
					"environment":                 wantEnv,
					"info":                        wantInfo,
					"oauth_client_allowed_scopes": []any{"read:users:name", "access:services!service=on"},
					"oauth_client_id":             "service-yes: no #x",
					"oauth_no_confirm":            true,
					"oauth_redirect_uri":          "http://ext.example:8000/oauth_callback?a='b'&c=\"d\"",
					"oauth_roles":                 []any{"on", "- user"},
					"timeout":                     1.5,
					"url":                         "http://ext.example:8000/a:b/#frag?yes=no",
					"user":                        "no",
				},
			},
			"loadRoles": map[string]any{
				"cull-idle-role": map[string]any{
					"scopes":   anyList(cullRole.Scopes),
					"services": []any{"cull-idle"},
				},
				"ext-role": map[string]any{
					"description": role.Description,
					"scopes":      []any{"read:users", "admin:groups"},
					"services":    []any{"ext.svc_1-x"},
					"users":       anyList(role.Users),
					"groups":      []any{"on", "no", "ünï"},
				},
			},
		},
	}
	return m, want
}

func TestValuesRoundTrip(t *testing.T) {
	m, want := nastyManaged()
	out, err := Values(m)
	if err != nil {
		t.Fatal(err)
	}
	checkParse(t, out, want)
	checkSchema(t, out)
	if !bytes.Contains(out, []byte("# JupyterHub starts the service as this user")) {
		t.Errorf("no comment on user:\n%s", out)
	}

	// The same whatever the order of services, roles and map entries.
	slices.Reverse(m.Services)
	slices.Reverse(m.Roles)
	for i := 0; i < 5; i++ {
		again, err := Values(m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out, again) {
			t.Fatalf("output changed between runs:\n%s\n---\n%s", out, again)
		}
	}
}

func TestValuesTokens(t *testing.T) {
	m := provision.Managed{Services: []provision.Service{
		{Name: "envtok", URL: "http://10.0.0.1:9000", Token: provision.TokenEnv, TokenEnvVar: provision.TokenEnvVarFor("envtok")},
		{Name: "notok", Command: []string{"python3", "-m", "svc"}},
		{Name: "lit", URL: "http://10.0.0.2:9000", Token: provision.TokenLiteral, APIToken: "yes-this-is-a-token"},
		{Name: "odd", URL: "http://10.0.0.3:9000", Token: provision.TokenEnv, TokenEnvVar: "X\n#y: z"},
	}}
	out, err := Values(m)
	if err != nil {
		t.Fatal(err)
	}
	checkParse(t, out, map[string]any{"hub": map[string]any{"services": map[string]any{
		"envtok": map[string]any{"url": "http://10.0.0.1:9000"},
		"notok":  map[string]any{"command": []any{"python3", "-m", "svc"}},
		"lit":    map[string]any{"url": "http://10.0.0.2:9000", "apiToken": "yes-this-is-a-token"},
		"odd":    map[string]any{"url": "http://10.0.0.3:9000"},
	}}})
	checkSchema(t, out)
	for _, want := range []string{
		"    # No apiToken: hubctl's config reads it from $HUBCTL_TOKEN_ENVTOK, which the chart does not set.\n" +
			"    # The chart generates a token and keeps it in the hub Secret under hub.services.envtok.apiToken.\n" +
			"    envtok:\n",
		"    # No apiToken: hubctl's config reads it from an environment variable, which the chart does not set.\n",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	// The block reads an env token through its own alias for os; neither
	// that alias nor the expression may reach the values.
	block, err := m.Render()
	if err != nil {
		t.Fatal(err)
	}
	alias := regexp.MustCompile(`(\w+)\.environ\[`).FindStringSubmatch(block)
	if alias == nil {
		t.Fatalf("no os.environ expression in the block:\n%s", block)
	}
	if strings.Contains(string(out), "environ[") || strings.Contains(string(out), alias[1]) {
		t.Errorf("a Python expression leaked:\n%s", out)
	}
	if n := len(regexp.MustCompile(`(?m)^ *apiToken:`).FindAllString(string(out), -1)); n != 1 {
		t.Errorf("%d apiToken keys, want 1 (the literal one):\n%s", n, out)
	}
}

// Which commands run hubctl's culler is provision.Service.RunsHubctlCull
// (its own table test); here, that the values follow it and say where
// hubctl must be.
func TestValuesCullOnlyForHubctlCull(t *testing.T) {
	for _, tc := range []struct {
		cmd  []string
		cull bool
	}{
		{[]string{"hubctl", "cull"}, true},
		{[]string{"/usr/local/bin/hubctl", "cull", "--timeout=60"}, true},
		{[]string{"./hubctl", "cull"}, true},
		{nil, false},
		{[]string{"python3", "-m", "jupyterhub_idle_culler"}, false},
	} {
		s := provision.Service{Name: "svc", Command: tc.cmd, URL: "http://127.0.0.1:1"}
		out, err := Values(provision.Managed{Services: []provision.Service{s}})
		if err != nil {
			t.Fatal(err)
		}
		var v map[string]any
		if err := yaml.Unmarshal(out, &v); err != nil {
			t.Fatal(err)
		}
		cull, has := v["cull"]
		if has != tc.cull {
			t.Errorf("%q: cull present = %v, want %v\n%s", tc.cmd, has, tc.cull, out)
		}
		if has && !reflect.DeepEqual(cull, map[string]any{"enabled": false}) {
			t.Errorf("%q: cull = %v", tc.cmd, cull)
		}
		if has && tc.cmd[0] != "hubctl" && !strings.Contains(string(out), "must have hubctl at "+tc.cmd[0]+".") {
			t.Errorf("%q: the comment does not say where hubctl must be:\n%s", tc.cmd, out)
		}
		checkSchema(t, out)
	}
	// Two cullers, in either order, one at an odd path.
	two := provision.Managed{Services: []provision.Service{
		{Name: "b-cull", Command: []string{"/opt/x\n# y/hubctl", "cull"}},
		{Name: "a-cull", Command: []string{"hubctl", "cull"}},
	}}
	out, err := Values(two)
	if err != nil {
		t.Fatal(err)
	}
	want := "# The chart's own culler (jupyterhub-idle-culler) is off: hub.services.a-cull and hub.services.b-cull\n" +
		"# run `hubctl cull` instead, so the hub image must have hubctl at the path in its command and on its PATH.\ncull:\n"
	if !strings.Contains(string(out), want) {
		t.Errorf("no %q in\n%s", want, out)
	}
	slices.Reverse(two.Services)
	if again, err := Values(two); err != nil || !bytes.Equal(again, out) {
		t.Errorf("order matters: %v\n%s", err, again)
	}
	checkSchema(t, out)

	out, err = Values(provision.Managed{})
	if err != nil {
		t.Fatal(err)
	}
	checkParse(t, out, map[string]any{"hub": map[string]any{}})
}

func TestValuesErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	ok := provision.Service{Name: "ok", URL: "http://127.0.0.1:1"}
	for _, tc := range []struct {
		m    provision.Managed
		want string
	}{
		{provision.Managed{Services: []provision.Service{{Name: "admin", URL: "http://x:1"}}}, `service "admin": the chart's values schema reads hub.services.admin`},
		{provision.Managed{Services: []provision.Service{{Name: "apiToken"}}}, `hub.services.apiToken`},
		{provision.Managed{Services: []provision.Service{{Name: "url"}}}, `hub.services.url`},
		{provision.Managed{Services: []provision.Service{{Name: "my service"}}}, `Secret keys allow only`},
		{provision.Managed{Services: []provision.Service{{Name: "ünï"}}}, `Secret keys allow only`},
		{provision.Managed{Services: []provision.Service{{Name: strings.Repeat("a", 232)}}}, `Secret keys allow only`},
		{provision.Managed{Services: []provision.Service{{}}}, `a service without a name`},
		{provision.Managed{Services: []provision.Service{ok, ok}}, `service "ok": defined twice`},
		{provision.Managed{Services: []provision.Service{{Name: "x", Token: provision.TokenUnknown}}}, `service "x": api_token: an expression`},
		{provision.Managed{Services: []provision.Service{{Name: "x", Timeout: &nan}}}, `service "x": timeout: NaN is not a finite number`},
		{provision.Managed{Services: []provision.Service{{Name: "x", Timeout: &inf}}}, `service "x": timeout: +Inf is not a finite number`},
		{provision.Managed{Services: []provision.Service{{Name: "x", Info: map[string]string{"k": "\xff"}}}}, `service "x": info["k"]: not valid UTF-8`},
		{provision.Managed{Services: []provision.Service{{Name: "x", Command: []string{"a\xffb"}}}}, `service "x": command: not valid UTF-8`},
		{provision.Managed{Roles: []provision.Role{{Name: "r", Scopes: []string{"a"}}, {Name: "r"}}}, `role "r": defined twice`},
		{provision.Managed{Roles: []provision.Role{{Name: "r", Users: []string{"\xc3"}}}}, `role "r": users: not valid UTF-8`},
		{provision.Managed{Roles: []provision.Role{{}}}, `a role without a name`},
	} {
		_, err := Values(tc.m)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Values(%+v) = %v, want an error with %q", tc.m, err, tc.want)
		}
	}
	// The longest name a Secret key allows is fine.
	if _, err := Values(provision.Managed{Services: []provision.Service{{Name: strings.Repeat("a", 231), URL: "http://x:1"}}}); err != nil {
		t.Error(err)
	}
}

func TestValuesNumbers(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		text string
	}{{30, "timeout: 30\n"}, {0, "timeout: 0\n"}, {1.5, "timeout: 1.5\n"}, {1e20, "timeout: 1.0e+20\n"}, {2.5e-7, "timeout: 2.5e-07\n"}, {1e-7, "timeout: 1.0e-07\n"}} {
		f := tc.f
		out, err := Values(provision.Managed{Services: []provision.Service{{Name: "x", Command: []string{"x"}, Timeout: &f}}})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(out), tc.text) {
			t.Errorf("%v: no %q in\n%s", tc.f, tc.text, out)
		}
		var v struct {
			Hub struct {
				Services map[string]struct{ Timeout float64 }
			}
		}
		if err := yaml.Unmarshal(out, &v); err != nil {
			t.Fatal(err)
		}
		if got := v.Hub.Services["x"].Timeout; got != tc.f {
			t.Errorf("timeout %v read back as %v", tc.f, got)
		}
		checkSchema(t, out)
	}
}

// checkParse reads out back and compares it with want, and checks that
// no string is written plain where a YAML 1.1 reader (Helm's) would read
// something else.
func checkParse(t *testing.T, out []byte, want map[string]any) {
	t.Helper()
	var got map[string]any
	if err := yaml.Unmarshal(out, &got); err != nil {
		t.Fatalf("output does not parse: %v\n%s", err, out)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back:\n%s", diffAny("", got, want))
		t.Logf("output:\n%s", out)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.AliasNode || n.Anchor != "" {
			t.Errorf("line %d: an anchor or alias", n.Line)
		}
		if n.Kind == yaml.ScalarNode {
			if n.Style&yaml.TaggedStyle != 0 {
				t.Errorf("line %d: an explicit tag %s", n.Line, n.Tag)
			}
			if n.Tag == "!!str" && n.Style == 0 && yaml11NotString(n.Value) {
				t.Errorf("line %d: %q is plain, and YAML 1.1 does not read it as a string", n.Line, n.Value)
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&doc)
}

// YAML 1.1's implicit types (yaml.org/type): what a plain scalar in these
// forms means, other than a string.
var yaml11Types = []*regexp.Regexp{
	regexp.MustCompile(`^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$`),
	regexp.MustCompile(`^(?:~|null|Null|NULL|)$`),
	regexp.MustCompile(`^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$`),
	regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)?\.[0-9.]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`),
	regexp.MustCompile(`^[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?(?:(?:[Tt]|[ \t]+)[0-9][0-9]?:[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)?$`),
	regexp.MustCompile(`^(?:<<|=)$`),
}

func yaml11NotString(s string) bool {
	for _, re := range yaml11Types {
		if re.MatchString(s) {
			return true
		}
	}
	return false
}

func diffAny(path string, got, want any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: got %#v, want a map\n", path, got)
		}
		var b strings.Builder
		for _, k := range z2jhschema.SortedKeys(w, g) {
			gv, gok := g[k]
			wv, wok := w[k]
			switch {
			case !gok:
				fmt.Fprintf(&b, "%s.%q: missing, want %#v\n", path, k, wv)
			case !wok:
				fmt.Fprintf(&b, "%s.%q: unexpected %#v\n", path, k, gv)
			default:
				b.WriteString(diffAny(fmt.Sprintf("%s.%q", path, k), gv, wv))
			}
		}
		return b.String()
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Sprintf("%s: got %#v, want %#v\n", path, got, want)
		}
		var b strings.Builder
		for i := range w {
			b.WriteString(diffAny(fmt.Sprintf("%s[%d]", path, i), g[i], w[i]))
		}
		return b.String()
	}
	if !reflect.DeepEqual(got, want) {
		return fmt.Sprintf("%s: got %#v, want %#v\n", path, got, want)
	}
	return ""
}

// --- the chart's values schema ---

func loadZ2JHSchema(t *testing.T) map[string]any {
	t.Helper()
	schema, err := z2jhschema.Load("..")
	if err != nil {
		t.Fatal(err)
	}
	return schema
}

func schemaAt(t *testing.T, schema map[string]any, path ...string) map[string]any {
	t.Helper()
	s := z2jhschema.At(schema, path...)
	if s == nil {
		t.Fatalf("schema has no %s", strings.Join(path, "."))
	}
	return s
}

// checkSchema validates out against the chart's schema, as Helm does,
// and each service and role against what the chart documents for one.
func checkSchema(t *testing.T, out []byte) {
	t.Helper()
	var values map[string]any
	if err := yaml.Unmarshal(out, &values); err != nil {
		t.Fatal(err)
	}
	for _, e := range z2jhschema.CheckValues(loadZ2JHSchema(t), values) {
		t.Errorf("schema: %s", e)
	}
}

// TestSchemaAssumptions pins what Values relies on in the chart's
// schema, and shows the walker catches what Helm would refuse.
func TestSchemaAssumptions(t *testing.T) {
	schema := loadZ2JHSchema(t)
	services := schemaAt(t, schema, "properties", "hub", "properties", "services")
	if services["additionalProperties"] != true {
		t.Errorf("hub.services.additionalProperties = %v; Values assumes any service and key is allowed", services["additionalProperties"])
	}
	var reserved []string
	for k := range schemaAt(t, schema, "properties", "hub", "properties", "services", "properties") {
		reserved = append(reserved, k)
	}
	sort.Strings(reserved)
	if !slices.Equal(reserved, reservedServiceNames) {
		t.Errorf("hub.services.properties = %v, reservedServiceNames = %v", reserved, reservedServiceNames)
	}
	if roles := schemaAt(t, schema, "properties", "hub", "properties", "loadRoles"); roles["additionalProperties"] != true {
		t.Errorf("hub.loadRoles.additionalProperties = %v", roles["additionalProperties"])
	}
	// --image writes these lists; the schema takes any entries in them
	// (Kubernetes checks them).
	for _, key := range []string{"initContainers", "extraVolumes", "extraVolumeMounts"} {
		l := schemaAt(t, schema, "properties", "hub", "properties", key)
		for k := range l {
			if k != "type" && k != "description" {
				t.Errorf("hub.%s has %s in the schema; addImage assumes only a type", key, k)
			}
		}
		if l["type"] != "array" {
			t.Errorf("hub.%s type = %v", key, l["type"])
		}
	}
	if ty := schemaAt(t, schema, "properties", "cull", "properties", "enabled")["type"]; ty != "boolean" {
		t.Errorf("cull.enabled type = %v", ty)
	}

	skip := z2jhschema.TopLevel
	for _, bad := range []string{
		"hub: {services: {admin: {url: 'http://x:1'}}}",
		"hub: {services: {url: {command: [x]}}}",
		"hub: {services: []}",
		"hub: {loadRoles: [a]}",
		"hub: {bogus: 1}",
		"cull: {enabled: 'false'}",
		"cull: {}",
		"cull: {enabled: false, bogus: 1}",
		"bogus: {}",
	} {
		var v map[string]any
		if err := yaml.Unmarshal([]byte(bad), &v); err != nil {
			t.Fatal(err)
		}
		if errs := z2jhschema.Validate(schema, v, "", skip); len(errs) == 0 {
			t.Errorf("the walker accepts %s", bad)
		}
	}
	for _, good := range []string{
		"hub: {services: {x: {anything: [1, {a: b}]}}, loadRoles: {r: {scopes: [a]}}}",
		"cull: {enabled: false}",
	} {
		var v map[string]any
		if err := yaml.Unmarshal([]byte(good), &v); err != nil {
			t.Fatal(err)
		}
		if errs := z2jhschema.Validate(schema, v, "", skip); len(errs) > 0 {
			t.Errorf("the walker refuses %s: %v", good, errs)
		}
	}
}

// TestValuesRandomStrings: strings built from the characters YAML
// treats specially read back the same, through Values's own check and
// a YAML 1.1 look at every plain scalar.
func TestValuesRandomStrings(t *testing.T) {
	pieces := []string{"\n", "\n", " ", " ", "\t", "\r", "#", ":", "-", "?", "|", ">", "'", "\"", "\\", "{", "}", "[", "]",
		",", "&", "*", "!", "%", "@", "`", "~", "=", "<<", "0", "1", "x", "0x", ".", "_", "e", "yes", "no", "on", "null",
		"\u0085", "\u2028", "\ufeff", "\u00a0", "ü", "🚀", "\x00", "\x7f", "---", "...", "2024-01-02"}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 3000; i++ {
		var b strings.Builder
		for j := rng.IntN(8); j >= 0; j-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		m := provision.Managed{Services: []provision.Service{{Name: "x", Command: []string{s}, Info: map[string]string{s: s}}},
			Roles: []provision.Role{{Name: "r", Description: s, Scopes: []string{s}}}}
		out, err := Values(m)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		checkParse(t, out, map[string]any{"hub": map[string]any{
			"services":  map[string]any{"x": map[string]any{"command": []any{s}, "info": map[string]any{s: s}}},
			"loadRoles": map[string]any{"r": map[string]any{"description": s, "scopes": []any{s}}},
		}})
		if t.Failed() {
			t.Fatalf("%q", s)
		}
	}
}

// TestValuesAdminRole: the admin role hubctl's block may hold (upgrade-check
// --write) has members only, in the values too: the Hub refuses a load_roles
// entry that gives it scopes other than its own.
func TestValuesAdminRole(t *testing.T) {
	m := provision.Managed{Services: []provision.Service{{Name: "stats", URL: "http://127.0.0.1:9000"}},
		Roles: []provision.Role{{Name: provision.AdminRole, Services: []string{"stats"}}}}
	out, err := Values(m)
	if err != nil {
		t.Fatal(err)
	}
	checkSchema(t, out)
	if !bytes.Contains(out, []byte("admin:")) || bytes.Contains(out, []byte("scopes")) {
		t.Errorf("the admin role's values:\n%s", out)
	}
}

// TestValuesHexTokens: the tokens `config render --token keyring|new` puts
// into apiToken are hex, which YAML would read as a number when it is all
// digits or digits with one e; the values keep them strings and pass the
// schema (apiToken is a string there).
func TestValuesHexTokens(t *testing.T) {
	hexes := []string{strings.Repeat("0123456789", 6) + "0123", strings.Repeat("1", 30) + "e" + strings.Repeat("2", 33), strings.Repeat("ab", 32), "0" + strings.Repeat("7", 63)}
	var m provision.Managed
	want := map[string]any{}
	for i, tok := range hexes {
		name := fmt.Sprintf("svc%d", i)
		m.Services = append(m.Services, provision.Service{Name: name, Command: []string{"/usr/local/bin/hubctl", "cull"}, Token: provision.TokenLiteral, APIToken: tok})
		want[name] = map[string]any{"command": []any{"/usr/local/bin/hubctl", "cull", "--url=http://localhost:8081/hub/api"}, "apiToken": tok}
	}
	out, err := Render(ForPod(m, DefaultHubctlPath), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checkParse(t, out, map[string]any{"hub": map[string]any{"services": want}, "cull": map[string]any{"enabled": false}})
	checkSchema(t, out)
}
