package pyconfig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hubTraits are the traits hubctl's provision package watches, for tests
// that read configs the way it does.
var hubTraits = []Trait{
	{Section: "JupyterHub", Name: "services"},
	{Section: "JupyterHub", Name: "load_roles"},
	{Section: "JupyterHub", Name: "api_tokens", Dict: true},
}

// hubOptions are the options provision reads with, less its block's os alias.
func hubOptions() ReadOptions {
	return ReadOptions{Watch: hubTraits, WatchedWhat: "services, roles or tokens"}
}

// limitSelfEnv makes the test binary cap its memory as the reader child
// does, then try to take 512 MiB.
const limitSelfEnv = "HUBCTL_TEST_LIMIT_SELF"

var kept [][]byte

func init() {
	// Not in a reader child, which isolate.go's init runs.
	if os.Getenv(limitSelfEnv) == "" || os.Getenv(childEnv) != "" {
		return
	}
	limitSelf(childMemory)
	for i := 0; i < 64; i++ {
		b := make([]byte, 8<<20)
		for j := range b {
			b[j] = 1
		}
		kept = append(kept, b)
	}
	fmt.Println("took 512 MiB")
	os.Exit(0)
}

func fifo(t testing.TB) string {
	path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestPrepassLikeCPython: the pre-pass answers what CPython 3.12 answers
// (checked with python3.12 -c 'compile(...)'), and accepts what it accepts.
func TestPrepassLikeCPython(t *testing.T) {
	tests := []struct{ src, want string }{
		{"x = 'abc", "x.py:1:5: unterminated string literal (detected at line 1)"},
		{"x = b'abc\n", "x.py:1:5: unterminated string literal (detected at line 1)"},
		{"x = r'\\'\n", "x.py:1:5: unterminated string literal (detected at line 1)"},
		{"x = 'abc\\", "x.py:1:5: unterminated string literal (detected at line 1)"},
		{"x = 1\ny = '''abc\n\ndef\n", "x.py:2:5: unterminated triple-quoted string literal (detected at line 4)"},
		{"x = r\"\"\"abc\\\"\"\"\n", "x.py:1:5: unterminated triple-quoted string literal (detected at line 1)"},
		{"x = [1,\n2\n", "x.py:1:5: '[' was never closed"},
		{"x = [(\n", "x.py:1:6: '(' was never closed"},
		{"x = 1)\n", "x.py:1:6: unmatched ')'"},
		{"x = ]\n", "x.py:1:5: unmatched ']'"},
		{"x = (1]\n", "x.py:1:7: closing parenthesis ']' does not match opening parenthesis '('"},
		{"x = (1,\n]\n", "x.py:2:1: closing parenthesis ']' does not match opening parenthesis '(' on line 1"},
		{"x = 1 \\ 2\n", "x.py:1:8: unexpected character after line continuation character"},
		{"x = 1 \\", "x.py:1:8: unexpected EOF while parsing"},
		{"x = 1 + \\\n", "x.py:1:10: unexpected EOF while parsing"},
		{"x = [ # ]\n", "x.py:1:5: '[' was never closed"},
		{"x = " + strings.Repeat("(", 201) + strings.Repeat(")", 201) + "\n", "x.py:1:205: too many nested parentheses"},
		{"x = f'abc\n", "x.py:1:5: unterminated f-string literal (detected at line 1)"},
		{"x = f'''{x}\n", "x.py:1:5: unterminated triple-quoted f-string literal (detected at line 1)"},
		{"x = (f'{x}\n)\n", "x.py:1:6: unterminated f-string literal (detected at line 1)"},
		{"x = f'{x\n", "x.py:1:7: '{' was never closed"},
		{"x = f'{x)}'\n", "x.py:1:9: f-string: unmatched ')'"},
		{"x = 'café\n", "x.py:1:5: unterminated string literal (detected at line 1)"},
		{"é = [\n", "x.py:1:5: '[' was never closed"},
		// What Python loads, the pre-pass lets through.
		{"x = r'\\''\n", ""},
		{"x = 'abc\\\ndef'\n", ""},
		{"x = '#'\n", ""},
		{"x = " + strings.Repeat("(", 200) + strings.Repeat(")", 200) + "\n", ""},
		{"x = f'{\"'\"}'\n", ""},
		{"x = f'{x['a']}'\n", ""},
		{"x = [f'{1+\n2}',\n]\n", ""},
		{"x = f'{x:{y}>10}'\n", ""},
		{"x = f'{x:%H:%M}'\n", ""},
		{"x = f'{{'\n", ""},
		{"x = f'}}'\n", ""},
		{"x = f'{x!r}' + f'{x!=y}' + f'{ {1:2}[1] }'\n", ""},
		{"x = rf'\\{x}' + rf'\\''\n", ""},
		{"x = f'''{1 # c\n}'''\n", ""},
		{"x = 1 + \\\n  2\n", ""},
		{"x = 0x1e+5 + 1e-5 + 1_000j\n", ""},
		{"x = " + strings.Repeat("-", 3000) + "1\n", ""},
		{"x = " + strings.Repeat("-", 3001) + "1\n", "x.py:1:5: an expression nested more than 3000 levels deep (operators such as unary -, not, ** or if-else, each inside the next): Python cannot compile it (RecursionError)"},
		{"x = 1" + strings.Repeat(" - 1", 5000) + "\n", ""},
		{"x = 1" + strings.Repeat(" if 1 else 1", 3001) + "\n", "x.py:1:7: an expression nested more than 3000 levels deep (operators such as unary -, not, ** or if-else, each inside the next): Python cannot compile it (RecursionError)"},
		{"x = [" + strings.Repeat("not a, ", 5000) + "]\n", ""},
		{"x = [" + strings.Repeat("a not in b, ", 5000) + "]\n", ""},
	}
	for _, tt := range tests {
		_, err := prepass("x.py", []byte(tt.src))
		got := ""
		if err != nil {
			got = strings.TrimSuffix(err.Error(), "; Python refuses to load the file")
		}
		if got != tt.want {
			t.Errorf("%.60q: got %q, want %q", tt.src, got, tt.want)
		}
	}
}

// TestReadCancelled: a read ends as soon as its context does, child process
// and all, even on an input that takes gpython seconds (every line it
// steps over costs a parse of the whole file).
func TestReadCancelled(t *testing.T) {
	src := slowConfig()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	_, err := ParseWith(ctx, "slow.py", src, hubOptions())
	took := time.Since(start)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v after %s, want context.Canceled", err, took)
	}
	if took > 1300*time.Millisecond {
		t.Errorf("took %s after a cancel at 300ms", took)
	}
	// With a shorter deadline, the same input runs into it, with the file named.
	defer func(d time.Duration) { readDeadline = d }(readDeadline)
	readDeadline = 300 * time.Millisecond
	start = time.Now()
	_, err = ParseWith(context.Background(), "slow.py", src, hubOptions())
	took = time.Since(start)
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "slow.py: hubctl gave up reading the file after 300ms") {
		t.Errorf("err = %v, want the deadline", err)
	}
	if took > time.Second {
		t.Errorf("took %s with a deadline of 300ms", took)
	}
}

// slowConfig is a legitimate file that gpython takes a second over: 40 000
// tokens, then fifty f-string lines it cannot parse, each of which costs a
// parse of the whole file (up to maxParsedTokens). The cmd tests read it too.
func slowConfig() []byte {
	src, err := os.ReadFile(filepath.Join("..", "testdata", "slow", "legitimate-slow.py"))
	if err != nil {
		panic(err)
	}
	return src
}

// TestSymlinkedConfigRead: a config reached through a symlink is read (the
// Hub follows it too); opening never blocks and never follows to a FIFO.
func TestSymlinkedConfigRead(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "real.py")
	if err := os.WriteFile(target, []byte("c = get_config()\nc.JupyterHub.services = [{'name': 'a'}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "jupyterhub_config.py")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	f, err := ReadWith(context.Background(), link, hubOptions())
	if err != nil || len(f.Entries[0]) != 1 {
		t.Fatalf("read %+v, err %v", f, err)
	}
	fifoPath := fifo(t)
	toFIFO := filepath.Join(dir, "to-fifo.py")
	if err := os.Symlink(fifoPath, toFIFO); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := ReadWith(context.Background(), toFIFO, hubOptions()); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "a named pipe (FIFO), not a regular file") {
			t.Errorf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reading a symlink to a FIFO blocked")
	}
}

// TestChildMemoryLimit: the limit the reader child sets on itself holds for
// Go's heap, and what the child then dies of is what the parent reports.
func TestChildMemoryLimit(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), limitSelfEnv+"=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err == nil || strings.Contains(stdout.String(), "took 512 MiB") {
		t.Fatalf("the capped process took 512 MiB: %v %q", err, stdout.String())
	}
	if !strings.Contains(stderr.String(), "out of memory") && !strings.Contains(stderr.String(), "cannot allocate memory") {
		t.Errorf("it died of something else: %.300q", stderr.String())
	}
	if rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10; rss > 320<<20 {
		t.Errorf("peak RSS %d MiB", rss>>20)
	}
}
