//go:build unix

package cull

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestLoadRulesFIFO: a --rules file that is a named pipe is refused, not
// waited on.
func TestLoadRulesFIFO(t *testing.T) {
	p := filepath.Join(t.TempDir(), "rules.yaml")
	if err := syscall.Mkfifo(p, 0o600); err != nil {
		t.Skip(err)
	}
	_, err := LoadRules(p)
	var re *RulesError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "a named pipe (FIFO)") {
		t.Errorf("%v", err)
	}
}
