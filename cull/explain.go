package cull

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Entry explains the decision on one server, or on the user itself.
type Entry struct {
	Server       string     `json:"server"` // "" = the default server
	IsUser       bool       `json:"is_user,omitempty"`
	State        string     `json:"state"` // ready, pending <action>, stopped; "user" for the user
	Started      *time.Time `json:"started"`
	LastActivity *time.Time `json:"last_activity"`
	IdleSeconds  float64    `json:"idle_seconds"`
	Rule         string     `json:"rule"`
	Decision     string     `json:"decision"` // cull or keep
	Reason       Reason     `json:"reason"`
	Detail       string     `json:"detail"`
	// EligibleAt is when the thing becomes cullable at its current activity;
	// nil when the reason it is kept for does not end with time.
	EligibleAt *time.Time `json:"eligible_at"`
	Hint       string     `json:"hint,omitempty"`
	idle       time.Duration
	// For --check-kernels: whether a kernel check can change the decision
	// (ServerDecision.kernelCheckMatters), and the max age that applied.
	kernelCheck bool
	maxAge      time.Duration
}

// Explanation is what `hubctl cull --explain` shows for one user.
type Explanation struct {
	User    string    `json:"user"`
	Admin   bool      `json:"admin"`
	Now     time.Time `json:"now"`
	Servers []Entry   `json:"servers"`
	Self    *Entry    `json:"user_decision,omitempty"` // with Policy.CullUsers
}

// UserNotFoundError is a 404 for the user asked about.
type UserNotFoundError struct{ User string }

func (e *UserNotFoundError) Error() string {
	return fmt.Sprintf("no user %s on the Hub (GET /users/%s: 404)", Quote(e.User), url.PathEscape(e.User))
}

// Hint says what a 404 usually means.
func (e *UserNotFoundError) Hint() string {
	return "names are case-sensitive as the Hub stores them; a token without read:users on that user also gets 404"
}

// ServerNotRunningError is a server named in --explain that the Hub does not
// list: it lists active (pending or ready) servers only.
type ServerNotRunningError struct{ User, Server string }

func (e *ServerNotRunningError) Error() string {
	return fmt.Sprintf("user %s has no active server %s: there is nothing to cull", Quote(e.User), serverLabel(e.Server))
}

// Hint lists what to try instead.
func (e *ServerNotRunningError) Hint() string {
	return "give the user alone (USER) to see all of their active servers"
}

// ParseTarget reads USER[/SERVER]: "alice" is all of alice's servers,
// "alice/" her default server, "alice/gpu" the named server gpu.
func ParseTarget(arg string) (user, server string, one bool, err error) {
	user, server, one = strings.Cut(arg, "/")
	if user == "" {
		return "", "", false, fmt.Errorf("--explain %q: the user name is empty; use USER or USER/SERVER", arg)
	}
	if why := unaddressable("user", user); why != "" {
		return "", "", false, fmt.Errorf("--explain %q: %s", arg, why)
	}
	if why := unaddressable("server", server); why != "" {
		return "", "", false, fmt.Errorf("--explain %q: %s", arg, why)
	}
	return user, server, one, nil
}

// getUser fetches one user's model; a 404 is a *UserNotFoundError.
func (c *Client) getUser(ctx context.Context, name string) (*apiUser, error) {
	if err := addressable(name, ""); err != nil {
		return nil, err
	}
	path := "/users/" + url.PathEscape(name)
	code, data, err := c.do(ctx, http.MethodGet, path, nil, nil, "application/json")
	switch {
	case err != nil:
		return nil, err
	case code == http.StatusNotFound:
		return nil, &UserNotFoundError{User: name}
	case code != http.StatusOK:
		return nil, c.statusError(http.MethodGet, path, code, data)
	}
	var u apiUser
	if err := json.Unmarshal(data, &u); err != nil {
		return nil, c.decodeError(path, err)
	}
	if u.Servers == nil {
		// Without read:servers the model has no "servers": that is not
		// "no active server".
		return nil, c.decodeError(path, errors.New(`no "servers" in the user model: the token cannot read servers (read:servers)`))
	}
	if u.Name == "" {
		u.Name = name
	}
	return &u, nil
}

// Explain asks the Hub about one user (one GET, nothing else) and explains
// what Decide makes of each of their servers, or of the one named when one
// is true, at now. It stops nothing.
func Explain(ctx context.Context, c *Client, p *Policy, user, server string, one bool, now time.Time) (Explanation, error) {
	au, err := c.getUser(ctx, user)
	if err != nil {
		return Explanation{}, fmt.Errorf("explain %s: %w", Quote(user), err)
	}
	rec := au.record()
	return explainRecord(&rec, p, server, one, now)
}

// explainRecord is Explain without the Hub: pure.
func explainRecord(u *User, p *Policy, server string, one bool, now time.Time) (Explanation, error) {
	d := Decide(u, now, p)
	e := Explanation{User: u.Name, Admin: u.Admin, Now: now, Servers: []Entry{}}
	for i, s := range u.Servers {
		if one && s.Name != server {
			continue
		}
		e.Servers = append(e.Servers, serverEntry(&s, &d.Servers[i], p, now))
	}
	if one && len(e.Servers) == 0 {
		return e, &ServerNotRunningError{User: u.Name, Server: server}
	}
	if p.CullUsers && !one {
		ue := Entry{IsUser: true, State: "user", Rule: ruleLabel(d.UserRule), Reason: d.UserReason, Detail: d.UserDetail,
			LastActivity: timePtr(u.LastActivity), Started: timePtr(u.Created)}
		ue.idle = idleFor(d.UserIdle, u.LastActivity, u.Created, now)
		ue.IdleSeconds = ue.idle.Seconds()
		ue.Decision = decisionWord(d.UserReason)
		if d.UserReason.Culls() && !d.CullsUser() {
			ue.Decision, ue.Reason, ue.Detail = "keep", ServersLeft, "idle, but a server of theirs stays"
		}
		ue.EligibleAt = eligibleAt(d.UserReason, u.LastActivity, u.Created, p.Timeout, p.MaxAge)
		e.Self = &ue
	}
	return e, nil
}

func serverEntry(s *Server, sd *ServerDecision, p *Policy, now time.Time) Entry {
	en := Entry{Server: s.Name, State: serverState(s), Started: timePtr(s.Started), LastActivity: timePtr(s.LastActivity),
		Rule: ruleLabel(sd.Rule), Reason: sd.Reason, Detail: sd.Detail, Decision: decisionWord(sd.Reason)}
	en.idle = idleFor(sd.Idle, s.LastActivity, s.Started, now)
	en.IdleSeconds = en.idle.Seconds()
	en.EligibleAt = eligibleAt(sd.Reason, s.LastActivity, s.Started, sd.Timeout, sd.MaxAge)
	en.Hint = neverIdleHint(sd)
	en.kernelCheck, en.maxAge = sd.kernelCheckMatters(), sd.MaxAge
	return en
}

// idleFor is Decide's idle time, or, where Decide kept the thing without
// measuring (excluded, admin, ...), the same measure from the timestamps.
func idleFor(decided time.Duration, last, start Time, now time.Time) time.Duration {
	switch {
	case decided != 0:
		return decided
	case last.State == TimeValid:
		return max(now.Sub(last.T), 0)
	case last.State == TimeNull && start.State == TimeValid:
		return max(now.Sub(start.T), 0)
	}
	return 0
}

func decisionWord(r Reason) string {
	if r.Culls() {
		return "cull"
	}
	return "keep"
}

func serverState(s *Server) string {
	switch {
	case s.Pending != "":
		return "pending " + s.Pending
	case s.Ready:
		return "ready"
	}
	return "stopped"
}

func timePtr(t Time) *time.Time {
	if t.State != TimeValid {
		return nil
	}
	v := t.T
	return &v
}

// eligibleAt is when a server (or user) becomes cullable if its activity
// stays as it is: idle basis + timeout or start + max-age (those that
// applied to it: ServerDecision.Timeout and MaxAge), whichever comes first.
// nil means never, at the current state: the reason it is kept for does
// not end with time.
func eligibleAt(r Reason, last, start Time, timeout, maxAge time.Duration) *time.Time {
	switch r {
	case Idle, MaxAge, Active, FutureActivity:
	default:
		return nil
	}
	var at *time.Time
	consider := func(t time.Time) {
		if at == nil || t.Before(*at) {
			at = &t
		}
	}
	switch {
	case last.State == TimeValid:
		consider(last.T.Add(timeout))
	case last.State == TimeNull && start.State == TimeValid:
		consider(start.T.Add(timeout))
	}
	if maxAge > 0 && start.State == TimeValid {
		consider(start.T.Add(maxAge))
	}
	return at
}

// neverIdleHint explains a server that has run for much longer than the
// timeout yet is still active: something keeps reporting activity.
func neverIdleHint(sd *ServerDecision) string {
	if sd.Reason != Active || sd.Age < 2*sd.Timeout || sd.Idle > sd.Timeout/2 {
		return ""
	}
	return fmt.Sprintf("running %s but active %s ago: usually a browser tab left open that polls, an open terminal, "+
		"or no kernel culling on the single-user server (MappingKernelManager.cull_idle_timeout)",
		sd.Age.Round(time.Second), sd.Idle.Round(time.Second))
}

// ruleLabel is a decision's rule as logs, metrics and --explain show it.
func ruleLabel(rule string) string {
	if rule == "" {
		return FlagsRule
	}
	return rule
}

func serverLabel(name string) string {
	if name == "" {
		return "(default)"
	}
	return Quote(name)
}

func formatTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

// formatEligible says when, relative to now.
func formatEligible(at *time.Time, now time.Time) string {
	if at == nil {
		return "never (at the current state)"
	}
	if !at.After(now) {
		return formatTime(at) + " (passed: eligible now)"
	}
	return fmt.Sprintf("%s (in %s)", formatTime(at), at.Sub(now).Round(time.Second))
}

func formatDecision(en *Entry) string {
	return fmt.Sprintf("%s (%s: %s)", en.Decision, en.Reason, Escape(en.Detail))
}

// WriteText prints the explanation for people.
func (e *Explanation) WriteText(w io.Writer) error {
	var b strings.Builder
	admin := ""
	if e.Admin {
		admin = " (admin)"
	}
	fmt.Fprintf(&b, "user %s%s at %s\n", Quote(e.User), admin, formatTime(&e.Now))
	if len(e.Servers) == 0 {
		b.WriteString("  no active servers\n")
	}
	entries := e.Servers
	if e.Self != nil {
		entries = append(entries[:len(entries):len(entries)], *e.Self)
	}
	for i := range entries {
		en := &entries[i]
		if en.IsUser {
			fmt.Fprintf(&b, "\nthe user itself (--cull-users)\n")
			fmt.Fprintf(&b, "  %-14s %s\n", "created:", formatTime(en.Started))
		} else {
			fmt.Fprintf(&b, "\nserver %s\n", serverLabel(en.Server))
			fmt.Fprintf(&b, "  %-14s %s\n", "state:", en.State)
			fmt.Fprintf(&b, "  %-14s %s\n", "started:", formatTime(en.Started))
		}
		fmt.Fprintf(&b, "  %-14s %s\n", "last_activity:", formatTime(en.LastActivity))
		idle := "-"
		if en.idle > 0 {
			idle = en.idle.Round(time.Second).String()
		}
		fmt.Fprintf(&b, "  %-14s %s\n", "idle for:", idle)
		fmt.Fprintf(&b, "  %-14s %s\n", "rule:", en.Rule)
		fmt.Fprintf(&b, "  %-14s %s\n", "decision:", formatDecision(en))
		fmt.Fprintf(&b, "  %-14s %s\n", "eligible:", formatEligible(en.EligibleAt, e.Now))
		if en.Hint != "" {
			fmt.Fprintf(&b, "  %-14s %s\n", "hint:", en.Hint)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
