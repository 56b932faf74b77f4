package fakehub

import (
	"slices"
	"sort"
	"testing"

	"github.com/hubctl/hubctl/hub"
)

// The fake models JupyterHub 3.0's scopes with their subscopes, which hub
// does not record; the names must be the ones hub says 3.0 has.
func TestScopesAreHubs(t *testing.T) {
	var names []string
	for s := range scopeSubscopes {
		names = append(names, s)
	}
	sort.Strings(names)
	if want := hub.Scopes(hub.Version{Major: 3}); !slices.Equal(names, want) {
		t.Errorf("the fake's scopes\n %v\nhub.Scopes(3.0)\n %v", names, want)
	}
}
