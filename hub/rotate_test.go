package hub

import (
	"os/exec"
	"strings"
	"testing"
)

// TestRotateFactsAgainstUpstream reads app.py at each tag hub/rotate.go
// cites: the lines it names hold what it says, and _add_tokens deletes a
// row only when it has just created it for a token that failed (an
// existing token is never removed, so the old one outlives a restart).
func TestRotateFactsAgainstUpstream(t *testing.T) {
	git := upstreamGitDir(t)
	lines := map[string]map[int]string{
		"3.0.0": {2206: "async def _add_tokens", 2344: "# TODO: revoke old tokens?", 2407: "self.db.delete(service)",
			2158: "but not present in database", 2579: "def cleanup_oauth_clients"},
		"5.2.1": {2625: "async def _add_tokens", 2851: "# TODO: revoke old tokens?", 2940: "self.db.delete(service_orm)",
			2502: "Found undefined service", 3135: "def cleanup_oauth_clients"},
		"5.5.1": {},
	}
	for tag, want := range lines {
		out, err := exec.Command("git", "-C", git, "show", tag+":jupyterhub/app.py").Output()
		if err != nil {
			t.Fatalf("%s: %v", tag, err)
		}
		src := strings.Split(string(out), "\n")
		for n, s := range want {
			if n > len(src) || !strings.Contains(src[n-1], s) {
				t.Errorf("%s app.py:%d is not %q", tag, n, s)
			}
		}
		start := -1
		for i, l := range src {
			if strings.Contains(l, "async def _add_tokens(") {
				start = i
			}
		}
		if start < 0 {
			t.Fatalf("%s: no _add_tokens", tag)
		}
		deletes := 0
		for i := start + 1; i < len(src) && !strings.HasPrefix(src[i], "    def ") && !strings.HasPrefix(src[i], "    async def ") && !strings.HasPrefix(src[i], "    @"); i++ {
			if strings.Contains(src[i], ".delete(") {
				deletes++
				if !strings.Contains(strings.Join(src[i-3:i], "\n"), "if created:") {
					t.Errorf("%s app.py:%d: _add_tokens deletes outside `if created:`: %s", tag, i+1, strings.TrimSpace(src[i]))
				}
			}
		}
		if deletes == 0 {
			t.Errorf("%s: _add_tokens has no delete at all; the check reads the wrong function", tag)
		}
	}
}
