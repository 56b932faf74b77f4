package pyconfig

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/debug"
	"strings"
	"time"
)

// A config is read in a child process: the same executable, started again
// with childEnv set, which the init below recognises (so it works in test
// binaries too). The child reads the source and options on stdin, does the
// whole static read (pre-pass, gpython's parser, the evaluator, the
// subconfigs) and writes the result on stdout. It limits its own memory
// first thing, and the parent kills it at readDeadline or when ctx ends. So
// whatever the next bug in gpython or in hubctl's reader does with a file,
// hubctl answers within the deadline, with its memory intact, and a signal
// ends the read at once.

const (
	childEnv = "HUBCTL_INTERNAL_READ_CONFIG"
	// childMemory bounds the child's data segment; childSoftMemory is where
	// its garbage collector starts working hard to stay under it.
	childMemory     = 288 << 20
	childSoftMemory = 100 << 20
	// maxResult bounds what the parent takes from the child.
	maxResult = 128 << 20
)

// readDeadline bounds one read; the largest config hubctl reads (500 000
// tokens) takes about half a second. A variable for the test of the deadline.
var readDeadline = 2 * time.Second

// childRequest is what the parent sends the child.
type childRequest struct {
	Path string
	Src  []byte
	Opts ReadOptions
}

func init() {
	if os.Getenv(childEnv) != "1" {
		return
	}
	os.Exit(childMain(os.Stdin, os.Stdout))
}

// childMain is the child: limits first, then one read.
func childMain(in io.Reader, out io.Writer) int {
	os.Unsetenv(childEnv) // not part of the environment the config sees
	if !raceBuild {
		limitSelf(childMemory)
	}
	debug.SetMemoryLimit(childSoftMemory)
	// If the parent is gone without killing it, the child ends anyway.
	time.AfterFunc(2*readDeadline, func() { os.Exit(3) })
	var req childRequest
	if err := gob.NewDecoder(in).Decode(&req); err != nil {
		fmt.Fprintln(os.Stderr, "hubctl: reading the request:", err)
		return 2
	}
	f, err := ParseInProcess(req.Path, req.Src, req.Opts)
	if _, err := out.Write(encodeReply(f, err)); err != nil {
		fmt.Fprintln(os.Stderr, "hubctl: writing the reply:", err)
		return 2
	}
	return 0
}

// readIsolated reads a config in a child process (see above). When no child
// can be started (no executable to run), the read runs in this process with
// the same deadline, which bounds time but not memory.
func readIsolated(ctx context.Context, path string, src []byte, opts ReadOptions) (*File, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	exe, err := selfExe()
	if err != nil {
		return readInGoroutine(ctx, path, src, opts)
	}
	var req bytes.Buffer
	if err := gob.NewEncoder(&req).Encode(childRequest{Path: path, Src: src, Opts: opts}); err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	rctx, cancel := context.WithTimeout(ctx, readDeadline)
	defer cancel()
	cmd := exec.CommandContext(rctx, exe)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.Stdin = &req
	out := &cappedBuffer{max: maxResult}
	errOut := &cappedBuffer{max: 4096}
	cmd.Stdout, cmd.Stderr = out, errOut
	cmd.SysProcAttr = childAttr()
	cmd.WaitDelay = 200 * time.Millisecond
	if err := cmd.Start(); err != nil {
		return readInGoroutine(ctx, path, src, opts)
	}
	err = cmd.Wait()
	switch {
	case ctx.Err() != nil:
		return nil, fmt.Errorf("reading %s: %w", path, ctx.Err())
	case rctx.Err() != nil:
		return nil, gaveUp(path)
	case out.over:
		return nil, &ParseError{Pos: Pos{File: path}, Msg: fmt.Sprintf("what hubctl read from the file is larger than %d MiB; it stopped", maxResult>>20)}
	case err != nil && (strings.Contains(errOut.String(), "out of memory") || strings.Contains(errOut.String(), "cannot allocate memory")):
		return nil, &ParseError{Pos: Pos{File: path}, Msg: fmt.Sprintf("reading the file needed more than %d MiB; hubctl stopped", childMemory>>20)}
	case err != nil:
		first, _, _ := strings.Cut(strings.TrimSpace(errOut.String()), "\n")
		return nil, fmt.Errorf("reading %s: the reader failed (%v): %s", path, err, first)
	}
	f, err := decodeReply(out.Bytes())
	if errors.Is(err, errWire) {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return f, err
}

func gaveUp(path string) error {
	return &ParseError{Pos: Pos{File: path}, Msg: fmt.Sprintf("hubctl gave up reading the file after %s (its Python parser did not finish); check it with python3 -m py_compile", readDeadline)}
}

// readInGoroutine is the fallback: a read that does not return in time is
// left behind (hubctl exits soon after).
func readInGoroutine(ctx context.Context, path string, src []byte, opts ReadOptions) (*File, error) {
	type result struct {
		f   *File
		err error
	}
	done := make(chan result, 1)
	go func() {
		f, err := ParseInProcess(path, src, opts)
		done <- result{f, err}
	}()
	timer := time.NewTimer(readDeadline)
	defer timer.Stop()
	select {
	case r := <-done:
		return r.f, r.err
	case <-ctx.Done():
		return nil, fmt.Errorf("reading %s: %w", path, ctx.Err())
	case <-timer.C:
		return nil, gaveUp(path)
	}
}

// cappedBuffer keeps at most max bytes and notes that there were more.
type cappedBuffer struct {
	bytes.Buffer
	max  int
	over bool
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); len(p) > room {
		b.over = true
		b.Buffer.Write(p[:max(room, 0)])
		return len(p), nil
	}
	return b.Buffer.Write(p)
}
