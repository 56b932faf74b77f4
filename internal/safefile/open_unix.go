//go:build unix

package safefile

import "syscall"

// openFlags: opening a FIFO for reading would wait for a writer, and opening
// a terminal would make it the controlling one.
const openFlags = syscall.O_NONBLOCK | syscall.O_NOCTTY
