package pyconfig

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"
)

// The pre-pass is a small Python 3 tokenizer that runs before gpython sees a
// file. It answers, as CPython does, for what makes the file unloadable at
// the token level (unterminated strings, unbalanced or too deeply nested
// brackets, a stray line continuation), and bounds the work gpython and the
// evaluator get: how many tokens, how long a number literal, how many unary
// operators in a row. It follows Python 3.12's f-string rules (PEP 701), which
// accept everything older Pythons do, so it never refuses a file a Hub would
// load.

const (
	// maxTokens bounds what gpython parses (about 1 µs and a few hundred
	// bytes per token): a 1.5 MB config of 10 000 services has 160 000.
	maxTokens = 500_000
	// maxNesting is CPython's own limit on nested brackets (MAXLEVEL).
	maxNesting = 200
	// maxChain bounds operators that nest to the right ("- - - … x", "not
	// not …", "a ** b ** …", "a if b else c if …", "lambda: lambda: …"):
	// CPython gives up near 3 000 levels (a RecursionError), and gpython's
	// parser stack grows by up to 3 KB a level (100 000 conditional
	// expressions took it past 288 MiB).
	maxChain = 3000
	// maxNumberLen is CPython's limit on decimal integer literals (3.11 and
	// later refuse longer ones); gpython converts a literal in time
	// quadratic in its length (5 million digits: 37 s), so a longer one is
	// not handed to it.
	maxNumberLen = 4300
)

// notReadName stands, in the text gpython parses, for a literal hubctl keeps
// from gpython: a number longer than maxNumberLen, or adjacent string
// literals that gpython would join in quadratic time. The evaluator makes it
// an unknown value, with the reason the pre-pass gives.
const notReadName = "_hubctl_not_read_"

// maxJoinCost bounds what gpython copies joining adjacent string literals
// ('a' 'b' 'c' …): each one copies all before it (450 000 of them took 26 s
// and 98 GB of allocations).
const maxJoinCost = 64 << 20

// scanned is what the pre-pass found in a file that tokenizes.
type scanned struct {
	text    []byte         // what gpython parses: the file with long number literals replaced
	tokens  int            // how many tokens
	notRead map[Pos]string // literals replaced by notReadName, by position (gpython's: byte column), with why
}

// bracket is an open bracket. Columns are worked out only for an error:
// counting them for every token would be quadratic on a long line.
type bracket struct {
	ch                    byte
	line, lineStart, offs int
}

func (b bracket) col(src []byte) int { return utf8.RuneCount(src[b.lineStart:b.offs]) + 1 }

type tokenizer struct {
	path      string
	src       []byte
	i         int
	line      int // 1-based
	lineStart int // offset of the current line
	stack     []bracket
	tokens    int
	// chains counts, for each open bracket level (0: none open), the
	// operators nesting to the right since the last ',' ';' or '=' there.
	chains      []chain
	prevOperand bool // the last token ends an operand: a '-' now is binary
	notRead     map[Pos]string
	strs        stringRun // the adjacent string literals just seen
	text        []byte    // copy on first rewrite
}

// prepass tokenizes text (the file without its BOM, with LF line ends).
func prepass(path string, text []byte) (*scanned, error) {
	t := &tokenizer{path: path, src: text, line: 1, chains: []chain{{}}}
	if err := t.run(); err != nil {
		return nil, err
	}
	out := &scanned{text: text, tokens: t.tokens, notRead: t.notRead}
	if t.text != nil {
		out.text = t.text
	}
	return out, nil
}

// col is the 1-based column of offset i on the current line, in characters
// as CPython counts them.
func (t *tokenizer) col(i int) int { return utf8.RuneCount(t.src[t.lineStart:i]) + 1 }

func (t *tokenizer) errAt(line, col int, format string, a ...any) error {
	return &ParseError{Pos: Pos{File: t.path, Line: line, Col: col}, Msg: fmt.Sprintf(format, a...) + "; Python refuses to load the file"}
}

// here is the place of offset i on the current line.
func (t *tokenizer) here(i int) bracket {
	return bracket{line: t.line, lineStart: t.lineStart, offs: i}
}

func (t *tokenizer) newline() {
	t.line++
	t.lineStart = t.i
}

// lastLine is the line CPython says an error at the end of the file was
// detected at.
func (t *tokenizer) lastLine() int {
	if len(t.src) > 0 && t.src[len(t.src)-1] == '\n' {
		return t.line - 1
	}
	return t.line
}

// token counts one token and bounds the total.
func (t *tokenizer) token(start int) error {
	t.tokens++
	if t.tokens > maxTokens {
		return &ParseError{Pos: Pos{File: t.path, Line: t.line, Col: t.col(start)},
			Msg: fmt.Sprintf("the file has more than %d Python tokens (this is where they run out); hubctl reads configs up to that size", maxTokens)}
	}
	return nil
}

type chain struct {
	n     int
	start bracket // where it began
}

// nest counts an operator that nests to the right at start.
func (t *tokenizer) nest(start int) error {
	c := &t.chains[len(t.chains)-1]
	if c.n == 0 {
		c.start = t.here(start)
	}
	c.n++
	if c.n > maxChain {
		return t.errAt(c.start.line, c.start.col(t.src), "an expression nested more than %d levels deep (operators such as unary -, not, ** or if-else, each inside the next): Python cannot compile it (RecursionError)", maxChain)
	}
	return nil
}

// keywords are Python's; after one (but True, False, None) an operator is
// unary.
var keywords = map[string]bool{"and": true, "as": true, "assert": true, "async": true, "await": true, "break": true,
	"class": true, "continue": true, "def": true, "del": true, "elif": true, "else": true, "except": true, "finally": true,
	"for": true, "from": true, "global": true, "if": true, "import": true, "in": true, "is": true, "lambda": true,
	"nonlocal": true, "not": true, "or": true, "pass": true, "raise": true, "return": true, "try": true, "while": true,
	"with": true, "yield": true}

// word handles a name or keyword.
func (t *tokenizer) word(id string, start int) error {
	defer func() { t.prevOperand = !keywords[id] }()
	switch {
	case id == "not" && !t.prevOperand, // "x not in y" is one binary operator
		id == "if" && t.prevOperand, // "a if b else c"; a statement's if starts a line
		id == "lambda":
		return t.nest(start)
	}
	return nil
}

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// stringPrefix reports whether an identifier is a string prefix, and
// whether it makes an f-string (or a 3.14 t-string).
func stringPrefix(id string) (ok, formatted bool) {
	switch strings.ToLower(id) {
	case "r", "u", "b", "br", "rb":
		return true, false
	case "f", "fr", "rf", "t", "tr", "rt":
		return true, true
	}
	return false, false
}

func (t *tokenizer) run() error {
	src := t.src
	for t.i < len(src) {
		c := src[t.i]
		start := t.i
		switch {
		case c == '\n':
			t.i++
			t.newline()
			if len(t.stack) == 0 {
				t.chains[0].n = 0 // a statement ends here
				t.prevOperand = false
				if err := t.endRun(); err != nil {
					return err
				}
			}
		case c == ' ' || c == '\t' || c == '\f' || c == '\r':
			t.i++
		case c == '#':
			for t.i < len(src) && src[t.i] != '\n' {
				t.i++
			}
		case c == '\\':
			if t.i+1 < len(src) && src[t.i+1] == '\n' {
				if t.i+2 == len(src) {
					return t.errAt(t.line, t.col(t.i)+1, "unexpected EOF while parsing")
				}
				t.i += 2
				t.newline()
				continue
			}
			if t.i+1 == len(src) {
				return t.errAt(t.line, t.col(t.i)+1, "unexpected EOF while parsing")
			}
			return t.errAt(t.line, t.col(t.i)+1, "unexpected character after line continuation character")
		case c == '\'' || c == '"':
			if err := t.token(start); err != nil {
				return err
			}
			if err := t.str(start, false); err != nil {
				return err
			}
			t.stringToken(start)
			t.prevOperand = true
		case c >= '0' && c <= '9' || c == '.' && t.i+1 < len(src) && src[t.i+1] >= '0' && src[t.i+1] <= '9':
			if err := t.token(start); err != nil {
				return err
			}
			if err := t.endRun(); err != nil {
				return err
			}
			t.number()
			t.prevOperand = true
		case isIdentStart(c):
			for t.i < len(src) && isIdentChar(src[t.i]) {
				t.i++
			}
			if err := t.token(start); err != nil {
				return err
			}
			id := string(src[start:t.i])
			if ok, f := stringPrefix(id); ok && t.i < len(src) && (src[t.i] == '\'' || src[t.i] == '"') {
				if err := t.str(start, f); err != nil {
					return err
				}
				t.stringToken(start)
				t.prevOperand = true
				continue
			}
			if err := t.endRun(); err != nil {
				return err
			}
			if err := t.word(id, start); err != nil {
				return err
			}
		default:
			if err := t.token(start); err != nil {
				return err
			}
			if err := t.endRun(); err != nil {
				return err
			}
			t.i++
			if err := t.operator(c, start); err != nil {
				return err
			}
		}
	}
	if err := t.endRun(); err != nil {
		return err
	}
	if len(t.stack) > 0 {
		b := t.stack[len(t.stack)-1]
		return t.errAt(b.line, b.col(t.src), "'%c' was never closed", b.ch)
	}
	return nil
}

var closing = map[byte]byte{')': '(', ']': '[', '}': '{'}

// operator handles brackets and operators that nest; gpython reports
// whatever else is wrong with an operator.
func (t *tokenizer) operator(c byte, start int) error {
	prevOperand := t.prevOperand
	t.prevOperand = false
	switch c {
	case '(', '[', '{':
		if len(t.stack) >= maxNesting {
			return t.errAt(t.line, t.col(start), "too many nested parentheses")
		}
		b := t.here(start)
		b.ch = c
		t.stack = append(t.stack, b)
		t.chains = append(t.chains, chain{})
	case ')', ']', '}':
		if len(t.stack) == 0 {
			return t.errAt(t.line, t.col(start), "unmatched '%c'", c)
		}
		top := t.stack[len(t.stack)-1]
		if top.ch != closing[c] {
			on := ""
			if top.line != t.line {
				on = fmt.Sprintf(" on line %d", top.line)
			}
			return t.errAt(t.line, t.col(start), "closing parenthesis '%c' does not match opening parenthesis '%c'%s", c, top.ch, on)
		}
		t.stack = t.stack[:len(t.stack)-1]
		t.chains = t.chains[:len(t.chains)-1]
		t.prevOperand = true
	case ',', ';':
		t.chains[len(t.chains)-1].n = 0
	case '=':
		if t.i < len(t.src) && t.src[t.i] == '=' {
			t.i++
		} else {
			t.chains[len(t.chains)-1].n = 0
		}
	case '*':
		if t.i < len(t.src) && t.src[t.i] == '*' {
			t.i++
			if t.i < len(t.src) && t.src[t.i] == '=' {
				t.i++ // **=
				return nil
			}
			return t.nest(start)
		}
	case '-', '+', '~':
		if t.i < len(t.src) && (t.src[t.i] == '=' || t.src[t.i] == '>') {
			t.i++ // -= += ->
			return nil
		}
		if !prevOperand {
			return t.nest(start)
		}
	}
	return nil
}

// number skips a number literal; one longer than maxNumberLen is replaced,
// in the text gpython parses, by bigNumberName padded to the same length
// (so that columns after it stay right).
func (t *tokenizer) number() {
	src, start := t.src, t.i
	hex := src[t.i] == '0' && t.i+1 < len(src) && (src[t.i+1] == 'x' || src[t.i+1] == 'X')
	for t.i < len(src) {
		c := src[t.i]
		if c == '.' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			t.i++
			if (c == 'e' || c == 'E') && !hex && t.i+1 < len(src) && (src[t.i] == '+' || src[t.i] == '-') && src[t.i+1] >= '0' && src[t.i+1] <= '9' {
				t.i++
			}
			continue
		}
		break
	}
	if n := t.i - start; n > maxNumberLen {
		t.replace(t.here(start), t.i, fmt.Sprintf("a number literal of %d digits (Python 3.11 and later refuse a decimal integer of more than %d)", n, maxNumberLen))
	}
}

// replace puts notReadName, padded with spaces to the same length, in the
// text gpython parses for src[at.offs:end], keeping its line ends.
func (t *tokenizer) replace(at bracket, end int, why string) {
	if t.text == nil {
		t.text = bytes.Clone(t.src)
	}
	copy(t.text[at.offs:end], notReadName)
	for j := at.offs + len(notReadName); j < end; j++ {
		if t.text[j] != '\n' {
			t.text[j] = ' '
		}
	}
	if t.notRead == nil {
		t.notRead = map[Pos]string{}
	}
	t.notRead[Pos{File: t.path, Line: at.line, Col: at.offs - at.lineStart + 1}] = why
}

// stringRun is a run of adjacent string literals, which Python joins.
type stringRun struct {
	n          int
	at         bracket // where the first begins
	end        int     // where the last ends
	level      int     // brackets open around it
	size, cost int64   // bytes so far, and what joining them copies
}

// stringToken notes a string literal from start to t.i.
func (t *tokenizer) stringToken(start int) {
	r := &t.strs
	if r.n == 0 {
		*r = stringRun{at: t.here(start), level: len(t.stack)}
	}
	r.n++
	r.size += int64(t.i - start)
	r.cost += r.size
	r.end = t.i
}

// endRun ends a run of string literals at any other token; one that would
// cost gpython too much to join is kept from it.
func (t *tokenizer) endRun() error {
	r := t.strs
	t.strs = stringRun{}
	if r.cost <= maxJoinCost {
		return nil
	}
	if r.level == 0 && bytes.IndexByte(t.src[r.at.offs:r.end], '\n') >= 0 {
		return &ParseError{Pos: Pos{File: t.path, Line: r.at.line, Col: r.at.col(t.src)},
			Msg: fmt.Sprintf("%d adjacent string literals over several lines; hubctl does not read so many (its parser would take minutes to join them)", r.n)}
	}
	t.replace(r.at, r.end, fmt.Sprintf("%d adjacent string literals, which hubctl's parser would take minutes to join", r.n))
	return nil
}

// str scans a string literal whose prefix starts at start (t.i is at the
// quote).
func (t *tokenizer) str(start int, formatted bool) error {
	src := t.src
	at := t.here(start)
	q := src[t.i]
	triple := t.i+2 < len(src) && src[t.i+1] == q && src[t.i+2] == q
	if triple {
		t.i += 3
	} else {
		t.i++
	}
	what := "string literal"
	if formatted {
		what = "f-string literal"
	}
	if triple {
		what = "triple-quoted " + what
	}
	unterminated := func(detected int) error {
		return t.errAt(at.line, at.col(src), "unterminated %s (detected at line %d)", what, detected)
	}
	for {
		if t.i >= len(src) {
			return unterminated(t.lastLine())
		}
		c := src[t.i]
		switch {
		case c == '\\':
			if t.i+1 >= len(src) {
				return unterminated(t.line)
			}
			if formatted && (src[t.i+1] == '{' || src[t.i+1] == '}') {
				t.i++ // a backslash does not escape a replacement field
				continue
			}
			t.i += 2
			if src[t.i-1] == '\n' {
				t.newline()
			}
		case c == q && (!triple || t.i+2 < len(src) && src[t.i+1] == q && src[t.i+2] == q):
			if triple {
				t.i += 3
			} else {
				t.i++
			}
			return nil
		case c == '\n':
			if !triple {
				return unterminated(t.line)
			}
			t.i++
			t.newline()
		case formatted && c == '{' && t.i+1 < len(src) && src[t.i+1] == '{',
			formatted && c == '}' && t.i+1 < len(src) && src[t.i+1] == '}':
			t.i += 2
		case formatted && c == '{':
			if err := t.field(); err != nil {
				return err
			}
		default:
			t.i++
		}
	}
}

// field scans an f-string replacement field from its '{' to its '}': code,
// with its own brackets and nested strings, then an optional format spec
// that may hold fields of its own. Newlines are allowed inside (PEP 701).
func (t *tokenizer) field() error {
	src := t.src
	base := len(t.stack)
	open := t.here(t.i)
	open.ch = '{'
	t.stack = append(t.stack, open)
	t.i++
	for t.i < len(src) {
		c := src[t.i]
		start := t.i
		switch {
		case c == '\n':
			t.i++
			t.newline()
		case c == '#':
			for t.i < len(src) && src[t.i] != '\n' {
				t.i++
			}
		case c == '\'' || c == '"':
			if err := t.str(start, false); err != nil {
				return err
			}
		case isIdentStart(c):
			for t.i < len(src) && isIdentChar(src[t.i]) {
				t.i++
			}
			if ok, f := stringPrefix(string(src[start:t.i])); ok && t.i < len(src) && (src[t.i] == '\'' || src[t.i] == '"') {
				if err := t.str(start, f); err != nil {
					return err
				}
			}
		case c == ':' && len(t.stack) == base+1:
			// The format spec: text up to the field's '}', with nested fields.
			t.i++
			for t.i < len(src) && src[t.i] != '}' {
				switch src[t.i] {
				case '{':
					if err := t.field(); err != nil {
						return err
					}
				case '\n':
					t.i++
					t.newline()
				default:
					t.i++
				}
			}
			if t.i >= len(src) {
				return t.errAt(open.line, open.col(src), "'{' was never closed")
			}
			t.i++
			t.stack = t.stack[:base]
			return nil
		case c == '(' || c == '[' || c == '{':
			if len(t.stack) >= maxNesting {
				return t.errAt(t.line, t.col(start), "too many nested parentheses")
			}
			b := t.here(start)
			b.ch = c
			t.stack = append(t.stack, b)
			t.i++
		case c == ')' || c == ']' || c == '}':
			top := t.stack[len(t.stack)-1]
			if top.ch != closing[c] {
				if len(t.stack) == base+1 {
					return t.errAt(t.line, t.col(start), "f-string: unmatched '%c'", c)
				}
				return t.errAt(t.line, t.col(start), "closing parenthesis '%c' does not match opening parenthesis '%c'", c, top.ch)
			}
			t.stack = t.stack[:len(t.stack)-1]
			t.i++
			if len(t.stack) == base {
				return nil
			}
		default:
			t.i++
		}
	}
	b := t.stack[len(t.stack)-1]
	return t.errAt(b.line, b.col(src), "'%c' was never closed", b.ch)
}
