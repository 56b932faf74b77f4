package cull

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// issueRules is the example of issue 13 and README.md.
const issueRules = `rules:
  - name: instructors          # shown in logs, metrics and --explain
    match: {group: instructors}
    never: true                # never cull these servers (nor these users)
  - name: gpu
    match: {profile: gpu}      # user_options.profile, as KubeSpawner profiles set it
    timeout: 2h
    max_age: 8h
  - name: long-runs
    match: {server: '^long-'}  # regex on the server name; '' is the default server
    timeout: 24h
  - name: ta
    match: {user: '^ta-', admin: false}
    timeout: 6h
`

func TestParseRulesExample(t *testing.T) {
	rules, err := ParseRules("rules.yaml", []byte(issueRules))
	if err != nil {
		t.Fatal(err)
	}
	if len(rules) != 4 {
		t.Fatalf("%d rules, want 4", len(rules))
	}
	ins, gpu, long, ta := rules[0], rules[1], rules[2], rules[3]
	if ins.Name != "instructors" || ins.Line != 2 || ins.Group != "instructors" || !ins.Never || ins.HasTimeout || ins.HasMaxAge {
		t.Errorf("instructors: %+v", ins)
	}
	if gpu.Name != "gpu" || gpu.Line != 5 || gpu.Profile != "gpu" || gpu.Timeout != 2*time.Hour || gpu.MaxAge != 8*time.Hour || !gpu.HasTimeout || !gpu.HasMaxAge {
		t.Errorf("gpu: %+v", gpu)
	}
	if long.Server == nil || !long.Server.MatchString("long-x") || long.Server.MatchString("") || long.Timeout != 24*time.Hour {
		t.Errorf("long-runs: %+v", long)
	}
	if ta.User == nil || !ta.User.MatchString("ta-bob") || ta.Admin == nil || *ta.Admin || ta.Timeout != 6*time.Hour {
		t.Errorf("ta: %+v", ta)
	}
}

func TestParseRulesDurations(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"90s": 90 * time.Second, "30m": 30 * time.Minute, "2h": 2 * time.Hour, "1h30m": 90 * time.Minute,
		"3600": time.Hour, "'3600'": time.Hour, "1.5": 1500 * time.Millisecond, "1e3": 1000 * time.Second,
	} {
		rules, err := ParseRules("r.yaml", []byte("rules:\n- name: a\n  match: {}\n  timeout: "+in+"\n"))
		if err != nil {
			t.Errorf("timeout %s: %v", in, err)
			continue
		}
		if rules[0].Timeout != want {
			t.Errorf("timeout %s = %s, want %s", in, rules[0].Timeout, want)
		}
	}
	rules, err := ParseRules("r.yaml", []byte("rules:\n- name: a\n  match: {}\n  max_age: 0\n"))
	if err != nil || !rules[0].HasMaxAge || rules[0].MaxAge != 0 {
		t.Errorf("max_age: 0 (off): %+v, %v", rules, err)
	}
}

func TestParseRulesErrors(t *testing.T) {
	tests := []struct {
		name, text string
		line       int
		want       string
	}{
		{"empty file", "", 1, "the file is empty"},
		{"not YAML", "rules:\n  - name: a\n    match: {user: 'x}\n", 3, "not YAML: found unexpected end of stream"},
		{"top-level list", "- name: a\n", 1, "want a mapping"},
		{"unknown top key", "rules: []\nrule:\n", 2, `unknown key "rule"`},
		{"no rules key", "{}\n", 1, "no `rules:` key"},
		{"rules not a list", "rules:\n  name: a\n", 2, "want a list"},
		{"empty list", "rules: []\n", 1, "the list is empty"},
		{"rule not a mapping", "rules:\n  - gpu\n", 2, "a rule is a mapping"},
		{"no name", "rules:\n  - match: {}\n    timeout: 1h\n", 2, "without a name"},
		{"empty name", "rules:\n  - name: ''\n    match: {}\n    timeout: 1h\n", 2, "name is empty"},
		{"name flags", "rules:\n  - name: flags\n    match: {}\n    timeout: 1h\n", 2, `"flags" is taken`},
		{"name not a label", "rules:\n  - name: 'a b'\n    match: {}\n    timeout: 1h\n", 2, "metrics label"},
		{"name a number", "rules:\n  - name: 7\n    match: {}\n    timeout: 1h\n", 2, "want a string"},
		{"duplicate name", "rules:\n  - name: a\n    match: {user: x}\n    timeout: 1h\n  - name: a\n    match: {user: y}\n    timeout: 1h\n", 5, "taken by the rule at line 2"},
		{"unknown rule key", "rules:\n  - name: a\n    match: {}\n    timout: 1h\n", 4, `unknown key "timout"`},
		{"unknown match key", "rules:\n  - name: a\n    match:\n      users: x\n    timeout: 1h\n", 4, `unknown key "users"`},
		{"key twice", "rules:\n  - name: a\n    match: {}\n    timeout: 1h\n    timeout: 2h\n", 5, "given twice (first at line 4)"},
		{"no match", "rules:\n  - name: a\n    timeout: 1h\n", 2, "no match"},
		{"match a list", "rules:\n  - name: a\n    match: [x]\n    timeout: 1h\n", 3, "match: want a mapping"},
		{"no action", "rules:\n  - name: a\n    match: {user: x}\n", 2, "no action"},
		{"never false alone", "rules:\n  - name: a\n    match: {user: x}\n    never: false\n", 2, "no action"},
		{"never with timeout", "rules:\n  - name: a\n    match: {user: x}\n    timeout: 1h\n    never: true\n", 5, "never: true with a timeout"},
		{"never not a bool", "rules:\n  - name: a\n    match: {user: x}\n    never: 'yes'\n", 4, "want true or false"},
		{"bad regex", "rules:\n  - name: a\n    match: {user: '(x'}\n    timeout: 1h\n", 3, "not a regular expression"},
		{"empty regex", "rules:\n  - name: a\n    match:\n      server: ''\n    timeout: 1h\n", 4, "'^$'"},
		{"regex not a string", "rules:\n  - name: a\n    match: {server: [a]}\n    timeout: 1h\n", 3, "want a string"},
		{"empty group", "rules:\n  - name: a\n    match: {group: ''}\n    never: true\n", 3, "match.group is empty"},
		{"admin not a bool", "rules:\n  - name: a\n    match: {admin: 'no'}\n    never: true\n", 3, "want true or false"},
		{"bad duration", "rules:\n  - name: a\n    match: {}\n    timeout: 2 hours\n", 4, `timeout "2 hours" is not a duration`},
		{"negative duration", "rules:\n  - name: a\n    match: {}\n    max_age: -5m\n", 4, "is negative"},
		{"zero timeout", "rules:\n  - name: a\n    match: {}\n    timeout: 0\n", 4, "at least 1s"},
		{"huge seconds", "rules:\n  - name: a\n    match: {}\n    timeout: 1e300\n", 4, "more than 10 years"},
		{"NaN", "rules:\n  - name: a\n    match: {}\n    timeout: .nan\n", 4, "not a duration"},
		{"duration a mapping", "rules:\n  - name: a\n    match: {}\n    timeout: {h: 1}\n", 4, "want a duration"},
		{"alias", "rules:\n  - &r {name: a, match: {}, timeout: 1h}\n  - *r\n", 3, "aliases"},
		{"shadowed by match-all", "rules:\n  - name: all\n    match: {}\n    timeout: 1h\n  - name: gpu\n    match: {profile: gpu}\n    timeout: 2h\n", 5, `rule "gpu" can never match: the earlier rule "all" (line 2)`},
		{"shadowed by a subset", "rules:\n  - name: a\n    match: {group: staff}\n    never: true\n  - name: b\n    match: {group: staff, server: '^x'}\n    timeout: 2h\n", 5, `earlier rule "a"`},
		{"shadowed by the same", "rules:\n  - name: a\n    match: {user: '^ta-', admin: false}\n    timeout: 1h\n  - name: b\n    match: {admin: false, user: '^ta-'}\n    timeout: 2h\n", 5, `earlier rule "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRules("r.yaml", []byte(tt.text))
			var re *RulesError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *RulesError", err)
			}
			if re.Line != tt.line || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "r.yaml:") {
				t.Fatalf("err = %q (line %d), want line %d and %q", err, re.Line, tt.line, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Fatalf("err has more than one line: %q", err)
			}
		})
	}
}

// Rules that overlap without one covering the other are fine: a later rule
// with fewer keys, or other values, can still match.
func TestParseRulesNotShadowed(t *testing.T) {
	text := "rules:\n" +
		"  - {name: a, match: {group: staff, server: '^x'}, timeout: 2h}\n" +
		"  - {name: b, match: {group: staff}, never: true}\n" +
		"  - {name: c, match: {group: students}, timeout: 1h}\n" +
		"  - {name: d, match: {admin: true}, timeout: 1h}\n" +
		"  - {name: e, match: {admin: false}, timeout: 1h}\n" +
		"  - {name: rest, match: {}, timeout: 3h}\n"
	if _, err := ParseRules("r.yaml", []byte(text)); err != nil {
		t.Fatal(err)
	}
}

func TestLoadRules(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "rules.yaml")
	if err := os.WriteFile(path, []byte(issueRules), 0o600); err != nil {
		t.Fatal(err)
	}
	if rules, err := LoadRules(path); err != nil || len(rules) != 4 {
		t.Fatalf("%v, %v", rules, err)
	}
	if _, err := LoadRules(filepath.Join(dir, "missing.yaml")); err == nil || !strings.Contains(err.Error(), "missing.yaml: cannot read the rules: no such file") {
		t.Errorf("missing file: %v", err)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("rules:\n"+strings.Repeat("# padding\n", MaxRulesFileSize/10+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadRules(big); err == nil || !strings.Contains(err.Error(), "larger than 1 MiB; not a rules file") {
		t.Errorf("big file: %v", err)
	}
}

func mustRules(t testing.TB, text string) []Rule {
	t.Helper()
	rules, err := ParseRules("rules.yaml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return rules
}

func TestDecideWithRules(t *testing.T) {
	p := basePolicy() // --timeout 1h
	p.MaxAge = 12 * time.Hour
	p.Rules = mustRules(t, issueRules)
	running := func(name string, idle, age time.Duration, profile string) Server {
		return Server{Name: name, Ready: true, LastActivity: ago(idle), Started: ago(age), Profile: profile}
	}
	tests := []struct {
		name       string
		user       User
		wantReason Reason
		wantRule   string
		timeout    time.Duration
		maxAge     time.Duration
	}{
		{"no rule: the flags", User{Name: "alice", Groups: []string{}, Servers: []Server{running("", 2*time.Hour, 3*time.Hour, "")}}, Idle, "", time.Hour, 12 * time.Hour},
		{"group never", User{Name: "prof", Groups: []string{"staff", "instructors"}, Servers: []Server{running("", 48*time.Hour, 72*time.Hour, "gpu")}}, RuleNever, "instructors", time.Hour, 12 * time.Hour},
		{"profile: its own timeout keeps", User{Name: "alice", Groups: []string{}, Servers: []Server{running("", 90*time.Minute, 3*time.Hour, "gpu")}}, Active, "gpu", 2 * time.Hour, 8 * time.Hour},
		{"profile: its own timeout culls", User{Name: "alice", Groups: []string{}, Servers: []Server{running("", 2*time.Hour, 3*time.Hour, "gpu")}}, Idle, "gpu", 2 * time.Hour, 8 * time.Hour},
		{"profile: its own max age", User{Name: "alice", Groups: []string{}, Servers: []Server{running("", time.Minute, 9*time.Hour, "gpu")}}, MaxAge, "gpu", 2 * time.Hour, 8 * time.Hour},
		{"other profile: the flags", User{Name: "alice", Groups: []string{}, Servers: []Server{running("", 2*time.Hour, 3*time.Hour, "cpu")}}, Idle, "", time.Hour, 12 * time.Hour},
		{"server regex", User{Name: "alice", Groups: []string{}, Servers: []Server{running("long-sim", 10*time.Hour, 11*time.Hour, "")}}, Active, "long-runs", 24 * time.Hour, 12 * time.Hour},
		{"server regex, max age from the flags", User{Name: "alice", Groups: []string{}, Servers: []Server{running("long-sim", time.Hour, 13*time.Hour, "")}}, MaxAge, "long-runs", 24 * time.Hour, 12 * time.Hour},
		{"user regex and admin false", User{Name: "ta-bob", Groups: []string{}, Servers: []Server{running("", 5*time.Hour, 6*time.Hour, "")}}, Active, "ta", 6 * time.Hour, 12 * time.Hour},
		{"user regex, admin true: no match", User{Name: "ta-bob", Admin: true, Groups: []string{}, Servers: []Server{running("", 5*time.Hour, 6*time.Hour, "")}}, Idle, "", time.Hour, 12 * time.Hour},
		{"first match wins: gpu before ta", User{Name: "ta-bob", Groups: []string{}, Servers: []Server{running("", 3*time.Hour, 4*time.Hour, "gpu")}}, Idle, "gpu", 2 * time.Hour, 8 * time.Hour},
		// Without the user's groups (no read:users:groups) the group rule
		// cannot be judged, and what it might protect is kept.
		{"groups unknown", User{Name: "prof", Servers: []Server{running("", 48*time.Hour, 72*time.Hour, "")}}, MatchUnknown, "instructors", time.Hour, 12 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Decide(&tt.user, now, &p)
			s := d.Servers[0]
			if s.Reason != tt.wantReason || s.Rule != tt.wantRule {
				t.Fatalf("got %s by rule %q (%s), want %s by %q", s.Reason, s.Rule, s.Detail, tt.wantReason, tt.wantRule)
			}
			if s.Reason != RuleNever && s.Reason != MatchUnknown && (s.Timeout != tt.timeout || s.MaxAge != tt.maxAge) {
				t.Fatalf("timeout %s max-age %s, want %s %s", s.Timeout, s.MaxAge, tt.timeout, tt.maxAge)
			}
		})
	}
}

// A user is deleted only if no rule says never for them; a rule's server
// and profile keys do not hold that back, since a user whose servers are
// gone has none to match.
func TestDecideRulesKeepUsers(t *testing.T) {
	p := basePolicy()
	p.CullUsers = true
	p.Rules = mustRules(t, "rules:\n"+
		"  - {name: staff-gpu, match: {group: staff, profile: gpu}, never: true}\n"+
		"  - {name: gpu, match: {profile: gpu}, timeout: 2h}\n"+
		"  - {name: keep-ta, match: {user: '^ta-'}, never: true}\n")
	idle := User{Created: ago(48 * time.Hour), LastActivity: ago(24 * time.Hour)}
	for _, tt := range []struct {
		name   string
		groups []string
		reason Reason
		rule   string
	}{
		{"alice", []string{}, Idle, ""},
		{"ta-bob", []string{}, RuleNever, "keep-ta"},
		{"carol", []string{"staff"}, RuleNever, "staff-gpu"},
		{"dave", nil, MatchUnknown, "staff-gpu"},
	} {
		u := idle
		u.Name, u.Groups = tt.name, tt.groups
		d := Decide(&u, now, &p)
		if d.UserReason != tt.reason || d.UserRule != tt.rule || d.CullsUser() != (tt.reason == Idle) {
			t.Errorf("%s: %s by %q (%s), want %s by %q", tt.name, d.UserReason, d.UserRule, d.UserDetail, tt.reason, tt.rule)
		}
	}
	// ta-bob's server falls under gpu (first match), and is culled at its
	// timeout, but ta-bob stays: keep-ta says never for them.
	u := User{Name: "ta-bob", Groups: []string{}, Created: ago(48 * time.Hour), LastActivity: ago(3 * time.Hour),
		Servers: []Server{{Ready: true, LastActivity: ago(3 * time.Hour), Started: ago(4 * time.Hour), Profile: "gpu"}}}
	d := Decide(&u, now, &p)
	if d.Servers[0].Reason != Idle || d.Servers[0].Rule != "gpu" || d.CullsUser() || d.UserReason != RuleNever {
		t.Errorf("ta-bob: %+v", d)
	}
}

func TestDecodeGroupsAndProfile(t *testing.T) {
	var users []apiUser
	page := `[{"name": "a", "groups": ["x", "y"], "servers": {"": {"name": "", "ready": true, "user_options": {"profile": "gpu", "image": "z"}}}},
	{"name": "e", "groups": [ "a\"b" , "c\u00e9" ], "servers": {"": {"name": "", "ready": true, "user_options": {"image": {"x": "profile"}, "profile": "g\u00e9"}},
		"s": {"name": "s", "ready": true, "user_options": { "image" : "profile", "profile" : "cpu" }}}},
	{"name": "b", "groups": [], "servers": {"": {"name": "", "ready": true, "user_options": {}}, "n": {"name": "n", "user_options": {"profile": 7}}, "m": {"name": "m", "user_options": null}, "o": {"name": "o", "user_options": [1]}}},
	{"name": "c"}]`
	if err := visitUsersJSON(page, &users); err != nil {
		t.Fatal(err)
	}
	a, e, b, c := users[0].record(), users[1].record(), users[2].record(), users[3].record()
	if !slices.Equal(e.Groups, []string{`a"b`, "cé"}) || e.Servers[0].Profile != "gé" || e.Servers[1].Profile != "cpu" {
		t.Errorf("e: %+v", e)
	}
	if len(a.Groups) != 2 || a.Servers[0].Profile != "gpu" {
		t.Errorf("a: %+v", a)
	}
	if b.Groups == nil || len(b.Groups) != 0 {
		t.Errorf("b: groups %#v, want empty, not nil (known, none)", b.Groups)
	}
	for _, s := range b.Servers {
		if s.Profile != "" {
			t.Errorf("b's server %q: profile %q, want none", s.Name, s.Profile)
		}
	}
	if c.Groups != nil {
		t.Errorf("c: groups %#v, want nil (not in the reply)", c.Groups)
	}
}

func visitUsersJSON(page string, users *[]apiUser) error {
	_, err := decodePage([]byte(page), func(u *apiUser) { *users = append(*users, *u) })
	return err
}

// --explain names the rule and counts eligibility from its timeout and
// max age; a never rule is never eligible.
func TestExplainWithRules(t *testing.T) {
	p := basePolicy()
	p.CullUsers = true
	p.Rules = mustRules(t, issueRules)
	u := User{Name: "alice", Groups: []string{}, LastActivity: ago(90 * time.Minute), Created: ago(48 * time.Hour), Servers: []Server{
		{Name: "", Ready: true, LastActivity: ago(90 * time.Minute), Started: ago(3 * time.Hour), Profile: "gpu"},
		{Name: "plain", Ready: true, LastActivity: ago(30 * time.Minute), Started: ago(3 * time.Hour)},
	}}
	e, err := explainRecord(&u, &p, "", false, now)
	if err != nil {
		t.Fatal(err)
	}
	gpu, plain := e.Servers[0], e.Servers[1]
	if gpu.Rule != "gpu" || gpu.Decision != "keep" || gpu.EligibleAt == nil || !gpu.EligibleAt.Equal(now.Add(30*time.Minute)) {
		t.Errorf("gpu server: %+v", gpu)
	}
	if plain.Rule != FlagsRule || plain.EligibleAt == nil || !plain.EligibleAt.Equal(now.Add(30*time.Minute)) {
		t.Errorf("plain server: %+v", plain)
	}
	u.Groups = []string{"instructors"}
	e, err = explainRecord(&u, &p, "", false, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, en := range append(e.Servers, *e.Self) {
		if en.Rule != "instructors" || en.Reason != RuleNever || en.EligibleAt != nil {
			t.Errorf("instructor's %+v", en)
		}
	}
	var b strings.Builder
	if err := e.WriteText(&b); err != nil || !strings.Contains(b.String(), "rule:          instructors") {
		t.Errorf("text:\n%s", b.String())
	}
}
