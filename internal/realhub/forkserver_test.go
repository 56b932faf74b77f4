package realhub

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// preloadedCases are configs a preloaded Hub must treat as a new one does:
// one that starts (and reads the run's environment as it loads), one that
// is fatal as it loads, and one with a service url 3.0 refuses only in
// start(), after its proxy is up, and 5.x as it loads. want is in the
// masked log of both runs.
var preloadedCases = []struct {
	name, config, want string
	up                 bool
}{
	{"starts", "import os\nc = get_config()  # noqa\nprint('run token', os.environ['HUBCTL_PRELOAD_TEST'])\nc.Authenticator.allow_all = True\n",
		"run token from-the-run", true},
	{"fatal-token", "c = get_config()  # noqa\nc.JupyterHub.services = [{'name': 'short', 'api_token': 'abc'}]\n",
		"must be at least N characters", false},
	{"fatal-url", "c = get_config()  # noqa\nc.JupyterHub.services = [{'name': 'ftp', 'url': 'ftp://N.N.N.N:N'.replace('N', '1'), 'api_token': 'x' * 32}]\n",
		"ftp", false},
}

// A preloaded run of each release comes up, or fails, as a new process of
// the Hub does with the same config: the same outcome, exit status and
// log lines (timestamps, numbers, hex and the run's directory masked).
func TestPreloadedIsTheHub(t *testing.T) {
	for _, r := range Releases() {
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			r.Require(t)
			for _, c := range preloadedCases {
				t.Run(c.name, func(t *testing.T) {
					t.Parallel()
					fresh, freshUp, freshHow := preloadRun(t, r, c.config, false)
					forked, forkedUp, forkedHow := preloadRun(t, r, c.config, true)
					if freshUp != c.up {
						t.Fatalf("a new Hub came up: %v, want %v (%s):\n%s", freshUp, c.up, freshHow, Tail(strings.Join(fresh, "\n")))
					}
					if forkedUp != freshUp || forkedHow != freshHow {
						t.Fatalf("preloaded: up %v, %s; new process: up %v, %s", forkedUp, forkedHow, freshUp, freshHow)
					}
					if !slices.ContainsFunc(fresh, func(l string) bool { return strings.Contains(l, c.want) }) {
						t.Fatalf("no %q in the log of a new Hub:\n%s", c.want, strings.Join(fresh, "\n"))
					}
					if !slices.Equal(forked, fresh) {
						t.Errorf("the logs differ (masked, sorted):\n%s", lineDiff(fresh, forked))
					}
				})
			}
		})
	}
}

// preloadRun starts the Hub once with config, new or preloaded, and returns
// its masked log lines, whether it came up and how it ended.
func preloadRun(t *testing.T, r Release, config string, preloaded bool) ([]string, bool, string) {
	dir := t.TempDir()
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	path := filepath.Join(dir, "config.py")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	h := Start(t, Options{Dir: dir, Config: path, Release: r, Preloaded: preloaded, Env: []string{"HUBCTL_PRELOAD_TEST=from-the-run"}})
	up := h.WaitUp(60 * time.Second)
	if !up {
		select {
		case <-h.done:
		case <-time.After(60 * time.Second):
			t.Fatalf("the Hub neither came up nor exited:\n%s", Tail(h.Output()))
		}
	}
	h.Stop()
	return maskLog(h.Output(), dir), up, h.How()
}

var (
	logStamp   = regexp.MustCompile(`^(\[[A-Z]) \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ `)
	logHex     = regexp.MustCompile(`[0-9a-f]{16,}`)
	logNumbers = regexp.MustCompile(`\d+`)
)

// maskLog is the Hub's own lines of a log (not the proxy's, which
// interleave, nor the request log, which has the test's polls of the API
// in it), with what differs between any two runs masked, sorted.
func maskLog(out, dir string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "[ConfigProxy]") || strings.Contains(l, " JupyterHub log:") || strings.TrimSpace(l) == "" {
			continue
		}
		l = strings.ReplaceAll(l, dir, "DIR")
		l = logStamp.ReplaceAllString(l, "$1 ")
		l = logHex.ReplaceAllString(l, "HEX")
		l = logNumbers.ReplaceAllString(l, "N")
		lines = append(lines, l)
	}
	slices.Sort(lines)
	return lines
}

func lineDiff(want, got []string) string {
	var b strings.Builder
	for _, l := range want {
		if !slices.Contains(got, l) {
			b.WriteString("- " + l + "\n")
		}
	}
	for _, l := range got {
		if !slices.Contains(want, l) {
			b.WriteString("+ " + l + "\n")
		}
	}
	if b.Len() == 0 {
		b.WriteString("(the same lines, a different number of times)\n")
	}
	return b.String()
}

// Stop ends a preloaded Hub, which is not a child of this process, and its
// proxy: nothing of the run is left.
func TestPreloadedStopEndsTheHub(t *testing.T) {
	for _, r := range Releases() {
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			r.Require(t)
			dir := t.TempDir()
			if d, err := filepath.EvalSymlinks(dir); err == nil {
				dir = d
			}
			path := filepath.Join(dir, "config.py")
			os.WriteFile(path, []byte("c = get_config()  # noqa\n"), 0o600)
			h := Start(t, Options{Dir: dir, Config: path, Release: r, Preloaded: true})
			h.MustBeUp(60 * time.Second)
			group := groupMembers(h.cmd.Process.Pid)
			if len(group) < 2 {
				t.Fatalf("the run's process group is %v: the forked Hub did not join it", group)
			}
			h.Stop()
			for _, pid := range group {
				if alive(pid) {
					t.Errorf("process %d of the run's group outlived Stop", pid)
				}
			}
			if strays := find(dir, h.ports.Hub); len(strays) > 0 {
				t.Errorf("processes outlived Stop: %v", strays)
			}
		})
	}
}

// A fork server removes its directory (socket and script) when its stdin
// ends, as it does when the test binary exits.
func TestForkServerRemovesItsDirectory(t *testing.T) {
	for _, r := range Releases() {
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			r.Require(t)
			s, err := startForkServer(r)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(s.socket); err != nil {
				t.Fatalf("the server is ready but has no socket: %v", err)
			}
			s.stdin.Close()
			deadline := time.Now().Add(30 * time.Second)
			for {
				_, err := os.Stat(s.dir)
				if os.IsNotExist(err) {
					return
				}
				if time.Now().After(deadline) {
					entries, _ := os.ReadDir(s.dir)
					t.Fatalf("%s is still there 30s after the server's stdin ended (%v, %d entries)", s.dir, err, len(entries))
				}
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
}
