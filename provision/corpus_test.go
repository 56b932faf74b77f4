package provision

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/hubctl/hubctl/pyconfig"
)

// TestCorpusFindings: on every labelled config and for each release it is
// labelled for, `hubctl config validate --hub-version` reports exactly the
// expected checks, an error wherever that real Hub refuses to start (now or
// at its next start), and none where it starts.
func TestCorpusFindings(t *testing.T) {
	files, _ := filepath.Glob("../testdata/validate/*.py")
	if len(files) < 30 {
		t.Fatalf("only %d corpus files", len(files))
	}
	for _, r := range corpusReleases {
		t.Run(r.Name, func(t *testing.T) {
			for _, f := range files {
				t.Run(filepath.Base(f), func(t *testing.T) {
					label, err := parseCorpusFile(f)
					if err != nil {
						t.Fatal(err)
					}
					o := label.hubs[r.Name]
					expect := slices.Clone(o.expect)
					slices.Sort(expect)
					// The real Hub runs each corpus file in the file's own directory.
					cfg, err := ReadWith(context.Background(), f, ReadOptions{Subconfigs: true, Cwd: filepath.Dir(f), Env: &pyconfig.Environment{}})
					if err != nil {
						t.Fatalf("unreadable: %v", err)
					}
					findings := Validate(cfg, ValidateOptions{Version: r.Version, Mode: 0o600})
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
						t.Errorf("validate --hub-version %s reported %v, want %v:\n%v", r.Version, ids, expect, findings)
					}
					if o.fatal() != hasError {
						t.Errorf("JupyterHub %s %s, but validate --hub-version %s reports an error = %v:\n%v", r.Name, o.kind, r.Version, hasError, findings)
					}
				})
			}
		})
	}
}
