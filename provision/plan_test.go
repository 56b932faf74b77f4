package provision

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hubctl/hubctl/hub"
)

// TestPlanRole is the role policy of `service add --admin / --scope`, per
// Hub version, as a table.
func TestPlanRole(t *testing.T) {
	v1, v3 := hub.Version{Major: 1, Minor: 5}, hub.Version{Major: 3}
	for _, tt := range []struct {
		name    string
		req     RoleRequest
		v       hub.Version
		admin   bool
		role    string   // "" for none
		scopes  []string // the role's
		noteHas string   // "" for no note
	}{
		{"--scope", RoleRequest{Service: "svc", Scopes: []string{"read:users"}}, v3, false, "svc-role", []string{"read:users"}, ""},
		{"--scope on the preset", RoleRequest{Service: CullIdlePreset, Scopes: []string{"list:users"}}, v3, false, "cull-idle-role", []string{"list:users"}, ""},
		{"--admin before RBAC", RoleRequest{Service: "svc", Admin: true}, v1, true, "", nil, ""},
		{"--admin on the preset before RBAC", RoleRequest{Service: CullIdlePreset, Admin: true}, v1, true, "", nil, ""},
		{"--admin on the preset", RoleRequest{Service: CullIdlePreset, Admin: true}, v3, false, "cull-idle-role",
			hub.CullerRoleScopes(v3, hub.CullerFlags{}), "least-privilege role cull-idle-role"},
		{"--admin on the preset with --cull-users", RoleRequest{Service: CullIdlePreset, Admin: true, Culler: hub.CullerFlags{CullUsers: true}}, v3, false, "cull-idle-role",
			hub.CullerRoleScopes(v3, hub.CullerFlags{CullUsers: true}), "delete:users"},
		{"--admin on another service", RoleRequest{Service: "svc", Admin: true}, v3, true, "", nil, "'admin': True is deprecated"},
		{"the preset with neither", RoleRequest{Service: CullIdlePreset}, v3, false, "", nil, "no role"},
		{"another service with neither", RoleRequest{Service: "svc"}, v3, false, "", nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := PlanRole(tt.req, tt.v)
			if g.Admin != tt.admin {
				t.Errorf("admin %v, want %v", g.Admin, tt.admin)
			}
			switch {
			case tt.role == "" && g.Role != nil:
				t.Errorf("role %+v, want none", g.Role)
			case tt.role != "" && (g.Role == nil || g.Role.Name != tt.role || !slices.Equal(g.Role.Scopes, tt.scopes) || !slices.Equal(g.Role.Services, []string{tt.req.Service})):
				t.Errorf("role %+v, want %s with %v for %s", g.Role, tt.role, tt.scopes, tt.req.Service)
			}
			notes := strings.Join(g.Notes, "\n")
			if (tt.noteHas == "") != (notes == "") || !strings.Contains(notes, tt.noteHas) {
				t.Errorf("notes %q, want one with %q", notes, tt.noteHas)
			}
		})
	}
}

// TestAddServiceConflicts: a second service of a name is refused unless
// Replace, and a token variable two services would share is refused; both
// as ConflictErrors with a hint, the file unchanged.
func TestAddServiceConflicts(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
	opts := AddOptions{EditOptions: EditOptions{Version: hub.Version{Major: 3}}}
	env := func(name string) Service {
		return Service{Name: name, URL: "http://127.0.0.1:9000", Token: TokenEnv, TokenEnvVar: TokenEnvVarFor(name)}
	}
	ctx := context.Background()
	if _, _, _, err := AddService(ctx, path, env("a-b"), nil, opts); err != nil {
		t.Fatal(err)
	}
	written, _ := os.ReadFile(path)
	var ce *ConflictError
	if _, _, _, err := AddService(ctx, path, env("a-b"), nil, opts); !errors.As(err, &ce) || !strings.Contains(ce.Hint(), "--replace") {
		t.Errorf("the same name again: %v", err)
	}
	if _, _, _, err := AddService(ctx, path, env("a_b"), nil, opts); !errors.As(err, &ce) || !strings.Contains(err.Error(), "HUBCTL_TOKEN_A_B") {
		t.Errorf("a colliding variable: %v", err)
	}
	if now, _ := os.ReadFile(path); string(now) != string(written) {
		t.Error("a refused add changed the file")
	}
	opts.Replace = true
	if _, _, after, err := AddService(ctx, path, env("a-b"), nil, opts); err != nil || len(after.Services) != 1 {
		t.Errorf("--replace: %v, %+v", err, after)
	}
	if _, _, after, err := RemoveService(ctx, path, "a-b", EditOptions{Version: hub.Version{Major: 3}}); err != nil || len(after.Services) != 0 {
		t.Errorf("remove: %v", err)
	}
	if _, _, _, err := RemoveService(ctx, path, "a-b", EditOptions{Version: hub.Version{Major: 3}}); err == nil || !strings.Contains(err.Error(), "no service named") {
		t.Errorf("removing it twice: %v", err)
	}
}
