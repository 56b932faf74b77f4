// Package shellwords splits a command line into words the way a POSIX
// shell does, without running a shell: `hubctl service add --command` turns
// the one string a user typed into the argv list that JupyterHub's
// services[].command holds.
//
// Only quoting is understood. Nothing is expanded: $, `, *, ~ and the like
// are ordinary characters, and ; | & < > ( ) are not operators. Space, tab
// and newline separate words.
package shellwords

import (
	"errors"
	"strings"
)

// The errors Split returns; the caller names the flag the text came from.
var (
	ErrUnterminatedSingleQuote = errors.New("unterminated single quote")
	ErrUnterminatedDoubleQuote = errors.New("unterminated double quote")
	// A shell would keep the backslash or wait for another line; either
	// guess could be wrong, so Split refuses.
	ErrTrailingBackslash = errors.New("a trailing backslash")
	ErrEmpty             = errors.New("an empty command")
)

// Split returns the words of s: single quotes keep everything up to the
// next single quote; in double quotes a backslash escapes only " \ $ and `;
// outside quotes a backslash escapes the next character. A backslash and
// the newline after it, outside single quotes, are removed: the line goes
// on, as in a shell. A quoted empty string is an empty word.
func Split(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, ErrUnterminatedSingleQuote
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			inWord = true
		case ch == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					if s[i+1] == '\n' {
						i++
						continue
					}
					if strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
						i++
					}
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, ErrUnterminatedDoubleQuote
			}
			inWord = true
		case ch == '\\':
			if i+1 >= len(s) {
				return nil, ErrTrailingBackslash
			}
			i++
			if s[i] == '\n' {
				continue // a continued line: a word, if one was begun, goes on
			}
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
		return nil, ErrEmpty
	}
	return words, nil
}
