package provision

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hubctl/hubctl/hub"
)

// TestValidateFollowsVersion: the findings whose severity or presence
// depends on the JupyterHub version, as read from its source at the
// release tags (hub/startup.go).
func TestValidateFollowsVersion(t *testing.T) {
	tok := "'" + strings.Repeat("ab", 32) + "'"
	svc := func(fields string) string {
		return "c.JupyterHub.services = [{'name': 'a', 'api_token': " + tok + ", " + fields + "}]\n"
	}
	role := func(fields string) string { return "c.JupyterHub.load_roles = [{" + fields + "}]\n" }
	v := func(s string) hub.Version {
		ver, err := hub.ParseVersion(s)
		if err != nil {
			t.Fatal(err)
		}
		return ver
	}
	for _, tt := range []struct {
		name, src, version string
		want               []string // "ID severity"
	}{
		// oauth_client_id's prefix is checked from 2.0 (Service._validate_client_id).
		{"client id prefix, 1.5", svc("'url': 'http://127.0.0.1:1', 'oauth_client_id': 'viewer'"), "1.5.0", nil},
		{"client id prefix, 2.0", svc("'url': 'http://127.0.0.1:1', 'oauth_client_id': 'viewer'"), "2.0.0", []string{"HUB106 error"}},
		// 5.x: only oauth_client_id and oauth_no_confirm make an OAuth client
		// that then lacks its redirect; an oauth_redirect_uri is one.
		{"redirect uri without url, 5.2", svc("'oauth_redirect_uri': 'https://ext.example/cb'"), "5.2.1", nil},
		{"client id and redirect uri, 5.2", svc("'oauth_client_id': 'service-a', 'oauth_redirect_uri': 'https://ext.example/cb'"), "5.2.1", nil},
		{"allowed scopes without url, 5.2", svc("'oauth_client_allowed_scopes': ['read:users']"), "5.2.1", []string{"HUB211 warning"}},
		{"oauth_roles without url, 5.2", svc("'oauth_roles': ['user']"), "5.2.1", []string{"HUB208 warning", "HUB211 warning"}},
		{"client id, empty url, 5.2", svc("'url': '', 'oauth_client_id': 'service-a'"), "5.2.1", []string{"HUB111 error"}},
		{"client id without url, 4.1", svc("'oauth_client_id': 'service-a'"), "4.1.6", []string{"HUB211 warning"}},
		{"client id with url, 5.2", svc("'url': 'http://127.0.0.1:1', 'oauth_client_id': 'service-a'"), "5.2.1", nil},
		// A command string: wrapped as [str] before 5.0, unreadable from the db from 5.0.
		{"command string, 3.0", "c.JupyterHub.services = [{'name': 'a', 'command': '/bin/true'}]\n", "3.0.0", []string{"HUB104 warning"}},
		{"command string, 5.2", "c.JupyterHub.services = [{'name': 'a', 'command': '/bin/true'}]\n", "5.2.1", []string{"HUB104 error"}},
		// A role without scopes fails the second start only on 2.0 to 3.0.
		{"role without scopes, 3.0", role("'name': 'observer', 'users': ['olga']"), "3.0.0", []string{"HUB113 error"}},
		{"role without scopes, 3.1", role("'name': 'observer', 'users': ['olga']"), "3.1.1", []string{"HUB113 warning"}},
		{"role without scopes, 5.2", role("'name': 'observer', 'users': ['olga']"), "5.2.1", []string{"HUB113 warning"}},
		{"default role without scopes, 2.0", role("'name': 'server', 'users': ['olga']"), "2.0.0", []string{"HUB113 error"}},
		{"default role without scopes, 2.1", role("'name': 'server', 'users': ['olga']"), "2.1.1", nil},
		// timeout is an Integer trait (6.0).
		{"timeout int, 6.0", svc("'url': 'http://127.0.0.1:1', 'timeout': 30"), "6.0.0b2", nil},
		{"timeout float, 6.0", svc("'url': 'http://127.0.0.1:1', 'timeout': 2.5"), "6.0.0b2", []string{"HUB104 error"}},
		{"timeout, 5.5", svc("'url': 'http://127.0.0.1:1', 'timeout': 30"), "5.5.1", []string{"HUB101 error"}},
		// A short service token is dropped silently before 1.4, fatal from 1.4.
		{"short service token, 1.3", "c.JupyterHub.services = [{'name': 'a', 'url': 'http://127.0.0.1:1', 'api_token': 'abc1234'}]\n", "1.3.0", []string{"HUB103 warning"}},
		{"short service token, 1.5", "c.JupyterHub.services = [{'name': 'a', 'url': 'http://127.0.0.1:1', 'api_token': 'abc1234'}]\n", "1.5.0", []string{"HUB103 error"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := ParseWith(context.Background(), "/etc/jupyterhub/jupyterhub_config.py", []byte(tt.src), ReadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range Validate(cfg, ValidateOptions{Version: v(tt.version)}) {
				got = append(got, f.ID+" "+string(f.Severity))
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("JupyterHub %s: got %v, want %v", tt.version, got, tt.want)
			}
		})
	}
}

// TestCheckServiceFollowsVersion: what `hubctl service add` refuses to
// write, per version.
func TestCheckServiceFollowsVersion(t *testing.T) {
	secs := func(f float64) *float64 { return &f }
	for _, tt := range []struct {
		name    string
		svc     Service
		version hub.Version
		field   string // "" = accepted
	}{
		{"client id prefix, 1.5", Service{Name: "a", URL: "http://127.0.0.1:1", OAuthClientID: "viewer", Token: TokenNone}, hub.Version{Major: 1, Minor: 5}, ""},
		{"client id prefix, 2.0", Service{Name: "a", URL: "http://127.0.0.1:1", OAuthClientID: "viewer", Token: TokenNone}, hub.Version{Major: 2}, "oauth_client_id"},
		{"client id without url, 4.1", Service{Name: "a", Command: []string{"x"}, OAuthClientID: "service-a", Token: TokenNone}, hub.Version{Major: 4, Minor: 1}, ""},
		{"client id without url, 5.0", Service{Name: "a", Command: []string{"x"}, OAuthClientID: "service-a", Token: TokenNone}, hub.Version{Major: 5}, "oauth_client_id"},
		{"client id and redirect, 5.0", Service{Name: "a", Command: []string{"x"}, OAuthClientID: "service-a", OAuthRedirectURI: "https://ext.example/cb", Token: TokenNone}, hub.Version{Major: 5}, ""},
		{"no confirm without url, 5.0", Service{Name: "a", Command: []string{"x"}, OAuthNoConfirm: true, Token: TokenNone}, hub.Version{Major: 5}, "oauth_no_confirm"},
		{"timeout 30, 6.0", Service{Name: "a", URL: "http://127.0.0.1:1", Timeout: secs(30), Token: TokenNone}, hub.Version{Major: 6}, ""},
		{"timeout 2.5, 6.0", Service{Name: "a", URL: "http://127.0.0.1:1", Timeout: secs(2.5), Token: TokenNone}, hub.Version{Major: 6}, "timeout"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckService(&tt.svc, tt.version)
			var fe *FieldError
			switch {
			case tt.field == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.field != "" && (!errors.As(err, &fe) || fe.Field != tt.field):
				t.Errorf("got %v, want an error on %s", err, tt.field)
			}
		})
	}
	// A million seconds is written as an int literal, not 1e+06.
	s := Service{Name: "a", URL: "http://127.0.0.1:1", Timeout: secs(1e6), Token: TokenNone}
	for _, kv := range s.dict() {
		if kv.Key == "timeout" && fmt.Sprint(kv.Value) != "1000000" {
			t.Errorf("timeout written as %v", kv.Value)
		}
	}
}
