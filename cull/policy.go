package cull

import (
	"fmt"
	"regexp"
	"time"
)

// Policy is what the culler's flags say about which servers and users to cull.
type Policy struct {
	Timeout            time.Duration // idle for at least this long: cull
	MaxAge             time.Duration // running for at least this long: cull even if active; 0 = off
	CullUsers          bool          // also delete idle users whose servers are all gone
	CullAdminUsers     bool          // with CullUsers, admins may be deleted too
	CullDefaultServers bool
	CullNamedServers   bool
	RemoveNamedServers bool             // stop named servers and remove them
	Exclude            []*regexp.Regexp // users never touched
	// Rules (--rules) give some servers their own timeout, max age, or
	// never: the first that matches a server decides; none = the above.
	Rules []Rule
	// CheckKernels asks a server judged idle for its kernels before it is
	// stopped (--check-kernels): a busy one keeps it (BusyKernel). The
	// check is a step of the pass (kernels.go), not of Decide.
	CheckKernels bool
}

// Reason says why a server or user is culled or kept; it is the label of the
// kept-by-reason counts in the pass summary and in the metrics.
type Reason string

const (
	Idle   Reason = "idle"    // culled: idle for at least Timeout
	MaxAge Reason = "max-age" // culled: older than MaxAge

	Active            Reason = "active"             // kept: recent activity
	Pending           Reason = "pending"            // kept: spawn, stop or check in progress
	NotReady          Reason = "not-ready"          // kept: neither pending nor ready
	NoTimestamp       Reason = "no-timestamp"       // kept: nothing to measure idleness by
	BadTimestamp      Reason = "bad-timestamp"      // kept: a timestamp hubctl cannot read
	FutureActivity    Reason = "future-activity"    // kept: activity after now (clock skew)
	Excluded          Reason = "excluded"           // kept: --exclude-user matched
	AdminUser         Reason = "admin"              // kept: admin user, --cull-admin-users=false
	DefaultServerKept Reason = "default-server-off" // kept: --cull-default-servers=false
	NamedServerKept   Reason = "named-server-off"   // kept: --cull-named-servers=false
	ServersLeft       Reason = "servers-left"       // user kept: a server of theirs stays or is still stopping
	UnaddressableName Reason = "unaddressable-name" // kept: "." or "..", which no request path can carry
	RuleNever         Reason = "rule-never"         // kept: a --rules rule with never: true matched
	MatchUnknown      Reason = "match-unknown"      // kept: a rule matches on groups, which the Hub's reply lacks
)

// Culls reports whether a reason means the thing is culled.
func (r Reason) Culls() bool { return r == Idle || r == MaxAge }

// Careful reports whether keeping for this reason deserves a log line at
// info level rather than debug: the culler is holding back on purpose.
func (r Reason) Careful() bool { return !r.Culls() && r != Active }

// ServerDecision is the verdict on one server.
type ServerDecision struct {
	Server string // "" = the default server
	Reason Reason
	Rule   string // the --rules rule that matched; "" = none, the flags decided
	// Timeout and MaxAge are what applied: the rule's, or the flags'.
	Timeout, MaxAge time.Duration
	Remove          bool          // with a cull: remove the named server too
	Idle            time.Duration // how long idle, when known
	Age             time.Duration // how long running, when known
	Detail          string        // what the reason rests on, for the log
}

// Decision is the verdict on one user: each server's, and whether the user
// is to be deleted once all of its servers are gone.
type Decision struct {
	User    string
	Servers []ServerDecision
	// UserReason is set only with Policy.CullUsers.
	UserReason Reason
	UserRule   string // the rule that keeps the user (never), or ""
	UserIdle   time.Duration
	UserDetail string
}

// CullsUser reports whether the user is to be deleted (after its servers stop).
func (d *Decision) CullsUser() bool {
	if !d.UserReason.Culls() {
		return false
	}
	for _, s := range d.Servers {
		if !s.Reason.Culls() {
			return false // a server stays, so the user stays
		}
	}
	return true
}

// Acts reports whether the decision asks for any request to the Hub.
func (d *Decision) Acts() bool {
	for _, s := range d.Servers {
		if s.Reason.Culls() {
			return true
		}
	}
	return d.CullsUser()
}

// Decide is the whole idle policy: a pure function of a user, the time and
// the policy. It never culls what it cannot be sure about.
func Decide(u *User, now time.Time, p *Policy) Decision {
	d := Decision{User: u.Name, Servers: make([]ServerDecision, 0, len(u.Servers))}
	if why := unaddressable("user", u.Name); why != "" {
		for i := range u.Servers {
			d.Servers = append(d.Servers, ServerDecision{Server: u.Servers[i].Name, Reason: UnaddressableName, Detail: why})
		}
		if p.CullUsers {
			d.UserReason, d.UserDetail = UnaddressableName, why
		}
		return d
	}
	excluded := false
	for _, re := range p.Exclude {
		if re.MatchString(u.Name) {
			excluded = true
			break
		}
	}
	for i := range u.Servers {
		if excluded {
			d.Servers = append(d.Servers, ServerDecision{Server: u.Servers[i].Name, Reason: Excluded, Detail: "user matches --exclude-user"})
			continue
		}
		d.Servers = append(d.Servers, decideServer(u, &u.Servers[i], now, p))
	}
	if !p.CullUsers {
		return d
	}
	switch {
	case excluded:
		d.UserReason, d.UserDetail = Excluded, "user matches --exclude-user"
	case u.Admin && !p.CullAdminUsers:
		d.UserReason, d.UserDetail = AdminUser, "admin user and --cull-admin-users=false"
	default:
		if r, known := neverForUser(p.Rules, u); r != nil {
			d.UserRule = r.Name
			if known {
				d.UserReason, d.UserDetail = RuleNever, fmt.Sprintf("rule %q (never: true) matches the user", r.Name)
			} else {
				d.UserReason, d.UserDetail = MatchUnknown, groupsUnknown(r)
			}
			return d
		}
		d.UserReason, d.UserIdle, d.UserDetail = judge(u.LastActivity, u.Created, "created", now, p.Timeout, p.MaxAge)
	}
	return d
}

// firstRule is the first rule that matches server s of user u, or nil for
// none. known is false when a rule could not be judged for want of the
// user's groups: then it is that rule, and nothing after it counts.
func firstRule(rules []Rule, u *User, s *Server) (r *Rule, known bool) {
	for i := range rules {
		r := &rules[i]
		if !r.matchServer(s) {
			continue
		}
		if match, known := r.matchUser(u); match || !known {
			return r, known
		}
	}
	return nil, true
}

// neverForUser is a rule with never: true whose user-level keys (user,
// group, admin) hold for u, or nil. Its server and profile keys are not
// asked: a user whose servers are gone has none to match, and a never
// rule for some of a user's servers keeps the user too.
func neverForUser(rules []Rule, u *User) (r *Rule, known bool) {
	for i := range rules {
		r := &rules[i]
		if !r.Never {
			continue
		}
		if match, known := r.matchUser(u); match || !known {
			return r, known
		}
	}
	return nil, true
}

func groupsUnknown(r *Rule) string {
	return fmt.Sprintf("rule %q matches on group %q, and the Hub's reply has no groups for the user (the token lacks read:users:groups)", r.Name, r.Group)
}

// unaddressable says why a name cannot be sent as a segment of a request
// path, or "" when it can. url.PathEscape leaves "." and ".." as they are,
// and a proxy or an HTTP client may resolve /users/../server to /server.
func unaddressable(what, name string) string {
	if name != "." && name != ".." {
		return ""
	}
	return fmt.Sprintf("the %s name %q cannot be sent as a path segment: proxies and clients resolve it away, so a request would reach another path", what, name)
}

func decideServer(u *User, s *Server, now time.Time, p *Policy) ServerDecision {
	d := ServerDecision{Server: s.Name, Timeout: p.Timeout, MaxAge: p.MaxAge}
	if why := unaddressable("server", s.Name); why != "" {
		d.Reason, d.Detail = UnaddressableName, why
		return d
	}
	if len(p.Rules) > 0 {
		r, known := firstRule(p.Rules, u, s)
		switch {
		case r == nil:
		case !known:
			d.Rule, d.Reason, d.Detail = r.Name, MatchUnknown, groupsUnknown(r)
			return d
		case r.Never:
			d.Rule, d.Reason, d.Detail = r.Name, RuleNever, fmt.Sprintf("rule %q: never: true", r.Name)
			return d
		default:
			d.Rule = r.Name
			if r.HasTimeout {
				d.Timeout = r.Timeout
			}
			if r.HasMaxAge {
				d.MaxAge = r.MaxAge
			}
		}
	}
	switch {
	case s.Pending != "":
		d.Reason, d.Detail = Pending, "pending "+s.Pending
		return d
	case !s.Ready:
		d.Reason, d.Detail = NotReady, "not ready and not pending"
		return d
	case s.Name == "" && !p.CullDefaultServers:
		d.Reason, d.Detail = DefaultServerKept, "--cull-default-servers=false"
		return d
	case s.Name != "" && !p.CullNamedServers:
		d.Reason, d.Detail = NamedServerKept, "--cull-named-servers=false"
		return d
	}
	if s.Started.State == TimeValid {
		d.Age = now.Sub(s.Started.T)
	}
	d.Reason, d.Idle, d.Detail = judge(s.LastActivity, s.Started, "started", now, d.Timeout, d.MaxAge)
	d.Remove = d.Reason.Culls() && s.Name != "" && p.RemoveNamedServers
	return d
}

// judge measures idleness by last activity, or by the start time (creation
// time, for users) when there has been no activity yet, and applies the
// timeout and the maximum age. Missing or unreadable timestamps keep; so does
// activity in the future, unless the maximum age is reached.
func judge(last, start Time, startName string, now time.Time, timeout, maxAge time.Duration) (Reason, time.Duration, string) {
	var since time.Time
	basis := "last_activity"
	switch last.State {
	case TimeValid:
		since = last.T
	case TimeNull:
		switch start.State {
		case TimeValid:
			since, basis = start.T, startName+" (never active)"
		case TimeInvalid:
			return BadTimestamp, 0, "last_activity null and " + startName + " unreadable"
		default:
			return NoTimestamp, 0, "last_activity null and no " + startName
		}
	case TimeInvalid:
		return BadTimestamp, 0, "last_activity unreadable"
	default:
		return NoTimestamp, 0, "no last_activity in the Hub's reply"
	}
	idle := now.Sub(since)
	future := ""
	if idle < 0 {
		future = fmt.Sprintf("%s is %s in the future", basis, (-idle).Round(time.Second))
	} else if idle >= timeout {
		return Idle, idle, fmt.Sprintf("%s %s ago >= timeout %s", basis, idle.Round(time.Second), timeout)
	}
	// The age rests on the start time alone, which the Hub stamps with its
	// own clock; activity in the future (a single-user server whose clock
	// runs fast, which the Hub accepts up to an hour ahead) does not hold
	// it off.
	if maxAge > 0 && start.State == TimeValid {
		if age := now.Sub(start.T); age >= maxAge {
			detail := fmt.Sprintf("%s %s ago >= max-age %s", startName, age.Round(time.Second), maxAge)
			if future != "" {
				detail += "; " + future + " (clock skew)"
			}
			return MaxAge, idle, detail
		}
	}
	if future != "" {
		return FutureActivity, idle, future
	}
	return Active, idle, fmt.Sprintf("%s %s ago < timeout %s", basis, idle.Round(time.Second), timeout)
}
