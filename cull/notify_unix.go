//go:build unix

package cull

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup puts the command in a process group of its own, which
// is killed whole when the notification ends early: a shell script's
// children go with it.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
