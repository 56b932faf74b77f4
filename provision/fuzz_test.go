package provision

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/pyconfig"
)

// FuzzReadPath: any bytes, read the way hubctl reads a config (pre-pass,
// gpython's parser, the evaluator with its budget) and then checked, either
// fail with an error naming the file or read and validate, without a panic
// and within a second: a hang is a failure. The corpus is the configs in
// testdata and the hostile inputs of issue 10.
func FuzzReadPath(f *testing.F) {
	var seeds []string
	for _, pattern := range []string{"../testdata/configs/*.py", "../testdata/validate/*.py", "../testdata/hostile/*.py"} {
		files, _ := filepath.Glob(pattern)
		seeds = append(seeds, files...)
	}
	for _, file := range seeds {
		if data, err := os.ReadFile(file); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("c.JupyterHub.services = [{'name': 'a' + 'b', 'api_token': os.environ.get('X', 'y')}]"))
	f.Add([]byte("x = f'{\"'\"}' + f'{x:{y}}'\nc.JupyterHub.services = [{'name': 'a'}]\n"))
	f.Add([]byte("x = " + strings.Repeat("7", 5000) + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		type result struct {
			cfg *Config
			err error
		}
		done := make(chan result, 1)
		go func() {
			cfg, err := parseInProcess("fuzz.py", data, ReadOptions{Env: &pyconfig.Environment{Vars: map[string]string{"X": "v"}}})
			if err == nil {
				for _, fd := range Validate(cfg, ValidateOptions{Version: v3, Mode: 0o644}) {
					if fd.ID == "" || fd.Message == "" {
						t.Errorf("empty finding %+v", fd)
					}
				}
				_, _ = cfg.Managed()
			}
			done <- result{cfg, err}
		}()
		select {
		case r := <-done:
			if r.err != nil && !strings.HasPrefix(r.err.Error(), "fuzz.py") {
				t.Fatalf("error without the file name: %v", r.err)
			}
		case <-time.After(time.Second):
			t.Fatalf("reading %d bytes did not end within a second", len(data))
		}
	})
}
