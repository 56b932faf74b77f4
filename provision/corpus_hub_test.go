package provision

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The corpus in testdata/validate/ is a set of jupyterhub_config.py files,
// each labelled in its header with what Debian's JupyterHub 3.0 really does
// when started with it, and with the check ids `hubctl config validate`
// must report for it:
//
//	# hub-3.0: starts
//	# hub-3.0: fatal: <substring of the Hub's output>
//	# hub-3.0: fatal-on-second-start: <substring>
//	# trap: <what the Hub silently gets wrong>   (any number)
//	# expect: HUB101 HUB205                      ("# expect:" alone: none)
//
// TestCorpusAgainstRealHub checks the hub-3.0 labels by starting the Hub.

const (
	corpusDir       = "../testdata/validate"
	corpusHubBinary = "/usr/bin/jupyterhub"

	// corpusEnvToken is exported to the Hub as HUBCTL_CORPUS_TOKEN, for the
	// corpus files that read a token with os.environ[...].
	corpusEnvToken = "5c0f1e4be2d7a8936f0c4d1a2b3e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a"

	corpusStartBound = 40 * time.Second // one start, until up or exited
	corpusStopGrace  = 10 * time.Second // SIGTERM, then SIGKILL
	corpusWorkers    = 2
)

// corpusIDs are the check ids a corpus file may expect. HUB206 (a literal
// token in a file others can read) is left out: the corpus is validated
// from files written with mode 0600.
var corpusIDs = []string{
	"HUB101", "HUB102", "HUB103", "HUB104", "HUB105", "HUB106", "HUB107",
	"HUB108", "HUB109", "HUB110", "HUB111", "HUB112", "HUB113", "HUB114",
	"HUB201", "HUB202", "HUB203", "HUB204", "HUB205", "HUB207", "HUB208",
	"HUB209", "HUB210",
	"HUB301",
}

type corpusLabel struct {
	file    string   // base name
	hub     string   // "starts", "fatal" or "fatal-on-second-start"
	message string   // for the fatal kinds: a substring of the Hub's output
	expect  []string // check ids
	traps   []string
	subs    bool // uses load_subconfig('sub/...')

	// mentions5x: the header names HUB111 (OAuth fields without url).
	// That is fatal only from JupyterHub 5 on; 3.0 starts, so the expect
	// line of such a file does not list it.
	mentions5x bool
}

// parseCorpusFile reads the header comment lines at the top of a corpus file.
func parseCorpusFile(path string) (corpusLabel, error) {
	l := corpusLabel{file: filepath.Base(path)}
	data, err := os.ReadFile(path)
	if err != nil {
		return l, err
	}
	l.subs = bytes.Contains(data, []byte("load_subconfig("))
	var hubLines, expectLines int
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if !strings.HasPrefix(line, "#") {
			break // the header ends at the first line that is not a comment
		}
		if strings.Contains(line, "HUB111") && !strings.HasPrefix(line, "# expect:") {
			l.mentions5x = true
		}
		switch {
		case strings.HasPrefix(line, "# hub-3.0:"):
			hubLines++
			v := strings.TrimSpace(strings.TrimPrefix(line, "# hub-3.0:"))
			kind, msg, _ := strings.Cut(v, ":")
			l.hub, l.message = strings.TrimSpace(kind), strings.TrimSpace(msg)
		case strings.HasPrefix(line, "# expect:"):
			expectLines++
			l.expect = strings.Fields(strings.TrimPrefix(line, "# expect:"))
		case strings.HasPrefix(line, "# trap:"):
			l.traps = append(l.traps, strings.TrimSpace(strings.TrimPrefix(line, "# trap:")))
		}
	}
	if hubLines != 1 {
		return l, fmt.Errorf("%d '# hub-3.0:' header lines, want 1", hubLines)
	}
	if expectLines != 1 {
		return l, fmt.Errorf("%d '# expect:' header lines, want 1", expectLines)
	}
	switch l.hub {
	case "starts":
		if l.message != "" {
			return l, fmt.Errorf("'# hub-3.0: starts' takes no message, got %q", l.message)
		}
	case "fatal", "fatal-on-second-start":
		if l.message == "" {
			return l, fmt.Errorf("'# hub-3.0: %s:' needs a substring of the Hub's error output", l.hub)
		}
	default:
		return l, fmt.Errorf("unknown hub-3.0 outcome %q (want starts, fatal or fatal-on-second-start)", l.hub)
	}
	return l, nil
}

func corpusFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(corpusDir, "*.py"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

func TestCorpusLabels(t *testing.T) {
	files := corpusFiles(t)
	if len(files) < 35 {
		t.Errorf("%d corpus files in %s, want at least 35", len(files), corpusDir)
	}
	known := map[string]bool{}
	for _, id := range corpusIDs {
		known[id] = true
	}
	covered := map[string]int{}
	outcomes := map[string]int{}
	mentions5x := 0 // files exercising HUB111, which 3.0 accepts
	for _, f := range files {
		l, err := parseCorpusFile(f)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		outcomes[l.hub]++
		if l.mentions5x {
			mentions5x++
		}
		seen := map[string]bool{}
		for _, id := range l.expect {
			switch {
			case id == "HUB206":
				t.Errorf("%s: HUB206 is not listed in the corpus (its files are validated with mode 0600)", l.file)
			case !known[id]:
				t.Errorf("%s: unknown check id %q", l.file, id)
			case seen[id]:
				t.Errorf("%s: %s listed twice", l.file, id)
			}
			seen[id] = true
			covered[id]++
		}
		if l.subs {
			data, _ := os.ReadFile(f)
			for _, sub := range corpusSubconfigRefs(data) {
				if _, err := os.Stat(filepath.Join(corpusDir, sub)); err != nil && !strings.Contains(sub, "missing") {
					t.Errorf("%s: load_subconfig(%q): %v", l.file, sub, err)
				}
			}
		}
	}
	for _, id := range corpusIDs {
		if covered[id] == 0 && !(id == "HUB111" && mentions5x > 0) {
			t.Errorf("no corpus file expects %s", id)
		}
	}
	for _, kind := range []string{"starts", "fatal", "fatal-on-second-start"} {
		if outcomes[kind] == 0 {
			t.Errorf("no corpus file is labelled '# hub-3.0: %s'", kind)
		}
	}
}

// subconfigRefs returns the literal paths given to load_subconfig.
func corpusSubconfigRefs(data []byte) []string {
	var refs []string
	s := string(data)
	for {
		i := strings.Index(s, "load_subconfig(")
		if i < 0 {
			return refs
		}
		s = s[i+len("load_subconfig("):]
		if len(s) > 0 && (s[0] == '\'' || s[0] == '"') {
			if j := strings.IndexByte(s[1:], s[0]); j >= 0 {
				refs = append(refs, s[1:1+j])
			}
		}
	}
}

func TestCorpusAgainstRealHub(t *testing.T) {
	if _, err := os.Stat(corpusHubBinary); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI needs %s (Debian's jupyterhub package): %v", corpusHubBinary, err)
		}
		t.Skipf("%s is not installed", corpusHubBinary)
	}
	files := corpusFiles(t)
	if len(files) == 0 {
		t.Fatalf("no corpus files in %s", corpusDir)
	}
	sem := make(chan struct{}, corpusWorkers)
	for _, f := range files {
		l, err := parseCorpusFile(f)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		t.Run(strings.TrimSuffix(l.file, ".py"), func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			checkCorpusFile(t, f, l)
		})
	}
}

func checkCorpusFile(t *testing.T, src string, l corpusLabel) {
	dir := t.TempDir()
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, l.file)
	if err := os.WriteFile(cfg, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if l.subs {
		if err := corpusCopyDir(filepath.Join(filepath.Dir(src), "sub"), filepath.Join(dir, "sub")); err != nil {
			t.Fatal(err)
		}
	}

	first := corpusStartHub(t, dir, cfg, 1)
	up := first.waitUp()
	exited, how := first.exited(), first.how() // before stop() ends it
	first.stop()
	out1 := first.output()
	switch l.hub {
	case "starts", "fatal-on-second-start":
		if !up {
			t.Fatalf("labelled %q, but the Hub did not start (%s):\n%s", l.hub, how, corpusTail(out1))
		}
	case "fatal":
		if up {
			t.Fatalf("labelled fatal (%q), but the Hub started:\n%s", l.message, corpusTail(out1))
		}
		if !exited {
			t.Fatalf("labelled fatal (%q), but the Hub neither started nor exited within %s:\n%s", l.message, corpusStartBound, corpusTail(out1))
		}
		if !strings.Contains(out1, l.message) {
			t.Fatalf("the Hub exited (%s) without %q in its output:\n%s", how, l.message, corpusTail(out1))
		}
		return
	}

	// Start again on the same database: "starts" must start again,
	// "fatal-on-second-start" must now fail.
	if l.hub == "starts" && testing.Short() {
		return // -short: one start is enough for "starts"
	}
	second := corpusStartHub(t, dir, cfg, 2)
	up = second.waitUp()
	exited, how = second.exited(), second.how()
	second.stop()
	out2 := second.output()
	switch l.hub {
	case "starts":
		if !up {
			t.Fatalf("labelled starts; the first start worked, but the second one on the same database did not (%s):\n%s", how, corpusTail(out2))
		}
	case "fatal-on-second-start":
		if up {
			t.Fatalf("labelled fatal-on-second-start (%q), but the second start worked too:\n%s", l.message, corpusTail(out2))
		}
		if !exited {
			t.Fatalf("the second start neither came up nor exited within %s:\n%s", corpusStartBound, corpusTail(out2))
		}
		if !strings.Contains(out2, l.message) {
			t.Fatalf("the second start exited (%s) without %q in its output:\n%s", how, l.message, corpusTail(out2))
		}
	}
}

// corpusHub is one run of the Hub.
type corpusHub struct {
	t       *testing.T
	dir     string
	logPath string
	hubPort int
	pubPort int
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	stopped bool
}

// startHub starts the Hub on a wrapper config that fixes ports, paths and
// classes, then loads the corpus file last.
func corpusStartHub(t *testing.T, dir, cfg string, run int) *corpusHub {
	t.Helper()
	ports := corpusFreePorts(t, 3)
	h := &corpusHub{
		t:       t,
		dir:     dir,
		logPath: filepath.Join(dir, fmt.Sprintf("hub-%d.log", run)),
		pubPort: ports[0],
		hubPort: ports[1],
		done:    make(chan struct{}),
	}
	wrapper := filepath.Join(dir, fmt.Sprintf("wrapper-%d.py", run))
	py := func(s string) string {
		return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `'`, `\'`) + "'"
	}
	w := strings.Join([]string{
		"c = get_config()",
		"c.JupyterHub.ip = '127.0.0.1'",
		"c.JupyterHub.port = " + strconv.Itoa(ports[0]),
		"c.JupyterHub.hub_ip = '127.0.0.1'",
		"c.JupyterHub.hub_port = " + strconv.Itoa(ports[1]),
		"c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:" + strconv.Itoa(ports[2]) + "'",
		"c.JupyterHub.db_url = " + py("sqlite:///"+filepath.Join(dir, "jupyterhub.sqlite")),
		"c.JupyterHub.cookie_secret_file = " + py(filepath.Join(dir, "jupyterhub_cookie_secret")),
		"c.ConfigurableHTTPProxy.pid_file = " + py(filepath.Join(dir, "jupyterhub-proxy.pid")),
		"c.JupyterHub.authenticator_class = 'dummy'",
		"c.JupyterHub.spawner_class = 'simple'",
		"load_subconfig(" + py(cfg) + ")",
		"",
	}, "\n")
	if err := os.WriteFile(wrapper, []byte(w), 0o600); err != nil {
		t.Fatal(err)
	}
	logf, err := os.OpenFile(h.logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()

	cmd := exec.Command(corpusHubBinary, "-f", wrapper)
	cmd.Dir = dir
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "JUPYTERHUB_") || strings.HasPrefix(kv, "CONFIGPROXY_") ||
			strings.HasPrefix(kv, "NODE_PATH=") || strings.HasPrefix(kv, "HUBCTL_CORPUS_") {
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = append(env,
		"NODE_PATH=/usr/share/nodejs",
		"HUBCTL_CORPUS_TOKEN="+corpusEnvToken,
		// marks the Hub and the proxy it starts, so that stop() finds them
		"HUBCTL_CORPUS_RUN="+dir,
	)
	// a file, not a pipe: the proxy inherits it and may outlive the Hub
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h.cmd = cmd
	go func() {
		h.waitErr = cmd.Wait()
		close(h.done)
	}()
	t.Cleanup(h.stop) // stop runs again harmlessly if already stopped
	return h
}

// waitUp reports whether the Hub came up: its API answered 200 and it
// logged the end of its start(). It returns false as soon as the Hub exits,
// or after corpusStartBound.
func (h *corpusHub) waitUp() bool {
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/hub/api/", h.hubPort)
	running := fmt.Sprintf("JupyterHub is now running at http://127.0.0.1:%d/", h.pubPort)
	deadline := time.Now().Add(corpusStartBound)
	answered := false
	for time.Now().Before(deadline) {
		if h.exited() {
			return false
		}
		if !answered {
			if resp, err := client.Get(url); err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				answered = resp.StatusCode == http.StatusOK
			}
		}
		// The API listens before managed services are started and may
		// answer while start() is still waiting on an external service;
		// up means start() finished too.
		if answered && strings.Contains(h.output(), running) {
			return true
		}
		select {
		case <-h.done:
			return false
		case <-time.After(150 * time.Millisecond):
		}
	}
	return false
}

func (h *corpusHub) exited() bool {
	select {
	case <-h.done:
		return true
	default:
		return false
	}
}

func (h *corpusHub) how() string {
	if h.exited() {
		if h.waitErr == nil {
			return "exit status 0"
		}
		return h.waitErr.Error()
	}
	return "still running after " + corpusStartBound.String()
}

func (h *corpusHub) output() string {
	data, _ := os.ReadFile(h.logPath)
	return string(data)
}

// stop ends the Hub's process group (SIGTERM, SIGKILL after corpusStopGrace),
// then whatever it started in sessions of their own: the proxy, which
// carries the HUBCTL_CORPUS_RUN marker, and managed services, which run in
// the temp dir or carry the Hub's JUPYTERHUB_API_URL. (When the Hub fails
// in start(), after the proxy is up, it exits without stopping the proxy.)
func (h *corpusHub) stop() {
	if h.stopped {
		return
	}
	h.stopped = true
	pgid := h.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-h.done:
	case <-time.After(corpusStopGrace):
		h.t.Logf("the Hub did not stop within %s of SIGTERM; killing it", corpusStopGrace)
	}
	syscall.Kill(-pgid, syscall.SIGKILL)
	<-h.done
	corpusSweep(h.t, h.dir, h.hubPort)
}

// corpusSweep ends the processes, and their groups, that carry the run's
// marker in their environment, whose working directory is in dir, or that
// are services of the Hub on hubPort (JUPYTERHUB_API_URL).
func corpusSweep(t *testing.T, dir string, hubPort int) {
	marker := []byte("\x00HUBCTL_CORPUS_RUN=" + dir + "\x00")
	apiURL := []byte(fmt.Sprintf("\x00JUPYTERHUB_API_URL=http://127.0.0.1:%d/hub/api\x00", hubPort))
	find := func() []int {
		var pids []int
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			pid, err := strconv.Atoi(e.Name())
			if err != nil || pid == os.Getpid() {
				continue
			}
			cwd, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", pid))
			environ, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
			environ = append([]byte{0}, environ...)
			if cwd == dir || strings.HasPrefix(cwd, dir+"/") ||
				bytes.Contains(environ, marker) || bytes.Contains(environ, apiURL) {
				pids = append(pids, pid)
			}
		}
		return pids
	}
	strays := find()
	if len(strays) == 0 {
		return
	}
	t.Logf("ending processes left behind by the Hub: %v", strays)
	for _, pid := range strays {
		syscall.Kill(-pid, syscall.SIGTERM) // the proxy and services lead their own sessions
		syscall.Kill(pid, syscall.SIGTERM)
	}
	deadline := time.Now().Add(corpusStopGrace)
	for time.Now().Before(deadline) {
		if len(find()) == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	for _, pid := range find() {
		syscall.Kill(-pid, syscall.SIGKILL)
		syscall.Kill(pid, syscall.SIGKILL)
	}
}

var corpusPortMu sync.Mutex

// freePorts returns n distinct ports that were free a moment ago.
func corpusFreePorts(t *testing.T, n int) []int {
	t.Helper()
	corpusPortMu.Lock()
	defer corpusPortMu.Unlock()
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []int
	for len(ports) < n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

func corpusCopyDir(from, to string) error {
	return filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o600)
	})
}

// tail is the end of the Hub's output, for failure messages.
func corpusTail(s string) string {
	const max = 4000
	if len(s) > max {
		return "..." + s[len(s)-max:]
	}
	return s
}
