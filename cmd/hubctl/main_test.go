package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"

	"github.com/hubctl/hubctl/tokens"
)

// result is what one in-process hubctl run printed and returned.
type result struct {
	stdout, stderr string
	code           int
}

// runCLI runs hubctl in-process with the given stdin, an in-memory keyring
// (nil means a fresh one) and an empty environment.
func runCLI(t *testing.T, store tokens.Store, stdin string, args ...string) result {
	t.Helper()
	return runCLIEnv(t, store, nil, stdin, args...)
}

// tokenEnv is the environment of a culler the Hub started: its token.
var tokenEnv = map[string]string{"JUPYTERHUB_API_TOKEN": testToken}

// runCLIEnv is runCLI with environ as the environment hubctl sees: each run
// has its own, so tests that set one can run in parallel.
func runCLIEnv(t *testing.T, store tokens.Store, environ map[string]string, stdin string, args ...string) result {
	t.Helper()
	if store == nil {
		store = tokens.NewMemory()
	}
	var out, errOut bytes.Buffer
	env := &cliEnv{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errOut, keyring: store,
		environ: func(name string) (string, bool) { v, ok := environ[name]; return v, ok }}
	code := run(context.Background(), append([]string{"hubctl"}, args...), env)
	return result{out.String(), errOut.String(), code}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string // in the error line
	}{
		{[]string{"nope"}, `unknown command "nope"`},
		{[]string{"token", "nope"}, `unknown command "nope"`},
		{[]string{"token", "new", "--bogus"}, "unknown flag --bogus"},
		{[]string{"token", "new", "-x"}, "unknown flag -x"},
		{[]string{"token", "new", "--bytes", "abc"}, `invalid value "abc" for flag --bytes`},
		{[]string{"token", "new", "--bytes", "8"}, "--bytes 8 is out of range: use 16 to 1024"},
		{[]string{"token", "new", "--bytes", "15"}, "--bytes 15 is out of range"},
		{[]string{"token", "new", "--bytes", "1025"}, "--bytes 1025 is out of range"},
		{[]string{"token", "new", "--format", "base32"}, `--format: unknown token format "base32"`},
		{[]string{"token", "new", "--store", "Bad Name"}, `--store: invalid token name "Bad Name"`},
		{[]string{"token", "new", "--quiet"}, "--quiet without --store"},
		{[]string{"token", "new", "extra"}, `unexpected argument "extra"`},
		{[]string{"token", "get"}, "missing argument NAME"},
		{[]string{"token", "get", "a", "b"}, `unexpected argument "b"`},
		{[]string{"token", "get", "UPPER"}, `invalid token name "UPPER"`},
		{[]string{"token", "delete", "name", "-q"}, `unknown flag -q`},
		{[]string{"token", "get", "--", "name", "--json"}, `flag "--json" comes after the argument "name"`},
		{[]string{"token", "password", "--length", "4"}, "password length 4 is out of range"},
		{[]string{"token", "password", "--digits", "20", "--symbols", "20"}, "do not fit"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			r := runCLI(t, nil, "", tt.args...)
			if r.code != exitUsage {
				t.Errorf("exit code %d, want %d; stderr %q", r.code, exitUsage, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			lines := strings.Split(strings.TrimSuffix(r.stderr, "\n"), "\n")
			if !strings.HasPrefix(lines[0], "hubctl: error: ") || !strings.Contains(lines[0], tt.want) {
				t.Errorf("first stderr line %q, want a hubctl: error: line with %q", lines[0], tt.want)
			}
			if len(lines) != 2 || !strings.HasPrefix(lines[1], "hubctl: hint: ") {
				t.Errorf("stderr %q, want the error line and one hint line", r.stderr)
			}
		})
	}
}

// TestHelp checks that every command has --help with a description, an
// example and the exit codes, and that help exits 0.
func TestHelp(t *testing.T) {
	t.Parallel()
	var paths [][]string
	var walk func(prefix []string, cmds []*cli.Command)
	walk = func(prefix []string, cmds []*cli.Command) {
		for _, c := range cmds {
			if c.Name == "help" { // urfave/cli's own
				continue
			}
			p := append(append([]string{}, prefix...), c.Name)
			paths = append(paths, p)
			walk(p, c.Subcommands)
		}
	}
	walk(nil, newApp(&cliEnv{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}).Commands)
	if len(paths) < 7 {
		t.Fatalf("found only %d commands", len(paths))
	}
	paths = append(paths, nil)
	for _, p := range paths {
		r := runCLI(t, nil, "", append(p, "--help")...)
		if r.code != exitOK {
			t.Errorf("hubctl %v --help: exit %d", p, r.code)
		}
		for _, want := range []string{"USAGE:", "Example:", "EXIT CODES:", "2  usage error"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("hubctl %v --help lacks %q:\n%s", p, want, r.stdout)
			}
		}
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	r := runCLI(t, nil, "", "--version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "hubctl version ") || len(r.stdout) < len("hubctl version x\n") {
		t.Errorf("--version: %+v", r)
	}
}

// TestUsageErrorWrapsCause: a usage error keeps its cause for errors.Is and
// errors.As, and shows the cause's hint when it has none of its own, as
// cli/cli's FlagError does.
func TestUsageErrorWrapsCause(t *testing.T) {
	t.Parallel()
	hinted := &tokens.HintError{Err: errors.New("the keyring is locked"), Next: "unlock it"}
	notFound := &tokens.NotFoundError{Name: "cull-idle", Where: "the keyring"}
	tests := []struct {
		name      string
		err       error
		cause     error // errors.Is finds it; nil: nothing is wrapped
		wantError string
		wantHint  string
	}{
		{"formatted cause", usageErrorf("--url: %w", io.EOF), io.EOF, "--url: EOF", "see `hubctl --help` or `hubctl COMMAND --help`"},
		{"no cause", usageErrorf("--bytes %d is out of range", 8), nil, "--bytes 8 is out of range", "see `hubctl --help` or `hubctl COMMAND --help`"},
		{"cause's hint survives", usageErrorf("--store: %w", hinted), hinted, "--store: the keyring is locked", "unlock it"},
		{"own hint wins", &usageError{msg: "bad", hint: "do this", err: hinted}, hinted, "bad", "do this"},
		{"message from the cause", &usageError{err: notFound}, notFound, notFound.Error(), notFound.Hint()},
		{"two causes", usageErrorf("%w and %w", io.EOF, hinted), hinted, "EOF and the keyring is locked", "unlock it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.cause != nil && !errors.Is(tt.err, tt.cause) {
				t.Errorf("errors.Is(%v, %v) = false", tt.err, tt.cause)
			}
			if tt.cause == nil && errors.Unwrap(tt.err) != nil {
				t.Errorf("%v wraps %v, want nothing", tt.err, errors.Unwrap(tt.err))
			}
			var stderr bytes.Buffer
			code := report(&stderr, fmt.Errorf("context: %w", tt.err))
			want := "hubctl: error: context: " + tt.wantError + "\nhubctl: hint: " + tt.wantHint + "\n"
			if code != exitUsage || stderr.String() != want {
				t.Errorf("report: exit %d, stderr %q; want %d and %q", code, stderr.String(), exitUsage, want)
			}
		})
	}
	var nf *tokens.NotFoundError
	if !errors.As(&usageError{msg: "x", err: fmt.Errorf("y: %w", notFound)}, &nf) || nf != notFound {
		t.Error("errors.As does not find the cause through a usage error")
	}
}
