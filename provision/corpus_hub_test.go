package provision

import (
	"bufio"
	"bytes"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/realhub"
)

// The corpus in testdata/validate/ is a set of jupyterhub_config.py files,
// each labelled in its header, for every release the tests run
// (realhub.Releases(): 3.0 and 5.2), with what that real JupyterHub does
// when started with it and with the check ids `hubctl config validate
// --hub-version` reports for that version:
//
//	# hub-3.0: starts
//	# hub-5.2: logs: <substring of the Hub's output>     (starts, and says so)
//	# hub-5.2: fatal: <substring of the Hub's output>    (stops at its start)
//	# hub-3.0: fatal-on-second-start: <substring>        (starts once, then stops at the next start)
//	# login-5.2: bob refused                             (or allowed: after the first start, bob logs in with any password)
//	# expect-3.0: HUB101 HUB205                          (alone: none)
//	# expect-5.2: HUB111
//	# trap: <what a Hub silently merges, drops or gets wrong>   (any number)
//
// TestCorpusAgainstRealHub checks the hub-* labels by starting each Hub;
// TestCorpusFindings checks the expect-* lines and that validate reports an
// error exactly where that Hub refuses to start.

const (
	corpusDir = "../testdata/validate"

	// corpusEnvToken is exported to the Hub as HUBCTL_CORPUS_TOKEN, for the
	// corpus files that read a token with os.environ[...].
	corpusEnvToken = "5c0f1e4be2d7a8936f0c4d1a2b3e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a"

	corpusStartBound = 40 * time.Second // one start, until up or exited
	corpusWorkers    = 6                // Hubs running at once, over both releases (a start waits on the proxy and on services for much of its time); go test -parallel must allow as many (scripts/test.sh)
)

// corpusReleases are the releases every corpus file is labelled for: the
// real-Hub tests' own, each with the version validate is asked about.
var corpusReleases = realhub.Releases()

// corpusIDs are the check ids a corpus file may expect. HUB206 (a literal
// token in a file others can read) is left out: the corpus is validated
// from files written with mode 0600.
var corpusIDs = []string{
	"HUB101", "HUB102", "HUB103", "HUB104", "HUB105", "HUB106", "HUB107",
	"HUB108", "HUB109", "HUB110", "HUB111", "HUB112", "HUB113", "HUB114",
	"HUB115", "HUB116",
	"HUB201", "HUB202", "HUB203", "HUB204", "HUB205", "HUB207", "HUB208",
	"HUB209", "HUB210", "HUB211", "HUB212",
	"HUB301",
}

// corpusKinds are what a Hub does with a corpus file.
var corpusKinds = []string{"starts", "logs", "fatal", "fatal-on-second-start"}

// corpusOutcome is what one release does with a corpus file.
type corpusOutcome struct {
	kind    string   // one of corpusKinds
	message string   // except for "starts": a substring of the Hub's output
	expect  []string // the check ids validate reports for this version

	logins []corpusLogin // "# login-R: USER allowed|refused", tried after the first start
}

// corpusLogin is one login a Hub must allow or refuse.
type corpusLogin struct {
	user    string
	allowed bool
}

func (c corpusLogin) String() string {
	return c.user + map[bool]string{true: " allowed", false: " refused"}[c.allowed]
}

// fatal: the Hub refuses to start, now or at its next start.
func (o corpusOutcome) fatal() bool { return o.kind == "fatal" || o.kind == "fatal-on-second-start" }

type corpusLabel struct {
	file  string                   // base name
	hubs  map[string]corpusOutcome // by release name
	traps []string
	subs  bool // uses load_subconfig('sub/...')
}

// parseCorpusFile reads the header comment lines at the top of a corpus file.
func parseCorpusFile(path string) (corpusLabel, error) {
	l := corpusLabel{file: filepath.Base(path), hubs: map[string]corpusOutcome{}}
	data, err := os.ReadFile(path)
	if err != nil {
		return l, err
	}
	l.subs = bytes.Contains(data, []byte("load_subconfig("))
	hubLines, expectLines := map[string]int{}, map[string]int{}
	expects := map[string][]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if !strings.HasPrefix(line, "#") {
			break // the header ends at the first line that is not a comment
		}
		tag, rest, ok := strings.Cut(strings.TrimPrefix(line, "# "), ":")
		if !ok {
			continue
		}
		switch {
		case strings.HasPrefix(tag, "hub-"):
			rel := strings.TrimPrefix(tag, "hub-")
			hubLines[rel]++
			kind, msg, _ := strings.Cut(strings.TrimSpace(rest), ":")
			o := l.hubs[rel]
			o.kind, o.message = strings.TrimSpace(kind), strings.TrimSpace(msg)
			l.hubs[rel] = o
		case tag == "expect":
			return l, fmt.Errorf("line %d: '# expect:' is now one line per release ('# expect-3.0:', '# expect-5.2:')", n)
		case strings.HasPrefix(tag, "expect-"):
			rel := strings.TrimPrefix(tag, "expect-")
			expectLines[rel]++
			expects[rel] = strings.Fields(rest)
		case strings.HasPrefix(tag, "login-"):
			rel := strings.TrimPrefix(tag, "login-")
			f := strings.Fields(rest)
			if len(f) != 2 || f[1] != "allowed" && f[1] != "refused" {
				return l, fmt.Errorf("line %d: want '# login-%s: USER allowed' or '... refused'", n, rel)
			}
			o := l.hubs[rel]
			o.logins = append(o.logins, corpusLogin{f[0], f[1] == "allowed"})
			l.hubs[rel] = o
		case tag == "trap":
			l.traps = append(l.traps, strings.TrimSpace(rest))
		}
	}
	for rel := range hubLines {
		if !slices.ContainsFunc(corpusReleases, func(r realhub.Release) bool { return r.Name == rel }) {
			return l, fmt.Errorf("'# hub-%s:': no such release (the corpus is labelled for 3.0 and 5.2)", rel)
		}
	}
	for rel := range expectLines {
		if hubLines[rel] == 0 {
			return l, fmt.Errorf("'# expect-%s:' without '# hub-%s:'", rel, rel)
		}
	}
	for rel := range l.hubs {
		if hubLines[rel] == 0 {
			return l, fmt.Errorf("'# login-%s:' without '# hub-%s:'", rel, rel)
		}
	}
	for _, r := range corpusReleases {
		if hubLines[r.Name] != 1 {
			return l, fmt.Errorf("%d '# hub-%s:' header lines, want 1", hubLines[r.Name], r.Name)
		}
		if expectLines[r.Name] != 1 {
			return l, fmt.Errorf("%d '# expect-%s:' header lines, want 1", expectLines[r.Name], r.Name)
		}
		o := l.hubs[r.Name]
		o.expect = expects[r.Name]
		l.hubs[r.Name] = o
		switch {
		case !slices.Contains(corpusKinds, o.kind):
			return l, fmt.Errorf("unknown hub-%s outcome %q (want one of %v)", r.Name, o.kind, corpusKinds)
		case o.kind == "starts" && o.message != "":
			return l, fmt.Errorf("'# hub-%s: starts' takes no message, got %q (a start that logs something is 'logs: ...')", r.Name, o.message)
		case o.kind != "starts" && o.message == "":
			return l, fmt.Errorf("'# hub-%s: %s:' needs a substring of the Hub's output", r.Name, o.kind)
		case len(o.logins) > 0 && o.kind != "starts" && o.kind != "logs":
			return l, fmt.Errorf("'# login-%s:' on a Hub labelled %s: a login needs a Hub that starts", r.Name, o.kind)
		}
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
	outcomes := map[string]int{} // by "RELEASE KIND"
	differ := 0                  // files the two Hubs treat differently
	for _, f := range files {
		l, err := parseCorpusFile(f)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		for _, r := range corpusReleases {
			o := l.hubs[r.Name]
			outcomes[r.Name+" "+o.kind]++
			if len(o.logins) > 0 {
				outcomes[r.Name+" login"]++
			}
			seen := map[string]bool{}
			for _, id := range o.expect {
				switch {
				case id == "HUB206":
					t.Errorf("%s: HUB206 is not listed in the corpus (its files are validated with mode 0600)", l.file)
				case !known[id]:
					t.Errorf("%s: unknown check id %q", l.file, id)
				case seen[id]:
					t.Errorf("%s: %s listed twice for %s", l.file, id, r.Name)
				}
				seen[id] = true
				covered[id]++
			}
		}
		if a, b := l.hubs["3.0"], l.hubs["5.2"]; a.kind != b.kind || a.message != b.message {
			differ++
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
		if covered[id] == 0 {
			t.Errorf("no corpus file expects %s", id)
		}
	}
	for _, r := range corpusReleases {
		for _, kind := range []string{"starts", "fatal"} {
			if outcomes[r.Name+" "+kind] == 0 {
				t.Errorf("no corpus file is labelled '# hub-%s: %s'", r.Name, kind)
			}
		}
	}
	for _, r := range corpusReleases {
		if outcomes[r.Name+" login"] == 0 {
			t.Errorf("no corpus file tries a login on %s ('# login-%s: USER allowed|refused')", r.Name, r.Name)
		}
	}
	if outcomes["3.0 fatal-on-second-start"] == 0 {
		t.Errorf("no corpus file is labelled '# hub-3.0: fatal-on-second-start'")
	}
	if differ < 5 {
		t.Errorf("only %d corpus files where 3.0 and 5.2 differ, want at least 5", differ)
	}
}

// TestCorpusHeaderErrors: a header that does not label every release, or
// labels one the tests do not run, is an error, not a file left unchecked.
func TestCorpusHeaderErrors(t *testing.T) {
	const ok = "# hub-3.0: starts\n# hub-5.2: starts\n# expect-3.0:\n# expect-5.2:\n"
	for _, c := range []struct{ header, want string }{
		{"# hub-3.0: starts\n# expect-3.0:\n", "0 '# hub-5.2:' header lines"},
		{"# hub-3.0: starts\n# hub-5.2: starts\n# expect-3.0:\n", "0 '# expect-5.2:' header lines"},
		{ok + "# hub-6.0: starts\n", "'# hub-6.0:': no such release"},
		{ok + "# expect-6.0: HUB101\n", "'# expect-6.0:' without '# hub-6.0:'"},
		{ok + "# login-6.0: bob allowed\n", "'# login-6.0:' without '# hub-6.0:'"},
		{ok + "# login-5.2: bob maybe\n", "want '# login-5.2: USER allowed'"},
		{"# hub-3.0: fatal: x\n# hub-5.2: fatal: x\n# login-5.2: bob allowed\n# expect-3.0:\n# expect-5.2:\n", "a login needs a Hub that starts"},
		{"# hub-3.0: starts: x\n# hub-5.2: starts\n# expect-3.0:\n# expect-5.2:\n", "takes no message"},
		{"# hub-3.0: logs\n# hub-5.2: starts\n# expect-3.0:\n# expect-5.2:\n", "needs a substring"},
		{"# hub-3.0: crashes: x\n# hub-5.2: starts\n# expect-3.0:\n# expect-5.2:\n", "unknown hub-3.0 outcome"},
		{ok + "# expect: HUB101\n", "one line per release"},
	} {
		path := filepath.Join(t.TempDir(), "case.py")
		if err := os.WriteFile(path, []byte(c.header+"c = get_config()\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := parseCorpusFile(path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("header\n%sgives %v, want an error with %q", c.header, err, c.want)
		}
	}
	path := filepath.Join(t.TempDir(), "ok.py")
	if err := os.WriteFile(path, []byte(ok+"# login-5.2: bob refused\n# login-5.2: alice allowed\nc = get_config()\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := parseCorpusFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(l.hubs["5.2"].logins); got != "[bob refused alice allowed]" {
		t.Errorf("logins %s", got)
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

// TestCorpusAgainstRealHub starts every corpus file on every release, as
// subtests TestCorpusAgainstRealHub/RELEASE/FILE; at most corpusWorkers
// Hubs run at once, over both releases.
func TestCorpusAgainstRealHub(t *testing.T) {
	files := corpusFiles(t)
	if len(files) == 0 {
		t.Fatalf("no corpus files in %s", corpusDir)
	}
	labels := make([]corpusLabel, len(files))
	for i, f := range files {
		l, err := parseCorpusFile(f)
		if err != nil {
			t.Fatalf("%s: %v", filepath.Base(f), err)
		}
		labels[i] = l
	}
	sem := make(chan struct{}, corpusWorkers)
	for _, r := range realhub.Releases() {
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			r.Require(t)
			for i, f := range files {
				l := labels[i]
				o, ok := l.hubs[r.Name]
				if !ok {
					t.Fatalf("%s: no '# hub-%s:' label", l.file, r.Name)
				}
				t.Run(strings.TrimSuffix(l.file, ".py"), func(t *testing.T) {
					t.Parallel()
					sem <- struct{}{}
					defer func() { <-sem }()
					checkCorpusFile(t, r, f, l, o)
				})
			}
		})
	}
}

// checkCorpusFile starts the release's Hub with the corpus file and checks
// its label: twice on one database, so that "starts" also means "starts
// again" and "fatal-on-second-start" is seen to fail then.
func checkCorpusFile(t *testing.T, r realhub.Release, src string, l corpusLabel, o corpusOutcome) {
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
	label := "hub-" + r.Name + ": " + o.kind
	if o.message != "" {
		label += ": " + o.message
	}

	first := corpusStartHub(t, r, dir, cfg, 1)
	up := first.WaitUp(corpusStartBound)
	exited, how := first.Exited(), first.How() // before Stop() ends it
	for _, want := range o.logins {
		if !up {
			break
		}
		if got := (corpusLogin{want.user, corpusTryLogin(t, first, want.user)}); got != want {
			t.Errorf("labelled 'login-%s: %s', but the Hub %s:\n%s", r.Name, want, got, realhub.Tail(first.Output()))
		}
	}
	first.Stop()
	out1 := first.Output()
	corpusRecord(t, r, l.file, 1, out1)
	switch o.kind {
	case "starts", "logs", "fatal-on-second-start":
		if !up {
			t.Fatalf("labelled %q, but the Hub did not start (%s):\n%s", label, how, realhub.Tail(out1))
		}
		if o.kind == "logs" && !strings.Contains(out1, o.message) {
			t.Fatalf("labelled %q, but the Hub started without saying so:\n%s", label, realhub.Tail(out1))
		}
	case "fatal":
		if up {
			t.Fatalf("labelled %q, but the Hub started:\n%s", label, realhub.Tail(out1))
		}
		if !exited {
			t.Fatalf("labelled %q, but the Hub neither started nor exited within %s:\n%s", label, corpusStartBound, realhub.Tail(out1))
		}
		if !strings.Contains(out1, o.message) {
			t.Fatalf("labelled %q; the Hub exited (%s) without that in its output:\n%s", label, how, realhub.Tail(out1))
		}
		return
	}

	// Start again on the same database: "starts" and "logs" must start
	// again, "fatal-on-second-start" must now fail.
	if o.kind != "fatal-on-second-start" && testing.Short() {
		return // -short: one start is enough
	}
	second := corpusStartHub(t, r, dir, cfg, 2)
	up = second.WaitUp(corpusStartBound)
	exited, how = second.Exited(), second.How()
	second.Stop()
	out2 := second.Output()
	corpusRecord(t, r, l.file, 2, out2)
	switch o.kind {
	case "starts", "logs":
		if !up {
			t.Fatalf("labelled %q; the first start worked, but the second one on the same database did not (%s):\n%s", label, how, realhub.Tail(out2))
		}
	case "fatal-on-second-start":
		if up {
			t.Fatalf("labelled %q, but the second start worked too:\n%s", label, realhub.Tail(out2))
		}
		if !exited {
			t.Fatalf("labelled %q; the second start neither came up nor exited within %s:\n%s", label, corpusStartBound, realhub.Tail(out2))
		}
		if !strings.Contains(out2, o.message) {
			t.Fatalf("labelled %q; the second start exited (%s) without that in its output:\n%s", label, how, realhub.Tail(out2))
		}
	}
}

// xsrfInput is the login form's hidden _xsrf field (5.x checks it).
var xsrfInput = regexp.MustCompile(`name="_xsrf" value="([^"]+)"`)

// corpusTryLogin logs user in through the Hub's login form, with any password,
// and reports whether the Hub let them in (it redirects) or refused them
// (the form again, "Invalid username or password").
func corpusTryLogin(t *testing.T, h *realhub.Hub, user string) bool {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Timeout: 10 * time.Second, Jar: jar, Transport: &http.Transport{Proxy: nil},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	loginURL := strings.TrimSuffix(h.APIURL(), "/api") + "/login"
	resp, err := client.Get(loginURL)
	if err != nil {
		t.Fatalf("GET %s: %v", loginURL, err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	form := url.Values{"username": {user}, "password": {"any-password"}}
	if m := xsrfInput.FindSubmatch(page); m != nil {
		form.Set("_xsrf", html.UnescapeString(string(m[1])))
	}
	resp, err = client.PostForm(loginURL, form)
	if err != nil {
		t.Fatalf("POST %s: %v", loginURL, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusFound:
		return true
	case resp.StatusCode == http.StatusOK && bytes.Contains(body, []byte("Invalid username or password")):
		return false
	}
	t.Fatalf("POST %s: %s, neither a redirect nor a refusal:\n%s", loginURL, resp.Status, realhub.Tail(string(body)))
	return false
}

// corpusRecord keeps the Hub's output of one start as
// $HUBCTL_CORPUS_RECORD/RELEASE/FILE.RUN.log when that variable names a
// directory: what a new or changed label is written from.
func corpusRecord(t *testing.T, r realhub.Release, file string, run int, out string) {
	dir := os.Getenv("HUBCTL_CORPUS_RECORD")
	if dir == "" {
		return
	}
	dir = filepath.Join(dir, r.Name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s.%d.log", file, run)), []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
}

// corpusStartHub starts the real Hub with the corpus file loaded last,
// preloaded: a corpus run only starts and stops the Hub, and the import of
// JupyterHub a new process would pay is most of its CPU
// (realhub.TestPreloadedIsTheHub shows the two alike).
func corpusStartHub(t *testing.T, r realhub.Release, dir, cfg string, run int) *realhub.Hub {
	return realhub.Start(t, realhub.Options{Release: r, Dir: dir, Config: cfg, Run: run, Preloaded: true,
		Env: []string{"HUBCTL_CORPUS_TOKEN=" + corpusEnvToken}})
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
