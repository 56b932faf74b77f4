package pyconfig

import (
	"errors"
	"fmt"

	"github.com/hubctl/hubctl/internal/safefile"
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
	data, err := safefile.Read(path, MaxSize)
	var notRegular *safefile.NotRegularError
	var tooLarge *safefile.TooLargeError
	switch {
	case errors.As(err, &notRegular):
		return nil, &unreadableError{Path: path, What: notRegular.Kind + ", not a regular file; hubctl reads configs only from regular files", Kind: notRegular.Kind}
	case errors.As(err, &tooLarge):
		return nil, tooLargeFile(path)
	}
	return data, err
}

func tooLargeFile(path string) *unreadableError {
	return &unreadableError{Path: path, What: fmt.Sprintf("larger than %d MiB; hubctl does not read it", MaxSize>>20)}
}
