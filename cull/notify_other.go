//go:build !unix

package cull

import "os/exec"

// ownProcessGroup does nothing here: the command alone is killed.
func ownProcessGroup(*exec.Cmd) {}
