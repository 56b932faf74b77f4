// Package selfcopy copies the running hubctl to another path. hubctl's
// image is FROM scratch, so there is no cp in it: an init container runs
// `hubctl copy-binary DEST` to put hubctl into a volume the hub container
// mounts.
package selfcopy

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/hubctl/hubctl/internal/atomicfile"
)

// maxExecutable bounds what Copy reads: hubctl is about 15 MiB.
const maxExecutable = 256 << 20

// Mode is the copy's mode: anyone may run it, only its owner change it.
const Mode fs.FileMode = 0o755

// Copy writes the running executable to dest atomically (a temp file in
// dest's directory, fsync, rename), mode 0755, and returns its size. A
// symlink or a directory at dest is refused, not written through.
func Copy(dest string) (int64, error) {
	if st, err := os.Lstat(dest); err == nil {
		switch {
		case st.Mode()&fs.ModeSymlink != 0:
			return 0, fmt.Errorf("%s is a symlink; copy-binary writes no file through one: name the file itself", dest)
		case st.IsDir():
			return 0, fmt.Errorf("%s is a directory; name the file to write, such as %s/hubctl", dest, dest)
		case !st.Mode().IsRegular():
			return 0, fmt.Errorf("%s is not a regular file; name a new file or one to replace", dest)
		}
	}
	self, err := os.Executable()
	if err != nil {
		return 0, fmt.Errorf("finding the running hubctl (%w); is /proc mounted?", err)
	}
	data, err := readBounded(self)
	if err != nil {
		return 0, err
	}
	if err := atomicfile.WriteFile(dest, data, atomicfile.Options{Mode: Mode}); err != nil {
		return 0, err
	}
	return int64(len(data)), nil
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the running hubctl: %s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading the running hubctl: %s: %w", path, err)
	}
	if st.Size() > maxExecutable {
		return nil, fmt.Errorf("%s is larger than %d MiB; not hubctl", path, maxExecutable>>20)
	}
	// One buffer of the file's size: the init container's memory limit
	// is a few times hubctl's size, and io.ReadAll's growing would take
	// twice it.
	data := make([]byte, st.Size())
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, fmt.Errorf("reading the running hubctl: %s: %w", path, err)
	}
	return data, nil
}
