package cull

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxEcho bounds how much of a reply (a Hub message, a name, a Location)
// hubctl repeats in an error or a check's detail: enough to read, never the
// megabytes a broken proxy may send.
const maxEcho = 300

// maxLogValue bounds one string in a log line. hubctl's own values (a
// hint, a reason) are well under it; a name from the Hub may not be.
const maxLogValue = 4096

// tokenMark replaces the client's token wherever a reply repeats it.
const tokenMark = "[token]"

// redactToken replaces every occurrence of token in s, as sent and as a URL
// would carry it.
func redactToken(s, token string) string {
	if token == "" {
		return s
	}
	s = strings.ReplaceAll(s, token, tokenMark)
	if q := url.QueryEscape(token); q != token {
		s = strings.ReplaceAll(s, q, tokenMark)
	}
	return s
}

// Escape makes text from a reply safe to print: control characters, escape
// sequences, bidirectional overrides and invalid UTF-8 are written as Go
// escapes (\x1b, \n, \u202e); printable text is left alone.
func Escape(s string) string {
	if printable(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == ' ' || unicode.IsPrint(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

// Quote is Escape for a table cell: a name that needs escaping, or that
// could be mistaken for one that was or for a placeholder such as
// "(default)", is shown quoted, so no two names look alike; a name longer
// than a few hundred bytes is cut, saying so.
func Quote(s string) string {
	if !printable(s) || strings.HasPrefix(s, `"`) || strings.HasPrefix(s, "(") {
		s = strconv.Quote(s)
	}
	return capText(s, maxEcho)
}

func printable(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || r != ' ' && !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// capText keeps the first n bytes of s (on a character boundary) and says
// how much was left out.
func capText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s… (%d bytes more)", s[:cut], len(s)-cut)
}

// echo is how hubctl repeats text from a reply: token redacted first (so
// no cut leaves part of it), then escaped, then capped.
func echo(s, token string) string {
	return capText(Escape(redactToken(s, token)), maxEcho)
}

// replyText is echo with this client's token.
func (c *Client) replyText(s string) string { return echo(s, c.cfg.Token) }

// replyValue is text from a reply kept as data (a name for a hint to quote,
// a JSON field): token redacted and capped, but not escaped; whoever prints
// it escapes it.
func (c *Client) replyValue(s string) string {
	return capText(redactToken(s, c.cfg.Token), maxEcho)
}

// cleanError is an error whose text was redacted, escaped or capped; the
// original stays reachable for errors.Is and errors.As.
type cleanError struct {
	msg string
	err error
}

func (e *cleanError) Error() string { return e.msg }
func (e *cleanError) Unwrap() error { return e.err }

// cleanErr returns err with its text made safe to print, or err itself when
// that changes nothing.
func (c *Client) cleanErr(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := capText(Escape(redactToken(msg, c.cfg.Token)), 2*maxEcho)
	if clean == msg {
		return err
	}
	return &cleanError{msg: clean, err: err}
}

// statusError is a StatusError with the Hub's message made safe to print.
func (c *Client) statusError(method, path string, code int, body []byte) *StatusError {
	return &StatusError{Method: method, Path: path, Code: code, Message: c.replyText(hubMessage(body))}
}

// decodeError is a DecodeError whose cause is made safe to print.
func (c *Client) decodeError(path string, err error) *DecodeError {
	return &DecodeError{Path: path, Err: c.cleanErr(err)}
}

// RedactURL shows a URL without what may be a secret in it: userinfo, the
// query and the fragment become "xxxxx". A URL that does not parse is not
// shown at all.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Sprintf("(%d bytes, not shown)", len(raw))
	}
	return redactedURL(u)
}

func redactedURL(u *url.URL) string {
	r := *u
	if r.User != nil {
		r.User = url.User("xxxxx")
	}
	if r.RawQuery != "" || r.ForceQuery {
		r.RawQuery, r.ForceQuery = "xxxxx", false
	}
	if r.Fragment != "" || r.RawFragment != "" {
		r.Fragment, r.RawFragment = "xxxxx", ""
	}
	return capText(Escape(r.String()), maxEcho)
}

// redactHandler keeps the token out of the culler's logs whatever a reply
// put into a name or a message, and bounds each string logged. Escaping is
// the handler's own: the text handler quotes what is not printable, JSON
// escapes it.
type redactHandler struct {
	inner slog.Handler
	token string
}

func (h *redactHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return h.inner.Enabled(ctx, l)
}

func (h *redactHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.text(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.attr(a))
		return true
	})
	return h.inner.Handle(ctx, out)
}

func (h *redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = h.attr(a)
	}
	return &redactHandler{inner: h.inner.WithAttrs(clean), token: h.token}
}

func (h *redactHandler) WithGroup(name string) slog.Handler {
	return &redactHandler{inner: h.inner.WithGroup(name), token: h.token}
}

func (h *redactHandler) text(s string) string {
	return capText(redactToken(s, h.token), maxLogValue)
}

func (h *redactHandler) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		if s := v.String(); h.text(s) != s {
			return slog.String(a.Key, h.text(s))
		}
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			if s := err.Error(); h.text(s) != s {
				return slog.String(a.Key, h.text(s))
			}
		}
	case slog.KindGroup:
		group := v.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = h.attr(g)
		}
		return slog.Group(a.Key, clean...)
	}
	return slog.Attr{Key: a.Key, Value: v}
}
