package fakehub

import (
	"slices"
	"sort"
	"testing"

	"github.com/hubctl/hubctl/hub"
)

// The fake models each release's scopes with their subscopes, which hub
// does not record; the names must be the ones hub says that release has.
func TestScopesAreHubs(t *testing.T) {
	for _, v := range []string{"3.0.0", "5.2.1"} {
		h := New(Options{Version: v})
		h.Close()
		var names []string
		for s := range h.scopeDefs {
			names = append(names, s)
		}
		sort.Strings(names)
		hv, err := hub.ParseVersion(v)
		if err != nil {
			t.Fatal(err)
		}
		if want := hub.Scopes(hv); !slices.Equal(names, want) {
			t.Errorf("the fake's scopes at %s\n %v\nhub.Scopes(%s)\n %v", v, names, v, want)
		}
	}
}
