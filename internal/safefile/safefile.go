// Package safefile reads a file hubctl was told to read (a config, a
// values file, a rules file) without being stalled or flooded by it: it
// never blocks on a named pipe or takes a terminal, and reads at most a
// bound. pyconfig and internal/yamlfile word its errors for their files.
package safefile

import (
	"bytes"
	"io"
	"io/fs"
	"os"
)

// NotRegularError is a path that is not a regular file. Reading a FIFO
// blocks forever and a device never ends.
type NotRegularError struct {
	Path string
	Kind string // what it is: "a named pipe (FIFO)", "a directory", ...
}

func (e *NotRegularError) Error() string { return e.Path + " is " + e.Kind + ", not a regular file" }

// TooLargeError is a file larger than the bound.
type TooLargeError struct {
	Path string
	Max  int64
}

func (e *TooLargeError) Error() string { return e.Path + " is too large" }

// Read opens path first (following a symlink, but never blocking on a FIFO
// or taking a terminal), then checks what it opened, so that nothing can
// swap the file between a check and the open, and reads at most max+1
// bytes of it. Errors from opening and reading are *fs.PathError
// (errors.Is(err, fs.ErrNotExist) for a missing file); the others are
// *NotRegularError and *TooLargeError.
func Read(path string, max int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &NotRegularError{Path: path, Kind: kind(st.Mode())}
	}
	if st.Size() > max {
		return nil, &TooLargeError{Path: path, Max: max}
	}
	var buf bytes.Buffer
	buf.Grow(int(st.Size()) + 1)
	// The file may grow after the check: the cap holds for what is read.
	if _, err := buf.ReadFrom(io.LimitReader(f, max+1)); err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	if int64(buf.Len()) > max {
		return nil, &TooLargeError{Path: path, Max: max}
	}
	return buf.Bytes(), nil
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe (FIFO)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "not a regular file (" + m.Type().String() + ")"
}
