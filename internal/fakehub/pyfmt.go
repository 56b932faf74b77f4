package fakehub

import (
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// This file reproduces the byte-level output of the Python functions the Hub
// writes its responses with: json.dumps (default separators ", " and ": ",
// ensure_ascii=True), utils.isoformat, utils.url_escape_path (urllib quote),
// repr(str) in error messages, and urllib parse_qs/urlencode used by
// APIHandler.paginated_model to build next.url.

const hexUpper = "0123456789ABCDEF"

// appendJSONString writes s as Python json.dumps(s) does (ensure_ascii=True):
// '"' and '\\' escaped, \b \f \n \r \t short escapes, every other char
// outside ' '..'~' as \uXXXX (UTF-16 surrogate pairs above the BMP).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c <= 0x7e {
			if c == '"' || c == '\\' {
				b = append(b, '\\')
			}
			b = append(b, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = appendU4(b, rune(c))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r)
			b = appendU4(b, r1)
			b = appendU4(b, r2)
		} else {
			b = appendU4(b, r) // includes utf8.RuneError for invalid bytes
		}
	}
	return append(b, '"')
}

func appendU4(b []byte, r rune) []byte {
	const hexLower = "0123456789abcdef"
	return append(b, '\\', 'u', hexLower[r>>12&0xf], hexLower[r>>8&0xf], hexLower[r>>4&0xf], hexLower[r&0xf])
}

// appendIsoformat mirrors utils.isoformat: naive UTC datetime.isoformat()+'Z'.
// Python stores microseconds and omits the fraction when it is zero.
// A nil time is JSON null.
func appendIsoformat(b []byte, t *time.Time) []byte {
	if t == nil {
		return append(b, "null"...)
	}
	u := t.UTC()
	b = append(b, '"')
	b = u.AppendFormat(b, "2006-01-02T15:04:05")
	if us := u.Nanosecond() / 1000; us != 0 {
		b = append(b, '.')
		s := strconv.Itoa(us)
		for i := len(s); i < 6; i++ {
			b = append(b, '0')
		}
		b = append(b, s...)
	}
	return append(b, 'Z', '"')
}

// pyQuote mirrors urllib.parse.quote(s, safe=safe): ASCII letters, digits and
// "_.-~" plus the safe characters are kept, every other UTF-8 byte is %XX.
func pyQuote(s, safe string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < utf8.RuneSelf && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("_.-~", c) >= 0 || strings.IndexByte(safe, c) >= 0) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexUpper[c>>4])
		b.WriteByte(hexUpper[c&15])
	}
	return b.String()
}

// urlEscapePath mirrors utils.url_escape_path: quote(value, safe='@~').
func urlEscapePath(s string) string { return pyQuote(s, "@~") }

// pyRepr approximates Python repr(str), used in "%r" error messages.
func pyRepr(s string) string {
	q := byte('\'')
	if strings.IndexByte(s, '\'') >= 0 && strings.IndexByte(s, '"') < 0 {
		q = '"'
	}
	var b strings.Builder
	b.WriteByte(q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
			b.WriteString(`\x`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		case !unicode.IsPrint(r) && r != ' ':
			if r <= 0xffff {
				b.WriteString(`\u`)
				b.WriteString(leftPad(strconv.FormatInt(int64(r), 16), 4))
			} else {
				b.WriteString(`\U`)
				b.WriteString(leftPad(strconv.FormatInt(int64(r), 16), 8))
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte(q)
	return b.String()
}

func leftPad(s string, n int) string {
	for len(s) < n {
		s = "0" + s
	}
	return s
}

// pyUnquote mirrors urllib.parse.unquote (lenient: malformed %-escapes are
// kept literally; invalid UTF-8 becomes U+FFFD as errors='replace').
func pyUnquote(s string) string {
	return strings.ToValidUTF8(unquoteBytes(s), "\uFFFD")
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// qsPair is one name/value pair of a query string, in order.
type qsPair struct{ k, v string }

// parseQSL mirrors urllib.parse.parse_qsl(qs, keep_blank_values) of Python 3.11:
// separator '&' only, pairs without '=' dropped unless keep_blank_values,
// blank values dropped unless keep_blank_values, '+' is a space.
func parseQSL(qs string, keepBlank bool) []qsPair {
	var out []qsPair
	for _, nv := range strings.Split(qs, "&") {
		if nv == "" {
			continue
		}
		k, v, ok := strings.Cut(nv, "=")
		if !ok {
			if !keepBlank {
				continue
			}
			v = ""
		}
		if v == "" && !keepBlank {
			continue
		}
		out = append(out, qsPair{
			pyUnquote(strings.ReplaceAll(k, "+", " ")),
			pyUnquote(strings.ReplaceAll(v, "+", " ")),
		})
	}
	return out
}

// pyParseInt mirrors Python int(str) for ASCII input (the argument is already
// stripped, as tornado's get_argument does): optional sign, digits with single
// '_' separators. Values beyond int64 saturate.
func pyParseInt(s string) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' {
		return 0, false
	}
	var n uint64
	sat := false
	prevUnderscore := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '_' {
			if prevUnderscore {
				return 0, false
			}
			prevUnderscore = true
			continue
		}
		prevUnderscore = false
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (1<<63-1)/10 {
			sat = true
			continue
		}
		n = n*10 + uint64(c-'0')
		if n > 1<<63-1 {
			sat = true
		}
	}
	if sat {
		n = 1<<63 - 1
	}
	v := int64(n)
	if neg {
		v = -v
	}
	return v, true
}

// pyURLEncode mirrors urllib.parse.urlencode(query, doseq=True) over the
// ordered pairs (quote_plus of keys and values).
func pyURLEncode(pairs []qsPair) string {
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(p.k))
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(p.v))
	}
	return b.String()
}
