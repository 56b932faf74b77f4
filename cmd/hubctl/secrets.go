package main

import (
	"bytes"
	"sort"
	"strings"

	"github.com/hubctl/hubctl/internal/textdiff"
	"github.com/hubctl/hubctl/provision"
	"github.com/hubctl/hubctl/pyconfig"
	"github.com/hubctl/hubctl/templates"
)

// minRawMask is the shortest token masked wherever its text appears, not
// only as a quoted literal: the Hub refuses tokens shorter than 8
// characters, and masking a shorter word everywhere would garble the diff.
const minRawMask = 8

// literalTokens are the literal token values a config holds: services'
// api_token strings (hubctl's and hand-written) and c.JupyterHub.api_tokens
// keys, each with its position for finding its text in the file.
func literalTokens(cfg *provision.Config) []pyconfig.Value {
	var out []pyconfig.Value
	for i := range cfg.Services {
		if tok, ok := cfg.Services[i].Get("api_token"); ok && tok.Kind == pyconfig.KindStr && tok.Str != "" {
			out = append(out, *tok)
		}
	}
	for _, k := range cfg.APITokens {
		if k.Kind == pyconfig.KindStr && k.Str != "" {
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

// maskTokens replaces, in text, every token cfg holds and every literal
// token of the services in block, in every spelling the file may give it
// (the literal as written, hubctl's quoting, plain quotes, the bare text),
// with its masked form.
func maskTokens(text string, cfg *provision.Config, block []provision.Service) string {
	masks := map[string]string{}
	add := func(old, masked string) {
		if strings.Contains(text, old) { // keeps the replacer small for a config of many tokens
			masks[old] = masked
		}
	}
	addValue := func(tok string) {
		quoted := "'" + maskedToken(tok) + "'"
		if lit, err := templates.PyStr(tok); err == nil {
			add(lit, quoted)
		}
		add("'"+tok+"'", quoted)
		add(`"`+tok+`"`, quoted)
		if len(tok) >= minRawMask {
			add(tok, maskedToken(tok))
		}
	}
	lines := bytes.SplitAfter(cfg.Src, []byte("\n"))
	for _, tok := range literalTokens(cfg) {
		if lit := literalText(lines, tok.Pos); lit != "" {
			add(lit, "'"+maskedToken(tok.Str)+"'")
		}
		addValue(tok.Str)
	}
	for _, s := range block {
		if s.Token == provision.TokenLiteral && s.APIToken != "" {
			addValue(s.APIToken)
		}
	}
	if len(masks) == 0 {
		return text
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
	return strings.NewReplacer(pairs...).Replace(text)
}

// literalText is the source text of the one-line string literal that
// starts at pos (prefix and quotes included), or "" when there is none
// there: the file may spell a token with escapes or a raw prefix, and then
// its value alone does not find it. lines are the file's lines.
func literalText(lines [][]byte, pos pyconfig.Pos) string {
	if pos.Line < 1 || pos.Col < 1 || pos.Line > len(lines) {
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
// side masked: before is the file as Apply read it, after the block as the
// edit left it (hubctl writes those tokens with templates.PyStr), so neither
// side needs parsing again.
func maskedDiff(path string, res *provision.Result, before *provision.Config, after *provision.Managed) string {
	return maskTokens(textdiff.Unified(path, path+" (after hubctl)", res.Old, res.New), before, after.Services)
}
