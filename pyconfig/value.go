package pyconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"
	"unsafe"

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
	KindUnknown Kind = iota // could not be evaluated statically; Reason says why
	KindStr
	KindInt
	KindFloat
	KindBool
	KindNone
	KindList
	KindDict
	KindEnv    // os.environ['X'] and the like: a value known only at the Hub's start
	KindFSPath // a pathlib.Path; Str holds the path
)

// Value is a Python value as far as hubctl can tell without running the
// file, with where it was written.
type Value struct {
	Kind   Kind
	Str    string // KindStr, KindFSPath; the variable name for KindEnv
	Int    *big.Int
	Float  float64
	Bool   bool
	Items  []Value // KindList
	Keys   []Value // KindDict, parallel to Items
	Pos    Pos
	Reason string // KindUnknown

	ref string // KindUnknown: the module or function (os.path.join) an import bound
}

// Get returns a Dict's value for a string key.
func (v *Value) Get(key string) (*Value, bool) {
	for i := range v.Keys {
		if v.Keys[i].Kind == KindStr && v.Keys[i].Str == key {
			return &v.Items[i], true
		}
	}
	return nil, false
}

// Describe says what sort of value v is, for a message: "a string", "a
// dict", or why it could not be evaluated.
func (v Value) Describe() string {
	switch v.Kind {
	case KindStr:
		return "a string"
	case KindInt:
		return "an integer"
	case KindFloat:
		return "a float"
	case KindBool:
		return "a boolean"
	case KindNone:
		return "None"
	case KindList:
		return "a list"
	case KindDict:
		return "a dict"
	case KindEnv:
		return "an environment variable (" + v.Str + ")"
	case KindFSPath:
		return "a pathlib.Path"
	}
	return "something hubctl cannot evaluate (" + v.Reason + ")"
}

// maxDepth bounds nesting: the evaluator recurses over the AST, and a
// hostile file must not exhaust the stack.
const maxDepth = 100

// evaluator evaluates expressions statically: literals, names bound
// earlier in the file, concatenation, and os.environ lookups. It never runs
// user code. What it builds is bounded (see maxBuilt): beyond that a value
// is Unknown, with a warning at its line.
type evaluator struct {
	file    string
	names   map[string]Value
	env     func(string) (string, bool) // nil: environment values stay Env
	cwd     string                      // the Hub's working directory, for relative paths
	left    *int64                      // bytes it may still build (strings, list and dict entries)
	notRead map[Pos]string              // literals the pre-pass kept from gpython, with why
	diags   []Diagnostic                // budget warnings of the current statement
	warned  bool                        // one budget warning a statement is enough
	// assigned are the watched traits this file has assigned with =; before
	// that, traitlets holds a LazyConfigValue for them.
	assigned map[Trait]bool
	// osAliases stand for the os module without an import (ReadOptions.OSAliases).
	osAliases []string
}

// maxStr bounds what one repetition ("x" * n) may build.
const maxStr = 1 << 20

// maxBuilt bounds all the evaluator builds for one read of a file and its
// subconfigs: 24 MiB is a config of about 20 000 services. "a = a + a"
// fourteen times, or a list of 3 000 'x' * 1048576, stops here.
const maxBuilt = 24 << 20

// valueCost is what one list item or dict entry costs of the budget.
const valueCost = int64(unsafe.Sizeof(Value{}))

// spend takes n bytes of the budget, or reports that they are not there
// (and takes nothing: what was not built costs nothing).
func (e *evaluator) spend(n int64) bool {
	if e.left == nil {
		return true
	}
	if n > *e.left {
		return false
	}
	*e.left -= n
	return true
}

// overBudget is the Unknown value of something the evaluator does not
// build, warned once a statement.
func (e *evaluator) overBudget(x ast.Ast, format string, a ...any) Value {
	v := e.unknown(x, format, a...)
	if !e.warned {
		e.warned = true
		e.diags = append(e.diags, Diagnostic{Pos: v.Pos, Msg: v.Reason + "; hubctl does not evaluate it, and what it sets is unknown"})
	}
	return v
}

func (e *evaluator) pos(n ast.Ast) Pos {
	return Pos{File: e.file, Line: n.GetLineno(), Col: n.GetColOffset() + 1}
}

// maxReason bounds a reason: one that names its operands' reasons would
// double with every "a = a + a".
const maxReason = 300

func (e *evaluator) unknown(n ast.Ast, format string, a ...any) Value {
	reason := fmt.Sprintf(format, a...)
	if len(reason) > maxReason {
		reason = strings.ToValidUTF8(reason[:maxReason], "") + "…"
	}
	return Value{Kind: KindUnknown, Pos: e.pos(n), Reason: reason}
}

func (e *evaluator) eval(x ast.Expr, depth int) Value {
	if depth > maxDepth {
		return e.overBudget(x, "an expression nested more than %d levels deep", maxDepth)
	}
	p := e.pos(x)
	switch n := x.(type) {
	case *ast.Str:
		// The literal is in the file already: only a copy costs.
		return Value{Kind: KindStr, Str: string(n.S), Pos: p}
	case *ast.Num:
		switch v := n.N.(type) {
		case py.Int:
			return Value{Kind: KindInt, Int: big.NewInt(int64(v)), Pos: p}
		case *py.BigInt:
			return Value{Kind: KindInt, Int: (*big.Int)(v), Pos: p}
		case py.Float:
			return Value{Kind: KindFloat, Float: float64(v), Pos: p}
		}
		return e.unknown(x, "a number of type %s", n.N.Type().Name)
	case *ast.NameConstant:
		switch n.Value {
		case py.True:
			return Value{Kind: KindBool, Bool: true, Pos: p}
		case py.False:
			return Value{Kind: KindBool, Bool: false, Pos: p}
		case py.None:
			return Value{Kind: KindNone, Pos: p}
		}
	case *ast.List:
		return e.seq(n.Elts, p, depth)
	case *ast.Tuple:
		return e.seq(n.Elts, p, depth)
	case *ast.Set:
		return e.seq(n.Elts, p, depth)
	case *ast.UnaryOp:
		o := e.eval(n.Operand, depth+1)
		switch {
		case n.Op == ast.USub && o.Kind == KindInt:
			if !e.spend(int64(len(o.Int.Bits())) * 8) {
				return e.overBudget(x, "a value beyond hubctl's budget of %d MiB for what a config builds", maxBuilt>>20)
			}
			return Value{Kind: KindInt, Int: new(big.Int).Neg(o.Int), Pos: p}
		case n.Op == ast.USub && o.Kind == KindFloat:
			return Value{Kind: KindFloat, Float: -o.Float, Pos: p}
		case n.Op == ast.UAdd && (o.Kind == KindInt || o.Kind == KindFloat):
			o.Pos = p
			return o
		case n.Op == ast.Not && o.Kind == KindBool:
			return Value{Kind: KindBool, Bool: !o.Bool, Pos: p}
		}
		return e.unknown(x, "a unary operator on %s", o.Describe())
	case *ast.Dict:
		if !e.spend(2 * valueCost * int64(len(n.Keys))) {
			return e.overBudget(x, "a dict beyond hubctl's budget of %d MiB for what a config builds", maxBuilt>>20)
		}
		v := Value{Kind: KindDict, Pos: p}
		for i := range n.Keys {
			v.Keys = append(v.Keys, e.eval(n.Keys[i], depth+1))
			v.Items = append(v.Items, e.eval(n.Values[i], depth+1))
		}
		return v
	case *ast.Attribute:
		if v, ok := e.pathAttr(n, p, depth); ok {
			return v
		}
		if ref := e.ref(n); ref != "" {
			return refValue(ref, p)
		}
	case *ast.Name:
		if n.Id == notReadName {
			if why, ok := e.notRead[p]; ok {
				return e.overBudget(x, "%s", why)
			}
		}
		if v, ok := e.names[string(n.Id)]; ok {
			v.Pos = p
			return v
		}
		return e.unknown(x, "the name %s is not bound to a value hubctl can read", n.Id)
	case *ast.BinOp:
		l, r := e.eval(n.Left, depth+1), e.eval(n.Right, depth+1)
		over := func(what string) Value {
			return e.overBudget(x, "%s beyond hubctl's budget of %d MiB for what a config builds", what, maxBuilt>>20)
		}
		switch {
		case n.Op == ast.Add && l.Kind == KindStr && r.Kind == KindStr:
			if !e.spend(int64(len(l.Str)) + int64(len(r.Str))) {
				return over("a string")
			}
			return Value{Kind: KindStr, Str: l.Str + r.Str, Pos: p}
		case n.Op == ast.Add && l.Kind == KindList && r.Kind == KindList:
			if !e.spend(valueCost * int64(len(l.Items)+len(r.Items))) {
				return over("a list")
			}
			return Value{Kind: KindList, Items: append(append(make([]Value, 0, len(l.Items)+len(r.Items)), l.Items...), r.Items...), Pos: p}
		case n.Op == ast.Div && l.Kind == KindFSPath && (r.Kind == KindStr || r.Kind == KindFSPath),
			n.Op == ast.Div && l.Kind == KindStr && r.Kind == KindFSPath:
			if !e.spend(int64(len(l.Str)) + int64(len(r.Str))) {
				return over("a path")
			}
			return Value{Kind: KindFSPath, Str: pathlibClean(pyJoin(l.Str, r.Str)), Pos: p}
		case n.Op == ast.Mult && l.Kind == KindStr && r.Kind == KindInt && r.Int.IsInt64():
			k := r.Int.Int64()
			if k < 0 || int64(len(l.Str))*k > maxStr || len(l.Str) > maxStr {
				return e.overBudget(x, "a string repeated beyond %d bytes", maxStr)
			}
			if !e.spend(int64(len(l.Str)) * k) {
				return over("a string")
			}
			return Value{Kind: KindStr, Str: strings.Repeat(l.Str, int(k)), Pos: p}
		}
		return e.unknown(x, "%s of %s and %s", n.Op, l.Describe(), r.Describe())
	case *ast.Subscript:
		if envName, ok := e.environ(n.Value); ok {
			if idx, ok := n.Slice.(*ast.Index); ok {
				if k := e.eval(idx.Value, depth+1); k.Kind == KindStr {
					return e.envValue(k.Str, nil, p)
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
				if k := e.eval(n.Args[0], depth+1); k.Kind == KindStr {
					var def *Value
					if len(n.Args) > 1 {
						d := e.eval(n.Args[1], depth+1)
						def = &d
					} else {
						def = &Value{Kind: KindNone, Pos: p}
					}
					return e.envValue(k.Str, def, p)
				}
			}
		}
		if v, ok := e.pathCall(n, p, depth); ok {
			return v
		}
		return e.unknown(x, "a function call")
	}
	return e.unknown(x, "a %s expression", strings.TrimPrefix(fmt.Sprintf("%T", x), "*ast."))
}

// envValue is os.environ[name] (def nil) or os.environ.get(name, def): the
// value from the environment hubctl was given, else an Env placeholder.
func (e *evaluator) envValue(name string, def *Value, p Pos) Value {
	if e.env != nil {
		if s, ok := e.env(name); ok {
			if !e.spend(int64(len(s))) {
				return Value{Kind: KindUnknown, Pos: p, Reason: "an environment value beyond hubctl's budget for what a config builds"}
			}
			return Value{Kind: KindStr, Str: s, Pos: p}
		}
		if def != nil {
			d := *def
			d.Pos = p
			return d
		}
	}
	return Value{Kind: KindEnv, Str: name, Pos: p}
}

func (e *evaluator) seq(elts []ast.Expr, p Pos, depth int) Value {
	if !e.spend(valueCost * int64(len(elts))) {
		return e.overBudget(elts[0], "a list beyond hubctl's budget of %d MiB for what a config builds", maxBuilt>>20)
	}
	v := Value{Kind: KindList, Pos: p}
	for _, el := range elts {
		v.Items = append(v.Items, e.eval(el, depth+1))
	}
	return v
}

// environ recognises os.environ (or os under one of its aliases).
func (e *evaluator) environ(x ast.Expr) (string, bool) {
	attr, ok := x.(*ast.Attribute)
	if !ok || attr.Attr != "environ" {
		return "", false
	}
	if e.isName(attr.Value, "os") {
		return "os.environ", true
	}
	for _, mod := range e.osAliases {
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

// FromJSON reads what a traitlets config section holds as JSON (an object
// of trait names, as templates.TraitletsDump prints the JupyterHub section)
// into a File with the entries of the watched traits of that section, so
// that the caller's checks apply to the values the real traitlets loaded.
// Positions name the file only.
func FromJSON(path string, data []byte, watch []Trait) (*File, error) {
	var section map[string]json.RawMessage
	if err := json.Unmarshal(data, &section); err != nil {
		return nil, fmt.Errorf("reading the values traitlets loaded: %w", err)
	}
	f := &File{Path: path, Entries: make([][]Value, len(watch))}
	p := Pos{File: path}
	for i, t := range watch {
		raw, ok := section[t.Name]
		if !ok || len(raw) == 0 {
			continue
		}
		if t.Dict {
			v, err := jsonValue(raw, p)
			if err != nil {
				return nil, err
			}
			f.Entries[i] = v.Keys
			continue
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("reading the values traitlets loaded: %w", err)
		}
		for _, item := range items {
			v, err := jsonValue(item, p)
			if err != nil {
				return nil, err
			}
			f.Entries[i] = append(f.Entries[i], v)
		}
	}
	return f, nil
}

// jsonValue decodes one JSON value keeping the order of object keys.
func jsonValue(raw []byte, p Pos) (Value, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return decodeJSON(dec, p, 0)
}

func decodeJSON(dec *json.Decoder, p Pos, depth int) (Value, error) {
	if depth > maxDepth {
		return Value{}, fmt.Errorf("JSON nested more than %d levels deep", maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return Value{}, err
	}
	switch t := tok.(type) {
	case string:
		return Value{Kind: KindStr, Str: t, Pos: p}, nil
	case bool:
		return Value{Kind: KindBool, Bool: t, Pos: p}, nil
	case nil:
		return Value{Kind: KindNone, Pos: p}, nil
	case json.Number:
		if i, ok := new(big.Int).SetString(t.String(), 10); ok {
			return Value{Kind: KindInt, Int: i, Pos: p}, nil
		}
		f, _ := t.Float64()
		return Value{Kind: KindFloat, Float: f, Pos: p}, nil
	case json.Delim:
		v := Value{Pos: p}
		if t == '[' {
			v.Kind = KindList
			for dec.More() {
				item, err := decodeJSON(dec, p, depth+1)
				if err != nil {
					return v, err
				}
				v.Items = append(v.Items, item)
			}
		} else {
			v.Kind = KindDict
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return v, err
				}
				item, err := decodeJSON(dec, p, depth+1)
				if err != nil {
					return v, err
				}
				v.Keys = append(v.Keys, Value{Kind: KindStr, Str: fmt.Sprint(k), Pos: p})
				v.Items = append(v.Items, item)
			}
		}
		_, err := dec.Token() // closing delimiter
		return v, err
	}
	return Value{}, fmt.Errorf("unexpected JSON token %v", tok)
}
