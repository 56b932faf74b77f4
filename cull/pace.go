package cull

import (
	"context"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// slowFactor and slowMargin say when a reply is slow: it took more than
// the fastest reply of its route plus slowMargin or (slowFactor-1) times
// that fastest, whichever is more. JupyterHub
// serves every request on one event loop, so the culler's own latency
// rises as soon as the Hub has more work than it can do at once, and every
// other client of the Hub waits as long. Measured on a real Hub
// (docs/benchmarks.md, "Kind to the Hub"): at 1.5 the culler kept two or
// three stops in flight there, at 1.25 one or fewer. The margin keeps the
// jitter of fast replies (a fake Hub's take 0.1-2 ms) from reading as
// queueing: a few milliseconds more is nothing to another client. (Added
// to 1.25x instead, it let the real Hub's 40 ms stops reach 60 ms, two or
// three in flight, before they counted as slow.)
const (
	slowFactor = 1.25
	slowMargin = 10 * time.Millisecond
)

// minLimit is the lowest the limit goes: below 1, one request is in flight
// at a time and the next waits (1/limit - 1) times the last one's latency,
// so that the culler takes at most that share of the Hub's time. One stop
// after another already kept another client's p95 at 2-6x its idle value
// on the real Hub, and a floor of 1/8 at 3.7-6.8x; at 1/16 it stayed
// within 1.6x (docs/benchmarks.md). The Hub needs time of its own.
const minLimit = 0.0625

// maxGap bounds one wait below 1, whatever the last request took (a
// time-out takes the whole request timeout).
const maxGap = 5 * time.Second

// belowOneStep is the additive increase per fast reply below 1 (from
// minLimit back to 1 in 30 replies). At 1/8 (in 8) the limit was back at
// one stop after another within a second of a slow probe, and 5 - 7 % of
// another client's requests took over 3x their idle p95 on the quiet
// machine (docs/benchmarks.md).
const belowOneStep = 1.0 / 32

// once makes one attempt, paced when the client paces.
func (c *Client) once(ctx context.Context, method string, u *url.URL, body []byte, accept string) (int, []byte, http.Header, error) {
	if c.pace == nil {
		return c.send(ctx, method, u, body, accept)
	}
	ticket, err := c.pace.acquire(ctx)
	if err != nil {
		return 0, nil, nil, err
	}
	start := time.Now()
	code, data, header, err := c.send(ctx, method, u, body, accept)
	if ctx.Err() != nil {
		c.pace.release() // cut short here: it says nothing of the Hub
		return code, data, header, err
	}
	congested := err != nil || code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable
	c.pace.done(ticket, route(method, strings.TrimPrefix(u.Path, c.base.Path)), time.Since(start), congested)
	return code, data, header, err
}

// pacer bounds the requests in flight to a limit that follows the Hub's
// latency, within minLimit..max: it starts at 1 and doubles every round
// trip (slow start), grows by one per round trip after the first slow
// reply (by belowOneStep per reply below 1), and halves on a slow reply, a
// 429 or 503, or a failed request, at most once per round trip (AIMD, as
// TCP paces a network). Each route is judged against its own fastest reply
// this pass: a stop does more than a listing.
type pacer struct {
	mu        sync.Mutex
	max       float64
	limit     float64
	slowStart bool
	inFlight  int
	issued    uint64 // requests admitted so far
	cutAt     uint64 // issued at the last halving: older requests cannot halve again
	fastest   map[string]time.Duration
	notBefore time.Time     // below 1: no request starts before this
	wake      chan struct{} // closed and replaced when a slot may have opened
	lowest    float64       // the lowest limit a halving reached (max if none), for the log
	halvings  int
	// probeFastest is the fastest probe of the Hub this pass (probeHub);
	// probeCutAt is issued at the last halving a probe made.
	probeFastest  time.Duration
	probeCutAt    uint64
	probeHalvings int
	now           func() time.Time
	after         func(time.Duration) <-chan time.Time
}

func newPacer(max int) *pacer {
	return &pacer{max: float64(max), limit: 1, slowStart: true, fastest: map[string]time.Duration{},
		wake: make(chan struct{}), lowest: float64(max), now: time.Now, after: time.After}
}

// acquire waits for a slot and returns the request's ticket.
func (p *pacer) acquire(ctx context.Context) (uint64, error) {
	p.mu.Lock()
	for {
		var gap <-chan time.Time
		if p.inFlight < max(int(p.limit), 1) {
			wait := p.notBefore.Sub(p.now())
			if wait <= 0 {
				break
			}
			gap = p.after(wait)
		}
		wake := p.wake
		p.mu.Unlock()
		select {
		case <-wake:
		case <-gap:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
		p.mu.Lock()
	}
	p.inFlight++
	p.issued++
	ticket := p.issued
	p.mu.Unlock()
	return ticket, nil
}

// done hands back the slot of the request with this ticket, which took
// latency on route; congested is a reply or failure that says the Hub is
// overloaded whatever the latency.
func (p *pacer) done(ticket uint64, route string, latency time.Duration, congested bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inFlight--
	fastest, seen := p.fastest[route]
	if !congested && (!seen || latency < fastest) {
		p.fastest[route] = latency
	}
	slow := congested || seen && latency > fastest+max(slowMargin, time.Duration((slowFactor-1)*float64(fastest)))
	switch {
	case slow && ticket > p.cutAt:
		p.limit = max(minLimit, p.limit/2)
		p.lowest = min(p.lowest, p.limit)
		p.halvings++
		p.cutAt = p.issued
		p.slowStart = false
	case slow:
		// Sent before the last halving: it says nothing of the new limit.
	case p.slowStart:
		p.limit = min(p.limit+1, p.max)
	case p.limit < 1:
		p.limit = min(p.limit+belowOneStep, 1)
	default:
		p.limit = min(p.limit+1/p.limit, p.max)
	}
	if p.limit < 1 {
		p.notBefore = p.now().Add(min(time.Duration(float64(latency)*(1/p.limit-1)), maxGap))
	}
	p.wakeAll()
}

// resetPace starts a pass's pacing afresh: the limit at 1 and no fastest
// reply, since the Hub may have grown slower or faster since the last pass.
func (c *Client) resetPace() {
	if c.pace != nil {
		c.pace = newPacer(c.cfg.Concurrency)
	}
}

// logPace says, when the Hub's latency held the culler back during a pass,
// how far.
func (c *Culler) logPace() {
	if c.Client.pace == nil {
		return
	}
	limit, lowest, halvings := c.Client.pace.state()
	if halvings > 0 {
		c.Client.pace.mu.Lock()
		byProbe := c.Client.pace.probeHalvings
		c.Client.pace.mu.Unlock()
		c.logger().Info("paced requests to the Hub's latency", "max_in_flight", c.Client.cfg.Concurrency,
			"lowest_limit", round2(lowest), "limit_at_end", round2(limit), "halvings", halvings, "by_probe", byProbe)
	}
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }

// release hands back a slot without judging the request.
func (p *pacer) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.inFlight--
	p.wakeAll()
}

func (p *pacer) wakeAll() {
	close(p.wake)
	p.wake = make(chan struct{})
}

// state is the limit now, the lowest a halving reached and how many there
// were.
func (p *pacer) state() (limit, lowest float64, halvings int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limit, p.lowest, p.halvings
}

// route names the kind of request a path is, without the names in it:
// "DELETE /users/{name}/servers/{server}".
func route(method, path string) string {
	segs := strings.Split(path, "/")
	if len(segs) > 2 && segs[1] == "users" {
		segs[2] = "{name}"
		if len(segs) > 4 && segs[3] == "servers" {
			segs[4] = "{server}"
		}
	}
	return method + " " + strings.Join(segs, "/")
}

// The culler's own latency cannot show what its requests cost the Hub's
// other clients: one stop after another keeps the Hub's one event loop
// busy, and a user's request that arrives meanwhile waits, while every
// stop looks as fast as the first. So during a pass the pacer also times
// the Hub's cheapest reply, GET /hub/api/ (its version), every
// probeEvery, as any other client would see it, and halves the limit
// whenever that reply takes more than probeSlowFactor times the fastest
// one this pass (and probeMargin more): the bound the issue sets for
// another client's latency. It grows back on the culler's own fast
// replies, as before.
const (
	probeEvery      = 100 * time.Millisecond
	probeSlowFactor = 3
	probeMargin     = time.Millisecond
)

// probed judges one probe of the Hub's latency; failed is a probe that got
// no answer in time, or a 429 or 503.
func (p *pacer) probed(latency time.Duration, failed bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !failed && (p.probeFastest == 0 || latency < p.probeFastest) {
		p.probeFastest = latency
	}
	if !failed && latency <= probeSlowFactor*p.probeFastest+probeMargin {
		return
	}
	// At most one halving per probe interval of requests: a burst of slow
	// probes is one overload.
	if p.issued == p.probeCutAt && p.halvings > 0 {
		return
	}
	p.limit = max(minLimit, p.limit/2)
	p.lowest = min(p.lowest, p.limit)
	p.halvings++
	p.probeHalvings++
	p.probeCutAt = p.issued
	p.slowStart = false
}

// probeHub times GET /hub/api/ every probeEvery until ctx ends or stop is
// called, for the pacer; a client that does not pace does not probe. The
// probes bypass the concurrency bound: they are what another client sees.
func (c *Client) probeHub(ctx context.Context) (stop func()) {
	if c.pace == nil {
		return func() {}
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	p := c.pace
	u := c.base.JoinPath("/")
	go func() {
		defer close(done)
		tick := time.NewTicker(probeEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			start := time.Now()
			code, err := c.probeOnce(ctx, u)
			if ctx.Err() != nil {
				return
			}
			p.probed(time.Since(start), err != nil || code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable)
		}
	}()
	return func() { cancel(); <-done }
}

// probeOnce is one GET of the API's root, bounded by a second: a Hub that
// slow has told the pacer enough.
func (c *Client) probeOnce(ctx context.Context, u *url.URL) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, maxBody))
	resp.Body.Close()
	return resp.StatusCode, nil
}
