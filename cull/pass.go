package cull

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hubctl/hubctl/hub"
)

// Culler runs culling passes against one Hub.
type Culler struct {
	Client      *Client
	Policy      Policy
	Log         *slog.Logger
	DryRun      bool // decide and log, never DELETE
	Concurrency int  // users acted on at once; requests are bounded by the Client
	Metrics     *Metrics
	Now         func() time.Time // nil = time.Now
	// Progress, when set, hears how a long pass goes: users listed so far
	// (total 0), then plans acted on out of total.
	Progress func(stage string, done, total int)
	// StopTimeout bounds how long a stop the Hub answered 202 to is
	// followed before it counts as stuck; 0 = DefaultStopTimeout.
	StopTimeout time.Duration
	// StopPoll is the first wait between two looks at a stop being
	// followed; it doubles up to maxStopPoll. 0 = 500 ms.
	StopPoll time.Duration
	// Notify, when set, warns of culls to come (notify.go).
	Notify *Notify
	// PublicURL is where kernel checks (Policy.CheckKernels) reach the
	// single-user servers: the proxy's public URL (--public-url); nil =
	// each server's URL as the Hub gives it.
	PublicURL *url.URL
	// KernelTimeout bounds one kernel check; 0 = DefaultKernelTimeout.
	KernelTimeout time.Duration

	kernelState
	logOnce sync.Once
	log     *slog.Logger
	owner   ScopeError // whom the token belongs to, for hints; set as a pass begins
	// lacking is the wanted scopes the token lacked at the last pass, so
	// that the warning is logged when it changes, not on every pass.
	lacking string

	stuckMu sync.Mutex
	// stuck is the stops a pass followed to its StopTimeout without seeing
	// them finish, by user and server, with the time of the first 202: the
	// next pass follows them again. A Hub with the state filter lists such
	// a server under neither "ready" nor "inactive", so only this finds it.
	stuck map[string]map[string]followedStop // since and rule of each; no attrs
}

// DefaultStopTimeout is how long a stop is followed after a 202 by default.
const DefaultStopTimeout = 60 * time.Second

// maxStopPoll caps the wait between two looks at a stop being followed.
const maxStopPoll = 5 * time.Second

// logger is Log behind a handler that keeps the token out of every line.
func (c *Culler) logger() *slog.Logger {
	c.logOnce.Do(func() {
		c.log = slog.New(&redactHandler{inner: c.Log.Handler(), token: c.Client.cfg.Token})
	})
	return c.log
}

func (c *Culler) progress(stage string, done, total int) {
	if c.Progress != nil {
		c.Progress(stage, done, total)
	}
}

// Summary is what one pass saw and did.
type Summary struct {
	Users         int // users seen
	ServersCulled int // stopped (204, or 202 and then seen stopped) or already gone (404)
	// StuckStops is the stops the Hub accepted (202) that were not seen to
	// finish within the stop timeout; the next pass follows them again.
	StuckStops  int
	UsersCulled int
	Kept        map[Reason]int // servers and users kept, by reason
	// ByRule is what was culled and kept under each rule of --rules, and
	// under FlagsRule where none matched.
	ByRule map[string]*RuleCounts
	// KernelChecksFailed is the servers whose kernels could not be checked
	// (--check-kernels), which were judged without it.
	KernelChecksFailed int
	Errors             int
	Duration           time.Duration
	// WouldCull lists, in a dry run, what a real pass would stop or delete.
	WouldCull []Planned
	// Notified is the warnings of a coming cull sent (queued) this pass,
	// or in a dry run listed in WouldNotify.
	Notified    int
	WouldNotify []Notice
}

// RuleCounts is what a pass did under one rule.
type RuleCounts struct {
	ServersCulled, UsersCulled int
	Kept                       map[Reason]int
}

func (s *Summary) under(rule string) *RuleCounts {
	if s.ByRule == nil {
		s.ByRule = map[string]*RuleCounts{}
	}
	rc := s.ByRule[rule]
	if rc == nil {
		rc = &RuleCounts{Kept: map[Reason]int{}}
		s.ByRule[rule] = rc
	}
	return rc
}

// keep counts a server or user kept for reason under rule ("" = the flags).
func (s *Summary) keep(rule string, reason Reason) {
	s.Kept[reason]++
	s.under(ruleLabel(rule)).Kept[reason]++
}

// culledServer and culledUser count a cull under rule ("" = the flags).
func (s *Summary) culledServer(rule string) {
	s.ServersCulled++
	s.under(ruleLabel(rule)).ServersCulled++
}

func (s *Summary) culledUser(rule string) {
	s.UsersCulled++
	s.under(ruleLabel(rule)).UsersCulled++
}

// ruleAttr is the log attribute naming the rule a decision fell under;
// empty, and so left out of the line, when the flags decided.
func ruleAttr(rule string) slog.Attr {
	if rule == "" {
		return slog.Attr{}
	}
	return slog.String("rule", rule)
}

// byRuleString renders ByRule in a fixed order, e.g.
// "flags: culled=3 kept=10, gpu: culled=1 kept=2".
func byRuleString(by map[string]*RuleCounts) string {
	var parts []string
	for _, rule := range slices.Sorted(maps.Keys(by)) {
		rc, kept := by[rule], 0
		for _, n := range rc.Kept {
			kept += n
		}
		parts = append(parts, fmt.Sprintf("%s: culled=%d kept=%d", rule, rc.ServersCulled+rc.UsersCulled, kept))
	}
	return strings.Join(parts, ", ")
}

// Planned is one thing a dry run would cull.
type Planned struct {
	User   string        `json:"user"`
	Server string        `json:"server"` // "" for the default server; unset for a user
	IsUser bool          `json:"is_user"`
	Idle   time.Duration `json:"idle_ns"`
	Reason Reason        `json:"reason"`
	Rule   string        `json:"rule"` // the --rules rule, or "flags"
	Why    string        `json:"why"`
}

// plan is a decision that asks for requests, kept until listing is done.
type plan struct {
	Decision
	admin   bool
	targets map[string]serverURLs // by server name, for kernel checks; nil without them
}

// Pass lists every user first, then acts: stopping servers while paging by
// offset would shift the later pages and skip users.
func (c *Culler) Pass(ctx context.Context) (sum Summary, err error) {
	start := time.Now()
	sum.Kept = map[Reason]int{}
	c.Client.resetPace()
	stopProbe := c.Client.probeHub(ctx)
	defer func() {
		stopProbe()
		sum.Duration = time.Since(start)
		c.Metrics.observePass(&sum, err, c.DryRun)
		c.logPace()
	}()

	version, err := c.Client.Version(ctx)
	if err != nil {
		return sum, fmt.Errorf("asking the Hub for its version: %w", err)
	}
	id, err := c.Client.Whoami(ctx)
	if err != nil {
		return sum, fmt.Errorf("asking the Hub who the token is: %w", err)
	}
	c.owner = ScopeError{Kind: c.Client.replyValue(id.Kind), Name: c.Client.replyValue(id.Name), Policy: &c.Policy}
	if missing := MissingScopes(&id, &c.Policy); len(missing) > 0 {
		se := c.owner
		se.Missing = missing
		return sum, &se
	}
	c.warnWanted(&id)

	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	at := now()
	var plans []plan
	// A user can be listed twice: up to 4.1 the state=ready list has a row
	// per ready server (apihandlers/users.py, 4.1.6), and a user may move
	// from "inactive" to "ready" between the two listings. The latest view
	// decides what is done; the user, and the reasons for what is kept, are
	// counted and logged once, at the first.
	index := map[string]int{} // user name → its plan, or -1 for none
	// notices is, by user, the servers in the window for a warning (the
	// latest view, as for plans).
	var notices map[string][]Notice
	if c.Notify != nil {
		notices = map[string][]Notice{}
	}
	seen := 0
	visit := func(u *apiUser) {
		seen++
		if seen%500 == 0 {
			c.progress("listing", seen, 0)
		}
		rec := u.record()
		d := Decide(&rec, at, &c.Policy)
		if notices != nil {
			if ns := c.Notify.noticesFor(&rec, &d, at); ns != nil {
				notices[rec.Name] = ns
			} else {
				delete(notices, rec.Name)
			}
		}
		i, again := index[rec.Name]
		if !again {
			c.logKept(&d, &sum)
			i = -1
		}
		switch {
		case i >= 0:
			plans[i] = plan{Decision: d, admin: rec.Admin, targets: c.kernelTargets(u)}
		case d.Acts():
			index[rec.Name] = len(plans)
			plans = append(plans, plan{Decision: d, admin: rec.Admin, targets: c.kernelTargets(u)})
		default:
			index[rec.Name] = -1
		}
	}
	// The state filter came with JupyterHub 1.3; "ready" leaves out users
	// with no running server, so deletable users come from "inactive".
	// A version hubctl cannot read counts as new, since new Hubs are the
	// common case.
	v, err := hub.ParseVersion(version)
	states := []string{""}
	if err != nil || hub.HasStateFilter(v) {
		states = []string{"ready"}
		if c.Policy.CullUsers {
			states = []string{"inactive", "ready"}
		}
	}
	for _, state := range states {
		pages, err := c.Client.ListUsers(ctx, state, visit)
		if err != nil {
			// Counted here, as a request's error is: the pass summary and
			// the errors-by-kind metric both show a listing that broke off.
			if ctx.Err() == nil {
				sum.Errors++
				c.Metrics.countError(err)
			}
			return sum, fmt.Errorf("listing users: %w", err)
		}
		c.logger().Debug("listed users", "state", state, "pages", pages)
	}
	sum.Users = len(index)
	if notices != nil {
		var cands []Notice
		for _, ns := range notices {
			cands = append(cands, ns...)
		}
		c.sendNotices(ctx, cands, &sum)
	}

	var mu sync.Mutex
	merge := func(r *Summary) {
		mu.Lock()
		defer mu.Unlock()
		sum.ServersCulled += r.ServersCulled
		sum.StuckStops += r.StuckStops
		sum.UsersCulled += r.UsersCulled
		sum.KernelChecksFailed += r.KernelChecksFailed
		sum.Errors += r.Errors
		sum.WouldCull = append(sum.WouldCull, r.WouldCull...)
		for k, n := range r.Kept {
			sum.Kept[k] += n
		}
		for rule, rc := range r.ByRule {
			to := sum.under(rule)
			to.ServersCulled += rc.ServersCulled
			to.UsersCulled += rc.UsersCulled
			for k, n := range rc.Kept {
				to.Kept[k] += n
			}
		}
	}
	// Stops are followed outside the workers, so that a slow one holds up
	// no other user; their requests share the Client's bound with the rest.
	var followers sync.WaitGroup
	followInBackground := func(f *following) {
		followers.Add(1)
		go func() {
			defer followers.Done()
			r := c.follow(ctx, f)
			merge(&r)
		}()
	}
	for _, f := range c.takeStuck() {
		followInBackground(f)
	}
	done := 0
	work := make(chan *plan)
	var wg sync.WaitGroup
	for range max(c.Concurrency, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range work {
				r, f := c.act(ctx, p)
				if f != nil {
					followInBackground(f)
				}
				merge(&r)
				mu.Lock()
				done++
				c.progress("acting", done, len(plans))
				mu.Unlock()
			}
		}()
	}
	for i := range plans {
		if ctx.Err() != nil {
			break
		}
		work <- &plans[i]
	}
	close(work)
	wg.Wait()
	followers.Wait()
	if ctx.Err() != nil {
		return sum, ctx.Err()
	}
	slices.SortFunc(sum.WouldCull, func(a, b Planned) int {
		return strings.Compare(a.User+"\x00"+a.Server, b.User+"\x00"+b.Server)
	})
	if sum.Errors > 0 {
		return sum, fmt.Errorf("%d requests to the Hub failed", sum.Errors)
	}
	return sum, nil
}

// logKept counts and logs what a decision keeps: at info level when the
// culler holds back on purpose, at debug level for plain activity.
func (c *Culler) logKept(d *Decision, sum *Summary) {
	for _, s := range d.Servers {
		if s.Reason.Culls() {
			continue
		}
		sum.keep(s.Rule, s.Reason)
		level := slog.LevelDebug
		if s.Reason.Careful() {
			level = slog.LevelInfo
		}
		c.logger().Log(context.Background(), level, "keeping server", "user", d.User, "server", s.Server, "reason", string(s.Reason), "why", s.Detail, ruleAttr(s.Rule))
	}
	if d.UserReason != "" && !d.UserReason.Culls() {
		sum.keep(d.UserRule, d.UserReason)
		level := slog.LevelDebug
		if d.UserReason.Careful() {
			level = slog.LevelInfo
		}
		c.logger().Log(context.Background(), level, "keeping user", "user", d.User, "reason", string(d.UserReason), "why", d.UserDetail, ruleAttr(d.UserRule))
	}
}

// act carries out one user's plan: its servers first, then the user if all
// of them are gone. Stops the Hub answered 202 to are returned, with the
// rest of the plan, to be followed.
func (c *Culler) act(ctx context.Context, p *plan) (Summary, *following) {
	r := Summary{Kept: map[Reason]int{}}
	allGone := true
	var f *following
	for i := range p.Servers {
		s := &p.Servers[i]
		if !s.Reason.Culls() {
			allGone = false
			continue
		}
		if c.kernelsKeep(ctx, p, s, &r) {
			r.keep(s.Rule, BusyKernel)
			allGone = false
			continue
		}
		attrs := []any{"user", p.User, "server", s.Server, "reason", string(s.Reason), "why", s.Detail, ruleAttr(s.Rule)}
		if c.DryRun {
			c.logger().Info("would cull server (dry run)", attrs...)
			r.culledServer(s.Rule)
			r.WouldCull = append(r.WouldCull, Planned{User: p.User, Server: s.Server, Idle: s.Idle, Reason: s.Reason, Rule: ruleLabel(s.Rule), Why: s.Detail})
			continue
		}
		res, msg, err := c.Client.StopServer(ctx, p.User, s.Server, s.Remove)
		var se *StatusError
		if errors.As(err, &se) && se.Code == http.StatusInternalServerError {
			// JupyterHub 3.0 answers 500, not 404, when the user was deleted
			// since the listing (users.py never checks find_user for None).
			if exists, xerr := c.Client.UserExists(ctx, p.User); xerr == nil && !exists {
				res, err = Gone, nil
			}
		}
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return r, nil
			}
			allGone = false
			r.Errors++
			c.Metrics.countError(err)
			c.logger().Error("stopping server failed", append(attrs, c.errAttrs(err)...)...)
		case res == Stopped || res == Gone:
			r.culledServer(s.Rule)
			verb := "culled server"
			if res == Gone {
				verb = "server already gone"
			}
			if s.Remove {
				attrs = append(attrs, "removed", true)
			}
			c.logger().Info(verb, attrs...)
		case res == Stopping:
			if s.Remove {
				attrs = append(attrs, "removed", true)
			}
			if f == nil {
				f = &following{p: p, user: p.User, servers: map[string]followedStop{}}
			}
			f.servers[s.Server] = followedStop{since: time.Now(), rule: s.Rule, attrs: attrs}
			c.logger().Debug("server is slow to stop; following it", attrs...)
		case res == Refused:
			allGone = false
			r.keep(s.Rule, Pending)
			c.logger().Info("keeping server", "user", p.User, "server", s.Server, "reason", string(Pending), "why", "the Hub refused to stop it: "+msg, ruleAttr(s.Rule))
		}
	}
	if f != nil {
		f.allGone = allGone
		return r, f
	}
	c.finishUser(ctx, p, allGone, &r)
	return r, nil
}

// finishUser deletes the plan's user when it is to be culled and all of its
// servers are gone, and counts it kept otherwise.
func (c *Culler) finishUser(ctx context.Context, p *plan, allGone bool, r *Summary) {
	if !allGone || !p.CullsUser() {
		if p.UserReason.Culls() {
			r.keep(p.UserRule, ServersLeft)
			c.logger().Info("keeping user", "user", p.User, "reason", string(ServersLeft), "why", "a server is still running or stopping")
		}
		return
	}
	attrs := []any{"user", p.User, "reason", string(p.UserReason), "why", p.UserDetail, ruleAttr(p.UserRule)}
	if c.DryRun {
		c.logger().Info("would delete user (dry run)", attrs...)
		r.culledUser(p.UserRule)
		r.WouldCull = append(r.WouldCull, Planned{User: p.User, IsUser: true, Idle: p.UserIdle, Reason: p.UserReason, Rule: ruleLabel(p.UserRule), Why: p.UserDetail})
		return
	}
	res, msg, err := c.Client.DeleteUser(ctx, p.User)
	switch {
	case err != nil:
		if ctx.Err() == nil {
			r.Errors++
			c.Metrics.countError(err)
			c.logger().Error("deleting user failed", append(attrs, c.errAttrs(err)...)...)
		}
	case res == Stopped || res == Gone:
		r.culledUser(p.UserRule)
		c.logger().Info("culled user", attrs...)
	default:
		r.keep(p.UserRule, Pending)
		c.logger().Info("keeping user", "user", p.User, "reason", string(Pending), "why", "the Hub refused to delete it now: "+msg)
	}
}

// errAttrs logs an error, with the same hint as a failed scope check when
// the Hub answers 403: the token's role changed since the pass began.
func (c *Culler) errAttrs(err error) []any {
	var se *StatusError
	if errors.As(err, &se) && se.Code == http.StatusForbidden {
		return []any{"err", err, "hint", c.owner.Hint()}
	}
	return []any{"err", err}
}

// keptString renders kept counts in a fixed order, e.g. "active=3 pending=1".
func keptString(kept map[Reason]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(kept)) {
		parts = append(parts, fmt.Sprintf("%s=%d", k, kept[k]))
	}
	return strings.Join(parts, " ")
}

// Run culls at once and then every interval until ctx ends. A failed pass is
// logged and the next one comes on time; passes never overlap. It returns
// when the notifications still running have ended too.
func (c *Culler) Run(ctx context.Context, every time.Duration) {
	defer c.WaitNotifications()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		_, _ = c.RunPass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// RunPass runs one pass and logs its summary line.
func (c *Culler) RunPass(ctx context.Context) (Summary, error) {
	sum, err := c.Pass(ctx)
	if ctx.Err() != nil {
		return sum, ctx.Err()
	}
	attrs := []any{
		"users", sum.Users, "servers_culled", sum.ServersCulled, "stuck_stops", sum.StuckStops,
		"users_culled", sum.UsersCulled, "kept", keptString(sum.Kept), "errors", sum.Errors,
		"duration", sum.Duration.Round(time.Millisecond).String(),
	}
	if c.Notify != nil {
		attrs = append(attrs, "notified", sum.Notified)
	}
	if len(c.Policy.Rules) > 0 {
		attrs = append(attrs, "by_rule", byRuleString(sum.ByRule))
	}
	if c.Policy.CheckKernels {
		attrs = append(attrs, "kernel_checks_failed", sum.KernelChecksFailed)
	}
	if c.DryRun {
		attrs = append(attrs, "dry_run", true)
	}
	if err != nil {
		attrs = append(attrs, "err", err)
		var h interface{ Hint() string }
		if errors.As(err, &h) {
			attrs = append(attrs, "hint", h.Hint())
		}
		c.logger().Error("cull pass failed", attrs...)
		return sum, err
	}
	c.logger().Info("cull pass done", attrs...)
	return sum, nil
}
