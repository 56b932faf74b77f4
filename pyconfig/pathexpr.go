package pyconfig

import (
	"path/filepath"
	"slices"
	"strings"

	"github.com/go-python/gpython/ast"
)

// The path arithmetic configs use to find their subconfigs, evaluated
// statically: __file__, os.path.join/dirname/abspath/realpath/normpath,
// os.getcwd() and pathlib.Path with /, .parent, .resolve(), .absolute() and
// .joinpath(). Relative paths are taken against the Hub's working directory,
// which is what the Hub's own process would do.

// refValue is a module or function an import binds, or an attribute of one.
func refValue(ref string, p Pos) Value {
	return Value{Kind: KindUnknown, Pos: p, Reason: "the module or function " + ref, ref: ref}
}

// bindImport records what `import a.b [as x]` or `from a import b [as x]`
// binds, for the modules whose path functions hubctl evaluates.
func (e *evaluator) bindImport(st ast.Stmt) {
	switch s := st.(type) {
	case *ast.Import:
		for _, a := range s.Names {
			mod := string(a.Name)
			if a.AsName != "" {
				e.names[string(a.AsName)] = refValue(mod, e.pos(st))
				continue
			}
			top, _, _ := strings.Cut(mod, ".")
			e.names[top] = refValue(top, e.pos(st))
		}
	case *ast.ImportFrom:
		for _, a := range s.Names {
			name := string(a.Name)
			if name == "*" {
				continue
			}
			bound := name
			if a.AsName != "" {
				bound = string(a.AsName)
			}
			e.names[bound] = refValue(string(s.Module)+"."+name, e.pos(st))
		}
	}
}

// ref returns the qualified name an expression refers to: os.path.join for
// os.path.join when os is (or may be) the os module.
func (e *evaluator) ref(x ast.Expr) string {
	switch n := x.(type) {
	case *ast.Name:
		if v, ok := e.names[string(n.Id)]; ok {
			return v.ref
		}
		if n.Id == "os" || slices.Contains(e.osAliases, string(n.Id)) {
			return "os" // an alias the caller names (hubctl's block imports os under one); configs often use os unimported (it is not bound then, and the file fails anyway)
		}
	case *ast.Attribute:
		if base := e.ref(n.Value); base != "" {
			return base + "." + string(n.Attr)
		}
	}
	return ""
}

// pathCall evaluates a call of a known path function or method; ok is false
// for anything else.
func (e *evaluator) pathCall(n *ast.Call, p Pos, depth int) (Value, bool) {
	if len(n.Keywords) > 0 || n.Starargs != nil || n.Kwargs != nil {
		return Value{}, false
	}
	args := make([]Value, len(n.Args))
	evalArgs := func() bool {
		for i, a := range n.Args {
			args[i] = e.eval(a, depth+1)
			if args[i].Kind != KindStr && args[i].Kind != KindFSPath {
				return false
			}
		}
		return true
	}
	str := func(s string) (Value, bool) { return Value{Kind: KindStr, Str: s, Pos: p}, true }
	path := func(s string) (Value, bool) { return Value{Kind: KindFSPath, Str: s, Pos: p}, true }
	unknown := func(why string) (Value, bool) { return e.unknown(n, "%s", why), true }

	if name, ok := n.Func.(*ast.Name); ok && name.Id == "str" && len(n.Args) == 1 {
		if _, shadowed := e.names["str"]; !shadowed {
			if v := e.eval(n.Args[0], depth+1); v.Kind == KindStr || v.Kind == KindFSPath {
				return str(v.Str)
			}
		}
	}
	switch fn := e.ref(n.Func); fn {
	case "os.path.join":
		if len(n.Args) == 0 || !evalArgs() {
			return unknown("os.path.join of values hubctl cannot evaluate")
		}
		parts := make([]string, len(args))
		for i := range args {
			parts[i] = args[i].Str
		}
		return str(pyJoin(parts...))
	case "os.path.dirname", "os.path.abspath", "os.path.realpath", "os.path.normpath", "os.fspath":
		if len(n.Args) != 1 || !evalArgs() {
			return unknown(fn + " of a value hubctl cannot evaluate")
		}
		s := args[0].Str
		switch fn {
		case "os.path.dirname":
			return str(pyDirname(s))
		case "os.path.abspath":
			return str(filepath.Clean(e.absolute(s)))
		case "os.path.realpath":
			return str(realPath(e.absolute(s)))
		case "os.path.normpath":
			return str(filepath.Clean(s))
		}
		return str(s)
	case "os.getcwd":
		if len(n.Args) == 0 {
			return str(e.cwd)
		}
	case "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath", "pathlib.PurePosixPath":
		if !evalArgs() {
			return unknown("a pathlib.Path of values hubctl cannot evaluate")
		}
		parts := []string{}
		for _, a := range args {
			parts = append(parts, a.Str)
		}
		return path(pathlibClean(pyJoin(parts...)))
	}
	// Methods of a pathlib.Path.
	attr, ok := n.Func.(*ast.Attribute)
	if !ok {
		return Value{}, false
	}
	switch attr.Attr {
	case "resolve", "absolute", "joinpath", "as_posix":
	default:
		return Value{}, false
	}
	recv := e.eval(attr.Value, depth+1)
	if recv.Kind != KindFSPath {
		return Value{}, false
	}
	if !evalArgs() {
		return unknown("a pathlib.Path method on values hubctl cannot evaluate")
	}
	switch attr.Attr {
	case "resolve":
		if len(args) == 0 {
			return path(realPath(e.absolute(recv.Str)))
		}
	case "absolute":
		if len(args) == 0 {
			return path(pathlibClean(e.absolute(recv.Str)))
		}
	case "as_posix":
		if len(args) == 0 {
			return str(recv.Str)
		}
	case "joinpath":
		parts := []string{recv.Str}
		for _, a := range args {
			parts = append(parts, a.Str)
		}
		return path(pathlibClean(pyJoin(parts...)))
	}
	return unknown("a pathlib.Path method call hubctl does not evaluate")
}

// pathAttr evaluates .parent and .name of a pathlib.Path.
func (e *evaluator) pathAttr(n *ast.Attribute, p Pos, depth int) (Value, bool) {
	if n.Attr != "parent" && n.Attr != "name" {
		return Value{}, false
	}
	recv := e.eval(n.Value, depth+1)
	if recv.Kind != KindFSPath {
		return Value{}, false
	}
	if n.Attr == "name" {
		return Value{Kind: KindStr, Str: filepath.Base(recv.Str), Pos: p}, true
	}
	parent := filepath.Dir(recv.Str) // pathlib: the parent of "a" is "."
	return Value{Kind: KindFSPath, Str: parent, Pos: p}, true
}

// absolute is os.path.abspath before normalisation: relative to the Hub's
// working directory.
func (e *evaluator) absolute(s string) string {
	if filepath.IsAbs(s) {
		return s
	}
	return pyJoin(e.cwd, s)
}

// pyJoin is posixpath.join: an absolute part discards what came before, and
// nothing is normalised.
func pyJoin(parts ...string) string {
	out := ""
	for i, p := range parts {
		switch {
		case i == 0:
			out = p
		case strings.HasPrefix(p, "/"):
			out = p
		case out == "" || strings.HasSuffix(out, "/"):
			out += p
		default:
			out += "/" + p
		}
	}
	return out
}

// pyDirname is posixpath.dirname: everything before the last slash, with
// trailing slashes dropped unless it is all slashes.
func pyDirname(s string) string {
	head := s[:strings.LastIndexByte(s, '/')+1]
	if head != "" && strings.Trim(head, "/") != "" {
		head = strings.TrimRight(head, "/")
	}
	return head
}

// pathlibClean is how pathlib spells a path: no empty or "." parts, no
// trailing slash, ".." kept; the empty path is ".".
func pathlibClean(s string) string {
	var parts []string
	for _, p := range strings.Split(s, "/") {
		if p != "" && p != "." {
			parts = append(parts, p)
		}
	}
	out := strings.Join(parts, "/")
	if strings.HasPrefix(s, "/") {
		return "/" + out
	}
	if out == "" {
		return "."
	}
	return out
}

// realPath is os.path.realpath on this machine: links resolved as far as
// the path exists, the rest appended as it is.
func realPath(abs string) string {
	abs = filepath.Clean(abs)
	rest := ""
	for dir := abs; ; dir = filepath.Dir(dir) {
		if r, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(r, rest)
		}
		if dir == filepath.Dir(dir) {
			return abs
		}
		rest = filepath.Join(filepath.Base(dir), rest)
	}
}
