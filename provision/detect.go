package provision

import (
	"context"
	"os/exec"
	"strings"
	"time"

	"github.com/hubctl/hubctl/hub"
)

// DetectHubVersion asks `jupyterhub --version` on PATH; without one it
// answers hub.NewestStable. The second result says where the version came from.
func DetectHubVersion(ctx context.Context) (hub.Version, string) {
	path, err := exec.LookPath("jupyterhub")
	if err != nil {
		return hub.NewestStable, "no jupyterhub on PATH: assuming the newest stable release"
	}
	v, source, _ := DetectHubVersionAt(ctx, path)
	return v, source
}

// DetectHubVersionAt asks the jupyterhub at path for its version; ok is
// false (and the version hub.NewestStable) when it gives none.
func DetectHubVersionAt(ctx context.Context, path string) (v hub.Version, source string, ok bool) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--version").Output()
	if err != nil {
		return hub.NewestStable, "`jupyterhub --version` failed: assuming the newest stable release", false
	}
	lines := strings.Fields(strings.TrimSpace(string(out)))
	if len(lines) > 0 {
		if v, err := hub.ParseVersion(lines[len(lines)-1]); err == nil {
			return v, "from `" + path + " --version`", true
		}
	}
	return hub.NewestStable, "`jupyterhub --version` printed no version: assuming the newest stable release", false
}
