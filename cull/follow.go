package cull

import (
	"context"
	"maps"
	"slices"
	"time"
)

// following is a user's stops that the Hub answered 202 to, to be watched
// until the Hub shows them finished or the stop timeout passes.
type following struct {
	p       *plan // nil for stops an earlier pass left unfinished: no user is deleted then
	user    string
	servers map[string]followedStop
	allGone bool // the user's other servers are gone
}

type followedStop struct {
	since time.Time // the first 202
	rule  string    // the rule it was culled under ("" = the flags)
	attrs []any     // what the culled-server line says of it
}

func (c *Culler) stopTimeout() time.Duration {
	if c.StopTimeout > 0 {
		return c.StopTimeout
	}
	return DefaultStopTimeout
}

func (c *Culler) stopPoll() time.Duration {
	if c.StopPoll > 0 {
		return c.StopPoll
	}
	return 500 * time.Millisecond
}

// follow looks at the user (GET /users/{name}) with a doubling wait until
// each followed server is stopped, the stop timeout passes, or ctx ends;
// then, for a plan of this pass, it deletes the user if all of its servers
// are gone. A stop seen to finish counts as a cull; one that does not is
// logged, counted as stuck and left to the next pass.
func (c *Culler) follow(ctx context.Context, f *following) Summary {
	r := Summary{Kept: map[Reason]int{}}
	timeout := c.stopTimeout()
	deadline := time.Now().Add(timeout)
	wait := c.stopPoll()
	left := slices.Sorted(maps.Keys(f.servers))
	allGone := f.allGone
	for len(left) > 0 {
		remaining := time.Until(deadline)
		if remaining <= 0 {
			break
		}
		t := time.NewTimer(min(wait, remaining))
		select {
		case <-ctx.Done():
			t.Stop()
			return r
		case <-t.C:
		}
		wait = min(2*wait, maxStopPoll)
		states, found, err := c.Client.stopStates(ctx, f.user, left)
		if err != nil {
			if ctx.Err() != nil {
				return r
			}
			r.Errors++
			c.Metrics.countError(err)
			c.logger().Error("following a stop failed; the next pass follows it again", append([]any{"user", f.user, "servers", left}, c.errAttrs(err)...)...)
			for _, name := range left {
				c.rememberStuck(f.user, name, f.servers[name])
			}
			return r
		}
		var still []string
		for _, name := range left {
			st := f.servers[name]
			state := states[name]
			if found && state == stillStopping {
				still = append(still, name)
				continue
			}
			c.forgetStuck(f.user, name)
			r.culledServer(st.rule)
			attrs := append(slices.Clip(st.attrs), "confirmed_after", time.Since(st.since).Round(time.Millisecond).String())
			switch {
			case !found:
				attrs = append(attrs, "user_gone", true)
			case state == startedAgain:
				// The stop finished, and the server was started again
				// since: the user has a server, so it stays.
				allGone = false
				attrs = append(attrs, "started_again", true)
			}
			c.logger().Info("culled server", attrs...)
		}
		if !found {
			return r // deleted by someone else: nothing left to do
		}
		left = still
	}
	for _, name := range left {
		st := f.servers[name]
		allGone = false
		r.StuckStops++
		c.rememberStuck(f.user, name, st)
		c.logger().Warn("stop not finished within --stop-timeout; the next pass follows it again",
			"user", f.user, "server", name, "stop_timeout", timeout.String(), "stopping_for", time.Since(st.since).Round(time.Second).String())
	}
	if f.p != nil {
		c.finishUser(ctx, f.p, allGone, &r)
	}
	return r
}

// takeStuck hands the stops left unfinished by earlier passes over to be
// followed again; those that stay stuck are remembered anew.
func (c *Culler) takeStuck() []*following {
	c.stuckMu.Lock()
	defer c.stuckMu.Unlock()
	var out []*following
	for _, user := range slices.Sorted(maps.Keys(c.stuck)) {
		f := &following{user: user, servers: map[string]followedStop{}, allGone: true}
		for server, st := range c.stuck[user] {
			f.servers[server] = followedStop{since: st.since, rule: st.rule,
				attrs: []any{"user", user, "server", server, "why", "a stop an earlier pass saw unfinished", ruleAttr(st.rule)}}
		}
		out = append(out, f)
	}
	c.stuck = nil
	return out
}

func (c *Culler) rememberStuck(user, server string, st followedStop) {
	c.stuckMu.Lock()
	defer c.stuckMu.Unlock()
	if c.stuck == nil {
		c.stuck = map[string]map[string]followedStop{}
	}
	if c.stuck[user] == nil {
		c.stuck[user] = map[string]followedStop{}
	}
	c.stuck[user][server] = followedStop{since: st.since, rule: st.rule}
}

func (c *Culler) forgetStuck(user, server string) {
	c.stuckMu.Lock()
	defer c.stuckMu.Unlock()
	delete(c.stuck[user], server)
	if len(c.stuck[user]) == 0 {
		delete(c.stuck, user)
	}
}
