package provision

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// findingLabel is what a testdata/validate file's header says: what the real
// JupyterHub 3.0 does with it and which checks hubctl must report.
type findingLabel struct {
	hub    string // "starts", "fatal", "fatal-on-second-start"
	expect []string
}

func readFindingLabel(t *testing.T, src []byte) findingLabel {
	t.Helper()
	var l findingLabel
	for _, line := range strings.Split(string(src), "\n") {
		switch {
		case strings.HasPrefix(line, "# hub-3.0: "):
			l.hub, _, _ = strings.Cut(strings.TrimPrefix(line, "# hub-3.0: "), ":")
		case strings.HasPrefix(line, "# expect:"):
			l.expect = strings.Fields(strings.TrimPrefix(line, "# expect:"))
		}
	}
	slices.Sort(l.expect)
	return l
}

// TestCorpusFindings: on every labelled config, `hubctl config validate`
// reports exactly the expected checks, an error wherever the real Hub
// refuses to start (now or at its next start), and none where it starts.
func TestCorpusFindings(t *testing.T) {
	files, _ := filepath.Glob("../testdata/validate/*.py")
	if len(files) < 30 {
		t.Fatalf("only %d corpus files", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			label := readFindingLabel(t, src)
			cfg, err := ReadWith(f, Options{Subconfigs: true, Env: func(string) (string, bool) { return "", false }})
			if err != nil {
				t.Fatalf("unreadable: %v", err)
			}
			findings := Validate(cfg, ValidateOptions{Version: HubVersion{3, 0, 0}, Mode: 0o600})
			var ids []string
			hasError := false
			for _, fd := range findings {
				if !slices.Contains(ids, fd.ID) {
					ids = append(ids, fd.ID)
				}
				hasError = hasError || fd.Severity == Error
			}
			slices.Sort(ids)
			if !slices.Equal(ids, label.expect) {
				t.Errorf("reported %v, want %v:\n%v", ids, label.expect, findings)
			}
			if fatal := label.hub != "starts"; fatal != hasError {
				t.Errorf("the Hub %s, but hubctl reports an error = %v:\n%v", label.hub, hasError, findings)
			}
		})
	}
}
