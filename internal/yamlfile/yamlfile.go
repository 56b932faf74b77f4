// Package yamlfile is what hubctl's readers of YAML files share (helm's
// values files, cull's --rules file, TLJH's config.yaml): errors at
// FILE:LINE, yaml.v3's syntax errors turned into them, the names of node
// kinds for messages, and a bounded read that never blocks on a named pipe.
package yamlfile

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/hubctl/hubctl/internal/safefile"
)

// Error is a YAML file that cannot be used, at FILE:LINE.
type Error struct {
	File string
	Line int // 0 when the error is about the whole file
	Msg  string
	Err  error // the cause, if any
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return e.File + ": " + e.Msg
}

func (e *Error) Unwrap() error { return e.Err }

// lineRE reads the line out of yaml.v3's "yaml: line N: msg".
var lineRE = regexp.MustCompile(`^yaml: line ([0-9]+): (.*)$`)

// Parse reads data, the text of file, as YAML: the document node, which
// has no Content for an empty file. A syntax error is an *Error (the only
// kind Parse returns) whose Msg is prefix and what yaml.v3 says, at the
// line it names: a scanner's error's line, and for a parser's the line of
// the block it was in; some errors name none (Line 0).
func Parse(file string, data []byte, prefix string) (*yaml.Node, error) {
	var doc yaml.Node
	// Into a *yaml.Node, Unmarshal returns syntax errors only: it sets the
	// node before any type could be checked (no *yaml.TypeError).
	if err := yaml.Unmarshal(data, &doc); err != nil {
		if m := lineRE.FindStringSubmatch(err.Error()); m != nil {
			n, _ := strconv.Atoi(m[1])
			return nil, &Error{File: file, Line: n, Msg: prefix + m[2], Err: err}
		}
		return nil, &Error{File: file, Msg: prefix + strings.TrimPrefix(err.Error(), "yaml: "), Err: err}
	}
	return &doc, nil
}

// KindName is what n is, for messages such as "X is KIND" or "want ...,
// not KIND": a mapping, a list, an alias, nothing (null), a string, an
// integer... It never holds a scalar's text: the file may hold secrets
// (values files and config.yaml hold tokens and client secrets), and the
// node may be the whole file. Describe adds the text.
func KindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing (null)"
		case "!!str":
			return "a string"
		case "!!int":
			return "an integer"
		case "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!timestamp":
			return "a timestamp"
		case "!!binary":
			return "binary data"
		}
		return "a scalar tagged " + n.ShortTag()
	}
	return "a node of kind " + strconv.Itoa(int(n.Kind))
}

// Describe is KindName with a scalar's text, quoted: the string "yes",
// the integer "60". Use it only where the value cannot be a secret, such
// as a knob that takes a number.
func Describe(n *yaml.Node) string {
	k := KindName(n)
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return k
	}
	_, what, _ := strings.Cut(k, " ") // "a string" -> "string"
	return "the " + what + " " + strconv.Quote(n.Value)
}

// Read reads the file at path, at most max bytes. It opens the path first
// (following a symlink, but never blocking on a named pipe or taking a
// terminal), then checks what it opened, so that nothing can swap the file
// between a check and the open. Errors from opening and reading are
// *fs.PathError (errors.Is(err, fs.ErrNotExist) for a missing file); a
// file that is not a regular one, or is larger than max, is an *Error whose
// message says it is not what (such as "a values file").
func Read(path string, max int64, what string) ([]byte, error) {
	data, err := safefile.Read(path, max)
	var notRegular *safefile.NotRegularError
	var tooLarge *safefile.TooLargeError
	switch {
	case errors.As(err, &notRegular):
		return nil, &Error{File: path, Msg: fmt.Sprintf("%s; hubctl reads %s only from a regular file", notRegular.Kind, what)}
	case errors.As(err, &tooLarge):
		return nil, &Error{File: path, Msg: fmt.Sprintf("larger than %s; not %s", size(max), what)}
	}
	return data, err
}

// size is n bytes in MiB or KiB when it is a whole number of them.
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
