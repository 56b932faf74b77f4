//go:build unix

package yamlfile

import (
	"path/filepath"
	"syscall"
	"testing"
)

// TestReadYAMLFIFO: a named pipe with no writer is refused at once; a plain
// open would wait for a writer for ever.
func TestReadYAMLFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "values.yaml")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip(err)
	}
	_, err := Read(p, 1<<20, "a values file")
	if err == nil || err.Error() != p+": a named pipe (FIFO); hubctl reads a values file only from a regular file" {
		t.Errorf("%v", err)
	}
}
