package provision

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hubctl/hubctl/templates"
)

// traitletsTimeout bounds one load with the real traitlets: it runs the
// file, which may do anything.
const traitletsTimeout = 30 * time.Second

// LoadWithTraitlets loads the config with the real traitlets in a
// subprocess of python (templates.TraitletsDump), in cwd (the directory the
// Hub runs in; empty, the config's own) with env added to the environment,
// and returns the values it loaded for the same checks as the static read.
// Unlike the static read, this runs the file.
func LoadWithTraitlets(ctx context.Context, python, path, cwd string, env map[string]string) (*Config, error) {
	dir, err := os.MkdirTemp("", "hubctl-validate-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "traitlets_dump.py")
	if err := os.WriteFile(script, []byte(templates.TraitletsDump), 0o600); err != nil {
		return nil, err
	}
	abs, _ := filepath.Abs(path)
	ctx, cancel := context.WithTimeout(ctx, traitletsTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-I", script, abs)
	cmd.Dir = filepath.Dir(abs)
	if cwd != "" {
		cmd.Dir = cwd // where the Hub runs: relative subconfigs resolve there
	}
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("loading %s took more than %s; stopped", path, traitletsTimeout)
	}
	if err != nil {
		return nil, fmt.Errorf("%s could not load %s: %s", python, path, strings.TrimSpace(lastLine(stderr.String())))
	}
	cfg, err := FromJSON(path, out)
	if err != nil {
		return nil, err
	}
	cfg.Path = path
	return cfg, nil
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// MergeTraitletsFindings adds to the static read's findings those that the
// values the real traitlets loaded show and the static read did not (by id),
// so each problem shows once; the static HUB301 warnings (what hubctl could
// not evaluate) are answered by the exact load and dropped.
func MergeTraitletsFindings(static, exact []Finding) []Finding {
	have := map[string]bool{}
	for _, f := range static {
		have[f.ID] = true
	}
	out := static
	for _, f := range exact {
		if f.ID != "HUB301" && !have[f.ID] {
			f.Message += " (found by loading the file with the real traitlets)"
			out = append(out, f)
		}
	}
	out = slices.DeleteFunc(out, func(f Finding) bool { return f.ID == "HUB301" })
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}
