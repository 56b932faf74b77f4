package provision

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/pyconfig"
)

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
			label, err := parseCorpusFile(f)
			if err != nil {
				t.Fatal(err)
			}
			expect := slices.Clone(label.expect)
			slices.Sort(expect)
			// The real Hub runs each corpus file in the file's own directory.
			cfg, err := ReadWith(context.Background(), f, ReadOptions{Subconfigs: true, Cwd: filepath.Dir(f), Env: &pyconfig.Environment{}})
			if err != nil {
				t.Fatalf("unreadable: %v", err)
			}
			findings := Validate(cfg, ValidateOptions{Version: hub.Version{Major: 3, Minor: 0, Patch: 0}, Mode: 0o600})
			var ids []string
			hasError := false
			for _, fd := range findings {
				if !slices.Contains(ids, fd.ID) {
					ids = append(ids, fd.ID)
				}
				hasError = hasError || fd.Severity == SeverityError
			}
			slices.Sort(ids)
			if !slices.Equal(ids, expect) {
				t.Errorf("reported %v, want %v:\n%v", ids, expect, findings)
			}
			if fatal := label.hub != "starts"; fatal != hasError {
				t.Errorf("the Hub %s, but hubctl reports an error = %v:\n%v", label.hub, hasError, findings)
			}
		})
	}
}
