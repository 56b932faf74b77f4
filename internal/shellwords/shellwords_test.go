package shellwords

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  error
	}{
		{in: "hubctl cull", want: []string{"hubctl", "cull"}},
		{in: "  a \t b\n c  ", want: []string{"a", "b", "c"}},
		{in: "'a b' c", want: []string{"a b", "c"}},
		{in: `'it''s'`, want: []string{"its"}},
		{in: `'a\b "c"'`, want: []string{`a\b "c"`}},
		{in: `"a b" "c"`, want: []string{"a b", "c"}},
		{in: `"\" \\ \$ \` + "`" + `"`, want: []string{"\" \\ $ `"}},
		{in: `"\n\q\'"`, want: []string{`\n\q\'`}},
		{in: `"it's"`, want: []string{"it's"}},
		{in: `a\ b`, want: []string{"a b"}},
		{in: `\'\"\\`, want: []string{`'"\`}},
		{in: `a'b'"c"d`, want: []string{"abcd"}},
		{in: `'' ""`, want: []string{"", ""}},
		{in: `x ''`, want: []string{"x", ""}},
		{in: "'a\nb'", want: []string{"a\nb"}},
		{in: "\"a\nb\"", want: []string{"a\nb"}},
		// A backslash before a newline continues the line, except in single quotes.
		{in: "a\\\nb", want: []string{"ab"}},
		{in: "a \\\n b", want: []string{"a", "b"}},
		{in: "\"a\\\nb\"", want: []string{"ab"}},
		{in: "'a\\\nb'", want: []string{"a\\\nb"}},
		{in: "\\\n", err: ErrEmpty},
		// Nothing is expanded and nothing is an operator.
		{in: "$HOME `id` *.py ~ a;b a|b #c", want: []string{"$HOME", "`id`", "*.py", "~", "a;b", "a|b", "#c"}},
		{in: "--arg=x --flag", want: []string{"--arg=x", "--flag"}},
		{in: "é\xff", want: []string{"é\xff"}},
		{in: "", err: ErrEmpty},
		{in: " \t\n", err: ErrEmpty},
		{in: "'abc", err: ErrUnterminatedSingleQuote},
		{in: `a 'b' 'c`, err: ErrUnterminatedSingleQuote},
		{in: `"abc`, err: ErrUnterminatedDoubleQuote},
		{in: `"abc\"`, err: ErrUnterminatedDoubleQuote},
		{in: `"abc\`, err: ErrUnterminatedDoubleQuote},
		{in: `abc\`, err: ErrTrailingBackslash},
	}
	for _, tt := range tests {
		got, err := Split(tt.in)
		if !errors.Is(err, tt.err) || !slices.Equal(got, tt.want) {
			t.Errorf("Split(%q) = %q, %v; want %q, %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// The messages are what `hubctl service add --command` prints after the
// flag's name.
func TestSplitErrorMessages(t *testing.T) {
	for in, want := range map[string]string{
		"":      "an empty command",
		"'a":    "unterminated single quote",
		`"a`:    "unterminated double quote",
		`a\`:    "a trailing backslash",
		"a 'b'": "",
	} {
		_, err := Split(in)
		if got := errString(err); got != want {
			t.Errorf("Split(%q): error %q, want %q", in, got, want)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestSplitMatchesShell splits generated command lines that use every
// quoting form, and compares the words with those the recipe says and
// those /bin/sh makes.
func TestSplitMatchesShell(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 1))
	for range 300 {
		recipe := make([]byte, rng.IntN(24))
		for i := range recipe {
			recipe[i] = byte(rng.UintN(256))
		}
		checkQuotedInput(t, recipe)
	}
}

// TestSplitJoined: splitting a word list joined with quoting gives it back,
// for words made of any bytes.
func TestSplitJoined(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 2))
	const chars = "ab \t\n'\"\\$`#~;*\x00\xff"
	for range 2000 {
		words := make([]string, 1+rng.IntN(4))
		for i := range words {
			var w strings.Builder
			for range rng.IntN(6) {
				w.WriteByte(chars[rng.IntN(len(chars))])
			}
			words[i] = w.String()
		}
		checkJoined(t, words)
	}
}

// FuzzSplit: Split never panics, makes no byte from nothing, gives back a
// quoted join of what it found, and, on input in which a shell would expand
// nothing, agrees with /bin/sh.
//
//	go test -run '^$' -fuzz '^FuzzSplit$' -fuzztime 60s -fuzzminimizetime 5s ./internal/shellwords
//
// (Each input that reaches sh costs a process; with the default 60 s
// -fuzzminimizetime a short run spends its time minimising.)
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"hubctl cull --timeout=600", `a "b c" 'd'`, `\'x\ y`, `"\$\q"`, `'' ""`, "a\tb\nc", `"a`, `a\`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := Split(s)
		if err != nil {
			if words != nil {
				t.Fatalf("Split(%q) = %q with error %v", s, words, err)
			}
		} else {
			n := 0
			for _, w := range words {
				n += len(w)
			}
			if n > len(s) {
				t.Fatalf("Split(%q) = %q: %d bytes from %d", s, words, n, len(s))
			}
			checkJoined(t, words)
		}
		// A trailing backslash: a shell keeps it, Split refuses.
		if err == ErrTrailingBackslash || strings.ContainsAny(s, shellSpecial) {
			return
		}
		shWords, shOK := shellSplit(t, s)
		if err == ErrEmpty { // Split refuses a command of no words
			shOK = shOK && len(shWords) != 0
		}
		if shOK != (err == nil) || !slices.Equal(words, shWords) {
			t.Fatalf("Split(%q) = %q, %v; sh makes %q (ok %v)", s, words, err, shWords, shOK)
		}
	})
}

// FuzzSplitQuoted builds a command line from the fuzzer's bytes with every
// quoting form, so that characters a shell treats specially appear only
// quoted or escaped, and compares Split with the recipe and with /bin/sh.
//
//	go test -run '^$' -fuzz '^FuzzSplitQuoted$' -fuzztime 60s -fuzzminimizetime 5s ./internal/shellwords
func FuzzSplitQuoted(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7})
	f.Add([]byte{3, 2, 5, 9, 4, 3, 4, 4, 4, 5})
	f.Fuzz(func(t *testing.T, recipe []byte) {
		checkQuotedInput(t, recipe)
	})
}

// shellSpecial: outside quotes, a shell expands these, reads them as
// operators or a comment, or (newline) ends the command.
const shellSpecial = "\x00\n$`|&;<>()*?[#~"

func checkJoined(t *testing.T, words []string) {
	t.Helper()
	for name, quote := range map[string]func(string) string{"single": singleQuote, "backslash": backslashQuote} {
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = quote(w)
		}
		line := strings.Join(quoted, " ")
		got, err := Split(line)
		if err != nil || !slices.Equal(got, words) {
			t.Fatalf("%s quotes: Split(%q) = %q, %v; want %q", name, line, got, err, words)
		}
	}
}

func singleQuote(w string) string { return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'" }

// backslashQuote escapes every byte but a newline, which it single-quotes
// (a backslash before a newline continues the line in a shell).
func backslashQuote(w string) string {
	if w == "" {
		return `""`
	}
	var b strings.Builder
	for i := 0; i < len(w); i++ {
		if w[i] == '\n' {
			b.WriteString("'\n'")
		} else {
			b.WriteByte('\\')
			b.WriteByte(w[i])
		}
	}
	return b.String()
}

func checkQuotedInput(t *testing.T, recipe []byte) {
	t.Helper()
	line, want := quotedInput(recipe)
	got, err := Split(line)
	if len(want) == 0 {
		if err != ErrEmpty {
			t.Fatalf("Split(%q) = %q, %v; want ErrEmpty", line, got, err)
		}
	} else if err != nil || !slices.Equal(got, want) {
		t.Fatalf("Split(%q) = %q, %v; want %q", line, got, err, want)
	}
	shWords, ok := shellSplit(t, line)
	if !ok || !slices.Equal(shWords, want) {
		t.Fatalf("sh splits %q into %q (ok %v); the recipe says %q", line, shWords, ok, want)
	}
}

// quotedInput builds a command line from recipe, one step per byte pair
// (a step and a character), and the words a POSIX shell makes of it.
func quotedInput(recipe []byte) (line string, words []string) {
	// Any character but NUL, which no argv can hold; the specials are many
	// so that the fuzzer meets them often.
	const anyChars = "ab- \t\n'\"\\$`*?[#~;|&<>(){}=!\x01\xff"
	const plainChars = "abz09-_./=,:@%+\xff"
	var in, word strings.Builder
	inWord := false
	endWord := func() {
		if inWord {
			words = append(words, word.String())
			word.Reset()
			inWord = false
		}
	}
	for i := 0; i+1 < len(recipe); i += 2 {
		c := anyChars[int(recipe[i+1])%len(anyChars)]
		cs := string([]byte{c}) // string(c) would encode \xff as UTF-8
		switch recipe[i] % 8 {
		case 0: // an unquoted character that means nothing special
			p := plainChars[int(recipe[i+1])%len(plainChars)]
			in.WriteByte(p)
			word.WriteByte(p)
			inWord = true
		case 1:
			endWord()
			in.WriteString([]string{" ", "\t", "  "}[recipe[i+1]%3])
		case 2: // a single-quoted character: everything but ' is itself
			if c == '\'' {
				c, cs = '"', `"`
			}
			in.WriteString("'" + cs + "'")
			word.WriteByte(c)
			inWord = true
		case 3: // a backslash outside quotes
			in.WriteString(`\` + cs)
			if c != '\n' { // else the line goes on, in or out of a word
				word.WriteByte(c)
				inWord = true
			}
		case 4: // a double-quoted character, escaped if it must be
			if strings.IndexByte("\"\\$`", c) >= 0 {
				in.WriteString(`"\` + cs + `"`)
			} else {
				in.WriteString(`"` + cs + `"`)
			}
			word.WriteByte(c)
			inWord = true
		case 5: // in double quotes, a backslash before anything else stays
			if strings.IndexByte("\"\\$`\n", c) >= 0 {
				c, cs = 'q', "q"
			}
			in.WriteString(`"\` + cs + `"`)
			word.WriteString(`\` + cs)
			inWord = true
		case 6: // in double quotes, a backslash and newline vanish
			in.WriteString("\"\\\n\"")
			inWord = true
		case 7: // an empty quoted string
			in.WriteString([]string{"''", `""`}[recipe[i+1]%2])
			inWord = true
		}
	}
	endWord()
	return in.String(), words
}

// shellSplit runs /bin/sh on `f LINE`, where f prints its argument count
// and arguments NUL-terminated; ok is false when sh refuses the line.
func shellSplit(t *testing.T, line string) (words []string, ok bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	script := `f() { printf '%s\0' "$#" "$@"; }; f ` + line
	cmd := exec.CommandContext(ctx, "/bin/sh", "-c", script)
	cmd.Dir = "/" // no glob reaches sh unquoted
	cmd.Env = []string{"PATH=/usr/bin:/bin", "LC_ALL=C"}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ctx.Err() != nil {
		t.Fatalf("sh on %q: %v", line, ctx.Err())
	}
	if err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			t.Fatalf("sh: %v", err)
		}
		return nil, false
	}
	fields := strings.Split(string(out), "\x00")
	if len(fields) < 2 || fields[len(fields)-1] != "" {
		t.Fatalf("sh on %q printed %q", line, out)
	}
	fields = fields[:len(fields)-1]
	n, err := strconv.Atoi(fields[0])
	if err != nil || n != len(fields)-1 {
		t.Fatalf("sh on %q printed %q", line, out)
	}
	return fields[1:], true
}
