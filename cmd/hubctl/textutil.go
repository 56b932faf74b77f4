package main

import (
	"errors"
	"fmt"
	"strings"
)

// splitShell splits a command line the way a POSIX shell splits words:
// single quotes keep everything, double quotes allow \" \\ \$ \` escapes,
// a backslash outside quotes escapes the next character. No expansion.
func splitShell(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated single quote")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case ch == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("unterminated double quote")
			}
			inWord = true
		case ch == '\\':
			if i+1 >= len(s) {
				return nil, errors.New("a trailing backslash")
			}
			i++
			cur.WriteByte(s[i])
			inWord = true
		case ch == ' ' || ch == '\t' || ch == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	if len(words) == 0 {
		return nil, errors.New("an empty command")
	}
	return words, nil
}

// unifiedDiff shows what an edit changes. hubctl changes one contiguous
// region (its block), so one hunk between the common head and tail is the
// whole diff.
func unifiedDiff(name string, old, new []byte) string {
	a, b := splitLines(string(old)), splitLines(string(new))
	head := 0
	for head < len(a) && head < len(b) && a[head] == b[head] {
		head++
	}
	tail := 0
	for tail < len(a)-head && tail < len(b)-head && a[len(a)-1-tail] == b[len(b)-1-tail] {
		tail++
	}
	if head == len(a) && head == len(b) {
		return ""
	}
	const context = 3
	from := max(head-context, 0)
	aEnd, bEnd := min(len(a)-tail+context, len(a)), min(len(b)-tail+context, len(b))
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s (after hubctl)\n", name, name)
	fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(from, aEnd), hunkRange(from, bEnd))
	for i := from; i < head; i++ {
		out.WriteString(" " + a[i])
	}
	for i := head; i < len(a)-tail; i++ {
		out.WriteString("-" + a[i])
	}
	for i := head; i < len(b)-tail; i++ {
		out.WriteString("+" + b[i])
	}
	for i := len(a) - tail; i < aEnd; i++ {
		out.WriteString(" " + a[i])
	}
	return out.String()
}

func hunkRange(from, to int) string {
	if to-from == 1 {
		return fmt.Sprint(from + 1)
	}
	start := from + 1
	if to == from {
		start = from
	}
	return fmt.Sprintf("%d,%d", start, to-from)
}

// splitLines keeps line ends; a last line without one gets a marker, as diff does.
func splitLines(s string) []string {
	var lines []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			lines = append(lines, s+"\n\\ No newline at end of file\n")
			break
		}
		lines = append(lines, s[:i+1])
		s = s[i+1:]
	}
	return lines
}
