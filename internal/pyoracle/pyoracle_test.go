package pyoracle

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/hubctl/hubctl/internal/realhub"
)

// oneOff is a separate python3 -I traitlets_dump.py args... in r, as Try
// ran the oracle before the server: its stdout, stderr and exit status.
func oneOff(t *testing.T, r interface {
	Command(testing.TB, []string, string, ...string) *exec.Cmd
}, env []string, args ...string) ([]byte, string, int) {
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
	cmd := r.Command(t, binds, realhub.Python, append([]string{"-I", script}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.Bytes(), errb.String(), 0
	case errors.As(err, &exit):
		return out.Bytes(), errb.String(), exit.ExitCode()
	}
	t.Fatal(err)
	return nil, "", 0
}

// TestServedIsOneOff: what Try answers from a fork of the release's oracle
// server is byte for byte what a separate python3 gives, exit status too.
func TestServedIsOneOff(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name string
		env  []string
		args []string
	}{
		{"good", nil, []string{write("good.py", "c.JupyterHub.services = [{'name': 'a', 'api_token': 'x'}]\nc.JupyterHub.load_roles = [{'name': 'r', 'services': ['a']}]\n")}},
		{"raises", nil, []string{write("raises.py", "c.JupyterHub.services = [{'name': 'a'}]\nraise RuntimeError('no')\n")}},
		{"invalid", nil, []string{write("invalid.py", "c.JupyterHub.services = 'x'\n")}},
		{"stderr", nil, []string{write("stderr.py", "import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\nsys.stderr.write('\\u00e9\\ud800\\n')\nc.JupyterHub.api_tokens = {'t': 'u'}\n")}},
		{"environ", []string{"HUBCTL_ORACLE_A=é a", "HUBCTL_ORACLE_A=last", "HUBCTL_ORACLE_B="}, []string{write("environ.py", "import os\nc.JupyterHub.services = [{'name': os.environ['HUBCTL_ORACLE_A'], 'b': os.environ.get('HUBCTL_ORACLE_B'), 'c': os.environ.get('HUBCTL_ORACLE_C'), 'cwd': os.getcwd(), 'pwd': os.environ.get('PWD'), 'n': len(os.environ)}]\n")}},
		{"environ unset", nil, []string{filepath.Join(dir, "environ.py")}},
		{"os._exit", nil, []string{write("exit.py", "import os, sys\nprint('gone', flush=True)\nos._exit(7)\n")}},
		{"atexit", nil, []string{write("atexit.py", "import atexit, sys\natexit.register(lambda: print('at exit', file=sys.stderr))\n")}},
		{"strings", nil, []string{"--strings", write("s.py", "S = ['a', '\\x00', '\\ud800']\n")}},
		{"not .py", nil, []string{write("conf.txt", "")}},
		{"no file", nil, []string{filepath.Join(dir, "none.py")}},
		{"usage", nil, []string{"--strings"}},
	}
	for _, r := range Releases() {
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			Need(t, r)
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					wantOut, wantErr, wantStatus := oneOff(t, r, c.env, c.args...)
					out, stderr, err := Try(t, r, c.env, c.args...)
					status := 0
					if err != nil {
						var exit *exec.ExitError
						if !errors.As(err, &exit) {
							t.Fatalf("%s: %v", c.name, err)
						}
						status = exit.ExitCode()
						if !exit.Exited() {
							status = -1
						}
					}
					// JupyterHub's log lines carry the time.
					stderr, wantErr = logTime.ReplaceAllString(stderr, "$1 TIME "), logTime.ReplaceAllString(wantErr, "$1 TIME ")
					if !bytes.Equal(out, wantOut) || stderr != wantErr || status != wantStatus {
						t.Errorf("%s: served\n status %d, stdout %q\n stderr %q\nbut a separate python3 gives\n status %d, stdout %q\n stderr %q",
							c.name, status, out, stderr, wantStatus, wantOut, wantErr)
					}
				})
			}
		})
	}
}

var logTime = regexp.MustCompile(`(?m)^(\[[A-Z]) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ `)
