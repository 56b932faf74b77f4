package pyconfig

import (
	"os"
	"syscall"
)

// selfExe is this very executable, even when its file was replaced or
// removed since it started (a package upgrade): the child must speak the
// same protocol. Without /proc, the path it was started from.
func selfExe() (string, error) {
	if _, err := os.Stat("/proc/self/exe"); err == nil {
		return "/proc/self/exe", nil
	}
	return os.Executable()
}

// childAttr: the child dies with the parent, even when the parent is killed.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// limitSelf caps the process's data segment (Go's heap among it): past it,
// allocation fails and the child dies with "out of memory", which the
// parent reports. CPU time is capped too, beyond the parent's deadline.
func limitSelf(data uint64) {
	_ = syscall.Setrlimit(syscall.RLIMIT_DATA, &syscall.Rlimit{Cur: data, Max: data})
	cpu := uint64(2 * readDeadline.Seconds())
	_ = syscall.Setrlimit(syscall.RLIMIT_CPU, &syscall.Rlimit{Cur: cpu, Max: cpu})
}
