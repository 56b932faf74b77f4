package cull

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestNotifyCommandKilledWhole: a command past its timeout is killed with
// the processes it started (a shell script's children), not the shell
// alone.
func TestNotifyCommandKilledWhole(t *testing.T) {
	cmd, dir := scriptNotifier(t, `sleep 60 & echo $! > "$1"; wait`)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := cmd.Notify(ctx, &Notice{User: "alice"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v", err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "stdin"))
	pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil {
		t.Fatalf("the script's child: %q", data)
	}
	waitFor(t, fmt.Sprintf("the script's child %d to die", pid), func() bool { return dead(pid) })
}

// dead reports whether a process is gone or a zombie (its parent, init
// now, has not reaped it yet).
func dead(pid int) bool {
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return true
	}
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return true
	}
	// pid (comm) state ...: the state follows the last ')'.
	rest := string(stat[strings.LastIndexByte(string(stat), ')')+1:])
	return strings.HasPrefix(strings.TrimSpace(rest), "Z")
}
