package provision

import (
	"reflect"
	"testing"
)

// TestMergeTraitletsFindings: what the exact load adds is marked as found
// by traitlets, an id the static read already reported is not repeated, and
// the static read's HUB301 (could not evaluate) is dropped.
func TestMergeTraitletsFindings(t *testing.T) {
	static := []Finding{
		{ID: "HUB205", Line: 4, Message: "short token"},
		{ID: "HUB301", Line: 2, Message: "a function call"},
	}
	exact := []Finding{
		{ID: "HUB103", Line: 0, Message: "tiny token"},
		{ID: "HUB205", Line: 0, Message: "short token"},
		{ID: "HUB301", Line: 0, Message: "never from traitlets"},
	}
	got := MergeTraitletsFindings(static, exact)
	want := []Finding{
		{ID: "HUB103", Line: 0, Message: "tiny token (found by loading the file with the real traitlets)"},
		{ID: "HUB205", Line: 4, Message: "short token"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

// TestManagedOnly: the services named and every role that names one of
// them, nothing else.
func TestManagedOnly(t *testing.T) {
	m := Managed{
		Services: []Service{{Name: "a"}, {Name: "b"}, {Name: "c"}},
		Roles: []Role{
			{Name: "a-role", Services: []string{"a"}},
			{Name: "bc-role", Services: []string{"b", "c"}},
			{Name: "users-role", Users: []string{"x"}},
		},
	}
	got := m.Only([]string{"a", "c"})
	var services, roles []string
	for _, s := range got.Services {
		services = append(services, s.Name)
	}
	for _, r := range got.Roles {
		roles = append(roles, r.Name)
	}
	if !reflect.DeepEqual(services, []string{"a", "c"}) || !reflect.DeepEqual(roles, []string{"a-role", "bc-role"}) {
		t.Errorf("services %v, roles %v", services, roles)
	}
}
