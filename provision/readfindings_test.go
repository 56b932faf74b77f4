package provision

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/hubctl/hubctl/hub"
)

// TestReadFindings: what the Hub itself trips on or silently ignores,
// found while reading (HUB115, HUB116) or validating (HUB211), per version.
func TestReadFindings(t *testing.T) {
	tok := "'" + strings.Repeat("ab", 32) + "'"
	for _, tt := range []struct {
		name, src string
		version   hub.Version
		want      []string // "ID line"
	}{
		{"+= unassigned", "c.JupyterHub.services += [{'name': 'a', 'api_token': " + tok + "}]\n", hub.Version{Major: 3, Minor: 0, Patch: 0}, []string{"HUB115 1"}},
		{"+= after =", "c.JupyterHub.services = []\nc.JupyterHub.services += [{'name': 'a', 'api_token': " + tok + "}]\n", hub.Version{Major: 3, Minor: 0, Patch: 0}, nil},
		{"+= after append", "c.JupyterHub.services.append({'name': 'a', 'api_token': " + tok + "})\nc.JupyterHub.services += []\n", hub.Version{Major: 3, Minor: 0, Patch: 0}, []string{"HUB115 2"}},
		{"roles +=", "c.JupyterHub.load_roles += [{'name': 'reader', 'scopes': ['read:users']}]\n", hub.Version{Major: 3, Minor: 0, Patch: 0}, []string{"HUB115 1"}},
		{"api_tokens += even when assigned", "c.JupyterHub.api_tokens = {}\nc.JupyterHub.api_tokens += {" + tok + ": 'u'}\n", hub.Version{Major: 3, Minor: 0, Patch: 0}, []string{"HUB115 2", "HUB209 2"}},
		{"= x + [...] unassigned", "c.JupyterHub.services = c.JupyterHub.services + [{'name': 'a', 'api_token': " + tok + "}]\n", hub.Version{Major: 3, Minor: 0, Patch: 0}, []string{"HUB115 1"}},
		{"= x + [...] assigned", "c.JupyterHub.services = []\nc.JupyterHub.services = c.JupyterHub.services + [{'name': 'a', 'api_token': " + tok + "}]\n", hub.Version{Major: 3, Minor: 0, Patch: 0}, nil},
		{"Path to load_subconfig", "from pathlib import Path\nload_subconfig(Path('/nonexistent') / 'x.py')\n", hub.Version{Major: 3, Minor: 0, Patch: 0}, []string{"HUB116 2"}},
		{"oauth without url, 3.0", "c.JupyterHub.services = [{'name': 'a', 'api_token': " + tok + ", 'oauth_no_confirm': True}]\n", hub.Version{Major: 3, Minor: 0, Patch: 0}, []string{"HUB211 1"}},
		{"oauth_no_confirm False, 3.0", "c.JupyterHub.services = [{'name': 'a', 'api_token': " + tok + ", 'oauth_no_confirm': False}]\n", hub.Version{Major: 3, Minor: 0, Patch: 0}, nil},
		{"oauth with redirect uri, 3.0", "c.JupyterHub.services = [{'name': 'a', 'api_token': " + tok + ", 'oauth_client_id': 'service-a', 'oauth_redirect_uri': 'http://127.0.0.1:1/cb'}]\n", hub.Version{Major: 3, Minor: 0, Patch: 0}, nil},
		{"oauth with url, 3.0", "c.JupyterHub.services = [{'name': 'a', 'api_token': " + tok + ", 'url': 'http://127.0.0.1:1', 'oauth_client_allowed_scopes': ['read:users']}]\n", hub.Version{Major: 3, Minor: 0, Patch: 0}, nil},
		{"oauth without url, 5.2: an error, not a warning", "c.JupyterHub.services = [{'name': 'a', 'api_token': " + tok + ", 'oauth_no_confirm': True}]\n", hub.Version{Major: 5, Minor: 2, Patch: 1}, []string{"HUB111 1"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseWith(context.Background(), "/etc/jupyterhub/jupyterhub_config.py", []byte(tt.src), ReadOptions{Subconfigs: true})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range Validate(cfg, ValidateOptions{Version: tt.version}) {
				got = append(got, f.ID+" "+strconv.Itoa(f.Line))
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
