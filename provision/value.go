package provision

import (
	"fmt"
	"math/big"
	"strings"

	"github.com/go-python/gpython/ast"
	"github.com/go-python/gpython/py"
)

// Pos is a place in a config file, 1-based line, 1-based column.
type Pos struct {
	File string
	Line int
	Col  int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Kind is what sort of Python value a Value holds.
type Kind int

const (
	Unknown Kind = iota // could not be evaluated statically; Reason says why
	Str
	Int
	Float
	Bool
	None
	List
	Dict
	Env // os.environ['X'] and the like: a value known only at the Hub's start
)

// Value is a Python value as far as hubctl can tell without running the
// file, with where it was written.
type Value struct {
	Kind   Kind
	Str    string // Str; the variable name for Env
	Int    *big.Int
	Float  float64
	Bool   bool
	Items  []Value // List
	Keys   []Value // Dict, parallel to Items
	Pos    Pos
	Reason string // Unknown
}

// Get returns a Dict's value for a string key.
func (v *Value) Get(key string) (*Value, bool) {
	for i := range v.Keys {
		if v.Keys[i].Kind == Str && v.Keys[i].Str == key {
			return &v.Items[i], true
		}
	}
	return nil, false
}

func (v Value) describe() string {
	switch v.Kind {
	case Str:
		return "a string"
	case Int:
		return "an integer"
	case Float:
		return "a float"
	case Bool:
		return "a boolean"
	case None:
		return "None"
	case List:
		return "a list"
	case Dict:
		return "a dict"
	case Env:
		return "an environment variable (" + v.Str + ")"
	}
	return "something hubctl cannot evaluate (" + v.Reason + ")"
}

// maxDepth bounds nesting: the evaluator recurses over the AST, and a
// hostile file must not exhaust the stack.
const maxDepth = 100

// evaluator evaluates expressions statically: literals, names bound
// earlier in the file, concatenation, and os.environ lookups. It never runs
// user code.
type evaluator struct {
	file  string
	names map[string]Value
}

func (e *evaluator) pos(n ast.Ast) Pos {
	return Pos{File: e.file, Line: n.GetLineno(), Col: n.GetColOffset() + 1}
}

func (e *evaluator) unknown(n ast.Ast, format string, a ...any) Value {
	return Value{Kind: Unknown, Pos: e.pos(n), Reason: fmt.Sprintf(format, a...)}
}

func (e *evaluator) eval(x ast.Expr, depth int) Value {
	if depth > maxDepth {
		return e.unknown(x, "nested more than %d levels deep", maxDepth)
	}
	p := e.pos(x)
	switch n := x.(type) {
	case *ast.Str:
		return Value{Kind: Str, Str: string(n.S), Pos: p}
	case *ast.Num:
		switch v := n.N.(type) {
		case py.Int:
			return Value{Kind: Int, Int: big.NewInt(int64(v)), Pos: p}
		case *py.BigInt:
			return Value{Kind: Int, Int: (*big.Int)(v), Pos: p}
		case py.Float:
			return Value{Kind: Float, Float: float64(v), Pos: p}
		}
		return e.unknown(x, "a number of type %s", n.N.Type().Name)
	case *ast.NameConstant:
		switch n.Value {
		case py.True:
			return Value{Kind: Bool, Bool: true, Pos: p}
		case py.False:
			return Value{Kind: Bool, Bool: false, Pos: p}
		case py.None:
			return Value{Kind: None, Pos: p}
		}
	case *ast.List:
		return e.seq(n.Elts, p, depth)
	case *ast.Tuple:
		return e.seq(n.Elts, p, depth)
	case *ast.Dict:
		v := Value{Kind: Dict, Pos: p}
		for i := range n.Keys {
			v.Keys = append(v.Keys, e.eval(n.Keys[i], depth+1))
			v.Items = append(v.Items, e.eval(n.Values[i], depth+1))
		}
		return v
	case *ast.Name:
		if v, ok := e.names[string(n.Id)]; ok {
			v.Pos = p
			return v
		}
		return e.unknown(x, "the name %s is not bound to a value hubctl can read", n.Id)
	case *ast.BinOp:
		if n.Op != ast.Add {
			return e.unknown(x, "an operator other than +")
		}
		l, r := e.eval(n.Left, depth+1), e.eval(n.Right, depth+1)
		switch {
		case l.Kind == Str && r.Kind == Str:
			return Value{Kind: Str, Str: l.Str + r.Str, Pos: p}
		case l.Kind == List && r.Kind == List:
			return Value{Kind: List, Items: append(append([]Value{}, l.Items...), r.Items...), Pos: p}
		}
		return e.unknown(x, "+ of %s and %s", l.describe(), r.describe())
	case *ast.Subscript:
		if envName, ok := e.environ(n.Value); ok {
			if idx, ok := n.Slice.(*ast.Index); ok {
				if k := e.eval(idx.Value, depth+1); k.Kind == Str {
					return Value{Kind: Env, Str: k.Str, Pos: p}
				}
			}
			return e.unknown(x, "%s[...] with a key that is not a string", envName)
		}
		return e.unknown(x, "a subscript")
	case *ast.Call:
		// os.environ.get('X'[, default]) and os.getenv('X'[, default])
		if attr, ok := n.Func.(*ast.Attribute); ok && len(n.Args) >= 1 && len(n.Keywords) == 0 {
			_, isEnviron := e.environ(attr.Value)
			isGetenv := attr.Attr == "getenv" && e.isName(attr.Value, "os")
			if (isEnviron && attr.Attr == "get") || isGetenv {
				if k := e.eval(n.Args[0], depth+1); k.Kind == Str {
					return Value{Kind: Env, Str: k.Str, Pos: p}
				}
			}
		}
		return e.unknown(x, "a function call")
	}
	return e.unknown(x, "a %s expression", strings.TrimPrefix(fmt.Sprintf("%T", x), "*ast."))
}

func (e *evaluator) seq(elts []ast.Expr, p Pos, depth int) Value {
	v := Value{Kind: List, Pos: p}
	for _, el := range elts {
		v.Items = append(v.Items, e.eval(el, depth+1))
	}
	return v
}

// environ recognises os.environ (or the alias hubctl's block imports).
func (e *evaluator) environ(x ast.Expr) (string, bool) {
	attr, ok := x.(*ast.Attribute)
	if !ok || attr.Attr != "environ" {
		return "", false
	}
	for _, mod := range []string{"os", blockOSAlias} {
		if e.isName(attr.Value, mod) {
			return mod + ".environ", true
		}
	}
	return "", false
}

func (e *evaluator) isName(x ast.Expr, id string) bool {
	n, ok := x.(*ast.Name)
	return ok && string(n.Id) == id
}
