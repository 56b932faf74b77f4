package provision

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/realhub"
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
	corpusDir = "../testdata/validate"

	// corpusEnvToken is exported to the Hub as HUBCTL_CORPUS_TOKEN, for the
	// corpus files that read a token with os.environ[...].
	corpusEnvToken = "5c0f1e4be2d7a8936f0c4d1a2b3e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6a"

	corpusStartBound = 40 * time.Second // one start, until up or exited
	corpusWorkers    = 2
)

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
	realhub.Require(t)
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
	up := first.WaitUp(corpusStartBound)
	exited, how := first.Exited(), first.How() // before Stop() ends it
	first.Stop()
	out1 := first.Output()
	switch l.hub {
	case "starts", "fatal-on-second-start":
		if !up {
			t.Fatalf("labelled %q, but the Hub did not start (%s):\n%s", l.hub, how, realhub.Tail(out1))
		}
	case "fatal":
		if up {
			t.Fatalf("labelled fatal (%q), but the Hub started:\n%s", l.message, realhub.Tail(out1))
		}
		if !exited {
			t.Fatalf("labelled fatal (%q), but the Hub neither started nor exited within %s:\n%s", l.message, corpusStartBound, realhub.Tail(out1))
		}
		if !strings.Contains(out1, l.message) {
			t.Fatalf("the Hub exited (%s) without %q in its output:\n%s", how, l.message, realhub.Tail(out1))
		}
		return
	}

	// Start again on the same database: "starts" must start again,
	// "fatal-on-second-start" must now fail.
	if l.hub == "starts" && testing.Short() {
		return // -short: one start is enough for "starts"
	}
	second := corpusStartHub(t, dir, cfg, 2)
	up = second.WaitUp(corpusStartBound)
	exited, how = second.Exited(), second.How()
	second.Stop()
	out2 := second.Output()
	switch l.hub {
	case "starts":
		if !up {
			t.Fatalf("labelled starts; the first start worked, but the second one on the same database did not (%s):\n%s", how, realhub.Tail(out2))
		}
	case "fatal-on-second-start":
		if up {
			t.Fatalf("labelled fatal-on-second-start (%q), but the second start worked too:\n%s", l.message, realhub.Tail(out2))
		}
		if !exited {
			t.Fatalf("the second start neither came up nor exited within %s:\n%s", corpusStartBound, realhub.Tail(out2))
		}
		if !strings.Contains(out2, l.message) {
			t.Fatalf("the second start exited (%s) without %q in its output:\n%s", how, l.message, realhub.Tail(out2))
		}
	}
}

// corpusStartHub starts the real Hub with the corpus file loaded last.
func corpusStartHub(t *testing.T, dir, cfg string, run int) *realhub.Hub {
	return realhub.Start(t, realhub.Options{Dir: dir, Config: cfg, Run: run, Env: []string{"HUBCTL_CORPUS_TOKEN=" + corpusEnvToken}})
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
