//go:build !linux

package pyconfig

import (
	"os"
	"syscall"
)

func selfExe() (string, error) { return os.Executable() }

func childAttr() *syscall.SysProcAttr { return nil }

// limitSelf has no portable form; the parent's deadline still holds.
func limitSelf(uint64) {}
