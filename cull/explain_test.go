package cull

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

func valid(t time.Time) Time { return Time{T: t, State: TimeValid} }

func TestEligibleAt(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	p := &Policy{Timeout: time.Hour, MaxAge: 8 * time.Hour}
	noAge := &Policy{Timeout: time.Hour}
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	tests := []struct {
		name        string
		reason      Reason
		last, start Time
		p           *Policy
		want        *time.Time
	}{
		{"active: last_activity + timeout", Active, valid(now.Add(-10 * time.Minute)), valid(now.Add(-time.Hour)), p, at(50 * time.Minute)},
		{"max-age comes first", Active, valid(now.Add(-time.Minute)), valid(now.Add(-7*time.Hour - 30*time.Minute)), p, at(30 * time.Minute)},
		{"idle: when it became eligible", Idle, valid(now.Add(-2 * time.Hour)), valid(now.Add(-3 * time.Hour)), p, at(-time.Hour)},
		{"never active: started + timeout", Active, Time{State: TimeNull}, valid(now.Add(-20 * time.Minute)), noAge, at(40 * time.Minute)},
		{"future activity, no max-age", FutureActivity, valid(now.Add(10 * time.Minute)), valid(now.Add(-time.Hour)), noAge, at(70 * time.Minute)},
		{"excluded: never", Excluded, valid(now.Add(-2 * time.Hour)), valid(now.Add(-3 * time.Hour)), p, nil},
		{"admin: never", AdminUser, valid(now.Add(-2 * time.Hour)), valid(now.Add(-3 * time.Hour)), p, nil},
		{"named servers off: never", NamedServerKept, valid(now.Add(-2 * time.Hour)), valid(now.Add(-3 * time.Hour)), p, nil},
		{"pending: never at this state", Pending, Time{}, Time{}, p, nil},
		{"bad timestamp: never", BadTimestamp, Time{State: TimeInvalid}, valid(now), p, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := eligibleAt(tt.reason, tt.last, tt.start, tt.p.Timeout, tt.p.MaxAge)
			switch {
			case (got == nil) != (tt.want == nil):
				t.Fatalf("got %v, want %v", got, tt.want)
			case got != nil && !got.Equal(*tt.want):
				t.Fatalf("got %v, want %v", *got, *tt.want)
			}
		})
	}
}

func TestFormatEligible(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { v := now.Add(d); return &v }
	for _, tt := range []struct {
		at   *time.Time
		want string
	}{
		{nil, "never (at the current state)"},
		{at(-time.Hour), "2026-12-01T11:00:00Z (passed: eligible now)"},
		{at(0), "2026-12-01T12:00:00Z (passed: eligible now)"},
		{at(90 * time.Minute), "2026-12-01T13:30:00Z (in 1h30m0s)"},
	} {
		if got := formatEligible(tt.at, now); got != tt.want {
			t.Errorf("formatEligible(%v) = %q, want %q", tt.at, got, tt.want)
		}
	}
}

func TestParseTarget(t *testing.T) {
	for _, tt := range []struct {
		arg, user, server string
		one, bad          bool
	}{
		{arg: "alice", user: "alice"},
		{arg: "alice/", user: "alice", one: true},
		{arg: "alice/gpu", user: "alice", server: "gpu", one: true},
		{arg: "", bad: true},
		{arg: "/gpu", bad: true},
		{arg: ".", bad: true},
		{arg: "..", bad: true},
		{arg: "alice/.", bad: true},
		{arg: "alice/..", bad: true},
	} {
		user, server, one, err := ParseTarget(tt.arg)
		if (err != nil) != tt.bad {
			t.Errorf("ParseTarget(%q) error %v, want bad=%v", tt.arg, err, tt.bad)
			continue
		}
		if !tt.bad && (user != tt.user || server != tt.server || one != tt.one) {
			t.Errorf("ParseTarget(%q) = %q, %q, %v", tt.arg, user, server, one)
		}
	}
}

func TestExplainReasons(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	ago := func(d time.Duration) Time { return valid(now.Add(-d)) }
	u := &User{Name: "alice", Admin: true, Created: ago(100 * time.Hour), LastActivity: ago(time.Minute), Servers: []Server{
		{Name: "", Ready: true, Started: ago(30 * time.Hour), LastActivity: ago(time.Minute)},
		{Name: "gpu", Ready: true, Started: ago(3 * time.Hour), LastActivity: ago(2 * time.Hour)},
		{Name: "new", Pending: "spawn"},
		{Name: "slow", Ready: true, Started: ago(30 * time.Hour), LastActivity: ago(40 * time.Minute)},
	}}
	p := &Policy{Timeout: time.Hour, CullUsers: true, CullDefaultServers: true, CullNamedServers: true}
	e, err := explainRecord(u, p, "", false, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		server, state, decision string
		reason                  Reason
		eligible                bool
		hint                    bool
	}{
		{"", "ready", "keep", Active, true, true},
		{"gpu", "ready", "cull", Idle, true, false},
		{"new", "pending spawn", "keep", Pending, false, false},
		{"slow", "ready", "keep", Active, true, false},
	}
	if len(e.Servers) != len(want) {
		t.Fatalf("%d servers, want %d", len(e.Servers), len(want))
	}
	for i, w := range want {
		g := e.Servers[i]
		if g.Server != w.server || g.State != w.state || g.Decision != w.decision || g.Reason != w.reason ||
			(g.EligibleAt != nil) != w.eligible || (g.Hint != "") != w.hint || g.Rule != FlagsRule {
			t.Errorf("server %q: %+v", w.server, g)
		}
	}
	if !strings.Contains(e.Servers[0].Hint, "MappingKernelManager.cull_idle_timeout") {
		t.Errorf("hint: %q", e.Servers[0].Hint)
	}
	if e.Self == nil || e.Self.Decision != "keep" || e.Self.Reason != AdminUser || e.Self.EligibleAt != nil {
		t.Errorf("user: %+v", e.Self)
	}

	p.Exclude = []*regexp.Regexp{regexp.MustCompile("^ali")}
	e, err = explainRecord(u, p, "gpu", true, now)
	if err != nil || len(e.Servers) != 1 || e.Servers[0].Reason != Excluded || e.Servers[0].EligibleAt != nil || e.Self != nil {
		t.Fatalf("gpu excluded: %+v, %v", e, err)
	}
	var buf bytes.Buffer
	if err := e.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"server gpu", "idle for:      2h0m0s", "rule:          flags", "decision:      keep (excluded: user matches --exclude-user)", "eligible:      never"} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("text lacks %q:\n%s", s, buf.String())
		}
	}

	var notRunning *ServerNotRunningError
	if _, err := explainRecord(u, p, "gone", true, now); !errors.As(err, &notRunning) {
		t.Errorf("a server not listed: %v", err)
	}
}
