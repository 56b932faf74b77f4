// Package pyoracle runs the tests' Python oracle, templates/traitlets_dump.py,
// with the python3, traitlets and JupyterHub of each release the tests run
// on (realhub.Releases()): Debian 12's on this machine (traitlets 5.x,
// JupyterHub 3.0) and Debian 13's in the 5.2 root (traitlets 5.14,
// JupyterHub 5.2). What hubctl renders must load the same in both.
package pyoracle

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/hubctl/hubctl/internal/realhub"
)

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
		cmd := r.Command(t, []string{filepath.Dir(script)}, realhub.Python, "-I", "-c", "import traitlets.config")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s cannot import traitlets: %v: %s", realhub.Python, err, out)
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
// stdout; the test fails if it exits non-zero. An absolute path among args
// must be under os.TempDir() or the module (see Try), seen in r's root at
// the same path. env is added to the environment. -I (isolated mode) ignores PYTHON* variables and the user
// site directory, so the release's own traitlets is what gets tested.
func Run(t testing.TB, r realhub.Release, env []string, args ...string) []byte {
	t.Helper()
	out, stderr, err := Try(t, r, env, args...)
	if err != nil {
		t.Fatalf("JupyterHub %s's %s traitlets_dump.py %s: %v\nstderr:\n%s", r.Name, realhub.Python, strings.Join(args, " "), err, lastLines(stderr, 30))
	}
	return out
}

// Try is Run for a load that may fail: stdout, stderr and the exit error
// (an *exec.ExitError when the script exits non-zero, as from a process).
//
// The calls of a test binary share one oracle server per release
// (traitlets_dump.py --serve, started by the first call): it imports
// traitlets and JupyterHub once and runs each call in a fresh fork of
// itself, which gives what a separate python3 -I traitlets_dump.py ARGS...
// gives at a fraction of the CPU. The server sees the host at the module's
// directory and os.TempDir(); an absolute path elsewhere fails the test,
// as does a call changing LANG or LC_*.
func Try(t testing.TB, r realhub.Release, env []string, args ...string) (stdout []byte, stderr string, err error) {
	t.Helper()
	s, err := servers.Of(r)
	if err != nil {
		t.Fatalf("JupyterHub %s's oracle server: %v", r.Name, err)
	}
	for _, a := range args {
		if filepath.IsAbs(a) && !realhub.Within(a, s.binds...) {
			t.Fatalf("JupyterHub %s's oracle server sees only %s, not %s", r.Name, strings.Join(s.binds, ", "), a)
		}
	}
	rep, err := s.call(env, args)
	if err != nil {
		t.Fatalf("JupyterHub %s's oracle server: %v", r.Name, err)
	}
	if rep.Status != 0 {
		ee, err := exitError(rep.Status)
		if err != nil {
			t.Fatal(err)
		}
		return rep.Stdout, string(rep.Stderr), ee
	}
	return rep.Stdout, string(rep.Stderr), nil
}

// exitError is the *exec.ExitError of a process that ended as the fork
// did (callers check ExitCode()): status >= 0 its exit status, else minus
// the signal that killed it. An os.ProcessState cannot be built, so a shell
// ends that way once per status and its state is reused.
func exitError(status int) (*exec.ExitError, error) {
	exitMu.Lock()
	defer exitMu.Unlock()
	if ps, ok := exits[status]; ok {
		return &exec.ExitError{ProcessState: ps}, nil
	}
	script := fmt.Sprintf("exit %d", status)
	if status < 0 {
		script = fmt.Sprintf("kill -%d $$", -status)
	}
	err := exec.Command("/bin/sh", "-c", script).Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return nil, fmt.Errorf("sh -c %q to make a status %d: %v", script, status, err)
	}
	exits[status] = ee.ProcessState
	return &exec.ExitError{ProcessState: ee.ProcessState}, nil
}

var (
	exitMu sync.Mutex
	exits  = map[int]*os.ProcessState{}
)

// server is one release's traitlets_dump.py --serve.
type server struct {
	mu    sync.Mutex // one request at a time
	binds []string   // host paths it sees; binds[0] its working directory
	base  map[string]string
	in    io.WriteCloser
	out   *bufio.Reader
	dead  error // why it no longer answers
}

var servers = realhub.NewPerRelease(start)

func start(r realhub.Release) (*server, error) {
	script, err := Script()
	if err != nil {
		return nil, err
	}
	// The script's directory is the calls' working directory; it is seen
	// through the module's (a nested bind is left out of the root's mounts).
	binds := []string{filepath.Dir(script), filepath.Dir(filepath.Dir(script))}
	if tmp, err := filepath.Abs(os.TempDir()); err == nil {
		binds = append(binds, tmp)
	}
	environ := os.Environ()
	// It ends at the end of its stdin: when the test binary exits.
	srv, err := r.Serve(binds, environ, realhub.Python, "-I", script, "--serve")
	if err != nil {
		return nil, err
	}
	return &server{binds: binds, base: envMap(environ), in: srv.In, out: srv.Out}, nil
}

type request struct {
	Args  []string          `json:"args"`
	Env   map[string]string `json:"env"`
	Unset []string          `json:"unset"`
	Cwd   string            `json:"cwd"`
}

type reply struct {
	Status int    `json:"status"`
	Stdout []byte `json:"stdout"` // base64 in the JSON
	Stderr []byte `json:"stderr"`
}

// call runs traitlets_dump.py args... in a fork of the server, in the
// environment a separate process would have: this process's, then env.
func (s *server) call(env, args []string) (reply, error) {
	want := envMap(append(os.Environ(), env...))
	req := request{Args: args, Env: map[string]string{}, Unset: []string{}, Cwd: s.binds[0]}
	if req.Args == nil {
		req.Args = []string{}
	}
	for k, v := range want {
		if old, ok := s.base[k]; !ok || old != v {
			req.Env[k] = v
		}
	}
	for k := range s.base {
		if _, ok := want[k]; !ok {
			req.Unset = append(req.Unset, k)
		}
	}
	for _, a := range append(slices.Collect(maps.Values(req.Env)), args...) {
		if !utf8.ValidString(a) {
			// JSON would carry U+FFFD where a new process sees the bytes.
			return reply{}, fmt.Errorf("%q is not UTF-8", a)
		}
	}
	for _, k := range append(slices.Collect(maps.Keys(req.Env)), req.Unset...) {
		if realhub.LocaleVar(k) {
			// Python sets its stdio encoding from these before main.
			return reply{}, fmt.Errorf("%s differs from when the server started; a fork would not see it as a new python3 does", k)
		}
	}
	line, err := json.Marshal(req)
	if err != nil {
		return reply{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.dead != nil {
		return reply{}, s.dead
	}
	var rep reply
	if _, err = s.in.Write(append(line, '\n')); err == nil {
		var b []byte
		if b, err = s.out.ReadBytes('\n'); err == nil {
			err = json.Unmarshal(b, &rep)
		}
	}
	if err != nil {
		s.dead = fmt.Errorf("it stopped answering: %w", err)
		return reply{}, s.dead
	}
	return rep, nil
}

// envMap is env as the process started with it sees it: the last of each
// name's entries.
func envMap(env []string) map[string]string {
	m := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
