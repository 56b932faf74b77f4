package templates

// Test helpers: the CPython/traitlets oracle (traitlets_dump.py, run by
// internal/pyoracle),
// an order-preserving JSON decoder for its output, and a converter from
// gpython's AST to plain Go values.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/go-python/gpython/ast"
	"github.com/go-python/gpython/parser"
	"github.com/go-python/gpython/py"

	"github.com/hubctl/hubctl/internal/pyoracle"
	"github.com/hubctl/hubctl/internal/realhub"
)

// The oracle is run on every release's python3 and traitlets
// (pyoracle.Releases(): JupyterHub 3.0 on this machine, 5.2 in its root),
// as subtests named by the release.

// forEachOracle runs f as a parallel subtest per release, named by it, once
// that release's oracle is known to be there.
func forEachOracle(t *testing.T, f func(t *testing.T, r realhub.Release)) {
	t.Helper()
	for _, r := range pyoracle.Releases() {
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			pyoracle.Need(t, r)
			f(t, r)
		})
	}
}

// pair is one entry of an ordered mapping in the normalised value form used
// to compare PyLiteral inputs, oracle JSON and gpython ASTs.
type pair struct {
	K string
	V any
}

// pyInt is an integer in normalised form (decimal text, so that int64,
// uint64 and Python big ints compare alike).
type pyInt string

// pyExpr is an Expr in normalised form: the gpython AST dump of the
// expression (the oracle side substitutes the value Python computed).
type pyExpr string

// decodeOrdered decodes one JSON value keeping object key order: objects
// become []pair, arrays []any, numbers pyInt (error for non-integers).
func decodeOrdered(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeValue(dec)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return v, nil
}

func decodeValue(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch tok := tok.(type) {
	case json.Delim:
		switch tok {
		case '[':
			l := []any{}
			for dec.More() {
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				l = append(l, v)
			}
			_, err := dec.Token()
			return l, err
		case '{':
			d := []pair{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeValue(dec)
				if err != nil {
					return nil, err
				}
				d = append(d, pair{k.(string), v})
			}
			_, err := dec.Token()
			return d, err
		}
	case json.Number:
		if _, ok := new(big.Int).SetString(tok.String(), 10); !ok {
			return nil, fmt.Errorf("non-integer number %s", tok)
		}
		return pyInt(tok.String()), nil
	case string, bool, nil:
		return tok, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// norm converts a PyLiteral input to normalised form. exprs maps an Expr to
// the value it is expected to produce; an Expr missing from exprs becomes
// pyExpr(gpython dump of its AST).
func norm(t testing.TB, v any, exprs map[Expr]any) any {
	t.Helper()
	switch v := v.(type) {
	case nil, string, bool:
		return v
	case int:
		return pyInt(strconv.FormatInt(int64(v), 10))
	case int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return pyInt(fmt.Sprint(v))
	case []string:
		l := []any{}
		for _, s := range v {
			l = append(l, s)
		}
		return l
	case []any:
		l := []any{}
		for _, x := range v {
			l = append(l, norm(t, x, exprs))
		}
		return l
	case Dict:
		d := []pair{}
		for _, kv := range v {
			d = append(d, pair{kv.Key, norm(t, kv.Value, exprs)})
		}
		return d
	case map[string]string:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		d := []pair{}
		for _, k := range keys {
			d = append(d, pair{k, v[k]})
		}
		return d
	case Expr:
		if x, ok := exprs[v]; ok {
			return x
		}
		mod, err := parser.ParseString(string(v), py.EvalMode)
		if err != nil {
			t.Fatalf("gpython cannot parse Expr %q: %v", v, err)
		}
		return pyExpr(ast.Dump(mod.(*ast.Expression).Body))
	}
	t.Fatalf("norm: unsupported %T", v)
	return nil
}

// gpyParse parses Python source with gpython's parser (exec mode, as a file).
func gpyParse(src string) (*ast.Module, error) {
	mod, err := parser.Parse(strings.NewReader(src), "config.py", py.ExecMode)
	if err != nil {
		return nil, err
	}
	m, ok := mod.(*ast.Module)
	if !ok {
		return nil, fmt.Errorf("gpython returned %T, not *ast.Module", mod)
	}
	return m, nil
}

// gpyValue converts a gpython literal AST to normalised form. Nodes that are
// not literals become pyExpr(ast.Dump(node)).
func gpyValue(e ast.Expr) (any, error) {
	switch e := e.(type) {
	case *ast.Str:
		return string(e.S), nil
	case *ast.NameConstant:
		switch e.Value {
		case py.None:
			return nil, nil
		case py.True:
			return true, nil
		case py.False:
			return false, nil
		}
	case *ast.Num:
		return gpyInt(e.N, false)
	case *ast.UnaryOp:
		if n, ok := e.Operand.(*ast.Num); ok && e.Op == ast.USub {
			return gpyInt(n.N, true)
		}
	case *ast.List:
		l := []any{}
		for _, x := range e.Elts {
			v, err := gpyValue(x)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case *ast.Dict:
		d := []pair{}
		for i, k := range e.Keys {
			ks, ok := k.(*ast.Str)
			if !ok {
				return nil, fmt.Errorf("dict key is %T, not a str literal", k)
			}
			v, err := gpyValue(e.Values[i])
			if err != nil {
				return nil, err
			}
			d = append(d, pair{string(ks.S), v})
		}
		return d, nil
	}
	return pyExpr(ast.Dump(e)), nil
}

func gpyInt(n ast.Object, neg bool) (any, error) {
	var b *big.Int
	switch n := n.(type) {
	case py.Int:
		b = big.NewInt(int64(n))
	case *py.BigInt:
		b = new(big.Int).Set((*big.Int)(n))
	default:
		return nil, fmt.Errorf("number %v is %T, not an int", n, n)
	}
	if neg {
		b.Neg(b)
	}
	return pyInt(b.String()), nil
}

// gpyFind returns the normalised value of the first statement (searching
// into if-blocks) that is "name = value" or a call "name(value)".
func gpyFind(body []ast.Stmt, name string) (any, error) {
	for _, st := range body {
		switch st := st.(type) {
		case *ast.Assign:
			if len(st.Targets) == 1 && targetName(st.Targets[0]) == name {
				return gpyValue(st.Value)
			}
		case *ast.ExprStmt:
			if call, ok := st.Value.(*ast.Call); ok && targetName(call.Func) == name && len(call.Args) == 1 {
				return gpyValue(call.Args[0])
			}
		case *ast.If:
			if v, err := gpyFind(st.Body, name); err == nil {
				return v, nil
			}
		}
	}
	return nil, errors.New("no statement assigning or calling " + name)
}

// targetName renders a Name / Attribute chain such as c.JupyterHub.services.
func targetName(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Name:
		return string(e.Id)
	case *ast.Attribute:
		return targetName(e.Value) + "." + string(e.Attr)
	}
	return ""
}
