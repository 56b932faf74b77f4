package pyconfig

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// unreadableError is a path hubctl will not read as a config: not a regular
// file, or too large. Reading a FIFO blocks forever and a device never ends.
type unreadableError struct {
	Path string
	What string // what the file is, to follow "the file is" or the path and "is"
	Kind string // not a regular file: what it is ("a named pipe (FIFO)"); empty when merely too large
}

func (e *unreadableError) Error() string { return e.Path + " is " + e.What }

// readConfigFile reads a config or subconfig: it opens the path first
// (following a symlink, as the Hub does, but never blocking on a FIFO or
// taking a terminal), then checks what it opened, so that nothing can swap
// the file between a check and the open, and reads at most MaxSize+1
// bytes of it. Errors from opening are *fs.PathError (errors.Is(err,
// fs.ErrNotExist) for a missing file).
func readConfigFile(path string) ([]byte, error) {
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
		kind := fileKind(st.Mode())
		return nil, &unreadableError{Path: path, What: kind + ", not a regular file; hubctl reads configs only from regular files", Kind: kind}
	}
	if st.Size() > MaxSize {
		return nil, tooLargeFile(path)
	}
	var buf bytes.Buffer
	buf.Grow(int(st.Size()) + 1)
	// The file may grow after the check: the cap holds for what is read.
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxSize+1)); err != nil {
		return nil, &fs.PathError{Op: "read", Path: path, Err: err}
	}
	if buf.Len() > MaxSize {
		return nil, tooLargeFile(path)
	}
	return buf.Bytes(), nil
}

func fileKind(m fs.FileMode) string {
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

func tooLargeFile(path string) *unreadableError {
	return &unreadableError{Path: path, What: fmt.Sprintf("larger than %d MiB; hubctl does not read it", MaxSize>>20)}
}
