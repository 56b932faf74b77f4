package helm

import (
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/hubctl/hubctl/provision"
)

func TestForPod(t *testing.T) {
	t.Parallel()
	m := provision.Managed{Services: []provision.Service{
		{Name: "cull-idle", Command: []string{"/home/me/Downloads/hubctl", "cull", "--timeout=3600"}},
		{Name: "own-url", Command: []string{"hubctl", "cull", "--url=http://hub:8081/hub/api"}},
		{Name: "own-url2", Command: []string{"./hubctl", "cull", "--url", "http://hub:8081/hub/api"}},
		{Name: "tokens", Command: []string{"/home/me/hubctl", "token", "list"}},
		{Name: "grader", Command: []string{"/home/me/bin/grader", "--port=8000"}},
		{Name: "web", URL: "http://web:8000"},
	}}
	orig := slices.Clone(m.Services[0].Command)
	got := ForPod(m, "/opt/hubctl")
	want := [][]string{
		{"/opt/hubctl", "cull", "--timeout=3600", "--url=http://localhost:8081/hub/api"},
		{"/opt/hubctl", "cull", "--url=http://hub:8081/hub/api"},
		{"/opt/hubctl", "cull", "--url", "http://hub:8081/hub/api"},
		{"/opt/hubctl", "token", "list"},
		{"/home/me/bin/grader", "--port=8000"},
		nil,
	}
	for i, s := range got.Services {
		if !slices.Equal(s.Command, want[i]) {
			t.Errorf("%s: %q, want %q", s.Name, s.Command, want[i])
		}
	}
	if !slices.Equal(m.Services[0].Command, orig) {
		t.Errorf("ForPod changed its argument: %q", m.Services[0].Command)
	}
}

func TestRenderExistingSecret(t *testing.T) {
	t.Parallel()
	token := strings.Repeat("ab", 32)
	m := provision.Managed{
		Services: []provision.Service{
			{Name: "cull-idle", Command: []string{"/usr/local/bin/hubctl", "cull"}, Token: provision.TokenLiteral, APIToken: token},
			{Name: "grader", URL: "http://grader:8000", Token: provision.TokenEnv, TokenEnvVar: "GRADER_TOKEN"},
		},
		Roles: []provision.Role{{Name: "cull-idle-role", Scopes: []string{"list:users"}, Services: []string{"cull-idle"}}},
	}
	out, err := Render(m, nil, Options{ExistingSecret: "hubctl-tokens"})
	if err != nil {
		t.Fatal(err)
	}
	checkSchema(t, out)
	var values struct {
		Hub struct {
			ExistingSecret string `yaml:"existingSecret"`
			Services       map[string]map[string]any
		}
	}
	if err := yaml.Unmarshal(out, &values); err != nil {
		t.Fatal(err)
	}
	if values.Hub.ExistingSecret != "hubctl-tokens" || len(values.Hub.Services) != 2 ||
		strings.Contains(string(out), token) || strings.Contains(string(out), "apiToken:") ||
		!strings.Contains(string(out), "hub.services.cull-idle.apiToken, hub.services.grader.apiToken") {
		t.Errorf("%+v\n%s", values, out)
	}
	for _, bad := range []string{"Hubctl", "a_b", "-x", strings.Repeat("a", 254), "x\n"} {
		if err := CheckSecretName(bad); err == nil || !strings.Contains(err.Error(), "Kubernetes Secret name") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
