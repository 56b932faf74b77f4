package textdiff

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestUnified(t *testing.T) {
	const noNL = "\\ No newline at end of file\n"
	tests := []struct {
		name, old, new, want string
	}{
		{name: "equal", old: "a\nb\n", new: "a\nb\n", want: ""},
		{name: "both empty", want: ""},
		{
			name: "middle, with three lines of context",
			old:  "1\n2\n3\n4\nold\n6\n7\n8\n9\n",
			new:  "1\n2\n3\n4\nnew\nnewer\n6\n7\n8\n9\n",
			want: "@@ -2,7 +2,8 @@\n 2\n 3\n 4\n-old\n+new\n+newer\n 6\n 7\n 8\n",
		},
		{
			name: "insert at the start",
			old:  "a\nb\n",
			new:  "x\na\nb\n",
			want: "@@ -1,2 +1,3 @@\n+x\n a\n b\n",
		},
		{
			name: "delete at the end",
			old:  "a\nb\nc\n",
			new:  "a\nb\n",
			want: "@@ -1,3 +1,2 @@\n a\n b\n-c\n",
		},
		{
			name: "from nothing",
			old:  "",
			new:  "a\n",
			want: "@@ -0,0 +1 @@\n+a\n",
		},
		{
			name: "to nothing",
			old:  "a\nb\n",
			new:  "",
			want: "@@ -1,2 +0,0 @@\n-a\n-b\n",
		},
		{
			name: "a newline added at the end",
			old:  "a\nb",
			new:  "a\nb\n",
			want: "@@ -1,2 +1,2 @@\n a\n-b\n" + noNL + "+b\n",
		},
		{
			name: "no newline at the end, kept as context",
			old:  "a\nb\nc",
			new:  "x\nb\nc",
			want: "@@ -1,3 +1,3 @@\n-a\n+x\n b\n c\n" + noNL,
		},
	}
	for _, tt := range tests {
		got := Unified("old.py", "new.py", []byte(tt.old), []byte(tt.new))
		want := tt.want
		if want != "" {
			want = "--- old.py\n+++ new.py\n" + want
		}
		if got != want {
			t.Errorf("%s: Unified =\n%s\nwant\n%s", tt.name, got, want)
		}
		checkApplies(t, tt.old, tt.new)
	}
}

// TestUnifiedApplies: the hunk turns old into new, by the test's own reading
// of it and by patch(1), for edits of one region as hubctl makes them and
// for unrelated texts; lines repeat often, so head and tail overlap.
func TestUnifiedApplies(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 3))
	text := func(n int) []string {
		lines := make([]string, n)
		for i := range lines {
			lines[i] = []string{"a\n", "b\n", "\n", "c\r\n", "\\ x\n", "+d\n"}[rng.IntN(6)]
		}
		return lines
	}
	join := func(lines []string) string {
		s := strings.Join(lines, "")
		if s != "" && rng.IntN(4) == 0 {
			s = strings.TrimSuffix(s, "\n")
		}
		return s
	}
	for i := range 300 {
		old := text(rng.IntN(12))
		var new []string
		if i%3 == 0 {
			new = text(rng.IntN(12))
		} else {
			from := rng.IntN(len(old) + 1)
			to := from + rng.IntN(len(old)-from+1)
			new = append(append(append(new, old[:from]...), text(rng.IntN(4))...), old[to:]...)
		}
		o, n := join(old), join(new)
		checkApplies(t, o, n)
		if i < 60 {
			checkPatch(t, o, n)
		}
	}
}

// FuzzUnified: for any two texts, the hunk applies to the old one and gives
// the new one.
//
//	go test -run '^$' -fuzz '^FuzzUnified$' -fuzztime 60s ./internal/textdiff
func FuzzUnified(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nx\nc\n")
	f.Add("a", "a\n")
	f.Add("", "x")
	f.Add("a\n\n\n\nb\n", "a\n\n\nb\n")
	f.Fuzz(func(t *testing.T, old, new string) {
		checkApplies(t, old, new)
	})
}

func checkApplies(t *testing.T, old, new string) {
	t.Helper()
	diff := Unified("a", "b", []byte(old), []byte(new))
	if old == new {
		if diff != "" {
			t.Fatalf("Unified(%q, %q) = %q, want nothing", old, new, diff)
		}
		return
	}
	got, err := apply(old, diff)
	if err != nil {
		t.Fatalf("Unified(%q, %q) =\n%s\n%v", old, new, diff, err)
	}
	if got != new {
		t.Fatalf("Unified(%q, %q) =\n%s\napplied, gives %q", old, new, diff, got)
	}
}

// apply applies a one-hunk unified diff to old, checking every context and
// removed line and the counts in the hunk header.
func apply(old, diff string) (string, error) {
	lines := splitKeep(diff)
	if len(lines) < 3 || lines[0] != "--- a\n" || lines[1] != "+++ b\n" {
		return "", fmt.Errorf("no file header")
	}
	var oldRange, newRange string
	if _, err := fmt.Sscanf(lines[2], "@@ -%s +%s @@\n", &oldRange, &newRange); err != nil {
		return "", fmt.Errorf("hunk header %q: %v", lines[2], err)
	}
	oldStart, oldCount, err1 := startCount(oldRange)
	newStart, newCount, err2 := startCount(newRange)
	if err1 != nil || err2 != nil {
		return "", fmt.Errorf("hunk header %q", lines[2])
	}
	type bodyLine struct {
		kind byte // ' ', '-' or '+'
		text string
	}
	var body []bodyLine
	for _, l := range lines[3:] {
		switch {
		case l[0] == ' ' || l[0] == '-' || l[0] == '+':
			body = append(body, bodyLine{l[0], l[1:]})
		case l == "\\ No newline at end of file\n" && len(body) > 0:
			// The line before has no newline, on its side (both, for context).
			body[len(body)-1].text = strings.TrimSuffix(body[len(body)-1].text, "\n")
		default:
			return "", fmt.Errorf("bad line %q", l)
		}
	}
	var removed, added []string // with the context, on each side
	for _, l := range body {
		if l.kind != '+' {
			removed = append(removed, l.text)
		}
		if l.kind != '-' {
			added = append(added, l.text)
		}
	}
	if len(removed) != oldCount || len(added) != newCount {
		return "", fmt.Errorf("hunk has %d old and %d new lines, header says %d and %d", len(removed), len(added), oldCount, newCount)
	}
	// An empty range names the line before it.
	pos, newPos := oldStart-1, newStart-1
	if oldCount == 0 {
		pos++
	}
	if newCount == 0 {
		newPos++
	}
	if newPos != pos { // one hunk: nothing above it changed
		return "", fmt.Errorf("new range starts at %d, old at %d", newStart, oldStart)
	}
	oldLines := splitKeep(old)
	if pos < 0 || pos+oldCount > len(oldLines) {
		return "", fmt.Errorf("hunk is outside the old text")
	}
	for i, l := range removed {
		if oldLines[pos+i] != l {
			return "", fmt.Errorf("old line %d is %q, hunk says %q", pos+i+1, oldLines[pos+i], l)
		}
	}
	return strings.Join(oldLines[:pos], "") + strings.Join(added, "") + strings.Join(oldLines[pos+oldCount:], ""), nil
}

// startCount reads a hunk range, "start,count" or "start" (count 1).
func startCount(r string) (start, count int, err error) {
	s, c, ok := strings.Cut(r, ",")
	if start, err = strconv.Atoi(s); err != nil || !ok {
		return start, 1, err
	}
	count, err = strconv.Atoi(c)
	return start, count, err
}

func splitKeep(s string) []string {
	var lines []string
	for s != "" {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			return append(lines, s)
		}
		lines, s = append(lines, s[:i+1]), s[i+1:]
	}
	return lines
}

// checkPatch applies the diff with GNU patch, which allows no fuzz in the
// context (-F0) and leaves carriage returns alone (--binary).
func checkPatch(t *testing.T, old, new string) {
	t.Helper()
	diff := Unified("a", "b", []byte(old), []byte(new))
	if diff == "" {
		return
	}
	dir := t.TempDir()
	oldFile, outFile := filepath.Join(dir, "a"), filepath.Join(dir, "out")
	if err := os.WriteFile(oldFile, []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "patch", "-F0", "--binary", "-s", "-o", outFile, oldFile)
	cmd.Stdin = strings.NewReader(diff)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("patch %q with\n%s\n%v: %s", old, diff, err, stderr.String())
	}
	got, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != new {
		t.Fatalf("patch %q with\n%s\ngives %q, want %q", old, diff, got, new)
	}
}
