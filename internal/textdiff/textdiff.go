// Package textdiff shows an edit as a unified diff, for `--diff` and
// `--dry-run`. hubctl's edits change one contiguous region of a file (its
// managed block), so the diff is one hunk: the lines between the common
// head and the common tail, with three lines of context.
package textdiff

import (
	"fmt"
	"strings"
)

// Unified returns the diff from old to new as one hunk headed
// "--- oldName" and "+++ newName", or "" when they are equal. It reads as
// diff -u does, and `patch` applies it; a last line without a newline is
// followed by "\ No newline at end of file".
func Unified(oldName, newName string, old, new []byte) string {
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
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", oldName, newName)
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

// hunkRange is a hunk header's "start,count" for lines [from, to): the
// count is left out when it is 1, and an empty range starts at the line
// before it.
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

// splitLines keeps line ends; a last line without one gets the marker, as
// in diff's output.
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
