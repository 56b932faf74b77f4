package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigValidateHubVersion: `config validate --hub-version` answers as
// that release does, on corpus files that JupyterHub 3.0 and 5.2 were seen
// to treat differently (their labels in testdata/validate/).
func TestConfigValidateHubVersion(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		file, version string
		code          int
		out           string
	}{
		{"oauth-no-url.py", "3.0", 0, "warning HUB211"},
		{"oauth-no-url.py", "5.2", 1, "error HUB111"},
		{"command-string-single.py", "3.0", 0, "warning HUB104"},
		{"command-string-single.py", "5.2", 1, "error HUB104"},
		{"role-no-scopes.py", "3.0", 1, "error HUB113"},
		{"role-no-scopes.py", "5.2", 0, "warning HUB113"},
		{"scope-shares.py", "3.0", 1, "error HUB109"},
		{"scope-shares.py", "5.2", 0, "hubctl: 0 errors"},
	} {
		path := filepath.Join("..", "..", "testdata", "validate", tt.file)
		r := runCLI(t, nil, "", "config", "validate", "--hub-version", tt.version, path)
		if r.code != tt.code || !strings.Contains(r.stdout+r.stderr, tt.out) {
			t.Errorf("%s --hub-version %s: exit %d, stdout %q, stderr %q; want %d and %q", tt.file, tt.version, r.code, r.stdout, r.stderr, tt.code, tt.out)
		}
	}
}
