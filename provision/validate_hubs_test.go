package provision

import (
	"context"
	"strings"
	"testing"

	"github.com/hubctl/hubctl/hub"
)

// TestValidateFollowsTheRealHubs: the checks whose outcome the real Hubs were
// seen to change between releases (the corpus's 3.0 and 5.2 labels) give
// each version its own id and severity, at the release the source changed.
func TestValidateFollowsTheRealHubs(t *testing.T) {
	tok := "'" + strings.Repeat("cd", 32) + "'"
	svc := func(extra string) string {
		return "c.JupyterHub.services = [{'name': 'a', 'api_token': " + tok + extra + "}]\n"
	}
	v := func(major, minor int) hub.Version { return hub.Version{Major: major, Minor: minor} }
	for _, tt := range []struct {
		name    string
		src     string
		version hub.Version
		want    string // "ID severity", comma-separated; "" for none
	}{
		// 5.0 asks for an OAuth client once oauth_client_id or
		// oauth_no_confirm is set, and stops without a redirect URI.
		{"oauth_client_id without url, 4.1", svc(", 'oauth_client_id': 'service-a'"), v(4, 1), "HUB211 warning"},
		{"oauth_client_id without url, 5.0", svc(", 'oauth_client_id': 'service-a'"), v(5, 0), "HUB111 error"},
		{"oauth_client_id with an empty url, 5.2", svc(", 'url': '', 'oauth_client_id': 'service-a'"), v(5, 2), "HUB111 error"},
		{"oauth_no_confirm False without url, 5.2", svc(", 'oauth_no_confirm': False"), v(5, 2), ""},
		{"oauth_redirect_uri without url, 5.2", svc(", 'oauth_redirect_uri': 'https://a.example/cb', 'oauth_no_confirm': True"), v(5, 2), ""},
		{"oauth_client_allowed_scopes alone, 5.2", svc(", 'oauth_client_allowed_scopes': ['read:users']"), v(5, 2), "HUB211 warning"},
		{"oauth_roles alone, 5.2", svc(", 'oauth_roles': ['user']"), v(5, 2), "HUB208 warning,HUB211 warning"},
		// 3.0.0 fails at the second start; 3.1.0 on starts every time.
		{"role without scopes, 3.0", "c.JupyterHub.load_roles = [{'name': 'observer', 'users': ['u']}]\n", v(3, 0), "HUB113 error"},
		{"role without scopes, 3.1", "c.JupyterHub.load_roles = [{'name': 'observer', 'users': ['u']}]\n", v(3, 1), "HUB113 warning"},
		{"role without scopes, 5.2", "c.JupyterHub.load_roles = [{'name': 'observer', 'users': ['u']}]\n", v(5, 2), "HUB113 warning"},
		// 5.0 stores a string command as it is and cannot read it back.
		{"one-word string command, 4.1", "c.JupyterHub.services = [{'name': 'a', 'command': '/bin/true'}]\n", v(4, 1), "HUB104 warning"},
		{"one-word string command, 5.0", "c.JupyterHub.services = [{'name': 'a', 'command': '/bin/true'}]\n", v(5, 0), "HUB104 error"},
		{"string command with arguments, 3.0", "c.JupyterHub.services = [{'name': 'a', 'command': 'sleep 1'}]\n", v(3, 0), "HUB104 error"},
		// timeout is a service key from 6.0 (the 5.2 Hub stops: "No such service field").
		{"timeout, 5.2", svc(", 'url': 'http://127.0.0.1:10111', 'timeout': 60"), v(5, 2), "HUB101 error"},
		{"timeout, 6.0", svc(", 'url': 'http://127.0.0.1:10111', 'timeout': 60"), v(6, 0), ""},
		{"list command, 5.2", "c.JupyterHub.services = [{'name': 'a', 'command': ['sleep', '1']}]\n", v(5, 2), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseWith(context.Background(), "/etc/jupyterhub/jupyterhub_config.py", []byte(tt.src), ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range Validate(cfg, ValidateOptions{Version: tt.version}) {
				got = append(got, f.ID+" "+string(f.Severity))
			}
			if strings.Join(got, ",") != tt.want {
				t.Errorf("validate --hub-version %s: %v, want %q", tt.version, got, tt.want)
			}
		})
	}
}
