package safefile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("12345"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := Read(file, 5); err != nil || string(got) != "12345" {
		t.Errorf("at the bound: %q, %v", got, err)
	}
	var tooLarge *TooLargeError
	if _, err := Read(file, 4); !errors.As(err, &tooLarge) || tooLarge.Path != file || tooLarge.Max != 4 {
		t.Errorf("over the bound: %v", err)
	}
	if _, err := Read(filepath.Join(dir, "missing"), 5); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	var notRegular *NotRegularError
	if _, err := Read(dir, 5); !errors.As(err, &notRegular) || notRegular.Kind != "a directory" {
		t.Errorf("directory: %v", err)
	}
	// A FIFO with no writer: opening it for reading would wait forever.
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(fifo, 5); !errors.As(err, &notRegular) || notRegular.Kind != "a named pipe (FIFO)" {
		t.Errorf("FIFO: %v", err)
	}
	if k := kind(fs.ModeSocket); k != "a socket" {
		t.Errorf("kind(socket) = %q", k)
	}
}
