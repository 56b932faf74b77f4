package hub

import (
	"slices"
	"testing"
)

func TestCullerScopes(t *testing.T) {
	servers := [][]string{{"list:users"}, {"read:users:activity"}, {"read:servers"}, {"delete:servers"}}
	for _, c := range []struct {
		flags CullerFlags
		want  [][]string
	}{
		{CullerFlags{}, servers},
		{CullerFlags{CullUsers: true}, append(slices.Clone(servers), []string{"delete:users", "admin:users"})},
		{CullerFlags{GroupRules: true}, append(slices.Clone(servers), []string{"read:users:groups", "read:users", "users", "admin:users"})},
	} {
		got := CullerScopes(c.flags)
		if !slices.EqualFunc(got, c.want, slices.Equal[[]string]) {
			t.Errorf("CullerScopes(%+v) = %v, want %v", c.flags, got, c.want)
		}
		// Every alternative is a scope of every Hub with scopes.
		for _, ver := range []string{"2.0.0", "2.1.0", "3.0.0", "4.1.6", "5.5.1", "6.0.0b2"} {
			v := mustVersion(t, ver)
			for _, alts := range got {
				for _, s := range alts {
					if err := ValidateScope(v, s); err != nil {
						t.Errorf("CullerScopes(%+v) at %s: %v", c.flags, ver, err)
					}
				}
			}
		}
	}
}

func TestCullerRoleScopes(t *testing.T) {
	servers := []string{"list:users", "read:users:activity", "read:servers", "delete:servers"}
	users := append(slices.Clone(servers), "delete:users", "read:users")
	for _, c := range []struct {
		v     string
		flags CullerFlags
		want  []string
	}{
		{"1.5.0", CullerFlags{}, nil}, // no scopes: the culler needs admin: True
		{"1.5.0", CullerFlags{CullUsers: true}, nil},
		{"2.0.0", CullerFlags{}, servers},
		{"2.0.0", CullerFlags{CullUsers: true}, users},
		{"3.0.0", CullerFlags{}, servers},
		{"3.0.0", CullerFlags{CullUsers: true}, users},
		{"4.1.6", CullerFlags{CullUsers: true}, users},
		{"5.5.1", CullerFlags{}, servers},
		{"5.5.1", CullerFlags{CullUsers: true}, users},
		{"6.0.0b2", CullerFlags{CullUsers: true}, users},
		{"3.0.0", CullerFlags{GroupRules: true}, append(slices.Clone(servers), "read:users:groups")},
		{"5.5.1", CullerFlags{CullUsers: true, GroupRules: true}, []string{"list:users", "read:users:activity", "read:servers", "delete:servers", "delete:users", "read:users:groups", "read:users"}},
	} {
		if got := CullerRoleScopes(mustVersion(t, c.v), c.flags); !slices.Equal(got, c.want) {
			t.Errorf("CullerRoleScopes(%s, %+v) = %v, want %v", c.v, c.flags, got, c.want)
		}
	}
}

// The role for group rules shows groups in the user model, as the Hub's
// access_map does.
func TestCullerRoleShowsGroups(t *testing.T) {
	for _, ver := range []string{"2.0.0", "3.0.0", "5.2.1"} {
		v := mustVersion(t, ver)
		if keys := UserModelKeys(v, CullerRoleScopes(v, CullerFlags{GroupRules: true})); !slices.Contains(keys, "groups") {
			t.Errorf("%s: the role for group rules shows %v, no groups", ver, keys)
		}
		if keys := UserModelKeys(v, CullerRoleScopes(v, CullerFlags{})); slices.Contains(keys, "groups") {
			t.Errorf("%s: the role without group rules shows groups: %v", ver, keys)
		}
	}
}

func TestUserModelKeys(t *testing.T) {
	for _, c := range []struct {
		v      string
		scopes []string
		want   []string
	}{
		{"1.5.0", nil, []string{"admin", "created", "groups", "kind", "last_activity", "name", "pending", "server", "servers"}},
		{"3.0.0", []string{"list:users"}, []string{"admin", "kind", "name"}},
		{"3.0.0", []string{"read:users:activity"}, []string{"kind", "last_activity", "name"}},
		{"3.0.0", []string{"read:users"}, []string{"admin", "created", "groups", "kind", "last_activity", "name", "pending", "roles", "server"}},
		{"3.0.0", []string{"servers"}, []string{"admin", "kind", "name", "servers"}},
		{"6.0.0b2", []string{"list:users"}, []string{"admin", "kind", "name", "user_info"}},
		{"3.0.0", []string{"admin:users"}, []string{"admin", "auth_state", "created", "groups", "kind", "last_activity", "name", "pending", "roles", "server"}},
	} {
		if got := UserModelKeys(mustVersion(t, c.v), c.scopes); !slices.Equal(got, c.want) {
			t.Errorf("UserModelKeys(%s, %v) = %v, want %v", c.v, c.scopes, got, c.want)
		}
	}
}

func TestServerModelKeys(t *testing.T) {
	for _, c := range []struct {
		v          string
		has, hasnt []string
	}{
		{"1.5.0", []string{"state", "ready", "pending"}, []string{"stopped", "full_name"}},
		{"2.3.1", []string{"ready", "pending"}, []string{"state", "stopped"}},
		{"3.0.0", []string{"stopped"}, []string{"full_name"}},
		{"5.2.1", []string{"stopped", "full_name", "full_url", "full_progress_url"}, []string{"display_name"}},
		{"6.0.0b2", []string{"display_name"}, nil},
	} {
		got := ServerModelKeys(mustVersion(t, c.v))
		for _, k := range c.has {
			if !slices.Contains(got, k) {
				t.Errorf("ServerModelKeys(%s) lacks %q: %v", c.v, k, got)
			}
		}
		for _, k := range c.hasnt {
			if slices.Contains(got, k) {
				t.Errorf("ServerModelKeys(%s) has %q: %v", c.v, k, got)
			}
		}
	}
}

// TestCullerSeesWhatItReads: under the role `hubctl service add cull-idle`
// writes, GET /users shows the culler every key it reads at every
// representative tag; a user's created only with --cull-users, the one
// setting that reads it.
func TestCullerSeesWhatItReads(t *testing.T) {
	for _, tag := range representativeTags {
		v := mustVersion(t, tag)
		for _, f := range []CullerFlags{{}, {CullUsers: true}} {
			keys := UserModelKeys(v, CullerRoleScopes(v, f))
			for _, k := range CullerUserKeys {
				if got, want := slices.Contains(keys, k), k != "created" || !HasRBAC(v) || f.CullUsers; got != want {
					t.Errorf("%s %+v: the user model has %q = %v, want %v (keys %v)", tag, f, k, got, want, keys)
				}
			}
			for _, k := range CullerServerKeys {
				if !slices.Contains(ServerModelKeys(v), k) {
					t.Errorf("%s: a server model lacks %q", tag, k)
				}
			}
		}
	}
}

// Without read:users a user in GET /users has no created (userModelAccess),
// so the culler can run but cannot judge a user who was never active: that
// scope is wanted with --cull-users, not needed, and the culler's role has it.
func TestCullerWantedScopes(t *testing.T) {
	if got := CullerWantedScopes(CullerFlags{}); len(got) != 0 {
		t.Errorf("without --cull-users: %v, want none", got)
	}
	got := CullerWantedScopes(CullerFlags{CullUsers: true})
	if len(got) != 1 || !slices.Equal(got[0].Scopes, []string{"read:users", "users", "admin:users"}) || got[0].Without == "" {
		t.Fatalf("with --cull-users: %+v", got)
	}
	for _, s := range got[0].Scopes {
		if !slices.Contains(UserModelKeys(Version{Major: 5, Minor: 2, Patch: 1}, []string{s}), "created") {
			t.Errorf("%s does not show created", s)
		}
	}
	if slices.Contains(UserModelKeys(Version{Major: 5, Minor: 2, Patch: 1}, CullerRoleScopes(Version{Major: 5, Minor: 2, Patch: 1}, CullerFlags{})), "created") {
		t.Error("the role without --cull-users shows created: then read:users is not what adds it")
	}
}
