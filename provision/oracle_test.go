package provision

import (
	"encoding/json"
	"testing"

	"github.com/hubctl/hubctl/internal/pyoracle"
	"github.com/hubctl/hubctl/internal/realhub"
)

// traitlets loads path with the real traitlets PyFileConfigLoader, as
// JupyterHub does, in every release the tests run on (JupyterHub 3.0's
// traitlets here, 5.2's in its root), each a subtest named by the release,
// and returns the JupyterHub section's services and roles. The releases must
// load the same; the test is skipped only when no release's oracle is there.
func traitlets(t *testing.T, path string, env ...string) (services, roles []any) {
	t.Helper()
	type loaded struct {
		Services []any `json:"services"`
		Roles    []any `json:"load_roles"`
	}
	var got []loaded
	var from []realhub.Release
	for _, r := range pyoracle.Releases() {
		t.Run(r.Name, func(t *testing.T) {
			pyoracle.Need(t, r)
			out := pyoracle.Run(t, r, env, path)
			var l loaded
			if err := json.Unmarshal(out, &l); err != nil {
				t.Fatalf("traitlets_dump printed %q: %v", out, err)
			}
			if len(got) > 0 && asJSON(l) != asJSON(got[0]) {
				t.Errorf("JupyterHub %s's traitlets loads\n %s\nbut %s's loads\n %s", r.Name, asJSON(l), from[0].Name, asJSON(got[0]))
			}
			got, from = append(got, l), append(from, r)
		})
	}
	if len(got) == 0 {
		t.Skip("no release's Python oracle is available")
	}
	return got[0].Services, got[0].Roles
}
