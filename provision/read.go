package provision

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

// Config is what hubctl reads from a jupyterhub_config.py without running
// it: the services, roles and api_tokens it sets, where, and what could not
// be evaluated.
type Config struct {
	Path      string
	Src       []byte
	Services  []Value // entries of c.JupyterHub.services, in order
	Roles     []Value // entries of c.JupyterHub.load_roles
	APITokens []Value // keys of c.JupyterHub.api_tokens (deprecated)
	Warnings  []Diagnostic
	block     *blockSpan
}

// Diagnostic is a finding about a config file. ID names the check when
// reading found something the Hub itself trips on (HUB115, HUB116, HUB212);
// empty, it is a place hubctl could not evaluate (HUB301).
type Diagnostic struct {
	Pos Pos
	Msg string
	ID  string
}

func (d Diagnostic) String() string { return d.Pos.String() + ": " + d.Msg }

// ParseError is a config file that is not Python hubctl can parse.
type ParseError struct {
	Pos Pos
	Msg string
}

func (e *ParseError) Error() string { return e.Pos.String() + ": " + e.Msg }

// maxConfigSize bounds what hubctl reads: real configs are a few kilobytes.
const maxConfigSize = 16 << 20

// Options change how a config is read.
type ReadOptions struct {
	// Env is what os.environ lookups in the file see; nil leaves them as Env
	// values, which is what editing needs (hubctl's block reads its tokens
	// from there).
	Env *Environment
	// Subconfigs follows load_subconfig('file').
	Subconfigs bool
	// Cwd is the directory the Hub runs in: traitlets resolves a relative
	// load_subconfig path, os.path.abspath and os.getcwd() against it. Empty,
	// hubctl assumes the config's own directory and says so where it matters.
	Cwd string
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

// Read reads a config file for editing. A missing file is an empty config.
func Read(ctx context.Context, path string) (*Config, error) {
	return ReadWith(ctx, path, ReadOptions{})
}

// ReadWith reads a config file with options.
func ReadWith(ctx context.Context, path string, opts ReadOptions) (*Config, error) {
	src, err := readConfigFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Config{Path: path}, nil
	}
	var unreadable *unreadableError
	if errors.As(err, &unreadable) {
		return nil, &ParseError{Pos: Pos{File: path}, Msg: "the file is " + unreadable.What}
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return ParseWith(ctx, path, src, opts)
}

// Parse reads a config for editing from its bytes.
func Parse(ctx context.Context, path string, src []byte) (*Config, error) {
	return ParseWith(ctx, path, src, ReadOptions{})
}

// maxSubconfigDepth bounds load_subconfig chains (and cycles).
const maxSubconfigDepth = 8

// ParseWith reads a config from its bytes with options. The file (and the
// subconfigs it loads) is read in a child process with a deadline and a
// memory limit (see isolate.go), so that no input can hang hubctl or take
// all its memory; ctx ends the read at once.
func ParseWith(ctx context.Context, path string, src []byte, opts ReadOptions) (*Config, error) {
	if len(src) > maxConfigSize {
		return nil, tooLarge(path)
	}
	block, err := findBlock(path, src)
	if err != nil {
		return nil, err
	}
	cfg, err := readIsolated(ctx, path, src, opts)
	if err != nil {
		return nil, err
	}
	cfg.Path, cfg.Src, cfg.block = path, src, block
	return cfg, nil
}

func tooLarge(path string) error {
	return &ParseError{Pos: Pos{File: path}, Msg: "the file is " + tooLargeFile(path).What}
}

// parseInProcess is the whole static read of a config in this process: what
// the child process of readIsolated runs, and what the fuzz target drives.
func parseInProcess(path string, src []byte, opts ReadOptions) (*Config, error) {
	cfg := &Config{Path: path, Src: src}
	if len(src) > maxConfigSize {
		return nil, tooLarge(path)
	}
	var err error
	if cfg.block, err = findBlock(path, src); err != nil {
		return nil, err
	}
	r := &reader{cfg: cfg, opts: opts, seen: map[string]bool{}, left: maxBuilt, cwd: opts.Cwd}
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
	return cfg, nil
}

// reader walks a config file and the subconfigs it loads.
type reader struct {
	cfg  *Config
	opts ReadOptions
	seen map[string]bool
	cwd  string // the Hub's working directory (Options.Cwd, or the config's directory)
	left int64  // bytes the evaluator may still build, shared with the subconfigs
}

func (r *reader) file(path string, src []byte, depth int) error {
	mod, skipped, notRead, err := parseTolerant(path, src)
	if err != nil {
		return err
	}
	for _, line := range skipped {
		msg := "hubctl cannot parse this line (it reads Python 3.4: f-strings and newer syntax are not understood); whatever it sets is unknown"
		if text := sourceLine(src, line); strings.Contains(text, "services") || strings.Contains(text, "load_roles") || strings.Contains(text, "api_tokens") {
			msg = "hubctl cannot parse this line, which seems to set services, roles or tokens (it reads Python 3.4: f-strings and newer syntax are not understood); what it sets is unknown"
		}
		r.cfg.warn(Pos{File: path, Line: line, Col: 1}, "%s", msg)
	}
	// Each file is run by traitlets with a namespace of its own and a fresh
	// Config: __file__ is its absolute path, and a list trait it has not
	// assigned is a LazyConfigValue, which `+=` fails on.
	abs, _ := filepath.Abs(path)
	e := &evaluator{file: path, env: r.opts.lookup(), cwd: r.cwd, left: &r.left, notRead: notRead, assigned: map[string]bool{},
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
			r.cfg.watchUnknown(e, st, "a statement with a line hubctl cannot parse")
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
		r.cfg.statement(e, st)
		r.cfg.Warnings = append(r.cfg.Warnings, e.diags...)
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
		r.cfg.warn(p, "load_subconfig is not followed here; what it sets is unknown to hubctl")
		return nil
	}
	v := e.eval(arg, 0)
	switch v.Kind {
	case KindFSPath:
		// traitlets' filefind calls .strip() on the name: a Path raises AttributeError.
		r.cfg.finding("HUB116", p, "load_subconfig is given a pathlib.Path (%s); traitlets calls .strip() on it and JupyterHub stops with AttributeError", v.Str)
		return nil
	case KindStr:
	default:
		r.cfg.warn(p, "load_subconfig with a path hubctl cannot evaluate (%s); what it loads is unknown", v.describe())
		return nil
	}
	// traitlets strips quotes and expands ~ and $VARS in the Hub's process.
	sub := strings.Trim(strings.Trim(v.Str, `"`), "'")
	if strings.HasPrefix(sub, "~") || strings.Contains(sub, "$") {
		r.cfg.warn(p, "load_subconfig(%q): the Hub expands ~ and $VARS in its own environment; hubctl does not follow it", sub)
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
		r.cfg.warn(p, "load_subconfig(%q) loops or nests more than %d deep; not followed", sub, maxSubconfigDepth)
		return nil
	}
	src, err := readConfigFile(sub)
	if errors.Is(err, os.ErrNotExist) {
		// traitlets skips a missing subconfig silently, and so does the Hub.
		if relative != "" {
			relative += ", and "
		}
		r.cfg.finding("HUB212", p, "%sthere is no file %s; JupyterHub skips a missing subconfig without a word, so nothing it would set is applied", relative, sub)
		return nil
	}
	if relative != "" {
		r.cfg.finding("HUB212", p, "%s", relative)
	}
	var unreadable *unreadableError
	switch {
	case errors.As(err, &unreadable) && unreadable.Kind != "":
		// traitlets' filefind takes only what os.path.isfile accepts: the Hub
		// skips a FIFO or a device as silently as a missing file.
		r.cfg.finding("HUB212", p, "load_subconfig(%q): %s is %s, not a regular file; JupyterHub skips it without a word, so nothing it would set is applied", sub, sub, unreadable.Kind)
		return nil
	case errors.As(err, &unreadable):
		// A huge file would fill the Hub's memory too; hubctl does not read it.
		return &ParseError{Pos: p, Msg: fmt.Sprintf("load_subconfig(%q): %s", sub, unreadable)}
	}
	if err != nil {
		r.cfg.warn(p, "load_subconfig(%q): %v; what it sets is unknown", sub, errors.Unwrap(err))
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

// trait recognises c.JupyterHub.<name> and returns name.
func trait(x ast.Expr) (string, bool) {
	attr, ok := x.(*ast.Attribute)
	if !ok {
		return "", false
	}
	sec, ok := attr.Value.(*ast.Attribute)
	if !ok || sec.Attr != "JupyterHub" {
		return "", false
	}
	if n, ok := sec.Value.(*ast.Name); !ok || n.Id != "c" {
		return "", false
	}
	return string(attr.Attr), true
}

var watched = map[string]bool{"services": true, "load_roles": true, "api_tokens": true}

func (cfg *Config) list(name string) *[]Value {
	switch name {
	case "services":
		return &cfg.Services
	case "load_roles":
		return &cfg.Roles
	}
	return &cfg.APITokens
}

func (cfg *Config) warn(p Pos, format string, a ...any) {
	cfg.Warnings = append(cfg.Warnings, Diagnostic{Pos: p, Msg: fmt.Sprintf(format, a...)})
}

// finding records something the Hub itself gets wrong, under its check id.
func (cfg *Config) finding(id string, p Pos, format string, a ...any) {
	cfg.Warnings = append(cfg.Warnings, Diagnostic{Pos: p, Msg: fmt.Sprintf(format, a...), ID: id})
}

// items turns a value assigned to or added to a list trait into its
// entries; api_tokens is a dict whose keys are the tokens.
func (cfg *Config) items(name string, v Value) []Value {
	switch {
	case name == "api_tokens" && v.Kind == KindDict:
		return v.Keys
	case name != "api_tokens" && v.Kind == KindList:
		return v.Items
	}
	if v.Kind != KindUnknown {
		cfg.warn(v.Pos, "c.JupyterHub.%s gets %s; hubctl cannot see its entries", name, v.describe())
	}
	return []Value{{Kind: KindUnknown, Pos: v.Pos, Reason: "c.JupyterHub." + name + " is set to " + v.describe()}}
}

func (cfg *Config) statement(e *evaluator, st ast.Stmt) {
	switch s := st.(type) {
	case *ast.Assign:
		v := e.eval(s.Value, 0)
		for _, target := range s.Targets {
			if name, ok := trait(target); ok && watched[name] {
				// c.JupyterHub.services = c.JupyterHub.services + [...]
				if bin, ok := s.Value.(*ast.BinOp); ok && bin.Op == ast.Add {
					if left, ok := trait(bin.Left); ok && left == name {
						if !e.assigned[name] || name == "api_tokens" {
							cfg.lazyOperand(e, st, name, "+")
						}
						e.assigned[name] = true
						l := cfg.list(name)
						*l = append(*l, cfg.items(name, e.eval(bin.Right, 0))...)
						continue
					}
				}
				e.assigned[name] = true
				*cfg.list(name) = cfg.items(name, v)
				continue
			}
			if n, ok := target.(*ast.Name); ok {
				e.names[string(n.Id)] = v
				continue
			}
			cfg.watchUnknown(e, target, "an assignment hubctl cannot follow")
		}
	case *ast.AugAssign:
		if name, ok := trait(s.Target); ok && watched[name] && s.Op == ast.Add {
			if !e.assigned[name] || name == "api_tokens" {
				cfg.lazyOperand(e, st, name, "+=")
			}
			l := cfg.list(name)
			*l = append(*l, cfg.items(name, e.eval(s.Value, 0))...)
			return
		}
		if n, ok := s.Target.(*ast.Name); ok {
			delete(e.names, string(n.Id)) // no longer the value hubctl knows
		}
		cfg.watchUnknown(e, st, "an augmented assignment hubctl cannot follow")
	case *ast.ExprStmt:
		if call, ok := s.Value.(*ast.Call); ok {
			if attr, ok := call.Func.(*ast.Attribute); ok {
				if name, ok := trait(attr.Value); ok && watched[name] && len(call.Args) == 1 {
					v := e.eval(call.Args[0], 0)
					l := cfg.list(name)
					switch {
					case attr.Attr == "append" && name != "api_tokens":
						*l = append(*l, v)
						return
					case attr.Attr == "extend" && name != "api_tokens", attr.Attr == "update" && name == "api_tokens":
						*l = append(*l, cfg.items(name, v)...)
						return
					}
				}
			}
		}
		cfg.watchUnknown(e, st, "a call hubctl does not evaluate")
	case *ast.Import:
		e.bindImport(st)
		for _, a := range s.Names {
			cfg.importWarning(e, st, string(a.Name))
		}
	case *ast.ImportFrom:
		e.bindImport(st)
		cfg.importWarning(e, st, string(s.Module))
	case *ast.Pass, *ast.Delete:
		// Harmless here: del only drops names.
	default:
		cfg.watchUnknown(e, st, fmt.Sprintf("a %s statement hubctl does not evaluate", strings.ToLower(strings.TrimPrefix(fmt.Sprintf("%T", st), "*ast."))))
	}
}

// lazyOperand reports `c.JupyterHub.services += [...]` (or `= c.JupyterHub.services + [...]`)
// in a file that has not assigned the trait: traitlets gives each file a fresh
// Config whose unassigned list traits are LazyConfigValues, which support
// append and extend but not +, so the Hub stops with a TypeError. A dict
// (api_tokens) has no + at all.
func (cfg *Config) lazyOperand(e *evaluator, st ast.Stmt, name, op string) {
	if name == "api_tokens" {
		cfg.finding("HUB115", e.pos(st), "c.JupyterHub.api_tokens %s: a dict has no +; JupyterHub stops with a TypeError", op)
		return
	}
	cfg.finding("HUB115", e.pos(st), "c.JupyterHub.%s %s [...] in a file that has not assigned it: traitlets holds a LazyConfigValue there, and JupyterHub stops with \"TypeError: unsupported operand type(s) for %s: 'LazyConfigValue' and 'list'\"", name, op, op)
}

// importWarning notes an import of JupyterHub's own code: hubctl does not
// run it, so what the file does with it is unknown. Other imports (os,
// secrets, …) only bind names hubctl treats as unknown where they are used.
func (cfg *Config) importWarning(e *evaluator, st ast.Stmt, module string) {
	if module == "jupyterhub" || strings.HasPrefix(module, "jupyterhub.") {
		cfg.warn(e.pos(st), "an import of %s: hubctl does not run JupyterHub's code, so what the file builds with it is unknown", module)
	}
}

// watchUnknown warns when something hubctl does not evaluate touches one of
// the traits it reads, so a silent pass never hides a service.
func (cfg *Config) watchUnknown(e *evaluator, node ast.Ast, what string) {
	found := ""
	complete := walk(node, func(n ast.Ast) bool {
		if x, ok := n.(ast.Expr); ok && found == "" {
			if name, ok := trait(x); ok && watched[name] {
				found = name
			}
		}
		return found == ""
	})
	if !complete && found == "" {
		cfg.warn(e.pos(node), "%s nested more than %d levels deep; hubctl does not read it, and Python refuses it (RecursionError)", what, maxWalkDepth)
		return
	}
	if found != "" {
		cfg.warn(e.pos(node), "c.JupyterHub.%s is changed by %s; what it sets is unknown to hubctl", found, what)
		if st, ok := node.(ast.Stmt); ok {
			cfg.markUnknown(e, st)
		}
	}
}

// markUnknown records the traits a statement hubctl could not read touches
// as holding an unknown entry, so checks do not count on them.
func (cfg *Config) markUnknown(e *evaluator, st ast.Stmt) {
	walk(st, func(n ast.Ast) bool {
		if x, ok := n.(ast.Expr); ok {
			if name, ok := trait(x); ok && watched[name] {
				l := cfg.list(name)
				*l = append(*l, e.unknown(st, "a statement with a line hubctl cannot parse"))
				return false
			}
		}
		return true
	})
}
