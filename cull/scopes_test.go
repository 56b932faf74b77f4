package cull

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/fakehub"
)

// TestScopeHintNamesTheTokensOwner: the hint proposes a role for the
// service the token belongs to, named as `hubctl service add` names it, or
// for the user when a user's token is used; never a cull-idle that may not
// exist.
func TestScopeHintNamesTheTokensOwner(t *testing.T) {
	const userToken = "alicealicealicealicealicealice00"
	for _, tt := range []struct {
		name, token string
		owner       fakehub.Owner
		cullUsers   bool
		version     string
		want        string
	}{
		{"service", cullToken, fakehub.Owner{Kind: "service", Name: "idle-reaper"}, false, "",
			"grant them with a role in jupyterhub_config.py: c.JupyterHub.load_roles = [{'name': '" + hub.RoleName("idle-reaper") +
				"', 'scopes': ['list:users', 'read:users:activity', 'read:servers', 'delete:servers'], 'services': ['idle-reaper']}], then restart the Hub"},
		{"service, cull users", cullToken, fakehub.Owner{Kind: "service", Name: "idle-reaper"}, true, "",
			"'scopes': ['list:users', 'read:users:activity', 'read:servers', 'delete:servers', 'delete:users'], 'services': ['idle-reaper']}]"},
		{"quote in the name", cullToken, fakehub.Owner{Kind: "service", Name: "o'brien"}, false, "",
			`'name': 'o\'brien-role'`},
		{"user", userToken, fakehub.Owner{Kind: "user", Name: "alice"}, false, "",
			"the token is user alice's, not a service's: grant the scopes to the user with a role in jupyterhub_config.py: c.JupyterHub.load_roles = [{'name': 'alice-role', " +
				"'scopes': ['list:users', 'read:users:activity', 'read:servers', 'delete:servers'], 'users': ['alice']}], then restart the Hub; or run the culler as a service with a token of its own (`hubctl service add cull-idle --admin`)"},
		{"service, Hub 1.5", cullToken, fakehub.Owner{Kind: "service", Name: "idle-reaper"}, false, "1.5.0",
			"on JupyterHub before 2.0 the service idle-reaper needs 'admin': True in c.JupyterHub.services"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := fakehub.New(fakehub.Options{Version: tt.version})
			t.Cleanup(h.Close)
			h.AddUser(fakehub.User{Name: "alice", Created: time.Now()})
			h.AddToken(tt.token, tt.owner, "read:users:activity")
			p := basePolicy()
			p.CullUsers = tt.cullUsers
			c, _ := newCuller(t, h, p)
			c.Client.cfg.Token = tt.token
			_, err := c.Pass(context.Background())
			var se *ScopeError
			if !errors.As(err, &se) {
				t.Fatalf("err %v, want a ScopeError", err)
			}
			if tt.version != "" {
				// a Hub before 2.0 answers no scopes; the fake has 3.0's, so
				// ask the hint as such a Hub would make it
				se = &ScopeError{Kind: se.Kind, Name: se.Name, Missing: []string{"admin"}, Policy: &p}
			}
			if hint := se.Hint(); !strings.Contains(hint, tt.want) || strings.Contains(hint, "cull-idle-role") {
				t.Errorf("hint:\n%s\nwant:\n%s", hint, tt.want)
			}
		})
	}
}

// TestForbiddenMidPassHintNamesTheOwner: a 403 while acting (the role
// changed since the pass began) logs the same hint, for the same owner.
func TestForbiddenMidPassHintNamesTheOwner(t *testing.T) {
	h := fakehub.New(fakehub.Options{})
	t.Cleanup(h.Close)
	h.AddToken(cullToken, fakehub.Owner{Kind: "service", Name: "idle-reaper"}, cullScopes...)
	addUser(h, "idle", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	h.Inject(fakehub.Fault{Method: http.MethodDelete, Status: http.StatusForbidden})
	c, logs := newCuller(t, h, basePolicy())
	if _, err := c.Pass(context.Background()); err == nil {
		t.Fatal("no error")
	}
	if !strings.Contains(logs.String(), "'services': ['idle-reaper']") {
		t.Errorf("log:\n%s", logs)
	}
}
