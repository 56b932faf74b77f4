package main

import (
	"flag"
	"slices"
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
