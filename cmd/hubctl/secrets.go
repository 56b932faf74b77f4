package main

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/hubctl/hubctl/provision"
	"github.com/hubctl/hubctl/templates"
)

// minRawMask is the shortest token masked wherever its text appears, not
// only as a quoted literal: the Hub refuses tokens shorter than 8
// characters, and masking a shorter word everywhere would garble the diff.
const minRawMask = 8

// literalTokens are the literal token values a config holds: services'
// api_token strings (hubctl's and hand-written) and c.JupyterHub.api_tokens
// keys, each with its position for finding its text in the file.
func literalTokens(cfg *provision.Config) []provision.Value {
	var out []provision.Value
	for i := range cfg.Services {
		if tok, ok := cfg.Services[i].Get("api_token"); ok && tok.Kind == provision.Str && tok.Str != "" {
			out = append(out, *tok)
		}
	}
	for _, k := range cfg.APITokens {
		if k.Kind == provision.Str && k.Str != "" {
			out = append(out, k)
		}
	}
	return out
}

// maskedToken is how output shows a token: its last four characters, or
// nothing of it when it is short enough for four to be much of it.
func maskedToken(tok string) string {
	if len(tok) < 12 {
		return "…"
	}
	tail := tok[len(tok)-4:]
	for _, c := range []byte(tail) {
		if c < 0x20 || c > 0x7e || c == '\'' || c == '"' || c == '\\' {
			return "…"
		}
	}
	return "…" + tail
}

// tokenMasker replaces every token the given configs hold, in every
// spelling the file may give it (the literal as written, hubctl's quoting,
// plain quotes, the bare text), with its masked form.
func tokenMasker(cfgs ...*provision.Config) *strings.Replacer {
	masks := map[string]string{}
	for _, cfg := range cfgs {
		for _, tok := range literalTokens(cfg) {
			quoted := "'" + maskedToken(tok.Str) + "'"
			if lit := literalText(cfg.Src, tok.Pos); lit != "" {
				masks[lit] = quoted
			}
			if lit, err := templates.PyStr(tok.Str); err == nil {
				masks[lit] = quoted
			}
			masks["'"+tok.Str+"'"] = quoted
			masks[`"`+tok.Str+`"`] = quoted
			if len(tok.Str) >= minRawMask {
				masks[tok.Str] = maskedToken(tok.Str)
			}
		}
	}
	// strings.Replacer tries its pairs in order at each position: longest
	// first, so a token's quoted form wins over its bare text.
	olds := make([]string, 0, len(masks))
	for k := range masks {
		olds = append(olds, k)
	}
	sort.Slice(olds, func(i, j int) bool {
		if len(olds[i]) != len(olds[j]) {
			return len(olds[i]) > len(olds[j])
		}
		return olds[i] < olds[j]
	})
	pairs := make([]string, 0, 2*len(olds))
	for _, o := range olds {
		pairs = append(pairs, o, masks[o])
	}
	return strings.NewReplacer(pairs...)
}

// literalText is the source text of the one-line string literal that
// starts at pos (prefix and quotes included), or "" when there is none
// there: the file may spell a token with escapes or a raw prefix, and then
// its value alone does not find it.
func literalText(src []byte, pos provision.Pos) string {
	if pos.Line < 1 || pos.Col < 1 {
		return ""
	}
	lines := bytes.SplitAfter(src, []byte("\n"))
	if pos.Line > len(lines) {
		return ""
	}
	line := string(lines[pos.Line-1])
	start := pos.Col - 1
	if start >= len(line) {
		return ""
	}
	i := start
	for i < len(line) && i-start < 2 && strings.IndexByte("rRuUbBfF", line[i]) >= 0 {
		i++
	}
	if i >= len(line) || line[i] != '\'' && line[i] != '"' {
		return ""
	}
	quote := line[i]
	if strings.HasPrefix(line[i:], strings.Repeat(string(quote), 3)) {
		return "" // a triple-quoted token: left to the value's own text
	}
	for j := i + 1; j < len(line); j++ {
		switch line[j] {
		case '\\':
			j++
		case '\n':
			return ""
		case quote:
			return line[start : j+1]
		}
	}
	return ""
}

// maskedDiff is the diff of an edit with every literal token of either
// side masked. Both sides parsed when the edit was made; if one no longer
// does, no diff is shown rather than one that may hold a token.
func maskedDiff(path string, res *provision.Result) (string, error) {
	var cfgs []*provision.Config
	for _, src := range [][]byte{res.Old, res.New} {
		if src == nil {
			continue
		}
		cfg, err := provision.Parse(path, src)
		if err != nil {
			return "", fmt.Errorf("%s: cannot show the change without the tokens in it: %w", path, err)
		}
		cfgs = append(cfgs, cfg)
	}
	return tokenMasker(cfgs...).Replace(unifiedDiff(path, res.Old, res.New)), nil
}
