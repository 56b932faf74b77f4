// Package pyconfig reads a traitlets config file, jupyterhub_config.py,
// without running it: a pre-pass tokenizer that answers as CPython does,
// gpython's parser, and an evaluator of literals, names, concatenation,
// os.environ and os.path/pathlib arithmetic with a budget. It follows
// load_subconfig as traitlets does and records the entries of the traits
// its caller watches (c.Section.trait), with their positions. It knows
// Python and traitlets, not what a trait means: that is the caller's.
//
// The read runs in a child process (this executable, started again; see
// isolate.go) with a deadline and a memory limit. The child is recognised
// by this package's init, so every binary that imports pyconfig, test
// binaries included, can read.
package pyconfig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/go-python/gpython/ast"
	"github.com/go-python/gpython/parser"
	"github.com/go-python/gpython/py"
)

// File is what the reader found in a config file without running it: the
// entries of the watched traits, where, and what could not be evaluated.
type File struct {
	Path string
	Src  []byte
	// Entries are the entries each watched trait gets, in source order,
	// parallel to ReadOptions.Watch: the items of a list trait, the keys of
	// a dict trait.
	Entries  [][]Value
	Warnings []Diagnostic
}

// Trait names a trait the reader watches: c.Section.Name.
type Trait struct {
	Section string // "JupyterHub"
	Name    string // "services"
	// Dict: the trait is a dict, and its entries are the dict's keys
	// (JupyterHub's api_tokens); otherwise it is a list.
	Dict bool
	// Set: the trait is a set (Authenticator.admin_users): its entries are
	// the items of what it is given, and .add(x) and .update(items) add to
	// them, as traitlets' LazyConfigValue does.
	Set bool
	// Scalar: the trait is one value (Authenticator.allow_all); its one
	// entry is the value last assigned.
	Scalar bool
}

func (t Trait) String() string { return "c." + t.Section + "." + t.Name }

// Fact is something about the file that the Hub itself trips on or
// silently ignores, which the reader finds on its way. The caller decides
// what to call it.
type Fact string

const (
	// FactLazyOperand: `+` on a watched trait the file has not assigned
	// (a LazyConfigValue in traitlets), or on a dict trait. The Hub stops
	// with a TypeError.
	FactLazyOperand Fact = "lazy-operand"
	// FactSubconfigPathObject: load_subconfig given a pathlib.Path, which
	// traitlets calls .strip() on. The Hub stops with an AttributeError.
	FactSubconfigPathObject Fact = "subconfig-path-object"
	// FactSubconfigSkipped: a load_subconfig the Hub resolves elsewhere than
	// hubctl assumed, or skips without a word (missing, not a regular file).
	FactSubconfigSkipped Fact = "subconfig-skipped"
)

// Diagnostic is a finding about a config file: a Fact, or, with Fact
// empty, a place the reader could not evaluate.
type Diagnostic struct {
	Pos  Pos
	Msg  string
	Fact Fact
}

func (d Diagnostic) String() string { return d.Pos.String() + ": " + d.Msg }

// ParseError is a config file that is not Python hubctl can parse.
type ParseError struct {
	Pos Pos
	Msg string
}

func (e *ParseError) Error() string { return e.Pos.String() + ": " + e.Msg }

// MaxSize bounds what the reader reads: real configs are a few kilobytes.
const MaxSize = 16 << 20

// ReadOptions change how a config is read.
type ReadOptions struct {
	// Env is what os.environ lookups in the file see; nil leaves them as Env
	// values, which is what editing needs (hubctl's block reads its tokens
	// from there).
	Env *Environment
	// Subconfigs follows load_subconfig('file').
	Subconfigs bool
	// Cwd is the directory the Hub runs in: traitlets resolves a relative
	// load_subconfig path, os.path.abspath and os.getcwd() against it. Empty,
	// the reader assumes the config's own directory and says so where it matters.
	Cwd string
	// Watch are the traits whose entries the reader records (File.Entries).
	// What it cannot follow that touches one of them is warned.
	Watch []Trait
	// WatchedWhat names the watched traits together in a warning about a
	// line the reader cannot parse that seems to set one ("services, roles
	// or tokens"); empty, the warning lists them.
	WatchedWhat string
	// OSAliases are names that stand for the os module even where the file
	// does not import it (the alias hubctl's block imports os under).
	OSAliases []string
}

// Environment is the environment a config is evaluated in. It is plain data
// so that it can cross to the process that reads the file.
type Environment struct {
	Vars    map[string]string // looked up first
	Inherit bool              // then hubctl's own environment
}

// lookup is the evaluator's view of opts.Env.
func (opts ReadOptions) lookup() func(string) (string, bool) {
	if opts.Env == nil {
		return nil
	}
	env := *opts.Env
	return func(k string) (string, bool) {
		if v, ok := env.Vars[k]; ok {
			return v, true
		}
		if env.Inherit {
			return os.LookupEnv(k)
		}
		return "", false
	}
}

// ReadFile reads a config file's bytes, safely (see readConfigFile): a
// missing file is an error that errors.Is os.ErrNotExist, one that is not
// a regular file or is too large a *ParseError naming it.
func ReadFile(path string) ([]byte, error) {
	src, err := readConfigFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	var unreadable *unreadableError
	if errors.As(err, &unreadable) {
		return nil, &ParseError{Pos: Pos{File: path}, Msg: "the file is " + unreadable.What}
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return src, nil
}

// ReadWith reads a config file with options. A missing file is an empty
// config.
func ReadWith(ctx context.Context, path string, opts ReadOptions) (*File, error) {
	src, err := ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &File{Path: path, Entries: make([][]Value, len(opts.Watch))}, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseWith(ctx, path, src, opts)
}

// maxSubconfigDepth bounds load_subconfig chains (and cycles).
const maxSubconfigDepth = 8

// ParseWith reads a config from its bytes with options. The file (and the
// subconfigs it loads) is read in a child process with a deadline and a
// memory limit (see isolate.go), so that no input can hang hubctl or take
// all its memory; ctx ends the read at once.
func ParseWith(ctx context.Context, path string, src []byte, opts ReadOptions) (*File, error) {
	if len(src) > MaxSize {
		return nil, tooLarge(path)
	}
	f, err := readIsolated(ctx, path, src, opts)
	if err != nil {
		return nil, err
	}
	f.Path, f.Src = path, src
	return f, nil
}

func tooLarge(path string) error {
	return &ParseError{Pos: Pos{File: path}, Msg: "the file is " + tooLargeFile(path).What}
}

// ParseInProcess is the whole static read of a config in this process,
// without the child's deadline and memory limit: what the child runs, and
// what fuzzing and benchmarks of the reader drive. Everything else calls
// ParseWith.
func ParseInProcess(path string, src []byte, opts ReadOptions) (*File, error) {
	f := &File{Path: path, Src: src, Entries: make([][]Value, len(opts.Watch))}
	if len(src) > MaxSize {
		return nil, tooLarge(path)
	}
	r := &reader{f: f, opts: opts, seen: map[string]bool{}, left: maxBuilt, cwd: opts.Cwd}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	r.seen[abs] = true
	if r.cwd == "" {
		r.cwd = filepath.Dir(abs)
	} else if r.cwd, err = filepath.Abs(r.cwd); err != nil {
		return nil, err
	}
	if err := r.file(path, src, 0); err != nil {
		return nil, err
	}
	return f, nil
}

// reader walks a config file and the subconfigs it loads.
type reader struct {
	f    *File
	opts ReadOptions
	seen map[string]bool
	cwd  string // the Hub's working directory (ReadOptions.Cwd, or the config's directory)
	left int64  // bytes the evaluator may still build, shared with the subconfigs
}

func (r *reader) file(path string, src []byte, depth int) error {
	mod, skipped, notRead, err := parseTolerant(path, src)
	if err != nil {
		return err
	}
	for _, line := range skipped {
		msg := "hubctl cannot parse this line (it reads Python 3.4: f-strings and newer syntax are not understood); whatever it sets is unknown"
		if r.mentionsWatched(sourceLine(src, line)) {
			msg = "hubctl cannot parse this line, which seems to set " + r.watchedWhat() + " (it reads Python 3.4: f-strings and newer syntax are not understood); what it sets is unknown"
		}
		r.warn(Pos{File: path, Line: line, Col: 1}, "%s", msg)
	}
	// Each file is run by traitlets with a namespace of its own and a fresh
	// Config: __file__ is its absolute path, and a list trait it has not
	// assigned is a LazyConfigValue, which `+=` fails on.
	abs, _ := filepath.Abs(path)
	e := &evaluator{file: path, env: r.opts.lookup(), osAliases: r.opts.OSAliases, cwd: r.cwd, left: &r.left, notRead: notRead, assigned: map[Trait]bool{},
		names: map[string]Value{"__file__": {Kind: KindStr, Str: abs}}}
	for i, st := range mod.Body {
		// A statement that spans a line hubctl had to skip is not what the file says.
		end := 1 << 30
		if i+1 < len(mod.Body) {
			end = mod.Body[i+1].GetLineno()
		}
		spans := false
		for _, l := range skipped {
			spans = spans || (l > st.GetLineno() && l < end)
		}
		if spans {
			r.watchUnknown(e, st, "a statement with a line hubctl cannot parse")
			continue
		}
		if arg, ok := subconfigArg(st); ok {
			if err := r.subconfig(e, st, arg, depth); err != nil {
				return err
			}
			continue
		}
		// What the evaluator finds over its budget is warned once a statement.
		e.warned = false
		r.statement(e, st)
		r.f.Warnings = append(r.f.Warnings, e.diags...)
		e.diags = nil
	}
	return nil
}

// subconfigArg recognises load_subconfig(PATH) and returns PATH.
func subconfigArg(st ast.Stmt) (ast.Expr, bool) {
	es, ok := st.(*ast.ExprStmt)
	if !ok {
		return nil, false
	}
	call, ok := es.Value.(*ast.Call)
	if !ok || len(call.Args) != 1 {
		return nil, false
	}
	if n, ok := call.Func.(*ast.Name); !ok || n.Id != "load_subconfig" {
		return nil, false
	}
	return call.Args[0], true
}

func (r *reader) subconfig(e *evaluator, st ast.Stmt, arg ast.Expr, depth int) error {
	p := e.pos(st)
	if !r.opts.Subconfigs {
		r.warn(p, "load_subconfig is not followed here; what it sets is unknown to hubctl")
		return nil
	}
	v := e.eval(arg, 0)
	switch v.Kind {
	case KindFSPath:
		// traitlets' filefind calls .strip() on the name: a Path raises AttributeError.
		r.fact(FactSubconfigPathObject, p, "load_subconfig is given a pathlib.Path (%s); traitlets calls .strip() on it and JupyterHub stops with AttributeError", v.Str)
		return nil
	case KindStr:
	default:
		r.warn(p, "load_subconfig with a path hubctl cannot evaluate (%s); what it loads is unknown", v.Describe())
		return nil
	}
	// traitlets strips quotes and expands ~ and $VARS in the Hub's process.
	sub := strings.Trim(strings.Trim(v.Str, `"`), "'")
	if strings.HasPrefix(sub, "~") || strings.Contains(sub, "$") {
		r.warn(p, "load_subconfig(%q): the Hub expands ~ and $VARS in its own environment; hubctl does not follow it", sub)
		return nil
	}
	relative := ""
	if !filepath.IsAbs(sub) {
		if r.opts.Cwd == "" {
			relative = fmt.Sprintf("load_subconfig(%q) is relative: JupyterHub resolves it against its working directory, not the config's; hubctl assumed %s", sub, r.cwd)
		}
		sub = filepath.Join(r.cwd, sub)
	}
	abs, _ := filepath.Abs(sub)
	if r.seen[abs] || depth >= maxSubconfigDepth {
		r.warn(p, "load_subconfig(%q) loops or nests more than %d deep; not followed", sub, maxSubconfigDepth)
		return nil
	}
	src, err := readConfigFile(sub)
	if errors.Is(err, os.ErrNotExist) {
		// traitlets skips a missing subconfig silently, and so does the Hub.
		if relative != "" {
			relative += ", and "
		}
		r.fact(FactSubconfigSkipped, p, "%sthere is no file %s; JupyterHub skips a missing subconfig without a word, so nothing it would set is applied", relative, sub)
		return nil
	}
	if relative != "" {
		r.fact(FactSubconfigSkipped, p, "%s", relative)
	}
	var unreadable *unreadableError
	switch {
	case errors.As(err, &unreadable) && unreadable.Kind != "":
		// traitlets' filefind takes only what os.path.isfile accepts: the Hub
		// skips a FIFO or a device as silently as a missing file.
		r.fact(FactSubconfigSkipped, p, "load_subconfig(%q): %s is %s, not a regular file; JupyterHub skips it without a word, so nothing it would set is applied", sub, sub, unreadable.Kind)
		return nil
	case errors.As(err, &unreadable):
		// A huge file would fill the Hub's memory too; hubctl does not read it.
		return &ParseError{Pos: p, Msg: fmt.Sprintf("load_subconfig(%q): %s", sub, unreadable)}
	}
	if err != nil {
		r.warn(p, "load_subconfig(%q): %v; what it sets is unknown", sub, errors.Unwrap(err))
		return nil
	}
	r.seen[abs] = true
	defer delete(r.seen, abs)
	return r.file(sub, src, depth+1)
}

// sourceLine returns line n (1-based) of src.
func sourceLine(src []byte, n int) string {
	lines := bytes.SplitN(src, []byte("\n"), n+1)
	if n-1 < len(lines) {
		return string(lines[n-1])
	}
	return ""
}

var codingRE = regexp.MustCompile(`^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)`)

// sourceBytes refuses what CPython refuses before parsing: NUL bytes, and
// bytes that are not UTF-8 in a file without a coding declaration (PEP 263).
func sourceBytes(path string, src []byte) error {
	if i := bytes.IndexByte(src, 0); i >= 0 {
		return &ParseError{Pos: Pos{File: path, Line: 1 + bytes.Count(src[:i], []byte("\n")), Col: 1}, Msg: "a NUL byte; Python refuses to load the file"}
	}
	body := bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	if utf8.Valid(body) {
		return nil
	}
	lines := bytes.SplitN(body, []byte("\n"), 3)
	for _, l := range lines[:min(2, len(lines))] {
		if m := codingRE.FindSubmatch(l); m != nil && !strings.EqualFold(string(m[1]), "utf-8") && !strings.EqualFold(string(m[1]), "utf8") {
			return nil
		}
	}
	bad := 0
	for bad < len(body) {
		r, size := utf8.DecodeRune(body[bad:])
		if r == utf8.RuneError && size == 1 {
			break
		}
		bad += size
	}
	return &ParseError{Pos: Pos{File: path, Line: 1 + bytes.Count(body[:bad], []byte("\n")), Col: 1}, Msg: "bytes that are not UTF-8 and no coding declaration; Python refuses to load the file"}
}

// topLevel reports whether a line starts a top-level statement.
func topLevel(line []byte) bool {
	return len(line) > 0 && line[0] != ' ' && line[0] != '\t' && line[0] != '#' && !bytes.ContainsAny(line[:1], ")]}")
}

// maxSkipped bounds how many unparseable lines hubctl steps over before it
// calls the file unreadable.
const maxSkipped = 50

// maxParsedTokens bounds the work of all the parses of one file together:
// each line stepped over costs one more parse of the whole file.
const maxParsedTokens = 1_000_000

// parseTolerant parses the file; where gpython stops at a line it cannot
// read (an f-string, newer syntax), that line is replaced by "pass" with the
// same indentation and parsing goes on, so one modern line does not make
// the whole file unreadable. The skipped lines are returned, and the
// literals the pre-pass kept from gpython. Every retry must step over
// a line not stepped over before, so the loop ends.
func parseTolerant(path string, src []byte) (*ast.Module, []int, map[Pos]string, error) {
	if err := sourceBytes(path, src); err != nil {
		return nil, nil, nil, err
	}
	text := bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	text = bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n"))
	sc, err := prepass(path, text)
	if err != nil {
		return nil, nil, nil, err
	}
	text = sc.text
	parses := min(maxSkipped+1, max(1, maxParsedTokens/max(sc.tokens, 1)))
	var skipped []int
	for try := 1; ; try++ {
		mod, err := parsePython(path, text)
		if err == nil {
			return mod, skipped, sc.notRead, nil
		}
		var pe *ParseError
		if !errors.As(err, &pe) || pe.Pos.Line == 0 || len(skipped) >= maxSkipped || try >= parses {
			return nil, skipped, nil, err
		}
		lines := bytes.Split(text, []byte("\n"))
		i := pe.Pos.Line - 1
		if i >= len(lines) {
			return nil, skipped, nil, err
		}
		before := len(skipped)
		if !bytes.Equal(bytes.TrimSpace(lines[i]), []byte("pass")) {
			indent := len(lines[i]) - len(bytes.TrimLeft(lines[i], " \t"))
			lines[i] = append(append([]byte{}, lines[i][:indent]...), "pass"...)
			if !slices.Contains(skipped, pe.Pos.Line) {
				skipped = append(skipped, pe.Pos.Line)
			}
		} else {
			// The line sat inside a bracketed statement: step over the whole
			// top-level statement around it, keeping the line count. The
			// line itself, now "pass", is not where that statement starts.
			start, end := i, i+1
			for start > 0 && (start == i || !topLevel(lines[start])) {
				start--
			}
			for end < len(lines) && !topLevel(lines[end]) {
				end++
			}
			for j := start; j < end; j++ {
				lines[j] = nil
				if !slices.Contains(skipped, j+1) {
					skipped = append(skipped, j+1)
				}
			}
			lines[start] = []byte("pass")
		}
		if len(skipped) == before {
			return nil, skipped, nil, err // nothing new to step over
		}
		text = bytes.Join(lines, []byte("\n"))
	}
}

// parsePython parses with gpython's Python 3.4 grammar.
func parsePython(path string, text []byte) (mod *ast.Module, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &ParseError{Pos: Pos{File: path}, Msg: fmt.Sprintf("the Python parser failed: %v", r)}
		}
	}()
	m, err := parser.Parse(bytes.NewReader(text), path, py.ExecMode)
	if err != nil {
		return nil, parseError(path, err)
	}
	module, ok := m.(*ast.Module)
	if !ok {
		return nil, &ParseError{Pos: Pos{File: path}, Msg: "not a Python module"}
	}
	return module, nil
}

// parseError turns gpython's SyntaxError into file:line:col.
func parseError(path string, err error) error {
	msg := err.Error()
	pos := Pos{File: path}
	if ex, ok := err.(*py.Exception); ok {
		if l, ok := ex.Dict["lineno"].(py.Int); ok {
			pos.Line = int(l)
		}
		if o, ok := ex.Dict["offset"].(py.Int); ok {
			pos.Col = int(o)
		}
		if m, ok := ex.Dict["msg"].(py.String); ok {
			msg = string(m)
		}
		if len(ex.Args.(py.Tuple)) > 0 {
			if s, ok := ex.Args.(py.Tuple)[0].(py.String); ok {
				msg = string(s)
			}
		}
	}
	return &ParseError{Pos: pos, Msg: "Python syntax hubctl cannot read (it parses Python 3.4; f-strings and newer syntax are not understood): " + msg}
}

// watched recognises c.<Section>.<Name> for a watched trait and returns its
// index in ReadOptions.Watch.
func (r *reader) watched(x ast.Expr) (int, bool) {
	attr, ok := x.(*ast.Attribute)
	if !ok {
		return 0, false
	}
	sec, ok := attr.Value.(*ast.Attribute)
	if !ok {
		return 0, false
	}
	if n, ok := sec.Value.(*ast.Name); !ok || n.Id != "c" {
		return 0, false
	}
	for i, t := range r.opts.Watch {
		if string(sec.Attr) == t.Section && string(attr.Attr) == t.Name {
			return i, true
		}
	}
	return 0, false
}

// mentionsWatched reports whether a line of source names a watched trait.
func (r *reader) mentionsWatched(text string) bool {
	return slices.ContainsFunc(r.opts.Watch, func(t Trait) bool { return strings.Contains(text, t.Name) })
}

// watchedWhat names the watched traits together: ReadOptions.WatchedWhat,
// or their names.
func (r *reader) watchedWhat() string {
	if r.opts.WatchedWhat != "" {
		return r.opts.WatchedWhat
	}
	var names []string
	for _, t := range r.opts.Watch {
		names = append(names, t.String())
	}
	return strings.Join(names, " or ")
}

func (r *reader) warn(p Pos, format string, a ...any) {
	r.f.Warnings = append(r.f.Warnings, Diagnostic{Pos: p, Msg: fmt.Sprintf(format, a...)})
}

// fact records something the Hub itself gets wrong.
func (r *reader) fact(fact Fact, p Pos, format string, a ...any) {
	r.f.Warnings = append(r.f.Warnings, Diagnostic{Pos: p, Msg: fmt.Sprintf(format, a...), Fact: fact})
}

// items turns a value assigned to or added to a watched trait into its
// entries: a list's items, a dict's keys.
func (r *reader) items(i int, v Value) []Value {
	t := r.opts.Watch[i]
	switch {
	case t.Scalar:
		return []Value{v} // replaces what it held: an assignment
	case t.Dict && v.Kind == KindDict:
		return v.Keys
	case !t.Dict && v.Kind == KindList:
		return v.Items
	}
	if v.Kind != KindUnknown {
		r.warn(v.Pos, "%s gets %s; hubctl cannot see its entries", t, v.Describe())
	}
	return []Value{{Kind: KindUnknown, Pos: v.Pos, Reason: t.String() + " is set to " + v.Describe()}}
}

func (r *reader) statement(e *evaluator, st ast.Stmt) {
	switch s := st.(type) {
	case *ast.Assign:
		v := e.eval(s.Value, 0)
		for _, target := range s.Targets {
			if i, ok := r.watched(target); ok {
				t := r.opts.Watch[i]
				// c.JupyterHub.services = c.JupyterHub.services + [...]
				if bin, ok := s.Value.(*ast.BinOp); ok && bin.Op == ast.Add && !t.Set && !t.Scalar {
					if left, ok := r.watched(bin.Left); ok && left == i {
						if !e.assigned[t] || t.Dict {
							r.lazyOperand(e, st, t, "+")
						}
						e.assigned[t] = true
						r.f.Entries[i] = append(r.f.Entries[i], r.items(i, e.eval(bin.Right, 0))...)
						continue
					}
				}
				e.assigned[t] = true
				r.f.Entries[i] = r.items(i, v)
				continue
			}
			if n, ok := target.(*ast.Name); ok {
				e.names[string(n.Id)] = v
				continue
			}
			r.watchUnknown(e, target, "an assignment hubctl cannot follow")
		}
	case *ast.AugAssign:
		if i, ok := r.watched(s.Target); ok && s.Op == ast.Add && !r.opts.Watch[i].Set && !r.opts.Watch[i].Scalar {
			t := r.opts.Watch[i]
			if !e.assigned[t] || t.Dict {
				r.lazyOperand(e, st, t, "+=")
			}
			r.f.Entries[i] = append(r.f.Entries[i], r.items(i, e.eval(s.Value, 0))...)
			return
		}
		if n, ok := s.Target.(*ast.Name); ok {
			delete(e.names, string(n.Id)) // no longer the value hubctl knows
		}
		r.watchUnknown(e, st, "an augmented assignment hubctl cannot follow")
	case *ast.ExprStmt:
		if call, ok := s.Value.(*ast.Call); ok {
			if attr, ok := call.Func.(*ast.Attribute); ok {
				if i, ok := r.watched(attr.Value); ok && len(call.Args) == 1 {
					dict, set := r.opts.Watch[i].Dict, r.opts.Watch[i].Set
					v := e.eval(call.Args[0], 0)
					switch {
					case r.opts.Watch[i].Scalar:
					case attr.Attr == "add" && set:
						r.f.Entries[i] = append(r.f.Entries[i], v)
						return
					case attr.Attr == "update" && set:
						r.f.Entries[i] = append(r.f.Entries[i], r.items(i, v)...)
						return
					case attr.Attr == "append" && !dict && !set:
						r.f.Entries[i] = append(r.f.Entries[i], v)
						return
					case attr.Attr == "extend" && !dict, attr.Attr == "update" && dict:
						r.f.Entries[i] = append(r.f.Entries[i], r.items(i, v)...)
						return
					}
				}
			}
		}
		r.watchUnknown(e, st, "a call hubctl does not evaluate")
	case *ast.Import:
		e.bindImport(st)
		for _, a := range s.Names {
			r.importWarning(e, st, string(a.Name))
		}
	case *ast.ImportFrom:
		e.bindImport(st)
		r.importWarning(e, st, string(s.Module))
	case *ast.Pass, *ast.Delete:
		// Harmless here: del only drops names.
	default:
		r.watchUnknown(e, st, fmt.Sprintf("a %s statement hubctl does not evaluate", strings.ToLower(strings.TrimPrefix(fmt.Sprintf("%T", st), "*ast."))))
	}
}

// lazyOperand reports `c.JupyterHub.services += [...]` (or `= c.JupyterHub.services + [...]`)
// in a file that has not assigned the trait: traitlets gives each file a fresh
// Config whose unassigned list traits are LazyConfigValues, which support
// append and extend but not +, so the Hub stops with a TypeError. A dict
// (api_tokens) has no + at all.
func (r *reader) lazyOperand(e *evaluator, st ast.Stmt, t Trait, op string) {
	if t.Dict {
		r.fact(FactLazyOperand, e.pos(st), "%s %s: a dict has no +; JupyterHub stops with a TypeError", t, op)
		return
	}
	r.fact(FactLazyOperand, e.pos(st), "%s %s [...] in a file that has not assigned it: traitlets holds a LazyConfigValue there, and JupyterHub stops with \"TypeError: unsupported operand type(s) for %s: 'LazyConfigValue' and 'list'\"", t, op, op)
}

// importWarning notes an import of JupyterHub's own code: hubctl does not
// run it, so what the file does with it is unknown. Other imports (os,
// secrets, …) only bind names hubctl treats as unknown where they are used.
func (r *reader) importWarning(e *evaluator, st ast.Stmt, module string) {
	if module == "jupyterhub" || strings.HasPrefix(module, "jupyterhub.") {
		r.warn(e.pos(st), "an import of %s: hubctl does not run JupyterHub's code, so what the file builds with it is unknown", module)
	}
}

// watchUnknown warns when something hubctl does not evaluate touches one of
// the watched traits, so a silent pass never hides an entry.
func (r *reader) watchUnknown(e *evaluator, node ast.Ast, what string) {
	found := -1
	complete := walk(node, func(n ast.Ast) bool {
		if x, ok := n.(ast.Expr); ok && found < 0 {
			if i, ok := r.watched(x); ok {
				found = i
			}
		}
		return found < 0
	})
	if !complete && found < 0 {
		r.warn(e.pos(node), "%s nested more than %d levels deep; hubctl does not read it, and Python refuses it (RecursionError)", what, maxWalkDepth)
		return
	}
	if found >= 0 {
		r.warn(e.pos(node), "%s is changed by %s; what it sets is unknown to hubctl", r.opts.Watch[found], what)
		if st, ok := node.(ast.Stmt); ok {
			r.markUnknown(e, st)
		}
	}
}

// markUnknown records the watched traits a statement hubctl could not read
// touches as holding an unknown entry, so the caller does not count on them.
func (r *reader) markUnknown(e *evaluator, st ast.Stmt) {
	walk(st, func(n ast.Ast) bool {
		if x, ok := n.(ast.Expr); ok {
			if i, ok := r.watched(x); ok {
				if r.opts.Watch[i].Scalar {
					r.f.Entries[i] = nil // what it held before is no longer known
				}
				r.f.Entries[i] = append(r.f.Entries[i], e.unknown(st, "a statement with a line hubctl cannot parse"))
				return false
			}
		}
		return true
	})
}
