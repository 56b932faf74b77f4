// Command hubctl provisions JupyterHub API tokens and services and culls idle
// servers. This package only wires flags to the tokens, provision and cull
// packages and turns their results into output and exit codes.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"regexp"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"
	"time"
	"unsafe"

	"github.com/urfave/cli/v2"

	"github.com/hubctl/hubctl/internal/atomicfile"
	"github.com/hubctl/hubctl/tokens"
)

// Exit codes, documented in every --help.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

const exitCodesHelp = `
EXIT CODES:
   0  success (hubctl cull without --once: also when SIGINT or SIGTERM stops it)
   1  failure: the "hubctl: error:" line says what failed
   2  usage error: unknown command or flag, bad flag value, missing or extra argument
      (config validate, config upgrade-check: the file cannot be read)
   130, 143  interrupted by SIGINT (Ctrl-C) or SIGTERM: nothing was changed, unless
      the command had started writing, which it then finished
`

func init() {
	cli.AppHelpTemplate += exitCodesHelp
	cli.CommandHelpTemplate += exitCodesHelp
	cli.SubcommandHelpTemplate += exitCodesHelp
	urfaveHelpFlag = *cli.HelpFlag.(*cli.BoolFlag)
	cli.HelpFlag = sharedBoolFlag{cli.HelpFlag.(*cli.BoolFlag)}
	cli.VersionFlag = sharedBoolFlag{cli.VersionFlag.(*cli.BoolFlag)}
	probe := &cli.App{}
	probe.Setup()
	for _, c := range probe.Commands {
		if c.Name == "help" {
			urfaveHelp = *c
		}
	}
}

// urfaveHelp is urfave/cli's `help` command as it comes. urfave/cli adds
// its one *Command to every app and command group and writes to it on each
// run; helpCommand gives each its own copy instead, so that runs in
// parallel (tests) share nothing.
var urfaveHelp cli.Command

// urfaveHelpFlag is urfave/cli's --help, which the app gets a copy of.
var urfaveHelpFlag cli.BoolFlag

func helpCommand() *cli.Command {
	c := urfaveHelp
	return &c
}

// sharedBoolFlag is one of the flags urfave/cli gives every app and command
// (--help, --version): it applies a copy, because BoolFlag.Apply writes to
// the flag, and runs in parallel (tests) would race on the one value.
type sharedBoolFlag struct{ *cli.BoolFlag }

func (f sharedBoolFlag) Apply(set *flag.FlagSet) error {
	c := *f.BoolFlag
	return c.Apply(set)
}

// signalGrace is how long a command has to end by itself once SIGINT or
// SIGTERM cancelled its context, before main ends it: every command ends
// within a second of the signal, even one stuck where a context cannot
// reach (a keyring call, a parse).
const signalGrace = 500 * time.Millisecond

func main() {
	ctx, cancel := context.WithCancelCause(context.Background())
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	// A password prompt turns echo off; an exit on a signal turns it back on.
	saved, isTerminal := termios(os.Stdin)
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, os.Args, &cliEnv{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, environ: os.LookupEnv})
	}()
	var code int
	select {
	case code = <-done:
	case sig := <-signals:
		cause := &interruptedError{sig: sig.(syscall.Signal)}
		cancel(cause)
		select {
		case code = <-done:
		case <-time.After(signalGrace):
			code = forceExit(cause)
		case <-signals: // a second Ctrl-C: do not wait
			code = forceExit(cause)
		}
		// Only when echo was changed: setting a terminal from a background
		// job would stop hubctl with SIGTTOU.
		if now, ok := termios(os.Stdin); isTerminal && ok && now.Lflag&syscall.ECHO != saved.Lflag&syscall.ECHO {
			setTermios(os.Stdin, saved)
		}
	}
	os.Exit(code)
}

// termios reads f's terminal settings; ok is false when f is no terminal.
func termios(f *os.File) (t syscall.Termios, ok bool) {
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	return t, errno == 0
}

func setTermios(f *os.File, t syscall.Termios) {
	_, _, _ = syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TCSETS, uintptr(unsafe.Pointer(&t)))
}

// forceExit is the end of a command that did not end by itself after the
// signal: a write in progress is let finish (a late exit is better than a
// temp file left behind; the target is never torn either way), and no new
// one starts.
func forceExit(cause *interruptedError) int {
	atomicfile.Quiesce(2 * time.Second)
	fmt.Fprintf(os.Stderr, "hubctl: error: %s\n", cause)
	return cause.ExitCode()
}

// interruptedError is the cause of a command's context being cancelled by
// SIGINT or SIGTERM.
type interruptedError struct{ sig syscall.Signal }

func (e *interruptedError) Error() string {
	name := "SIGTERM"
	if e.sig == syscall.SIGINT {
		name = "SIGINT"
	}
	return "interrupted by " + name
}

// ExitCode is the shell's convention: 128 plus the signal's number.
func (e *interruptedError) ExitCode() int { return 128 + int(e.sig) }

// notifier prints what an edit has to say while it runs on stderr.
func notifier(env *cliEnv) func(string) {
	return func(msg string) { fmt.Fprintln(env.stderr, "hubctl: "+msg) }
}

// cliEnv is what a command may touch outside its flags; tests replace it.
type cliEnv struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// keyring is the store used unless --insecure-storage; nil means the OS keyring.
	keyring tokens.Store
	// environ looks up the environment variables hubctl reads (the token,
	// JUPYTERHUB_API_URL, HUBCTL_INSECURE_STORAGE, ...); nil means the
	// process's own (os.LookupEnv).
	environ func(name string) (string, bool)
}

func (env *cliEnv) lookupEnv(name string) (string, bool) {
	if env.environ == nil {
		return os.LookupEnv(name)
	}
	return env.environ(name)
}

func (env *cliEnv) getenv(name string) string {
	v, _ := env.lookupEnv(name)
	return v
}

// run executes one hubctl command line and returns its exit code.
func run(ctx context.Context, args []string, env *cliEnv) int {
	app := newApp(env)
	err := app.RunContext(ctx, interspersed(app, args))
	if err == nil {
		return exitOK
	}
	// A command that fails because a signal cancelled it exits 130 or 143,
	// whatever the error it ended with (often "context canceled").
	var ie *interruptedError
	if !errors.As(context.Cause(ctx), &ie) {
		return report(env.stderr, err)
	}
	if !errors.As(err, new(*interruptedError)) {
		err = fmt.Errorf("%w: %w", ie, err)
	}
	report(env.stderr, err)
	return ie.ExitCode()
}

func newApp(env *cliEnv) *cli.App {
	app := &cli.App{
		Name:    "hubctl",
		Usage:   "provision JupyterHub API tokens and services, and cull idle servers",
		Version: version(),
		Description: "hubctl replaces `openssl rand -hex 32`, hand-edited c.JupyterHub.services entries\n" +
			"and the Python idle culler with one binary.\n\n" +
			"Example:\n" +
			"   hubctl token new --store cull-idle",
		Reader:               env.stdin,
		Writer:               env.stdout,
		ErrWriter:            env.stderr,
		ExitErrHandler:       func(*cli.Context, error) {}, // run reports errors and picks the exit code
		EnableBashCompletion: true,
		Commands: []*cli.Command{
			tokenCommand(env),
			cullCommand(env),
			serviceCommand(env),
			configCommand(env),
			checkCommand(env),
			copyBinaryCommand(env),
			completionCommand(env),
			manCommand(env),
		},
	}
	// With a help command of its own, urfave/cli leaves adding --help to
	// the app to us.
	app.Commands = append(app.Commands, helpCommand())
	helpFlag := urfaveHelpFlag
	app.Flags = append(app.Flags, &helpFlag)
	for _, c := range app.Commands {
		setUsageErrors(c, app.Name)
	}
	app.OnUsageError = onUsageError
	app.Action = groupAction
	return app
}

// setUsageErrors makes every flag parsing error a usage error (exit 2) and
// every command group refuse unknown subcommands; it also names each command
// by its whole path ("hubctl token get") for help and hints.
func setUsageErrors(c *cli.Command, parent string) {
	if parent != "hubctl" { // urfave names top-level commands itself
		c.HelpName = parent + " " + c.Name
	}
	c.OnUsageError = onUsageError
	if len(c.Subcommands) > 0 && c.Action == nil {
		c.Action = groupAction
	}
	for _, sub := range c.Subcommands {
		setUsageErrors(sub, parent+" "+c.Name)
	}
}

// onUsageError rewords Go's flag errors with the flags as users type them.
func onUsageError(_ *cli.Context, err error, _ bool) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		return usageErrorf("unknown flag %s", dashed(strings.TrimLeft(name, "-")))
	}
	return usageErrorf("%s", flagDashRE.ReplaceAllString(msg, "flag --$1"))
}

var flagDashRE = regexp.MustCompile(`flag -{1,2}([a-z0-9][a-z0-9-]*)`)

// groupAction runs for `hubctl` or a command group without a known
// subcommand: help with no arguments, a usage error otherwise.
func groupAction(c *cli.Context) error {
	if c.Args().Present() {
		return usageErrorf("unknown command %q", c.Args().First())
	}
	return cli.ShowSubcommandHelp(c)
}

// interspersed moves the flags that follow a command's positional
// arguments in front of them, as GNU tools allow: Go's flag parsing stops at
// the first argument, and `hubctl service add cull-idle --admin` is how
// people type it. Everything after "--" stays put.
//
// It also gives each command on the way its own help command, which
// urfave/cli would add as it sets the command up (see helpCommand);
// commands off the way get none, as with urfave/cli, so the man page and
// completions list the same commands.
func interspersed(app *cli.App, args []string) []string {
	args = flagsFirst(app, args)
	cmds := app.Commands
	for _, a := range args[min(1, len(args)):] {
		if strings.HasPrefix(a, "-") {
			continue
		}
		i := slices.IndexFunc(cmds, func(c *cli.Command) bool { return c.HasName(a) })
		if i < 0 || cmds[i].Name == "help" {
			break
		}
		next := cmds[i].Subcommands
		if cmds[i].Command("help") == nil {
			cmds[i].Subcommands = append(cmds[i].Subcommands, helpCommand())
		}
		if len(next) == 0 {
			break
		}
		cmds = next
	}
	return args
}

func flagsFirst(app *cli.App, args []string) []string {
	if len(args) < 2 || args[len(args)-1] == "--generate-bash-completion" {
		return args // shell completion: urfave wants the request last
	}
	out := []string{args[0]}
	cmds := app.Commands
	var leaf *cli.Command
	var path []string // the command's names, "service add"
	i := 1
	for ; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			out = append(out, a) // global flags (--help, --version) take no value
			continue
		}
		var next *cli.Command
		for _, c := range cmds {
			if c.HasName(a) {
				next = c
			}
		}
		if next == nil {
			break
		}
		out = append(out, a)
		leaf, cmds = next, next.Subcommands
		path = append(path, next.Name)
		if len(cmds) == 0 {
			i++
			break
		}
	}
	if leaf == nil || len(leaf.Subcommands) > 0 {
		return append(out, args[i:]...)
	}
	// A boolean in takesWord also takes a following true/false/1/0 as its
	// value (`--cull-users false`), which becomes `--cull-users=false`.
	takesValue, takesWord := map[string]bool{}, map[string]bool{}
	for _, f := range leaf.Flags {
		for _, n := range f.Names() {
			takesValue[n], takesWord[n] = takesValueFlag(f), boolTakesWord(strings.Join(path, " "), f)
		}
	}
	var flags, positional []string
	for ; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			positional = append(positional, args[i:]...)
			i = len(args)
		case strings.HasPrefix(a, "-") && len(a) > 1:
			name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
			dashes := a[:len(a)-len(strings.TrimLeft(a, "-"))]
			if takesWord[name] {
				if hasValue {
					if b, ok := boolWord(value); ok {
						a = dashes + name + "=" + b
					}
				} else if i+1 < len(args) {
					if b, ok := boolWord(args[i+1]); ok {
						a = dashes + name + "=" + b
						i++
					}
				}
			}
			flags = append(flags, a)
			if !hasValue && takesValue[name] && i+1 < len(args) {
				i++
				flags = append(flags, args[i])
			}
		default:
			positional = append(positional, a)
		}
	}
	return append(append(out, flags...), positional...)
}

// usageError marks an error as the user's command line being wrong (exit 2).
// Like cli/cli's FlagError it wraps its cause, so errors.Is and errors.As
// still find what went wrong, and the cause's hint is shown when the usage
// error has none of its own.
type usageError struct {
	msg, hint string
	err       error // the cause, or nil
}

func (e *usageError) Error() string {
	if e.msg == "" && e.err != nil {
		return e.err.Error()
	}
	return e.msg
}

func (e *usageError) Unwrap() error { return e.err }

func (e *usageError) Hint() string {
	var h interface{ Hint() string }
	if e.hint == "" && e.err != nil && errors.As(e.err, &h) {
		return h.Hint()
	}
	return e.hint
}

// usageErrorf formats like fmt.Errorf; an error given with %w is the cause.
func usageErrorf(format string, a ...any) error {
	err := fmt.Errorf(format, a...)
	ue := &usageError{msg: err.Error()}
	switch err.(type) {
	case interface{ Unwrap() error }, interface{ Unwrap() []error }:
		ue.err = err
	}
	return ue
}

// report prints err as one `hubctl: error:` line, plus a `hubctl: hint:`
// line when the error knows the next step, and returns the exit code.
func report(stderr io.Writer, err error) int {
	code := exitFailure
	var ue *usageError
	var coded interface{ ExitCode() int }
	switch {
	case errors.As(err, &ue):
		code = exitUsage
	case errors.As(err, &coded):
		code = coded.ExitCode()
	}
	fmt.Fprintf(stderr, "hubctl: error: %s\n", oneLine(err.Error()))
	var h interface{ Hint() string }
	hint := ""
	if errors.As(err, &h) {
		hint = h.Hint()
	}
	if hint == "" && ue != nil {
		hint = "see `hubctl --help` or `hubctl COMMAND --help`"
	}
	if hint != "" {
		fmt.Fprintf(stderr, "hubctl: hint: %s\n", oneLine(hint))
	}
	return code
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// positional returns exactly the named positional arguments. A word that
// looks like a flag after a positional argument is refused: Go's flag parsing
// stops at the first argument, so it would otherwise be silently ignored.
func positional(c *cli.Context, names ...string) ([]string, error) {
	args := c.Args().Slice()
	for i, a := range args {
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			after := "the command"
			if i > 0 {
				after = fmt.Sprintf("the argument %q", args[i-1])
			}
			return nil, &usageError{
				msg:  fmt.Sprintf("flag %q comes after %s and would be ignored", a, after),
				hint: "put flags before arguments, e.g. `" + strings.TrimSpace(c.Command.HelpName+" [flags] "+strings.Join(upper(names), " ")) + "`",
			}
		}
	}
	switch {
	case len(args) < len(names):
		return nil, usageErrorf("missing argument %s", strings.ToUpper(names[len(args)]))
	case len(args) > len(names):
		return nil, usageErrorf("unexpected argument %q", args[len(names)])
	}
	return args, nil
}

// dashed spells a flag name as --name, or -n for one letter.
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

func upper(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToUpper(s)
	}
	return out
}

// version comes from the build info: the module version for `go install`,
// else the VCS revision the binary was built from.
func version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = "+dirty"
			}
		}
	}
	if (v == "" || v == "(devel)") && rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		return "devel-" + rev + modified
	}
	if v == "" {
		return "(devel)"
	}
	return v
}
