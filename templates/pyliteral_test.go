package templates

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/go-python/gpython/ast"
	"github.com/go-python/gpython/parser"
	"github.com/go-python/gpython/py"

	"github.com/hubctl/hubctl/internal/pyoracle"
	"github.com/hubctl/hubctl/internal/realhub"
)

func TestPyStr(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", `''`},
		{"hello world", `'hello world'`},
		{"it's", `'it\'s'`},
		{`say "hi"`, `'say "hi"'`},
		{`a\b`, `'a\\b'`},
		{`\`, `'\\'`},
		{`\'`, `'\\\''`},
		{"\n", `'\x0a'`},
		{"\r\n", `'\x0d\x0a'`},
		{"\t", `'\x09'`},
		{"\x00", `'\x00'`},
		{"a\x00b", `'a\x00b'`},
		{"\x1b[31m", `'\x1b[31m'`},
		{"\x7f", `'\x7f'`},
		{" ~", `' ~'`},
		{"é", `'\xe9'`},
		{"e\u0301", `'e\u0301'`},
		{"\u0080\u00a0\u00ff", `'\x80\xa0\xff'`},
		{"\u0100", `'\u0100'`},
		{"\u2028\u2029\ufeff", `'\u2028\u2029\ufeff'`},
		{"\ufffd", `'\ufffd'`},
		{"\uffff", `'\uffff'`},
		{"\U00010000", `'\U00010000'`},
		{"😀", `'\U0001f600'`},
		{"\U0010ffff", `'\U0010ffff'`},
		{"'''", `'\'\'\''`},
		{`"""`, `'"""'`},
		{`\N{DASH}`, `'\\N{DASH}'`},
		{`\N{EN DASH}\x41\u00e9\n\0`, `'\\N{EN DASH}\\x41\\u00e9\\n\\0'`},
		{"{x} {{}}", `'{x} {{}}'`},
		{"100% %s %(name)s", `'100% %s %(name)s'`},
		{"# not a comment", `'# not a comment'`},
		{"'); import os; os.system('id') #", `'\'); import os; os.system(\'id\') #'`},
		{"x\\\ny", `'x\\\x0ay'`},
	}
	for _, tt := range tests {
		got, err := PyStr(tt.in)
		if err != nil {
			t.Errorf("PyStr(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("PyStr(%q)\n got %s\nwant %s", tt.in, got, tt.want)
		}
		checkGpythonStr(t, tt.in, got)
	}
}

// literalGrammar is everything PyStr may emit: single quotes around
// printable ASCII other than ' and \, and the escapes \\, \', \xNN, \uNNNN,
// \UNNNNNNNN with lower-case hex digits.
var literalGrammar = regexp.MustCompile(`^'(?:[ -&(-\[\]-~]|\\\\|\\'|\\x[0-9a-f]{2}|\\u[0-9a-f]{4}|\\U[0-9a-f]{8})*'$`)

// checkGpythonStr checks that lit matches literalGrammar and that gpython's
// parser reads "S = lit" back as exactly s.
func checkGpythonStr(t testing.TB, s, lit string) {
	t.Helper()
	if !literalGrammar.MatchString(lit) {
		t.Fatalf("PyStr(%q) = %q is outside PyStr's escape grammar", s, lit)
	}
	mod, err := gpyParse("S = " + lit + "\n")
	if err != nil {
		t.Fatalf("gpython cannot parse PyStr(%q) = %s: %v", s, lit, err)
	}
	got, err := gpyFind(mod.Body, "S")
	if err != nil {
		t.Fatal(err)
	}
	if got != s {
		t.Fatalf("gpython reads PyStr(%q) = %s as %q", s, lit, got)
	}
}

func TestPyStrInvalidUTF8(t *testing.T) {
	tests := []struct {
		in     string
		offset int
	}{
		{"\xff", 0},
		{"abc\xff", 3},
		{"é\xc3", 2},            // truncated sequence
		{"ok\xc0\xaf", 2},       // overlong '/'
		{"abc\xed\xa0\x80", 3},  // UTF-8-encoded surrogate U+D800
		{"\xf4\x90\x80\x80", 0}, // > U+10FFFF
		{"😀\x80😀", 4},           // stray continuation byte
		{"a'\\\x00\xfe'b", 4},   // after bytes that need escaping
		{strings.Repeat("x", 1000) + "\x80", 1000},
	}
	for _, tt := range tests {
		got, err := PyStr(tt.in)
		if err == nil {
			t.Errorf("PyStr(%q) = %s, want error", tt.in, got)
			continue
		}
		var ie *InvalidUTF8Error
		if !errors.As(err, &ie) || ie.Offset != tt.offset || ie.Byte != tt.in[tt.offset] {
			t.Errorf("PyStr(%q) error = %#v, want InvalidUTF8Error at %d", tt.in, err, tt.offset)
		}
		if want := fmt.Sprintf("not valid UTF-8 at byte %d", tt.offset); !strings.Contains(err.Error(), want) {
			t.Errorf("PyStr(%q) error %q does not say %q", tt.in, err, want)
		}
		if got != "" {
			t.Errorf("PyStr(%q) returned %q with its error", tt.in, got)
		}
	}
	_, err := PyLiteral(Dict{{"services", []any{Dict{{"name", "ok"}, {"command", []string{"a", "b\xffc"}}}}}})
	want := `templates: ['services'][0]['command'][1]: string is not valid UTF-8 at byte 1 (0xff); a Python str cannot hold raw bytes`
	if err == nil || err.Error() != want {
		t.Errorf("nested invalid UTF-8: err = %v\nwant %s", err, want)
	}
	_, err = PyLiteral(map[string]string{"k\xfe": "v"})
	want = `templates: ["k\xfe"] (key): string is not valid UTF-8 at byte 1 (0xfe); a Python str cannot hold raw bytes`
	if err == nil || err.Error() != want {
		t.Errorf("invalid UTF-8 key: err = %v\nwant %s", err, want)
	}
}

func TestPyLiteral(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{nil, `None`},
		{true, `True`},
		{false, `False`},
		{0, `0`},
		{-42, `-42`},
		{int64(math.MinInt64), `-9223372036854775808`},
		{uint64(math.MaxUint64), `18446744073709551615`},
		{int8(-8), `-8`},
		{uint16(65535), `65535`},
		{"x'y", `'x\'y'`},
		{[]string{}, `[]`},
		{[]string(nil), `[]`},
		{[]string{"a", "b'", "\n"}, `['a', 'b\'', '\x0a']`},
		{[]any{}, `[]`},
		{[]any{1, "x", nil, true, []any{}, []string{"y"}}, `[1, 'x', None, True, [], ['y']]`},
		{Dict{}, `{}`},
		{Dict(nil), `{}`},
		{Dict{{"b", 1}, {"a", []string{"x"}}}, `{'b': 1, 'a': ['x']}`},
		{Dict{{"k'", Dict{{"in", nil}}}}, `{'k\'': {'in': None}}`},
		{map[string]string{}, `{}`},
		{map[string]string{"b": "2", "a": "1", "\x00": "nul"}, `{'\x00': 'nul', 'a': '1', 'b': '2'}`},
		{Expr("os.environ['X']"), `os.environ['X']`},
		{[]any{Dict{{"name", "cull"}, {"api_token", Expr("os.environ['T']")}}}, `[{'name': 'cull', 'api_token': os.environ['T']}]`},
	}
	for _, tt := range tests {
		got, err := PyLiteral(tt.in)
		if err != nil {
			t.Errorf("PyLiteral(%#v): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("PyLiteral(%#v)\n got %s\nwant %s", tt.in, got, tt.want)
			continue
		}
		checkGpythonValue(t, tt.in, got)
	}
}

// checkGpythonValue checks that gpython parses "X = lit" to the value v.
func checkGpythonValue(t testing.TB, v any, lit string) {
	t.Helper()
	mod, err := gpyParse("X = " + lit + "\n")
	if err != nil {
		t.Fatalf("gpython cannot parse\n%s\n: %v", lit, err)
	}
	got, err := gpyFind(mod.Body, "X")
	if err != nil {
		t.Fatal(err)
	}
	if want := norm(t, v, nil); !reflect.DeepEqual(got, want) {
		t.Errorf("gpython reads\n%s\nas %#v\nwant %#v", lit, got, want)
	}
}

func TestPyLiteralErrors(t *testing.T) {
	var nilString *string
	tests := []struct {
		in   any
		want string
	}{
		{1.5, `templates: unsupported Go type float64`},
		{struct{}{}, `templates: unsupported Go type struct {}`},
		{[]int{1}, `templates: unsupported Go type []int`},
		{map[string]any{"a": "b"}, `templates: unsupported Go type map[string]interface {}`},
		{map[string]int{}, `templates: unsupported Go type map[string]int`},
		{nilString, `templates: unsupported Go type *string`},
		{KV{"a", 1}, `templates: unsupported Go type templates.KV`},
		{[]byte("raw"), `templates: unsupported Go type []uint8`},
		{[]any{"ok", Dict{{"k", float32(1)}}}, `templates: [1]['k']: unsupported Go type float32`},
		{Dict{{"a", 1}, {"b", 2}, {"a", 3}}, `templates: ['a']: duplicate Dict key`},
		{Dict{{"x", Expr("")}}, `templates: ['x']: empty Expr`},
		{Expr(" \n"), `templates: empty Expr`},
	}
	for _, tt := range tests {
		got, err := PyLiteral(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("PyLiteral(%#v) = %q, %v\nwant error %s", tt.in, got, err, tt.want)
		}
		got, err = PyLiteralIndent(tt.in, "    ")
		if err == nil || err.Error() != tt.want {
			t.Errorf("PyLiteralIndent(%#v) = %q, %v\nwant error %s", tt.in, got, err, tt.want)
		}
		var le *LiteralError
		if !errors.As(err, &le) {
			t.Errorf("PyLiteral(%#v) error is %T, not *LiteralError", tt.in, err)
		}
	}
	for _, indent := range []string{"x", "  #", "\n"} {
		if _, err := PyLiteralIndent("s", indent); err == nil {
			t.Errorf("PyLiteralIndent with indent %q: no error", indent)
		}
	}
}

func TestPyLiteralIndent(t *testing.T) {
	cull := Dict{
		{"name", "cull-idle"},
		{"command", []string{"hubctl", "cull", "--timeout=3600"}},
	}
	long := []string{"aaaaaaaa", "bbbbbbbb", "cccccccc", "dddddddd", "eeeeeeee", "ffffffff", "gggggggg"}
	tests := []struct {
		name   string
		in     any
		indent string
		want   string
	}{
		{"scalar", "it's", "", `'it\'s'`},
		{"empty list", []any{}, "", `[]`},
		{"empty dict", Dict{}, "    ", `{}`},
		{"short list", []string{"hubctl", "cull", "--timeout=3600"}, "", `['hubctl', 'cull', '--timeout=3600']`},
		{"one-entry dict", Dict{{"a", 1}}, "", `{'a': 1}`},
		{"service", cull, "", `{
    'name': 'cull-idle',
    'command': ['hubctl', 'cull', '--timeout=3600'],
}`},
		{"services", []any{cull}, "", `[
    {
        'name': 'cull-idle',
        'command': ['hubctl', 'cull', '--timeout=3600'],
    },
]`},
		{"indented", []any{cull, Dict{{"name", "x"}}}, "    ", `[
        {
            'name': 'cull-idle',
            'command': ['hubctl', 'cull', '--timeout=3600'],
        },
        {'name': 'x'},
    ]`},
		{"long list", long, "", `[
    'aaaaaaaa',
    'bbbbbbbb',
    'cccccccc',
    'dddddddd',
    'eeeeeeee',
    'ffffffff',
    'gggggggg',
]`},
		{"long list nested", Dict{{"command", long[:5]}, {"n", 1}}, "\t", `{
	    'command': ['aaaaaaaa', 'bbbbbbbb', 'cccccccc', 'dddddddd', 'eeeeeeee'],
	    'n': 1,
	}`},
		{"long list nested breaks", Dict{{"command", long[:6]}, {"n", 1}}, "", `{
    'command': [
        'aaaaaaaa',
        'bbbbbbbb',
        'cccccccc',
        'dddddddd',
        'eeeeeeee',
        'ffffffff',
    ],
    'n': 1,
}`},
		{"one-entry dict holding a multi-line dict", Dict{{"env", map[string]string{"B": "2", "A": "1"}}}, "", `{
    'env': {
        'A': '1',
        'B': '2',
    },
}`},
		{"long single string", []any{strings.Repeat("z", 80)}, "", "[\n    '" + strings.Repeat("z", 80) + "',\n]"},
		{"expr", Dict{{"api_token", Expr("os.environ['HUBCTL_TOKEN']")}, {"admin", true}}, "", `{
    'api_token': os.environ['HUBCTL_TOKEN'],
    'admin': True,
}`},
	}
	for _, tt := range tests {
		got, err := PyLiteralIndent(tt.in, tt.indent)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got != tt.want {
			t.Errorf("%s: PyLiteralIndent(%#v, %q)\n got:\n%s\nwant:\n%s", tt.name, tt.in, tt.indent, got, tt.want)
			continue
		}
		flat, _ := PyLiteral(tt.in)
		if !strings.Contains(got, "\n") && got != flat {
			t.Errorf("%s: one-line PyLiteralIndent %s differs from PyLiteral %s", tt.name, got, flat)
		}
		// Python statement at the given indentation, inside an if block.
		src := "X = " + got + "\n"
		if tt.indent != "" {
			src = "if True:\n" + tt.indent + src
		}
		mod, err := gpyParse(src)
		if err != nil {
			t.Errorf("%s: gpython cannot parse\n%s\n: %v", tt.name, src, err)
			continue
		}
		v, err := gpyFind(mod.Body, "X")
		if err != nil {
			t.Fatal(err)
		}
		if want := norm(t, tt.in, nil); !reflect.DeepEqual(v, want) {
			t.Errorf("%s: gpython reads %#v, want %#v", tt.name, v, want)
		}
	}
}

// nastyStrings are fixed strings that every round-trip test includes.
var nastyStrings = []string{
	"",
	"'", `"`, "'''", `"""`, `\`, `\\`, `\'`, `\"`, "'\"'\"", "''''''", `"""'''`,
	"\x00", "\x00\x00", "a\x00b", "\x7f", "\r", "\n", "\r\n", "\t", "\x0b\x0c", "\x1b", "\u0085",
	`\N{DASH}`, `\N{EN DASH}`, `\N{LATIN SMALL LETTER E WITH ACUTE}`, `\N`, `\N{`, `\x`, `\x4`, `\x41`,
	`\u00e9`, `\U0001F600`, `\0`, `\000`, `\777`, `\n`, `\t`, `\a`, `\q`, "\\\n", "x\\",
	"{", "}", "{x}", "{{}}", "%", "%s", "%(x)s", "f'{x}'", "#", "# comment", "${HOME}", "$(id)",
	"'); import os; os.system('id') #", "\nimport os\n", "\\\nc.JupyterHub.admin_users = {'x'}",
	"é", "e\u0301", "\u00a0", "\u00ff", "\u0100", "\u2028", "\u2029", "\ufeff", "\ufffd", "\ufffe", "\uffff",
	"\U00010000", "😀", "👩‍👩‍👧", "\U0001F1FA\U0001F1F8", "\U000E0001", "\U000F0000", "\U0010FFFF",
	"\u202e'gnp.exe", "\u200b", "Ω≈ç√∫", "日本語", "עברית", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
}

// genString returns a random valid UTF-8 string mixing the classes of
// characters that could break a Python literal. If long, the result has
// more than 10,000 code points, mostly outside ASCII.
func genString(r *rand.Rand, long bool) string {
	var b strings.Builder
	pieces := 1 + r.IntN(16)
	minRunes := 0
	if long {
		minRunes = 10_001 + r.IntN(5000)
	}
	runes := 0
	for i := 0; i < pieces || runes < minRunes; i++ {
		k := r.IntN(10)
		if long && r.IntN(4) != 0 {
			k = 5 + r.IntN(3) // mostly Unicode in long strings
		}
		var p string
		switch k {
		case 0: // printable ASCII
			n := 1 + r.IntN(12)
			buf := make([]byte, n)
			for j := range buf {
				buf[j] = byte(0x20 + r.IntN(0x7f-0x20))
			}
			p = string(buf)
		case 1:
			p = []string{"'", `"`, "'''", `"""`, `\'`, `\"`, "''", `""`}[r.IntN(8)]
		case 2:
			p = strings.Repeat(`\`, 1+r.IntN(4))
		case 3: // C0 controls, DEL, NUL
			switch r.IntN(4) {
			case 0:
				p = "\x00"
			case 1:
				p = "\x7f"
			case 2:
				p = "\r\n"
			default:
				p = string(rune(r.IntN(0x20)))
			}
		case 4: // text that looks like escapes
			p = []string{`\N{DASH}`, `\N{EN DASH}`, `\x41`, `\u00e9`, `\U0001F600`, `\0`, `\n`,
				`\t`, `\x`, `\u12`, `\N`, `\\n`, "\\\n", `\N{LATIN SMALL LETTER A}`}[r.IntN(14)]
		case 5: // Latin-1 supplement and C1 controls
			p = string(rune(0x80 + r.IntN(0x80)))
		case 6: // BMP, no surrogates
			if r.IntN(8) == 0 {
				p = string([]rune{0xfffe, 0xffff, 0xfeff, 0x2028, 0x2029, 0xfffd, 0x200b, 0x202e, 0xd7ff, 0xe000}[r.IntN(10)])
			} else {
				c := rune(0x100 + r.IntN(0x10000-0x100-0x800))
				if c >= 0xd800 {
					c += 0x800
				}
				p = string(c)
			}
		case 7: // planes 1-16
			plane := 1 + r.IntN(16)
			p = string(rune(plane<<16 | r.IntN(0x10000)))
		case 8: // Python and shell syntax
			p = []string{"#", "{", "}", "{}", "%s", "%(x)s", "f'{x}'", "); import os; os.system('id') #",
				"\n c.JupyterHub.x = 1\n", "${HOME}", "__import__('os')", "\\\n"}[r.IntN(12)]
		case 9:
			p = nastyStrings[r.IntN(len(nastyStrings))]
		}
		b.WriteString(p)
		runes += utf8.RuneCountInString(p)
	}
	return b.String()
}

// propertyStrings returns the fixed nasty strings followed by
// pseudo-random ones from a constant seed, so every run tests the same set.
func propertyStrings() []string {
	r := rand.New(rand.NewPCG(0x6875626374, 0x7079737472))
	strs := append([]string(nil), nastyStrings...)
	for i := 0; i < 2500; i++ {
		strs = append(strs, genString(r, i%50 == 7))
	}
	return strs
}

func TestPyStrRoundTrip(t *testing.T) {
	strs := propertyStrings()
	long, total := 0, 0
	for _, s := range strs {
		if !utf8.ValidString(s) {
			t.Fatalf("generator produced invalid UTF-8 %q", s)
		}
		n := utf8.RuneCountInString(s)
		total += n
		if n > 10_000 {
			long++
		}
	}
	if len(strs) < 2000 || long < 20 {
		t.Fatalf("only %d strings, %d long", len(strs), long)
	}

	var src strings.Builder
	src.WriteString("# generated by TestPyStrRoundTrip: S = [PyStr(s) for each test string]\nS = [\n")
	for i, s := range strs {
		q, err := PyStr(s)
		if err != nil {
			t.Fatalf("PyStr(strs[%d]): %v", i, err)
		}
		if !literalGrammar.MatchString(q) {
			t.Fatalf("PyStr(strs[%d]) = %q is outside PyStr's escape grammar", i, q)
		}
		src.WriteString("    ")
		src.WriteString(q)
		src.WriteString(",\n")
	}
	src.WriteString("]\n")
	t.Logf("%d strings, %d over 10k code points, %d code points, %d bytes of Python", len(strs), long, total, src.Len())

	t.Run("gpython", func(t *testing.T) {
		mod, err := gpyParse(src.String())
		if err != nil {
			t.Fatalf("gpython: %v", err)
		}
		as := mod.Body[0].(*ast.Assign)
		elts := as.Value.(*ast.List).Elts
		if len(elts) != len(strs) {
			t.Fatalf("gpython sees %d elements, want %d", len(elts), len(strs))
		}
		for i, e := range elts {
			s, ok := e.(*ast.Str)
			if !ok {
				t.Fatalf("element %d is %T, not *ast.Str", i, e)
			}
			if string(s.S) != strs[i] {
				t.Errorf("gpython element %d: %s", i, diff(string(s.S), strs[i]))
			}
		}
	})

	t.Run("traitlets", func(t *testing.T) {
		forEachOracle(t, func(t *testing.T, r realhub.Release) {
			file := filepath.Join(t.TempDir(), "strings.py")
			if err := os.WriteFile(file, []byte(src.String()), 0o644); err != nil {
				t.Fatal(err)
			}
			out := pyoracle.Run(t, r, nil, "--strings", file)
			got, err := decodeOrdered(out)
			if err != nil {
				t.Fatalf("oracle output: %v", err)
			}
			l, ok := got.([]any)
			if !ok || len(l) != len(strs) {
				t.Fatalf("oracle returned %T of length %d, want %d strings", got, len(l), len(strs))
			}
			for i, v := range l {
				if s, ok := v.(string); !ok || s != strs[i] {
					t.Errorf("CPython element %d: %s", i, diff(fmt.Sprint(v), strs[i]))
				}
			}
		})
	})
}

// diff describes where got first differs from want.
func diff(got, want string) string {
	g, w := []rune(got), []rune(want)
	i := 0
	for i < len(g) && i < len(w) && g[i] == w[i] {
		i++
	}
	clip := func(r []rune) string {
		if len(r) > i+20 {
			r = r[:i+20]
		}
		return fmt.Sprintf("%+q", string(r[max(0, i-10):]))
	}
	return fmt.Sprintf("differs at code point %d (len %d vs %d): got …%s want …%s", i, len(g), len(w), clip(g), clip(w))
}

func TestConfigLoadsInTraitlets(t *testing.T) {
	nasty := "cull'\"\\\n\x00\x7f é \uffff 😀 ''' \"\"\" \\N{DASH} {x} %s # \\"
	long := strings.Repeat("ü€😀'\\\x00", 2000)
	const token = `s3cr3t'"\ tok`
	services := []any{
		Dict{
			{"name", "cull-idle"},
			{"command", []string{"hubctl", "cull", "--timeout=3600"}},
		},
		Dict{
			{"name", nasty},
			{"display_name", "'); import os; os.system('touch /tmp/pwned') #"},
			{"url", "http://127.0.0.1:10101/\r\nX-Injected: 1"},
			{"command", []string{nasty, `\`, "'", "\n", "\U0010FFFF", long, ""}},
			{"environment", map[string]string{nasty: nasty, "HUBCTL_TOKEN": "\x00\x01", `\N`: `\N{DASH}`}},
			{"api_token", Expr("os.environ['HUBCTL_TEST_TOKEN']")},
			{"oauth_no_confirm", true},
			{"admin", false},
			{"oauth_client_allowed_scopes", []any{}},
			{"info", Dict{{"port", 10101}, {"neg", -1}, {"none", nil}, {"nested", []any{Dict{{"'", `"`}}, []string{}}}}},
		},
	}
	role := Dict{
		{"name", "hubctl-cull'"},
		{"scopes", []string{"list:users", "admin:servers", "delete:servers"}},
		{"services", []string{"cull-idle", nasty}},
	}
	tokens := map[string]string{"tok\x00'": "user'\n", "b": "a😀"}

	lit := func(v any, indent string) string {
		s, err := PyLiteralIndent(v, indent)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	config := "# Managed by hubctl. Do not edit between the markers.\n" +
		"import os\n\n" +
		"c.JupyterHub.services = " + lit(services, "") + "\n" +
		"c.JupyterHub.load_roles.append(" + lit(role, "") + ")\n" +
		"if True:\n" +
		"    c.JupyterHub.api_tokens = " + lit(tokens, "    ") + "\n"

	t.Run("gpython", func(t *testing.T) {
		mod, err := gpyParse(config)
		if err != nil {
			t.Fatalf("gpython: %v\n%s", err, config)
		}
		for _, c := range []struct {
			name string
			v    any
		}{
			{"c.JupyterHub.services", services},
			{"c.JupyterHub.load_roles.append", role},
			{"c.JupyterHub.api_tokens", tokens},
		} {
			got, err := gpyFind(mod.Body, c.name)
			if err != nil {
				t.Fatal(err)
			}
			if want := norm(t, c.v, nil); !reflect.DeepEqual(got, want) {
				t.Errorf("gpython reads %s as\n%#v\nwant\n%#v", c.name, got, want)
			}
		}
	})

	t.Run("traitlets", func(t *testing.T) {
		forEachOracle(t, func(t *testing.T, r realhub.Release) {
			file := filepath.Join(t.TempDir(), "jupyterhub_config.py")
			if err := os.WriteFile(file, []byte(config), 0o644); err != nil {
				t.Fatal(err)
			}
			out := pyoracle.Run(t, r, []string{"HUBCTL_TEST_TOKEN=" + token}, file)
			got, err := decodeOrdered(out)
			if err != nil {
				t.Fatalf("oracle output %s: %v", out, err)
			}
			exprs := map[Expr]any{"os.environ['HUBCTL_TEST_TOKEN']": token}
			want := []pair{
				{"services", norm(t, services, exprs)},
				{"load_roles", []any{norm(t, role, exprs)}},
				{"api_tokens", norm(t, tokens, exprs)},
			}
			if !reflect.DeepEqual(got, any(want)) {
				t.Errorf("traitlets loaded\n%#v\nwant\n%#v\nconfig:\n%s", got, want, config)
			}
		})
	})
}

// TestOracle checks the oracle's own contract: omitted keys, LazyConfigValue
// resolution (.append/.extend/.update on unset traits) and exit status 1 on
// load errors.
func TestOracle(t *testing.T) { forEachOracle(t, testOracle) }

func testOracle(t *testing.T, r realhub.Release) {
	dir := t.TempDir()
	write := func(name, src string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for i, c := range []struct{ src, want string }{
		{"", `{}`},
		{"c.Spawner.cmd = ['x']\n", `{}`},
		{"c.JupyterHub.load_roles.extend([{'name': 'r'}])\n", `{"load_roles": [{"name": "r"}]}`},
		{"c.JupyterHub.services.append({'name': 's'})\nc.JupyterHub.api_tokens.update({'t': 'u'})\n",
			`{"services": [{"name": "s"}], "api_tokens": {"t": "u"}}`},
		{"c.JupyterHub.services = []\n", `{"services": []}`},
		{"c.JupyterHub.services = [{'name': '\\x00\\U0001f600\\ud800'}]\n", `{"services": [{"name": "\u0000\ud83d\ude00\ud800"}]}`},
	} {
		t.Run(fmt.Sprint("ok", i), func(t *testing.T) {
			t.Parallel()
			out := strings.TrimSpace(string(pyoracle.Run(t, r, nil, write(fmt.Sprintf("ok%d.py", i), c.src))))
			if out != c.want {
				t.Errorf("config %q: oracle printed %s, want %s", c.src, out, c.want)
			}
		})
	}
	for i, src := range []string{
		"c.JupyterHub.services = [\n",             // syntax error
		"c.JupyterHub.services = [1]\n",           // trait validation
		"c.JupyterHub.services = [{'a': (1,)}]\n", // tuple would be coerced by json
		"c.JupyterHub.api_tokens = {'t': 1}\n",    // Dict(Unicode()) validation
		"raise SystemExit(0)\n",
		"c.JupyterHub.services = [{'a': '\\x00'}]\x00\n", // NUL byte in source
	} {
		t.Run(fmt.Sprint("bad", i), func(t *testing.T) {
			t.Parallel()
			out, stderr, err := pyoracle.Try(t, r, nil, write(fmt.Sprintf("bad%d.py", i), src))
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 1 || len(stderr) == 0 || len(out) != 0 {
				t.Errorf("config %q: err=%v stdout=%q, want exit status 1 with an error on stderr", src, err, out)
			}
		})
	}
	if _, _, err := pyoracle.Try(t, r, nil, write("conf.txt", "")); err == nil {
		t.Errorf("oracle accepted a config file not ending in .py")
	}
}

// TestGpythonQuirks pins where gpython v0.2.0's parser decodes string
// escapes differently from CPython. PyStr's grammar (literalGrammar) avoids
// every one of them; if this test starts failing after a gpython upgrade,
// re-check the list in PyStr's documentation.
func TestGpythonQuirks(t *testing.T) {
	for _, c := range []struct {
		src, gpython, cpython string
	}{
		{`'\N{EN DASH}'`, `\N{EN DASH}`, "\u2013"},                        // \N{...} not implemented
		{`'\x+1'`, "\x01", "SyntaxError"},                                 // hex digits read by strconv.ParseInt: sign accepted
		{`'\u+123'`, "\u0123", "SyntaxError"},                             //
		{`'\x-1'`, "\ufffd", "SyntaxError"},                               //
		{`'\U00110000'`, "\ufffd", "SyntaxError"},                         // beyond U+10FFFF: silently U+FFFD
		{`'\ud800'`, "\ufffd", "lone surrogate"},                          // Go strings cannot hold surrogates
		{"'a\x00b'", "a\x00b", "error: source cannot contain null bytes"}, // raw NUL accepted
		{"'a\rb'", "a\rb", "SyntaxError: a bare CR ends the line"},        // raw CR is not a line end
		{"'\xff'", "\ufffd", "SyntaxError (invalid UTF-8 source)"},        // invalid UTF-8 source read as U+FFFD
		{"# -*- coding: latin-1 -*-\nS = '\xe9'", "\ufffd", "\u00e9"},     // PEP 263 coding line ignored
	} {
		src := c.src
		if !strings.Contains(src, "S = ") {
			src = "S = " + src
		}
		mod, err := gpyParse(src + "\n")
		if err != nil {
			t.Errorf("gpython rejects %q (CPython: %s): %v", c.src, c.cpython, err)
			continue
		}
		got, err := gpyFind(mod.Body, "S")
		if err != nil {
			t.Fatal(err)
		}
		if got != c.gpython {
			t.Errorf("gpython reads %q as %+q, want (quirk) %+q; CPython: %s", c.src, got, c.gpython, c.cpython)
		}
	}
}

// FuzzPyStr: for any valid UTF-8 string PyStr's output is printable ASCII
// and gpython's parser reads it back as the same string; for invalid UTF-8
// PyStr reports the first invalid byte.
//
//	go test -run '^$' -fuzz '^FuzzPyStr$' -fuzztime 60s -fuzzminimizetime 3s ./templates
//
// (with the default 60 s -fuzzminimizetime the workers spend most of a short
// run minimizing new inputs and the exec counter sits at 0/sec.)
func FuzzPyStr(f *testing.F) {
	for _, s := range nastyStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := PyStr(s)
		if !utf8.ValidString(s) {
			var ie *InvalidUTF8Error
			if !errors.As(err, &ie) {
				t.Fatalf("PyStr(%q) = %q, %v; want InvalidUTF8Error", s, q, err)
			}
			if !utf8.ValidString(s[:ie.Offset]) {
				t.Fatalf("PyStr(%q): reported offset %d, but invalid bytes come earlier", s, ie.Offset)
			}
			if r, size := utf8.DecodeRuneInString(s[ie.Offset:]); r != utf8.RuneError || size != 1 {
				t.Fatalf("PyStr(%q): byte %d starts valid %U", s, ie.Offset, r)
			}
			return
		}
		if err != nil {
			t.Fatalf("PyStr(%q): %v", s, err)
		}
		if len(q) < 2 || q[0] != '\'' || q[len(q)-1] != '\'' {
			t.Fatalf("PyStr(%q) = %s is not single-quoted", s, q)
		}
		checkGpythonStr(t, s, q)
		mod, err := parser.ParseString(q, py.EvalMode)
		if err != nil {
			t.Fatalf("gpython eval mode: %v", err)
		}
		if got := mod.(*ast.Expression).Body.(*ast.Str).S; string(got) != s {
			t.Fatalf("gpython eval mode reads %s as %q", q, got)
		}
	})
}
