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
	users := append(slices.Clone(servers), "delete:users")
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
	} {
		if got := CullerRoleScopes(mustVersion(t, c.v), c.flags); !slices.Equal(got, c.want) {
			t.Errorf("CullerRoleScopes(%s, %+v) = %v, want %v", c.v, c.flags, got, c.want)
		}
	}
}
