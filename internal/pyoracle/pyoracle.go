// Package pyoracle runs the tests' Python oracle, templates/traitlets_dump.py,
// with the python3, traitlets and JupyterHub of each release the tests run
// on (realhub.Releases()): Debian 12's on this machine (traitlets 5.x,
// JupyterHub 3.0) and Debian 13's in the 5.2 root (traitlets 5.14,
// JupyterHub 5.2). What hubctl renders must load the same in both.
package pyoracle

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hubctl/hubctl/internal/realhub"
)

// Python is the interpreter run, on this machine or in a release's root.
const Python = "/usr/bin/python3"

// Releases are the releases whose oracle the tests consult, oldest first.
func Releases() []realhub.Release { return realhub.Releases() }

var (
	mu      sync.Mutex
	checked = map[string]error{} // by release root
)

// Need skips the test (or fails it when CI is "true" or "1") unless r's
// python3 imports traitlets and the oracle script is found.
func Need(t testing.TB, r realhub.Release) {
	t.Helper()
	err := missing(t, r)
	if err == nil {
		return
	}
	if ci := os.Getenv("CI"); strings.EqualFold(ci, "true") || ci == "1" {
		t.Fatalf("CI=%s and the Python oracle of JupyterHub %s is unavailable: %v", ci, r.Name, err)
	}
	t.Skipf("the Python oracle of JupyterHub %s is unavailable (scripts/test.sh installs it; set CI=true to make this fatal): %v", r.Name, err)
}

func missing(t testing.TB, r realhub.Release) error {
	mu.Lock()
	defer mu.Unlock()
	if err, ok := checked[r.Root]; ok {
		return err
	}
	err := func() error {
		script, err := Script()
		if err != nil {
			return err
		}
		if err := r.Available(); err != nil {
			return err
		}
		cmd := r.Command(t, []string{filepath.Dir(script)}, Python, "-I", "-c", "import traitlets.config")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s cannot import traitlets: %v: %s", Python, err, out)
		}
		return nil
	}()
	checked[r.Root] = err
	return err
}

// Script is the absolute path of templates/traitlets_dump.py, found from
// the working directory up to the module's go.mod.
func Script() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "templates", "traitlets_dump.py"), nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = up
	}
}

// Run runs python3 -I traitlets_dump.py args... in r and returns its
// stdout; the test fails if it exits non-zero. Every absolute path among
// args is seen in r's root at the same path. env is added to the
// environment. -I (isolated mode) ignores PYTHON* variables and the user
// site directory, so the release's own traitlets is what gets tested.
func Run(t testing.TB, r realhub.Release, env []string, args ...string) []byte {
	t.Helper()
	out, stderr, err := Try(t, r, env, args...)
	if err != nil {
		t.Fatalf("JupyterHub %s's %s traitlets_dump.py %s: %v\nstderr:\n%s", r.Name, Python, strings.Join(args, " "), err, lastLines(stderr, 30))
	}
	return out
}

// Try is Run for a load that may fail: stdout, stderr and the exit error.
func Try(t testing.TB, r realhub.Release, env []string, args ...string) (stdout []byte, stderr string, err error) {
	t.Helper()
	script, err := Script()
	if err != nil {
		t.Fatal(err)
	}
	binds := []string{filepath.Dir(script)}
	for _, a := range args {
		if filepath.IsAbs(a) {
			binds = append(binds, filepath.Dir(a))
		}
	}
	cmd := r.Command(t, binds, Python, append([]string{"-I", script}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.Bytes(), errb.String(), err
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
