package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// shellWithHubctl runs a shell script with the built hubctl on PATH as
// "hubctl", as completion scripts expect.
func shellWithHubctl(t *testing.T, shell string, args ...string) string {
	t.Helper()
	need(t, shell)
	cmd := exec.Command(shell, args...)
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(hubctlBin)+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", shell, args, err, out)
	}
	return string(out)
}

func TestCompletionBash(t *testing.T) {
	t.Parallel()
	script := filepath.Join(t.TempDir(), "hubctl.bash")
	if err := os.WriteFile(script, []byte(runCLI(t, nil, "", "completion", "bash").stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ words, want string }{
		{"hubctl tok", "token"},
		{"hubctl token n", "new"},
		{"hubctl service a", "add"},
		{"hubctl token new --by", "--bytes"},
		{"hubctl cull --cull-u", "--cull-users"},
		{"hubctl cull --exclude", "--exclude-user"},
		{"hubctl service add --oauth-s", "--oauth-scope"},
		{"hubctl config render --serv", "--service"},
		{"hubctl config render --out", "--output"},
		{"hubctl config upg", "upgrade-check"},
		{"hubctl config upgrade-check --wr", "--write"},
	} {
		words := strings.Fields(tt.words)
		prog := "source " + script + "; COMP_WORDS=(" + tt.words + "); COMP_CWORD=" + strconv.Itoa(len(words)-1) + "; _hubctl_complete; echo \"${COMPREPLY[@]}\""
		if got := strings.TrimSpace(shellWithHubctl(t, "bash", "-c", prog)); !strings.Contains(" "+got+" ", " "+tt.want+" ") {
			t.Errorf("%q completes to %q, want %q", tt.words, got, tt.want)
		}
	}
}

func TestCompletionZshAndFish(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	zsh := filepath.Join(dir, "_hubctl")
	fish := filepath.Join(dir, "hubctl.fish")
	_ = os.WriteFile(zsh, []byte(runCLI(t, nil, "", "completion", "zsh").stdout), 0o644)
	_ = os.WriteFile(fish, []byte(runCLI(t, nil, "", "completion", "fish").stdout), 0o644)
	shellWithHubctl(t, "zsh", "-n", zsh)
	// zsh: load the function and ask it for the words after "hubctl token".
	out := shellWithHubctl(t, "zsh", "-c", "autoload -U compinit && compinit -u; source "+zsh+"; whence -w _hubctl")
	if !strings.Contains(out, "_hubctl: function") {
		t.Errorf("zsh did not define _hubctl: %q", out)
	}
	shellWithHubctl(t, "fish", "--no-execute", fish)
	out = shellWithHubctl(t, "fish", "-c", "source "+fish+"; complete -C 'hubctl tok'; complete -C 'hubctl token n'")
	if !strings.Contains(out, "token") || !strings.Contains(out, "new") {
		t.Errorf("fish completions: %q", out)
	}
	if r := runCLI(t, nil, "", "completion", "powershell"); r.code != exitUsage {
		t.Errorf("unknown shell: %+v", r)
	}
}

func TestManPage(t *testing.T) {
	t.Parallel()
	page := runCLI(t, nil, "", "man").stdout
	if !strings.Contains(page, ".TH hubctl 1") {
		t.Fatalf("not a section 1 roff page:\n%.300s", page)
	}
	path := filepath.Join(t.TempDir(), "hubctl.1")
	_ = os.WriteFile(path, []byte(page), 0o644)
	need(t, "man")
	cmd := exec.Command("man", "-l", path)
	cmd.Env = append(os.Environ(), "MANWIDTH=100", "MANPAGER=cat", "PAGER=cat")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("man -l: %v\n%s", err, out)
	}
	for _, want := range []string{"token", "new", "cull", "--timeout", "service", "completion", "upgrade-check", "--from"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the rendered man page lacks %q", want)
		}
	}
}
