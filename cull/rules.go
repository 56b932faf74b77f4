package cull

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/hubctl/hubctl/internal/yamlfile"
)

// Rule is one entry of a --rules file: which servers it matches and what
// it does to them. The first rule that matches a server decides its
// timeout, max age or that it is never culled; a server no rule matches
// gets the flags' values.
type Rule struct {
	Name string
	Line int // where the rule starts in its file, for messages
	// Match keys; the zero value of each matches everything.
	User    *regexp.Regexp // on the user name, as --exclude-user
	Group   string         // the user is in this group
	Server  *regexp.Regexp // on the server name ("" is the default server)
	Profile string         // user_options.profile
	Admin   *bool
	// Actions.
	Timeout    time.Duration // with HasTimeout: replaces --timeout
	MaxAge     time.Duration // with HasMaxAge: replaces --max-age (0 = off)
	HasTimeout bool
	HasMaxAge  bool
	Never      bool // never cull the server, nor delete its user
}

// String describes the rule as its file says it, for messages.
func (r Rule) String() string {
	var match, act []string
	if r.User != nil {
		match = append(match, "user="+strconv.Quote(r.User.String()))
	}
	if r.Group != "" {
		match = append(match, "group="+strconv.Quote(r.Group))
	}
	if r.Server != nil {
		match = append(match, "server="+strconv.Quote(r.Server.String()))
	}
	if r.Profile != "" {
		match = append(match, "profile="+strconv.Quote(r.Profile))
	}
	if r.Admin != nil {
		match = append(match, "admin="+strconv.FormatBool(*r.Admin))
	}
	if r.HasTimeout {
		act = append(act, "timeout="+r.Timeout.String())
	}
	if r.HasMaxAge {
		act = append(act, "max_age="+r.MaxAge.String())
	}
	if r.Never {
		act = append(act, "never")
	}
	return fmt.Sprintf("%s (line %d: match {%s} %s)", r.Name, r.Line, strings.Join(match, " "), strings.Join(act, " "))
}

// FlagsRule names the policy a server falls under when no rule matches:
// the flags'. It is the rule label of metrics and logs then, and no rule
// may take the name.
const FlagsRule = "flags"

// MaxRulesFileSize bounds what --rules reads: a rules file is a few
// hundred bytes; anything near this is not one.
const MaxRulesFileSize = 1 << 20

// maxRules bounds the rules of one file: each is tried for every server of
// every pass.
const maxRules = 1000

// maxRuleDuration bounds a timeout or max_age, so that seconds convert to
// a time.Duration without overflow; `never` is the way to keep forever.
const maxRuleDuration = 10 * 365 * 24 * time.Hour

// ruleName is what a rule's name may be: it is a label in logs and metrics.
var ruleName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)

// RulesError is a --rules file that cannot be used, with where: a
// yamlfile.Error (File, Line, Msg, Err) with a hint.
type RulesError yamlfile.Error

func (e *RulesError) Error() string { return (*yamlfile.Error)(e).Error() }
func (e *RulesError) Unwrap() error { return e.Err }

// Hint points at the format.
func (e *RulesError) Hint() string {
	return "the format is in README.md (Rules): rules: [{name, match: {user, group, server, profile, admin}, timeout, max_age, never}]"
}

// LoadRules reads and checks a --rules file (ParseRules).
func LoadRules(path string) ([]Rule, error) {
	data, err := yamlfile.Read(path, MaxRulesFileSize, "a rules file")
	var ye *yamlfile.Error
	var pe *fs.PathError
	switch {
	case errors.As(err, &ye):
		return nil, (*RulesError)(ye)
	case errors.As(err, &pe):
		return nil, &RulesError{File: path, Msg: fmt.Sprintf("cannot read the rules: %v", pe.Err), Err: err}
	case err != nil:
		return nil, &RulesError{File: path, Msg: fmt.Sprintf("cannot read the rules: %v", err), Err: err}
	}
	return ParseRules(path, data)
}

// ParseRules reads a rules file's text; file names it in errors, each of
// which is a *RulesError with the line it is about.
func ParseRules(file string, data []byte) ([]Rule, error) {
	fail := func(line int, format string, a ...any) error {
		return &RulesError{File: file, Line: line, Msg: fmt.Sprintf(format, a...)}
	}
	doc, perr := yamlfile.Parse(file, data, "not YAML: ")
	if perr != nil {
		return nil, (*RulesError)(perr.(*yamlfile.Error))
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, fail(1, "no rules: the file is empty (want a `rules:` list)")
	}
	top := doc.Content[0]
	if err := noAliases(file, top); err != nil {
		return nil, err
	}
	if top.Kind != yaml.MappingNode {
		return nil, fail(top.Line, "want a mapping with a `rules:` list, not %s", kindName(top))
	}
	var list *yaml.Node
	if err := eachKey(file, top, func(k, v *yaml.Node) error {
		if k.Value != "rules" {
			return fail(k.Line, "unknown key %q (the file has one key, rules)", k.Value)
		}
		list = v
		return nil
	}); err != nil {
		return nil, err
	}
	if list == nil {
		return nil, fail(top.Line, "no `rules:` key")
	}
	if list.Kind != yaml.SequenceNode {
		return nil, fail(list.Line, "rules: want a list of rules, not %s", kindName(list))
	}
	if len(list.Content) == 0 {
		return nil, fail(list.Line, "rules: the list is empty")
	}
	if len(list.Content) > maxRules {
		return nil, fail(list.Content[maxRules].Line, "more than %d rules", maxRules)
	}
	rules := make([]Rule, 0, len(list.Content))
	keys := make([]matchKeys, 0, len(list.Content))
	lines := map[string]int{}
	for _, item := range list.Content {
		r, mk, err := parseRule(file, item)
		if err != nil {
			return nil, err
		}
		if first, dup := lines[r.Name]; dup {
			return nil, fail(r.Line, "rule %q: the name is taken by the rule at line %d", r.Name, first)
		}
		lines[r.Name] = r.Line
		for i := range rules {
			if keys[i].covers(mk) {
				return nil, fail(r.Line, "rule %q can never match: the earlier rule %q (line %d) matches every server it does (%s)",
					r.Name, rules[i].Name, rules[i].Line, keys[i].describe())
			}
		}
		rules = append(rules, r)
		keys = append(keys, mk)
	}
	return rules, nil
}

// matchKeys is a rule's match as written, to find rules an earlier one
// shadows: a rule whose keys are a subset, with the same values, of a later
// rule's matches everything the later one does.
type matchKeys map[string]string

func (a matchKeys) covers(b matchKeys) bool {
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

func (a matchKeys) describe() string {
	if len(a) == 0 {
		return "it has no match keys"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(a)) {
		parts = append(parts, k+": "+strconv.Quote(a[k]))
	}
	return "its match is " + strings.Join(parts, ", ")
}

func parseRule(file string, n *yaml.Node) (Rule, matchKeys, error) {
	fail := func(line int, format string, a ...any) error {
		return &RulesError{File: file, Line: line, Msg: fmt.Sprintf(format, a...)}
	}
	r := Rule{Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return r, nil, fail(n.Line, "a rule is a mapping with name, match and an action, not %s", kindName(n))
	}
	var nameNode, matchNode *yaml.Node
	var err error
	// The name first, so that every later message can say which rule.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "name" {
			nameNode = n.Content[i+1]
		}
	}
	if nameNode == nil {
		return r, nil, fail(n.Line, "a rule without a name (the name is shown in logs, metrics and --explain)")
	}
	if r.Name, err = str(file, nameNode, "name"); err != nil {
		return r, nil, err
	}
	switch {
	case r.Name == "":
		return r, nil, fail(nameNode.Line, "the rule's name is empty")
	case r.Name == FlagsRule:
		return r, nil, fail(nameNode.Line, "the name %q is taken: it stands for the flags' policy, when no rule matches", FlagsRule)
	case !ruleName.MatchString(r.Name):
		return r, nil, fail(nameNode.Line, "rule name %s: use up to 63 letters, digits, '_', '.' or '-', starting with a letter or digit (it is a metrics label)", strconv.Quote(r.Name))
	}
	where := fmt.Sprintf("rule %q: ", r.Name)
	var never *yaml.Node
	err = eachKey(file, n, func(k, v *yaml.Node) error {
		var err error
		switch k.Value {
		case "name":
		case "match":
			matchNode = v
		case "timeout":
			r.HasTimeout = true
			if r.Timeout, err = duration(file, v, where+"timeout"); err == nil && r.Timeout < time.Second {
				err = fail(v.Line, "%stimeout %s must be at least 1s (0 would cull every server)", where, v.Value)
			}
		case "max_age":
			r.HasMaxAge = true
			r.MaxAge, err = duration(file, v, where+"max_age")
		case "never":
			never = v
			r.Never, err = boolean(file, v, where+"never")
		default:
			err = fail(k.Line, "%sunknown key %q (a rule has name, match, timeout, max_age, never)", where, k.Value)
		}
		return err
	})
	if err != nil {
		return r, nil, err
	}
	if matchNode == nil {
		return r, nil, fail(n.Line, "%sno match (match: {} matches every server)", where)
	}
	mk, err := parseMatch(file, matchNode, where, &r)
	if err != nil {
		return r, nil, err
	}
	switch {
	case r.Never && (r.HasTimeout || r.HasMaxAge):
		return r, nil, fail(never.Line, "%snever: true with a timeout or max_age: a server it matches is never culled, so they would not apply", where)
	case !r.Never && !r.HasTimeout && !r.HasMaxAge:
		return r, nil, fail(n.Line, "%sno action: give timeout, max_age or never: true", where)
	}
	return r, mk, nil
}

func parseMatch(file string, n *yaml.Node, where string, r *Rule) (matchKeys, error) {
	fail := func(line int, format string, a ...any) error {
		return &RulesError{File: file, Line: line, Msg: fmt.Sprintf(format, a...)}
	}
	if n.Kind != yaml.MappingNode {
		return nil, fail(n.Line, "%smatch: want a mapping of user, group, server, profile, admin, not %s", where, kindName(n))
	}
	mk := matchKeys{}
	regex := func(v *yaml.Node, key string) (*regexp.Regexp, error) {
		s, err := str(file, v, where+"match."+key)
		if err != nil {
			return nil, err
		}
		if s == "" {
			hint := ""
			if key == "server" {
				hint = "; the default server's name is '', which '^$' matches"
			}
			return nil, fail(v.Line, "%smatch.%s: '' matches every name: leave the key out%s", where, key, hint)
		}
		re, err := regexp.Compile(s)
		if err != nil {
			return nil, &RulesError{File: file, Line: v.Line, Msg: fmt.Sprintf("%smatch.%s %s is not a regular expression: %v", where, key, strconv.Quote(s), err), Err: err}
		}
		mk[key] = s
		return re, nil
	}
	name := func(v *yaml.Node, key string) (string, error) {
		s, err := str(file, v, where+"match."+key)
		if err == nil && s == "" {
			err = fail(v.Line, "%smatch.%s is empty", where, key)
		}
		mk[key] = s
		return s, err
	}
	err := eachKey(file, n, func(k, v *yaml.Node) error {
		var err error
		switch k.Value {
		case "user":
			r.User, err = regex(v, "user")
		case "server":
			r.Server, err = regex(v, "server")
		case "group":
			r.Group, err = name(v, "group")
		case "profile":
			r.Profile, err = name(v, "profile")
		case "admin":
			var b bool
			if b, err = boolean(file, v, where+"match.admin"); err == nil {
				r.Admin = &b
				mk["admin"] = strconv.FormatBool(b)
			}
		default:
			err = fail(k.Line, "%smatch: unknown key %q (match has user, group, server, profile, admin)", where, k.Value)
		}
		return err
	})
	return mk, err
}

// eachKey calls f for each key and value of a mapping, refusing keys that
// are not plain strings and keys given twice.
func eachKey(file string, m *yaml.Node, f func(k, v *yaml.Node) error) error {
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if k.Kind != yaml.ScalarNode || k.Tag != "!!str" {
			return &RulesError{File: file, Line: k.Line, Msg: fmt.Sprintf("a key must be a word, not %s", kindName(k))}
		}
		if first, dup := seen[k.Value]; dup {
			return &RulesError{File: file, Line: k.Line, Msg: fmt.Sprintf("key %q given twice (first at line %d)", k.Value, first)}
		}
		seen[k.Value] = k.Line
		if err := f(k, v); err != nil {
			return err
		}
	}
	return nil
}

// noAliases refuses anchors' aliases: a rules file needs none, and an
// alias is how a small YAML file grows into a huge one.
func noAliases(file string, n *yaml.Node) error {
	if n.Kind == yaml.AliasNode {
		return &RulesError{File: file, Line: n.Line, Msg: "aliases (*name) are not supported in a rules file"}
	}
	for _, c := range n.Content {
		if err := noAliases(file, c); err != nil {
			return err
		}
	}
	return nil
}

// kindName is what n is, with a scalar's text: a rules file holds no
// secrets.
func kindName(n *yaml.Node) string { return yamlfile.Describe(n) }

func str(file string, n *yaml.Node, what string) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!str" {
		return "", &RulesError{File: file, Line: n.Line, Msg: fmt.Sprintf("%s: want a string, not %s (quote it)", what, kindName(n))}
	}
	return n.Value, nil
}

func boolean(file string, n *yaml.Node, what string) (bool, error) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		return false, &RulesError{File: file, Line: n.Line, Msg: fmt.Sprintf("%s: want true or false, not %s", what, kindName(n))}
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		return false, &RulesError{File: file, Line: n.Line, Msg: fmt.Sprintf("%s: %v", what, err), Err: err}
	}
	return b, nil
}

// duration reads 90s, 30m, 2h, 1d12h or a number of seconds
// (ParseDuration); zero is allowed.
func duration(file string, n *yaml.Node, what string) (time.Duration, error) {
	bad := func(why string) error {
		return &RulesError{File: file, Line: n.Line, Msg: fmt.Sprintf("%s %s %s", what, strconv.Quote(n.Value), why)}
	}
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!str" && n.Tag != "!!int" && n.Tag != "!!float") {
		return 0, &RulesError{File: file, Line: n.Line, Msg: fmt.Sprintf("%s: want a duration like 90s, 30m, 2h or a number of seconds, not %s", what, kindName(n))}
	}
	d, err := ParseDuration(n.Value, maxRuleDuration, true)
	switch {
	case errors.Is(err, ErrNegativeDuration):
		return 0, bad("is negative")
	case errors.Is(err, ErrDurationTooLong):
		return 0, bad("is more than 10 years (never: true keeps a server for good)")
	case err != nil:
		return 0, bad("is not a duration like 90s, 30m, 2h or a number of seconds")
	}
	return d, nil
}

// matchUser reports whether the rule's user-level keys (user, group,
// admin) hold for u; known is false when the rule needs u's groups and the
// Hub's reply had none (the token lacks read:users:groups).
func (r *Rule) matchUser(u *User) (match, known bool) {
	if r.Admin != nil && *r.Admin != u.Admin {
		return false, true
	}
	if r.User != nil && !r.User.MatchString(u.Name) {
		return false, true
	}
	if r.Group != "" {
		if u.Groups == nil {
			return false, false
		}
		return slices.Contains(u.Groups, r.Group), true
	}
	return true, true
}

// matchServer reports whether the rule's server-level keys (server,
// profile) hold for s.
func (r *Rule) matchServer(s *Server) bool {
	if r.Profile != "" && s.Profile != r.Profile {
		return false
	}
	return r.Server == nil || r.Server.MatchString(s.Name)
}

// needsGroups reports whether any rule matches on groups.
func needsGroups(rules []Rule) bool {
	return slices.ContainsFunc(rules, func(r Rule) bool { return r.Group != "" })
}
