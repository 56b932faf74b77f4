package cull

import (
	"regexp"
	"testing"
	"time"
)

var now = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) Time { return Time{T: now.Add(-d), State: TimeValid} }

var (
	null    = Time{State: TimeNull}
	absent  = Time{}
	invalid = Time{State: TimeInvalid}
)

func basePolicy() Policy {
	return Policy{Timeout: time.Hour, CullAdminUsers: true, CullDefaultServers: true, CullNamedServers: true}
}

func TestDecideServer(t *testing.T) {
	tests := []struct {
		name   string
		server Server
		policy func(*Policy)
		want   Reason
		remove bool
	}{
		{"idle past timeout", Server{Ready: true, LastActivity: ago(2 * time.Hour), Started: ago(3 * time.Hour)}, nil, Idle, false},
		{"idle exactly timeout (inclusive)", Server{Ready: true, LastActivity: ago(time.Hour), Started: ago(3 * time.Hour)}, nil, Idle, false},
		{"active just under timeout", Server{Ready: true, LastActivity: ago(time.Hour - time.Second), Started: ago(3 * time.Hour)}, nil, Active, false},
		{"never active, started long ago", Server{Ready: true, LastActivity: null, Started: ago(2 * time.Hour)}, nil, Idle, false},
		{"never active, started recently", Server{Ready: true, LastActivity: null, Started: ago(time.Minute)}, nil, Active, false},
		{"pending spawn", Server{Ready: false, Pending: "spawn", LastActivity: ago(48 * time.Hour)}, nil, Pending, false},
		{"pending stop", Server{Ready: true, Pending: "stop", LastActivity: ago(48 * time.Hour)}, nil, Pending, false},
		{"pending check", Server{Ready: true, Pending: "check", LastActivity: ago(48 * time.Hour)}, nil, Pending, false},
		{"not ready, not pending", Server{Ready: false, LastActivity: ago(48 * time.Hour)}, nil, NotReady, false},
		{"no last_activity key", Server{Ready: true, LastActivity: absent, Started: ago(48 * time.Hour)}, nil, NoTimestamp, false},
		{"null activity, no started", Server{Ready: true, LastActivity: null, Started: null}, nil, NoTimestamp, false},
		{"unreadable activity", Server{Ready: true, LastActivity: invalid, Started: ago(48 * time.Hour)}, nil, BadTimestamp, false},
		{"null activity, unreadable started", Server{Ready: true, LastActivity: null, Started: invalid}, nil, BadTimestamp, false},
		{"activity in the future", Server{Ready: true, LastActivity: ago(-time.Minute), Started: ago(48 * time.Hour)}, nil, FutureActivity, false},
		{"max age culls an active server", Server{Ready: true, LastActivity: ago(time.Minute), Started: ago(25 * time.Hour)},
			func(p *Policy) { p.MaxAge = 24 * time.Hour }, MaxAge, false},
		{"max age exactly (inclusive)", Server{Ready: true, LastActivity: ago(time.Minute), Started: ago(24 * time.Hour)},
			func(p *Policy) { p.MaxAge = 24 * time.Hour }, MaxAge, false},
		{"under max age", Server{Ready: true, LastActivity: ago(time.Minute), Started: ago(23 * time.Hour)},
			func(p *Policy) { p.MaxAge = 24 * time.Hour }, Active, false},
		// started is the Hub's clock; last_activity may come from a
		// single-user server whose clock runs fast (the Hub takes up to an
		// hour ahead)
		{"max age with activity in the future", Server{Ready: true, LastActivity: ago(-10 * time.Minute), Started: ago(25 * time.Hour)},
			func(p *Policy) { p.MaxAge = 24 * time.Hour }, MaxAge, false},
		{"under max age with activity in the future", Server{Ready: true, LastActivity: ago(-10 * time.Minute), Started: ago(23 * time.Hour)},
			func(p *Policy) { p.MaxAge = 24 * time.Hour }, FutureActivity, false},
		{"max age without started", Server{Ready: true, LastActivity: ago(time.Minute), Started: null},
			func(p *Policy) { p.MaxAge = time.Hour }, Active, false},
		{"server named ..", Server{Name: "..", Ready: true, LastActivity: ago(48 * time.Hour)}, nil, UnaddressableName, false},
		{"server named .", Server{Name: ".", Ready: true, LastActivity: ago(48 * time.Hour)}, nil, UnaddressableName, false},
		{"server named ...", Server{Name: "...", Ready: true, LastActivity: ago(48 * time.Hour)}, nil, Idle, false},
		{"default servers off", Server{Ready: true, LastActivity: ago(48 * time.Hour)},
			func(p *Policy) { p.CullDefaultServers = false }, DefaultServerKept, false},
		{"default servers off beats max age", Server{Ready: true, LastActivity: ago(time.Minute), Started: ago(48 * time.Hour)},
			func(p *Policy) { p.CullDefaultServers = false; p.MaxAge = time.Hour }, DefaultServerKept, false},
		{"named servers off", Server{Name: "gpu", Ready: true, LastActivity: ago(48 * time.Hour)},
			func(p *Policy) { p.CullNamedServers = false }, NamedServerKept, false},
		{"named server culled, not removed", Server{Name: "gpu", Ready: true, LastActivity: ago(48 * time.Hour)}, nil, Idle, false},
		{"named server culled and removed", Server{Name: "gpu", Ready: true, LastActivity: ago(48 * time.Hour)},
			func(p *Policy) { p.RemoveNamedServers = true }, Idle, true},
		{"default server never removed", Server{Ready: true, LastActivity: ago(48 * time.Hour)},
			func(p *Policy) { p.RemoveNamedServers = true }, Idle, false},
		{"active named server not removed", Server{Name: "gpu", Ready: true, LastActivity: ago(time.Minute)},
			func(p *Policy) { p.RemoveNamedServers = true }, Active, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := basePolicy()
			if tt.policy != nil {
				tt.policy(&p)
			}
			u := User{Name: "alice", Created: ago(100 * time.Hour), LastActivity: ago(48 * time.Hour), Servers: []Server{tt.server}}
			d := Decide(&u, now, &p)
			if len(d.Servers) != 1 {
				t.Fatalf("got %d server decisions", len(d.Servers))
			}
			got := d.Servers[0]
			if got.Reason != tt.want || got.Remove != tt.remove {
				t.Errorf("reason %q remove %v (%s), want %q remove %v", got.Reason, got.Remove, got.Detail, tt.want, tt.remove)
			}
			if got.Detail == "" {
				t.Error("no detail for the log")
			}
			if d.UserReason != "" {
				t.Errorf("user reason %q without --cull-users", d.UserReason)
			}
		})
	}
}

// TestMaxAgeDetailNamesTheSkew: a server culled for its age while its
// activity is in the future says so in the decision's detail.
func TestMaxAgeDetailNamesTheSkew(t *testing.T) {
	p := basePolicy()
	p.MaxAge = 24 * time.Hour
	u := User{Name: "alice", Servers: []Server{{Ready: true, LastActivity: ago(-10 * time.Minute), Started: ago(25 * time.Hour)}}}
	d := Decide(&u, now, &p).Servers[0]
	if d.Reason != MaxAge || d.Detail != "started 25h0m0s ago >= max-age 24h0m0s; last_activity is 10m0s in the future (clock skew)" {
		t.Errorf("%q: %q", d.Reason, d.Detail)
	}
}

func TestDecideUser(t *testing.T) {
	idleServer := Server{Ready: true, LastActivity: ago(48 * time.Hour), Started: ago(50 * time.Hour)}
	activeServer := Server{Ready: true, LastActivity: ago(time.Minute), Started: ago(50 * time.Hour)}
	tests := []struct {
		name     string
		user     User
		policy   func(*Policy)
		reason   Reason
		cullUser bool
	}{
		{"idle user, no servers", User{LastActivity: ago(2 * time.Hour), Created: ago(100 * time.Hour)}, nil, Idle, true},
		{"idle user with an idle server", User{LastActivity: ago(48 * time.Hour), Servers: []Server{idleServer}}, nil, Idle, true},
		{"idle user with an active server", User{LastActivity: ago(48 * time.Hour), Servers: []Server{activeServer}}, nil, Idle, false},
		{"idle user with a pending server", User{LastActivity: ago(48 * time.Hour), Servers: []Server{{Pending: "spawn"}}}, nil, Idle, false},
		{"active user", User{LastActivity: ago(time.Minute)}, nil, Active, false},
		{"never active, created long ago", User{LastActivity: null, Created: ago(2 * time.Hour)}, nil, Idle, true},
		{"never active, no created", User{LastActivity: null, Created: absent}, nil, NoTimestamp, false},
		{"unreadable created", User{LastActivity: null, Created: invalid}, nil, BadTimestamp, false},
		{"future activity", User{LastActivity: ago(-time.Hour)}, nil, FutureActivity, false},
		{"admin kept", User{Admin: true, LastActivity: ago(48 * time.Hour)}, func(p *Policy) { p.CullAdminUsers = false }, AdminUser, false},
		{"admin culled by default", User{Admin: true, LastActivity: ago(48 * time.Hour)}, nil, Idle, true},
		{"admin kept despite max age", User{Admin: true, LastActivity: ago(time.Minute), Created: ago(48 * time.Hour)},
			func(p *Policy) { p.CullAdminUsers = false; p.MaxAge = time.Hour }, AdminUser, false},
		{"max age on created", User{LastActivity: ago(time.Minute), Created: ago(48 * time.Hour)}, func(p *Policy) { p.MaxAge = time.Hour }, MaxAge, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := basePolicy()
			p.CullUsers = true
			if tt.policy != nil {
				tt.policy(&p)
			}
			tt.user.Name = "bob"
			d := Decide(&tt.user, now, &p)
			if d.UserReason != tt.reason || d.CullsUser() != tt.cullUser {
				t.Errorf("user reason %q culls %v (%s); want %q %v", d.UserReason, d.CullsUser(), d.UserDetail, tt.reason, tt.cullUser)
			}
		})
	}
}

func TestDecideExcluded(t *testing.T) {
	p := basePolicy()
	p.CullUsers = true
	p.Exclude = []*regexp.Regexp{regexp.MustCompile(`^admin-`), regexp.MustCompile(`^ci$`)}
	for name, excluded := range map[string]bool{"admin-x": true, "ci": true, "cia": false, "x-admin-": false} {
		u := User{Name: name, LastActivity: ago(48 * time.Hour), Servers: []Server{{Ready: true, LastActivity: ago(48 * time.Hour)}}}
		d := Decide(&u, now, &p)
		if got := d.Servers[0].Reason == Excluded && d.UserReason == Excluded && !d.Acts(); got != excluded {
			t.Errorf("%s: excluded %v, want %v (%+v)", name, got, excluded, d)
		}
	}
}

// TestDecidePure: the same input gives the same verdict, and the input is
// not changed.
func TestDecidePure(t *testing.T) {
	p := basePolicy()
	p.CullUsers = true
	u := User{Name: "c", LastActivity: ago(48 * time.Hour), Servers: []Server{{Name: "b", Ready: true, LastActivity: ago(2 * time.Hour)}, {Ready: true, LastActivity: ago(time.Minute)}}}
	before := u.Servers[0]
	a, b := Decide(&u, now, &p), Decide(&u, now, &p)
	if a.Servers[0] != b.Servers[0] || a.Servers[1] != b.Servers[1] || a.UserReason != b.UserReason {
		t.Error("Decide gave two verdicts for one input")
	}
	if u.Servers[0] != before {
		t.Error("Decide changed its input")
	}
}
