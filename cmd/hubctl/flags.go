package main

import (
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"
)

// repeatableFlag is a flag that may be given many times and keeps each
// value exactly as typed. urfave's StringSliceFlag splits every value on
// commas and trims its spaces, so `--exclude-user '^x{1,3}$'` would become
// two regular expressions and `--arg $'\n'` an empty argument. Its values are
// read with repeated(c, name). It has no aliases and no environment source.
type repeatableFlag struct {
	Name  string
	Usage string
}

var (
	_ cli.DocGenerationSliceFlag = (*repeatableFlag)(nil)
	_ cli.CategorizableFlag      = (*repeatableFlag)(nil)
)

// repeatedValues is the per-run value: Apply makes a fresh one, so flags
// shared between commands (and runs, in tests) never share values.
type repeatedValues struct{ vals []string }

func (v *repeatedValues) Set(s string) error {
	v.vals = append(v.vals, s)
	return nil
}

// String is for Go's flag package, which may call it on a zero value.
func (v *repeatedValues) String() string {
	if v == nil {
		return ""
	}
	return strings.Join(v.vals, "\n")
}

func (v *repeatedValues) Get() any { return slices.Clone(v.vals) }

func (f *repeatableFlag) Apply(set *flag.FlagSet) error {
	set.Var(&repeatedValues{}, f.Name, f.Usage)
	return nil
}

func (f *repeatableFlag) String() string         { return cli.FlagStringer(f) }
func (f *repeatableFlag) Names() []string        { return []string{f.Name} }
func (f *repeatableFlag) IsSet() bool            { return false } // set only on the command line, which urfave checks itself
func (f *repeatableFlag) TakesValue() bool       { return true }
func (f *repeatableFlag) GetUsage() string       { return f.Usage }
func (f *repeatableFlag) GetValue() string       { return "" }
func (f *repeatableFlag) GetDefaultText() string { return "" }
func (f *repeatableFlag) GetEnvVars() []string   { return nil }
func (f *repeatableFlag) IsSliceFlag() bool      { return true }
func (f *repeatableFlag) IsVisible() bool        { return true }
func (f *repeatableFlag) GetCategory() string    { return "" }

// repeated returns the values of a repeatableFlag in the order given.
func repeated(c *cli.Context, name string) []string {
	if v, ok := c.Generic(name).(*repeatedValues); ok {
		return slices.Clone(v.vals)
	}
	return nil
}

// boolTakesWord reports whether boolean flag f of the command at path
// ("cull", "service add") may take its value from the next word:
// `--cull-users true` is the form jupyterhub-idle-culler 2 requires (its
// traitlets options take a value and reject a bare flag), so every flag of
// `hubctl cull` accepts it, and so do the cull flags the cull-idle preset
// takes. Other commands keep Go's rule that a bare boolean is true and the
// next word is an argument.
func boolTakesWord(path string, f cli.Flag) bool {
	if takesValueFlag(f) {
		return false
	}
	switch path {
	case "cull":
		return true
	case "service add":
		return isCullPolicyFlag(f.Names()[0])
	}
	return false
}

// boolWord is a boolean's value as traitlets spells it (true, false, 1, 0 in
// any case), written as Go's flag package reads it.
func boolWord(s string) (string, bool) {
	switch strings.ToLower(s) {
	case "true", "1":
		return "true", true
	case "false", "0":
		return "false", true
	}
	return "", false
}

// urfaveFlag is what urfave/cli asks of a flag for parsing, help, man page
// and completion: all that *cli.BoolFlag and *cli.StringFlag provide.
type urfaveFlag interface {
	cli.DocGenerationFlag
	cli.VisibleFlag
	cli.CategorizableFlag
	cli.RequiredFlag
	cli.ActionableFlag
}

// envFlag is a flag whose value, when the command line leaves it out, comes
// from environment variables read through cliEnv. urfave/cli would read the
// process's environment itself (and keep the value in the flag); through
// cliEnv each run, in a test too, has its own. Help shows the variables as
// urfave/cli does ([$NAME]).
type envFlag struct {
	urfaveFlag // with no EnvVars of its own
	vars       []string
	env        *cliEnv
	fromEnv    bool
}

func withEnv(f urfaveFlag, env *cliEnv, vars ...string) *envFlag {
	return &envFlag{urfaveFlag: f, vars: vars, env: env}
}

func (f *envFlag) Apply(set *flag.FlagSet) error {
	if err := f.urfaveFlag.Apply(set); err != nil {
		return err
	}
	for _, name := range f.vars {
		val, ok := f.env.lookupEnv(name)
		if !ok {
			continue
		}
		if !f.TakesValue() { // a boolean, read as urfave/cli reads it
			if val == "" {
				val = "false"
			}
			if _, err := strconv.ParseBool(val); err != nil {
				return fmt.Errorf("could not parse %q as bool value from environment variable %q for flag %s: %s", val, name, f.Names()[0], err)
			}
		}
		// Set on the flag set, not the flag: the command line, parsed
		// next, still wins, and the help's default stays the flag's own.
		for _, n := range f.Names() {
			if err := set.Lookup(n).Value.Set(val); err != nil {
				return fmt.Errorf("could not parse %q from environment variable %q for flag %s: %w", val, name, n, err)
			}
		}
		f.fromEnv = true
		return nil
	}
	return nil
}

func (f *envFlag) IsSet() bool          { return f.fromEnv || f.urfaveFlag.IsSet() }
func (f *envFlag) GetEnvVars() []string { return f.vars }
func (f *envFlag) String() string       { return cli.FlagStringer(f) }

// takesValue reports whether a flag reads the next word as its value, as
// every flag but a boolean does.
func takesValueFlag(f cli.Flag) bool {
	df, ok := f.(cli.DocGenerationFlag)
	return ok && df.TakesValue()
}
