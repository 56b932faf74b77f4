package realhub

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A Detached command in the 5.2 root sees its binds, passes its exit
// status on, and leaves no overlay layers behind once it has ended (and
// the host's bound directory as it was).
func TestDetachedCleansUp(t *testing.T) {
	r := V52()
	r.Require(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("seen"), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd, err := r.Detached([]string{dir}, "/bin/sh", "-c", `grep -q seen f && test -f /etc/debian_version && exit 3`)
	if err != nil {
		t.Fatal(err)
	}
	var layers string
	for _, a := range cmd.Args {
		if strings.HasSuffix(a, string(filepath.Separator)+"upper") {
			layers = filepath.Dir(a)
		}
	}
	if layers == "" {
		t.Fatalf("no layers among %q", cmd.Args)
	}
	err = cmd.Run()
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 3 {
		t.Errorf("exit: %v, want status 3", err)
	}
	if _, err := os.Stat(layers); !os.IsNotExist(err) {
		t.Errorf("the layers %s are still there after the command ended: %v", layers, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "f")); string(b) != "seen" {
		t.Errorf("the bound directory lost its file: %q, %v", b, err)
	}
}
