package provision

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

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

// Diagnostic is a finding about a config file.
type Diagnostic struct {
	Pos Pos
	Msg string
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

// Read reads a config file. A missing file is an empty config.
func Read(path string) (*Config, error) {
	src, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return &Config{Path: path}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return Parse(path, src)
}

// Parse reads a config from its bytes.
func Parse(path string, src []byte) (*Config, error) {
	cfg := &Config{Path: path, Src: src}
	if len(src) > maxConfigSize {
		return nil, &ParseError{Pos: Pos{File: path}, Msg: fmt.Sprintf("the file is larger than %d MiB; hubctl does not read it", maxConfigSize>>20)}
	}
	var err error
	if cfg.block, err = findBlock(path, src); err != nil {
		return nil, err
	}
	mod, err := parsePython(path, src)
	if err != nil {
		return nil, err
	}
	e := &evaluator{file: path, names: map[string]Value{}}
	for _, st := range mod.Body {
		cfg.statement(e, st)
	}
	return cfg, nil
}

// parsePython parses with gpython's Python 3.4 grammar, after dropping a
// UTF-8 byte order mark and CRLF line ends, which it does not expect.
func parsePython(path string, src []byte) (mod *ast.Module, err error) {
	text := bytes.TrimPrefix(src, []byte("\xef\xbb\xbf"))
	text = bytes.ReplaceAll(text, []byte("\r\n"), []byte("\n"))
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

// items turns a value assigned to or added to a list trait into its
// entries; api_tokens is a dict whose keys are the tokens.
func (cfg *Config) items(name string, v Value) []Value {
	switch {
	case name == "api_tokens" && v.Kind == Dict:
		return v.Keys
	case name != "api_tokens" && v.Kind == List:
		return v.Items
	}
	cfg.warn(v.Pos, "c.JupyterHub.%s gets %s; hubctl cannot see its entries", name, v.describe())
	return nil
}

func (cfg *Config) statement(e *evaluator, st ast.Stmt) {
	switch s := st.(type) {
	case *ast.Assign:
		v := e.eval(s.Value, 0)
		for _, target := range s.Targets {
			if name, ok := trait(target); ok && watched[name] {
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
	case *ast.Import, *ast.ImportFrom, *ast.Pass, *ast.Delete:
		// Harmless here: imports are not followed, del only drops names.
	default:
		cfg.watchUnknown(e, st, fmt.Sprintf("a %s statement hubctl does not evaluate", strings.ToLower(strings.TrimPrefix(fmt.Sprintf("%T", st), "*ast."))))
	}
}

// watchUnknown warns when something hubctl does not evaluate touches one of
// the traits it reads, so a silent pass never hides a service.
func (cfg *Config) watchUnknown(e *evaluator, node ast.Ast, what string) {
	found := ""
	ast.Walk(node, func(n ast.Ast) bool {
		if x, ok := n.(ast.Expr); ok && found == "" {
			if name, ok := trait(x); ok && watched[name] {
				found = name
			}
		}
		return found == ""
	})
	if found != "" {
		cfg.warn(e.pos(node), "c.JupyterHub.%s is changed by %s; what it sets is unknown to hubctl", found, what)
	}
}
