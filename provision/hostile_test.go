package provision

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hubctl/hubctl/pyconfig"
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

func init() {
	// The reader's child (pyconfig's init) has exited before this runs.
	path := os.Getenv(hostileReadEnv)
	if path == "" {
		return
	}
	os.Unsetenv(hostileReadEnv)
	var out hostileOutcome
	cfg, err := ReadWith(context.Background(), path, ReadOptions{Subconfigs: true, Env: &pyconfig.Environment{Inherit: true}})
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
