// Package templates renders the Python that hubctl writes into a user's
// jupyterhub_config.py.
//
// Everything a user can influence goes through PyStr / PyLiteral, which emit
// injection-proof Python 3 literals: the output is pure printable ASCII, every
// str is a single-quoted literal in which the only characters that are not
// themselves are written as \\, \' and \xNN / \uNNNN / \UNNNNNNNN escapes, so
// no input can close the literal, start a comment, continue a line, smuggle a
// NUL byte (which CPython refuses in source) or depend on the file's encoding.
//
// The escape subset is chosen so that CPython (as used by traitlets'
// PyFileConfigLoader) and gpython's parser decode it identically; see PyStr.
package templates

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// lineWidth is the column limit PyLiteralIndent tries to keep a flat
// (one-line) container within before it breaks it one element per line.
const lineWidth = 80

// indentStep is the extra indentation of each nesting level in
// PyLiteralIndent's multi-line output.
const indentStep = "    "

const hexDigits = "0123456789abcdef"

// PyStr returns s as an ASCII-only, single-quoted Python 3 str literal.
//
// Printable ASCII (0x20-0x7E) is written as itself, except that \ becomes \\
// and ' becomes \'. Every other code point is written as \xNN if it is below
// 0x100, \uNNNN if it is in the BMP and \UNNNNNNNN otherwise (lower-case hex,
// always the full number of digits). No other escapes (\n, \t, octal, \N{...})
// are ever produced, so text such as \N{DASH} in s is emitted as \\N{DASH}.
//
// A Python str cannot hold raw bytes, so s must be valid UTF-8; otherwise the
// error names the offset of the first invalid byte.
//
// Why this subset: it is decoded identically by CPython (traitlets execs the
// config with compile/exec) and by gpython v0.2.0's parser, whose escape
// decoder differs from CPython in ways this encoding never triggers:
//
//   - \N{name} is not implemented (kept as the text \N{name}); PyStr never
//     writes \N, a backslash in s is always \\.
//   - hex digits of \x, \u, \U are read with strconv.ParseInt, which accepts
//     a sign ('\x+1' is "\x01" in gpython, a SyntaxError in CPython); PyStr
//     writes exactly 2, 4 or 8 hex digits.
//   - \U above 10FFFF and surrogate \uD800-\uDFFF become U+FFFD in gpython
//     (CPython: SyntaxError / a lone surrogate); valid UTF-8 contains neither.
//   - raw NUL, a bare CR, invalid UTF-8 and PEP 263 coding lines are accepted
//     or ignored by gpython but rejected or interpreted by CPython; PyStr's
//     output is printable ASCII only.
func PyStr(s string) (string, error) {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '\\':
				b.WriteString(`\\`)
			case c == '\'':
				b.WriteString(`\'`)
			case c >= 0x20 && c <= 0x7e:
				b.WriteByte(c)
			default: // C0 controls and DEL
				writeEscape(&b, 'x', rune(c), 2)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return "", &InvalidUTF8Error{Offset: i, Byte: s[i]}
		}
		switch {
		case r < 0x100:
			writeEscape(&b, 'x', r, 2)
		case r < 0x10000:
			writeEscape(&b, 'u', r, 4)
		default:
			writeEscape(&b, 'U', r, 8)
		}
		i += size
	}
	b.WriteByte('\'')
	return b.String(), nil
}

func writeEscape(b *strings.Builder, kind byte, r rune, digits int) {
	b.WriteByte('\\')
	b.WriteByte(kind)
	for shift := 4 * (digits - 1); shift >= 0; shift -= 4 {
		b.WriteByte(hexDigits[(r>>shift)&0xf])
	}
}

// InvalidUTF8Error is returned by PyStr (and PyLiteral) for a string that is
// not valid UTF-8.
type InvalidUTF8Error struct {
	Offset int  // byte offset of the first invalid byte
	Byte   byte // the byte found there
}

func (e *InvalidUTF8Error) Error() string {
	return fmt.Sprintf("string is not valid UTF-8 at byte %d (0x%02x); a Python str cannot hold raw bytes", e.Offset, e.Byte)
}

// Expr is a trusted Python expression written by hubctl itself (for example
// os.environ['X']). PyLiteral renders it verbatim; it must never contain user
// input. An empty Expr is an error because it would not be an expression.
type Expr string

// KV is one key/value pair of a Dict.
type KV struct {
	Key   string
	Value any
}

// Dict is an ordered Python dict literal. Keys must be unique.
type Dict []KV

// PyLiteral renders v as a one-line Python literal. Supported values:
//
//	string             'single-quoted', see PyStr
//	bool               True / False
//	int, int8..int64,
//	uint, uint8..uint64  decimal
//	nil                None
//	[]string, []any    [a, b]
//	Dict               {'k': v, ...} in order (duplicate keys are an error)
//	map[string]string  {'k': 'v', ...} with keys sorted
//	Expr               verbatim
//
// Anything else is an error naming the Go type and where it was found.
func PyLiteral(v any) (string, error) {
	n, err := build(v, "")
	if err != nil {
		return "", err
	}
	var b strings.Builder
	n.flat(&b)
	return b.String(), nil
}

// PyLiteralIndent renders v like PyLiteral, but laid out like hand-written
// Python. A Dict (or map) with more than one entry, and any container whose
// one-line form would pass column 80 (counting indent) or that holds a
// multi-line element, is written one element per line with a trailing comma;
// nested levels are indented 4 more spaces than their parent. Other
// containers, e.g. a short list of strings, stay on one line.
//
// indent is the indentation of the line on which the caller writes the
// result; the first line of the result is not indented, continuation lines
// and the closing bracket are. indent must consist of spaces and tabs only.
//
//	c.JupyterHub.services = {
//	    'name': 'cull-idle',
//	    'command': ['hubctl', 'cull', '--timeout=3600'],
//	}
func PyLiteralIndent(v any, indent string) (string, error) {
	if strings.Trim(indent, " \t") != "" {
		return "", fmt.Errorf("templates: indent %q must be spaces and tabs only", indent)
	}
	n, err := build(v, "")
	if err != nil {
		return "", err
	}
	var b strings.Builder
	n.pretty(&b, indent, len(indent), 0)
	return b.String(), nil
}

// node is a rendered value: a leaf (already a Python token sequence) or a
// list/dict of nodes.
type node struct {
	kind  byte   // 'l' leaf, '[' list, '{' dict
	leaf  string // for leaves; for dict entries the rendered key is in keys
	keys  []string
	elems []*node
	width int // length of the flat rendering
}

func leaf(s string) *node { return &node{kind: 'l', leaf: s, width: len(s)} }

// LiteralError reports a value PyLiteral cannot render and where in the
// value it was found (for example services[0]['name']).
type LiteralError struct {
	Path string // "" for the top-level value
	Err  error
}

func (e *LiteralError) Error() string {
	if e.Path == "" {
		return "templates: " + e.Err.Error()
	}
	return "templates: " + e.Path + ": " + e.Err.Error()
}

func (e *LiteralError) Unwrap() error { return e.Err }

func fail(path string, err error) error { return &LiteralError{Path: path, Err: err} }

func str(s, path string) (*node, error) {
	q, err := PyStr(s)
	if err != nil {
		return nil, fail(path, err)
	}
	return leaf(q), nil
}

func build(v any, path string) (*node, error) {
	switch v := v.(type) {
	case nil:
		return leaf("None"), nil
	case string:
		return str(v, path)
	case bool:
		if v {
			return leaf("True"), nil
		}
		return leaf("False"), nil
	case int:
		return leaf(strconv.FormatInt(int64(v), 10)), nil
	case int8:
		return leaf(strconv.FormatInt(int64(v), 10)), nil
	case int16:
		return leaf(strconv.FormatInt(int64(v), 10)), nil
	case int32:
		return leaf(strconv.FormatInt(int64(v), 10)), nil
	case int64:
		return leaf(strconv.FormatInt(v, 10)), nil
	case uint:
		return leaf(strconv.FormatUint(uint64(v), 10)), nil
	case uint8:
		return leaf(strconv.FormatUint(uint64(v), 10)), nil
	case uint16:
		return leaf(strconv.FormatUint(uint64(v), 10)), nil
	case uint32:
		return leaf(strconv.FormatUint(uint64(v), 10)), nil
	case uint64:
		return leaf(strconv.FormatUint(v, 10)), nil
	case Expr:
		if strings.TrimSpace(string(v)) == "" {
			return nil, fail(path, errors.New("empty Expr"))
		}
		return leaf(string(v)), nil
	case []string:
		n := &node{kind: '['}
		for i, s := range v {
			e, err := str(s, path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, e)
		}
		return n.sized(), nil
	case []any:
		n := &node{kind: '['}
		for i, x := range v {
			e, err := build(x, path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			n.elems = append(n.elems, e)
		}
		return n.sized(), nil
	case Dict:
		n := &node{kind: '{'}
		seen := make(map[string]bool, len(v))
		for _, kv := range v {
			kpath := path + "[" + keyPath(kv.Key) + "]"
			if seen[kv.Key] {
				return nil, fail(kpath, errors.New("duplicate Dict key"))
			}
			seen[kv.Key] = true
			if err := n.add(kv.Key, kv.Value, kpath); err != nil {
				return nil, err
			}
		}
		return n.sized(), nil
	case map[string]string:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		n := &node{kind: '{'}
		for _, k := range keys {
			if err := n.add(k, v[k], path+"["+keyPath(k)+"]"); err != nil {
				return nil, err
			}
		}
		return n.sized(), nil
	}
	return nil, fail(path, fmt.Errorf("unsupported Go type %T", v))
}

func (n *node) add(key string, value any, path string) error {
	k, err := str(key, path+" (key)")
	if err != nil {
		return err
	}
	e, err := build(value, path)
	if err != nil {
		return err
	}
	n.keys = append(n.keys, k.leaf)
	n.elems = append(n.elems, e)
	return nil
}

// sized computes the width of the flat rendering "[a, b]" / "{k: v}".
func (n *node) sized() *node {
	w := 2
	for i, e := range n.elems {
		if i > 0 {
			w += 2 // ", "
		}
		if n.kind == '{' {
			w += len(n.keys[i]) + 2 // "k: "
		}
		w += e.width
	}
	n.width = w
	return n
}

func keyPath(k string) string {
	if q, err := PyStr(k); err == nil {
		return q
	}
	return strconv.Quote(k) // only for error messages: k is not valid UTF-8
}

func closing(kind byte) byte {
	if kind == '{' {
		return '}'
	}
	return ']'
}

func (n *node) flat(b *strings.Builder) {
	if n.kind == 'l' {
		b.WriteString(n.leaf)
		return
	}
	b.WriteByte(n.kind)
	for i, e := range n.elems {
		if i > 0 {
			b.WriteString(", ")
		}
		if n.kind == '{' {
			b.WriteString(n.keys[i])
			b.WriteString(": ")
		}
		e.flat(b)
	}
	b.WriteByte(closing(n.kind))
}

// multiline reports whether pretty lays n out one element per line when its
// flat form would start at column col and be followed by tail more columns.
func (n *node) multiline(indent string, col, tail int) bool {
	if n.kind == 'l' || len(n.elems) == 0 {
		return false
	}
	if n.kind == '{' && len(n.elems) > 1 {
		return true
	}
	if col+n.width+tail > lineWidth {
		return true
	}
	inner := indent + indentStep
	for i, e := range n.elems {
		c := len(inner)
		if n.kind == '{' {
			c += len(n.keys[i]) + 2
		}
		if e.multiline(inner, c, 1) {
			return true
		}
	}
	return false
}

// pretty writes n starting at column col of a line indented by indent; tail
// columns (a trailing comma) follow it on its last line.
func (n *node) pretty(b *strings.Builder, indent string, col, tail int) {
	if !n.multiline(indent, col, tail) {
		n.flat(b)
		return
	}
	inner := indent + indentStep
	b.WriteByte(n.kind)
	b.WriteByte('\n')
	for i, e := range n.elems {
		b.WriteString(inner)
		c := len(inner)
		if n.kind == '{' {
			b.WriteString(n.keys[i])
			b.WriteString(": ")
			c += len(n.keys[i]) + 2
		}
		e.pretty(b, inner, c, 1)
		b.WriteString(",\n")
	}
	b.WriteString(indent)
	b.WriteByte(closing(n.kind))
}
