//go:build unix

package tljh

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReadFileFIFO: a config.yaml that is a named pipe is refused, not
// waited on.
func TestReadFileFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config.yaml")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip(err)
	}
	if _, err := ReadFile(p); err == nil || !strings.Contains(err.Error(), "a named pipe (FIFO)") {
		t.Errorf("%v", err)
	}
}
