//go:build unix

package helm

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestReadValuesFIFO: a values file that is a named pipe is refused, not
// waited on (an open for reading waits for a writer).
func TestReadValuesFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "values.yaml")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip(err)
	}
	if _, err := ReadValues(p); err == nil || !strings.Contains(err.Error(), "a named pipe (FIFO)") {
		t.Errorf("%v", err)
	}
}
