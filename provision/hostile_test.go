package provision

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hostileReadEnv makes the test binary a process that reads one config the
// way `hubctl config validate` does (ReadWith with subconfigs, then
// Validate) and prints what it found as JSON, so that the test can measure
// its time and peak memory (its reader child included) from outside.
const hostileReadEnv = "HUBCTL_TEST_HOSTILE_READ"

type hostileOutcome struct {
	Err      string
	Findings []string
}

// limitSelfEnv makes the test binary cap its memory as the reader child
// does, then try to take 512 MiB.
const limitSelfEnv = "HUBCTL_TEST_LIMIT_SELF"

var kept [][]byte

func init() {
	if os.Getenv(limitSelfEnv) != "" && os.Getenv(childEnv) == "" {
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
	path := os.Getenv(hostileReadEnv)
	if path == "" || os.Getenv(childEnv) != "" {
		return
	}
	os.Unsetenv(hostileReadEnv)
	var out hostileOutcome
	cfg, err := ReadWith(context.Background(), path, ReadOptions{Subconfigs: true, Env: &Environment{Inherit: true}})
	if err != nil {
		out.Err = err.Error()
	} else {
		for _, f := range Validate(cfg, ValidateOptions{Version: v3, Mode: 0o600}) {
			out.Findings = append(out.Findings, f.String())
		}
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
	os.Exit(0)
}

// hostileCase is one input from issue 10 and what hubctl must answer: an
// error (readable false) or a finding (readable true) containing want.
type hostileCase struct {
	name     string
	path     func(t testing.TB) string
	readable bool
	want     string
}

func hostileFile(name string) func(testing.TB) string {
	return func(testing.TB) string { return filepath.Join("..", "testdata", "hostile", name) }
}

// generated writes a config built by a recipe (too large to commit).
func generated(name string, build func() []byte) func(testing.TB) string {
	return func(t testing.TB) string {
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, build(), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
}

func fifo(t testing.TB) string {
	path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// withSubconfig writes a config that loads the path sub makes.
func withSubconfig(sub func(testing.TB) string) func(testing.TB) string {
	return func(t testing.TB) string {
		path := filepath.Join(t.TempDir(), "jupyterhub_config.py")
		src := fmt.Sprintf("c = get_config()\nload_subconfig(%q)\n", sub(t))
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
}

func repeated(head, unit string, n int, tail string) func() []byte {
	return func() []byte { return []byte(head + strings.Repeat(unit, n) + tail) }
}

func hostileCases() []hostileCase {
	const mb16 = 16 << 20
	garbage := func() []byte {
		rng := rand.New(rand.NewPCG(10, 10))
		b := make([]byte, mb16)
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		return b
	}
	return []hostileCase{
		// Section 1: the typo that hung every command, and its relatives.
		// The messages are CPython 3.12's, position and all.
		{"the issue's typo", hostileFile("typo-unterminated-in-list.py"), false, "typo-unterminated-in-list.py:3:1: unterminated string literal (detected at line 3)"},
		{"the smallest form", hostileFile("smallest-unterminated.py"), false, "smallest-unterminated.py:2:1: unterminated string literal (detected at line 2)"},
		{"unterminated triple quote", hostileFile("unterminated-triple.py"), false, "unterminated-triple.py:4:17: unterminated triple-quoted string literal (detected at line 5)"},
		{"bracket never closed", hostileFile("bracket-never-closed.py"), false, "bracket-never-closed.py:2:25: '[' was never closed"},
		{"unmatched bracket", hostileFile("bracket-unmatched.py"), false, "bracket-unmatched.py:2:42: unmatched ')'"},
		{"mismatched bracket", hostileFile("bracket-mismatch.py"), false, "bracket-mismatch.py:2:38: closing parenthesis ')' does not match opening parenthesis '{'"},
		{"line continuation at the end", hostileFile("continuation-at-eof.py"), false, "continuation-at-eof.py:2:31: unexpected EOF while parsing"},
		{"201 nested brackets", hostileFile("nested-201.py"), false, "nested-201.py:2:205: too many nested parentheses"},
		// gpython stops inside brackets where the pre-pass sees nothing
		// wrong: the tolerant parse used to loop here forever too.
		{"gpython's error inside a list", hostileFile("gpython-error-in-list.py"), true, "gpython-error-in-list.py:3:1: warning HUB301: hubctl cannot parse this line"},
		{"Python 3.12 f-strings", hostileFile("fstring-py312.py"), true, "fstring-py312.py:2:1: warning HUB301: hubctl cannot parse this line, which seems to set services"},
		// Section 2: files that never end or never come.
		{"/dev/zero as the config", func(testing.TB) string { return "/dev/zero" }, false, "/dev/zero: the file is a character device, not a regular file"},
		{"a FIFO as the config", fifo, false, "jupyterhub_config.py: the file is a named pipe (FIFO), not a regular file"},
		{"a directory as the config", func(t testing.TB) string { return t.TempDir() }, false, "the file is a directory, not a regular file"},
		// The Hub loads only regular files as subconfigs (traitlets' filefind
		// asks os.path.isfile) and skips the others without a word.
		{"load_subconfig('/dev/zero')", hostileFile("subconfig-dev-zero.py"), true, `subconfig-dev-zero.py:2:1: warning HUB212: load_subconfig("/dev/zero"): /dev/zero is a character device, not a regular file; JupyterHub skips it`},
		{"load_subconfig('/dev/urandom')", hostileFile("subconfig-dev-urandom.py"), true, `subconfig-dev-urandom.py:2:1: warning HUB212: load_subconfig("/dev/urandom"): /dev/urandom is a character device`},
		{"load_subconfig of a FIFO", withSubconfig(fifo), true, `jupyterhub_config.py:2:1: warning HUB212: load_subconfig(`},
		{"a config over 16 MiB", generated("big.py", repeated("", "#", mb16+1, "")), false, "big.py: the file is larger than 16 MiB"},
		{"a subconfig over 16 MiB", withSubconfig(generated("sub.py", repeated("", "#", mb16+1, ""))), false, "jupyterhub_config.py:2:1: load_subconfig("},
		// What the evaluator builds, and what gpython is given.
		{"a = a + a fourteen times", hostileFile("a-plus-a.py"), true, "a-plus-a.py:6:5: warning HUB301: a string beyond hubctl's budget of 24 MiB"},
		{"3000 items of 'x' * 1048576", hostileFile("list-of-megabytes.py"), true, "list-of-megabytes.py:2:"},
		{"4 million unary minus signs", generated("minus.py", repeated("c = get_config()\nx = ", "-", 4_000_000, "1\n")), false, "minus.py:2:5: an expression nested more than 3000 levels deep"},
		{"a 5-million-digit integer", generated("digits.py", repeated("c = get_config()\nx = ", "7", 5_000_000, "\n")), true, "digits.py:2:5: warning HUB301: a number literal of 5000000 digits"},
		{"16 MB of tokens", generated("tokens.py", repeated("x = [", "1,", mb16/2-8, "]\n")), false, "tokens.py:1:500003: the file has more than 500000 Python tokens"},
		{"16 MB of empty strings", generated("strings.py", repeated("x = [", "'',", mb16/3-8, "]\n")), false, "the file has more than 500000 Python tokens"},
		{"16 MB in one string", generated("onestring.py", repeated("x = '", "a", mb16-16, "'\n")), true, ""},
		{"16 MB of comments", generated("comments.py", repeated("", "# a comment\n", mb16/12-1, "")), true, ""},
		{"16 MB of binary garbage", generated("garbage.py", garbage), false, "a NUL byte; Python refuses to load the file"},
		{"240 000 additions in a row", generated("sum.py", repeated("c = get_config()\nx = 1", "+1", 240_000, "\n")), true, "sum.py:2:"},
		{"240 000 additions in an unread call", generated("call.py", repeated("c = get_config()\nfoo(1", "+1", 240_000, ", c.JupyterHub.services)\n")), true, "call.py:2:1: warning HUB301: c.JupyterHub.services is changed by a call"},
		{"100 000 conditional expressions", generated("ifexp.py", repeated("c = get_config()\nx = 1", " if 1 else 1", 100_000, "\n")), false, "ifexp.py:2:7: an expression nested more than 3000 levels deep"},
		{"200 000 powers", generated("pow.py", repeated("c = get_config()\nx = 2", "**2", 200_000, "\n")), false, "pow.py:2:6: an expression nested more than 3000 levels deep"},
		{"200 000 lambdas", generated("lambda.py", repeated("c = get_config()\nx = ", "lambda: ", 200_000, "1\n")), false, "lambda.py:2:5: an expression nested more than 3000 levels deep"},
		{"2 900 conditional expressions", generated("ifexp.py", repeated("c = get_config()\nx = 1", " if 1 else 1", 2900, "\n")), true, ""},
		{"450 000 adjacent string literals", generated("join.py", repeated("c = get_config()\nx = ", "'a' ", 450_000, "\n")), true, "join.py:2:5: warning HUB301: 450000 adjacent string literals, which hubctl's parser would take minutes to join"},
		{"adjacent string literals in a list, over lines", generated("joinlist.py", repeated("c = get_config()\nx = [\n", "'abcdefgh'\n", 40_000, "]\nc.JupyterHub.services = [{'name': 'a'}]\n")), true, "joinlist.py:3:1: warning HUB301: 40000 adjacent string literals"},
		{"adjacent string literals over lines, outside brackets", generated("joinlines.py", repeated("c = get_config()\nx = ", "'abcdefgh' \\\n", 40_000, "'a'\n")), false, "joinlines.py:2:5: 40001 adjacent string literals over several lines"},
		{"50 000 conditional expressions side by side", generated("ifexps.py", repeated("c = get_config()\nx = [", "1 if a else 2, ", 50_000, "]\n")), true, ""},
	}
}

// TestHostileInputs reads each input from issue 10 in a process of its own,
// as `hubctl config validate` does, and checks the answer, the time (a
// ceiling that only catches a hang: the figures are in BenchmarkHostile)
// and the peak memory of the process and its reader child. That peak
// over-counts: Linux keeps in it the RSS of the test process the child was
// started from (before exec), so it only errs on the safe side.
func TestHostileInputs(t *testing.T) {
	const maxRSS = 256 << 20
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path(t)
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), hostileReadEnv+"="+path)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			start := time.Now()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			timer := time.AfterFunc(20*time.Second, func() { _ = cmd.Process.Kill() })
			err := cmd.Wait()
			timer.Stop()
			took := time.Since(start)
			if err != nil {
				t.Fatalf("the reading process failed after %s: %v\n%s", took, err, stderr.String())
			}
			var out hostileOutcome
			if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
				t.Fatalf("%v: %q", err, stdout.String())
			}
			rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss << 10
			t.Logf("%s, peak RSS %d MiB", took.Round(time.Millisecond), rss>>20)
			if rss > maxRSS {
				t.Errorf("peak RSS %d MiB, over %d MiB", rss>>20, maxRSS>>20)
			}
			if took > 10*time.Second {
				t.Errorf("took %s", took)
			}
			if tc.readable {
				if out.Err != "" {
					t.Fatalf("not read: %s", out.Err)
				}
				found := tc.want == ""
				for _, f := range out.Findings {
					found = found || strings.Contains(f, tc.want)
				}
				if !found {
					t.Errorf("no finding with %q in %d findings: %.3q", tc.want, len(out.Findings), out.Findings)
				}
				return
			}
			if !strings.Contains(out.Err, tc.want) {
				t.Errorf("error %q, want %q", out.Err, tc.want)
			}
			if strings.Contains(out.Err, "\n") || len(out.Err) > 400 {
				t.Errorf("the error is not one short line: %q", out.Err)
			}
		})
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

// BenchmarkHostile is the time hubctl takes on each hostile input, child
// process included (docs/benchmarks.md).
func BenchmarkHostile(b *testing.B) {
	for _, tc := range hostileCases() {
		b.Run(strings.ReplaceAll(tc.name, " ", "_"), func(b *testing.B) {
			path := tc.path(b)
			for b.Loop() {
				cfg, err := ReadWith(context.Background(), path, ReadOptions{Subconfigs: true})
				if err == nil {
					Validate(cfg, ValidateOptions{Version: v3, Mode: 0o600})
				}
			}
		})
	}
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
	_, err := ParseWith(ctx, "slow.py", src, ReadOptions{})
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
	_, err = ParseWith(context.Background(), "slow.py", src, ReadOptions{})
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
	cfg, err := Read(context.Background(), link)
	if err != nil || len(cfg.Services) != 1 {
		t.Fatalf("cfg %+v, err %v", cfg, err)
	}
	fifoPath := fifo(t)
	toFIFO := filepath.Join(dir, "to-fifo.py")
	if err := os.Symlink(fifoPath, toFIFO); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { _, err := Read(context.Background(), toFIFO); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "a named pipe (FIFO), not a regular file") {
			t.Errorf("err = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("reading a symlink to a FIFO blocked")
	}
}
