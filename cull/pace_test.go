package cull

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/fakehub"
)

const ms = time.Millisecond

// within and beyond are latencies just within and just beyond slowFactor
// times fastest (for a fastest of 40 ms and more, beyond slowMargin).
func within(fastest time.Duration) time.Duration {
	return time.Duration(slowFactor*float64(fastest)) - ms
}
func beyond(fastest time.Duration) time.Duration {
	return time.Duration(slowFactor*float64(fastest)) + ms
}

func TestPacerSlowThreshold(t *testing.T) {
	for _, c := range []struct {
		fastest, latency time.Duration
		slow             bool
	}{
		{100 * ms, within(100 * ms), false},
		{100 * ms, beyond(100 * ms), true},
		{40 * ms, 49 * ms, false}, // 1.25x is 10 ms: the margin and the factor agree
		{40 * ms, 51 * ms, true},
		{ms, 10 * ms, false}, // 10x, within the margin
		{ms, 12 * ms, true},
	} {
		p := newPacer(10)
		tk := take(t, p, 1)
		p.done(tk[0], "GET /", c.fastest, false)
		tk = take(t, p, 1)
		p.done(tk[0], "GET /", c.latency, false)
		if slow := p.halvings == 1; slow != c.slow {
			t.Errorf("fastest %s, then %s: slow = %v, want %v", c.fastest, c.latency, slow, c.slow)
		}
	}
}

// take admits n requests and fails if the pacer would make one wait.
func take(t *testing.T, p *pacer, n int) []uint64 {
	t.Helper()
	var tickets []uint64
	for range n {
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // acquire returns at once when a slot is free, else the error
		ticket, err := p.acquire(ctx)
		if err != nil {
			t.Fatalf("request %d of %d had to wait (limit %v, %d in flight)", len(tickets)+1, n, p.limit, p.inFlight)
		}
		tickets = append(tickets, ticket)
	}
	return tickets
}

// mustWait fails unless the next request would wait for a slot.
func mustWait(t *testing.T, p *pacer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.acquire(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("a request was admitted beyond the limit %v (%d in flight)", p.limit, p.inFlight)
	}
}

func TestPacerSlowStartThenAIMD(t *testing.T) {
	const r = "DELETE /users/{name}/server"
	p := newPacer(10)
	// One request first, whatever the concurrency: its latency is the
	// Hub's unloaded one.
	tk := take(t, p, 1)
	mustWait(t, p)
	p.done(tk[0], r, 100*ms, false)
	// Slow start: each fast reply opens one more slot (2, then 4).
	tk = take(t, p, 2)
	mustWait(t, p)
	p.done(tk[0], r, 110*ms, false)
	p.done(tk[1], r, within(100*ms), false)
	tk = take(t, p, 4)
	mustWait(t, p)
	// A slow reply halves the limit, once for the requests in flight then.
	p.done(tk[0], r, beyond(100*ms), false)
	if p.limit != 2 {
		t.Fatalf("after a slow reply at 4: limit %v, want 2", p.limit)
	}
	p.done(tk[1], r, 300*ms, false)
	p.done(tk[2], r, 300*ms, false)
	if p.limit != 2 {
		t.Fatalf("slow replies sent before the halving halved again: limit %v", p.limit)
	}
	// Additive increase now: one slot per round trip (1/limit per reply).
	p.done(tk[3], r, 100*ms, false)
	if p.limit != 2.5 {
		t.Fatalf("a fast reply after the halving: limit %v, want 2.5", p.limit)
	}
	// A request sent after the halving can halve again.
	tk = take(t, p, 2)
	mustWait(t, p)
	p.done(tk[0], r, beyond(100*ms), false)
	if p.limit != 1.25 {
		t.Fatalf("a slow reply sent after the halving: limit %v, want 1.25", p.limit)
	}
	p.done(tk[1], r, 90*ms, false)
	if _, lowest, halvings := p.state(); lowest != 1.25 || halvings != 2 {
		t.Errorf("lowest limit %v after %d halvings, want 1.25 after 2", lowest, halvings)
	}
}

// fakeClock makes a pacer's time the test's: waits never end by
// themselves.
func fakeClock(p *pacer) *time.Time {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	p.now = func() time.Time { return now }
	p.after = func(time.Duration) <-chan time.Time { return nil }
	return &now
}

func TestPacerStaysWithinMinAndMax(t *testing.T) {
	p := newPacer(3)
	clock := fakeClock(p)
	for range 20 {
		tk := take(t, p, int(p.limit))
		for _, ticket := range tk {
			p.done(ticket, "GET /", ms, false)
		}
	}
	if p.limit != 3 {
		t.Fatalf("a fast Hub: limit %v, want --concurrency 3", p.limit)
	}
	take(t, p, 3)
	mustWait(t, p)
	p.release()
	p.release()
	p.release()
	for range 20 {
		tk := take(t, p, 1)
		p.done(tk[0], "GET /", ms, true) // 503s, failures: congestion whatever the latency
		*clock = clock.Add(time.Hour)
	}
	if p.limit != minLimit {
		t.Fatalf("an overloaded Hub: limit %v, want %v", p.limit, minLimit)
	}
	take(t, p, 1) // one request always goes, in time
	p.done(p.issued, "GET /", time.Hour, true)
	mustWait(t, p)
	*clock = clock.Add(maxGap)
	take(t, p, 1)
}

// Below 1, one request is in flight and the next waits (1/limit - 1)
// times its latency: the Hub gets that much time to itself.
func TestPacerLeavesGapsBelowOne(t *testing.T) {
	const r = "DELETE /users/{name}/server"
	p := newPacer(10)
	clock := fakeClock(p)
	tk := take(t, p, 1)
	p.done(tk[0], r, 100*ms, false) // 1 → 2
	tk = take(t, p, 1)
	p.done(tk[0], r, beyond(100*ms), false) // 2 → 1
	tk = take(t, p, 1)
	p.done(tk[0], r, 200*ms, false) // 1 → 0.5: wait as long as it took
	if p.limit != 0.5 {
		t.Fatalf("limit %v, want 0.5", p.limit)
	}
	mustWait(t, p)
	*clock = clock.Add(199 * ms)
	mustWait(t, p)
	*clock = clock.Add(2 * ms)
	tk = take(t, p, 1)
	mustWait(t, p)                  // one in flight at most below 1
	p.done(tk[0], r, 100*ms, false) // fast: +1/32, wait 100 ms × (1/0.53125 - 1) = 88.2 ms
	if p.limit != 0.53125 {
		t.Fatalf("limit %v, want 0.53125", p.limit)
	}
	*clock = clock.Add(87 * ms)
	mustWait(t, p)
	*clock = clock.Add(2 * ms)
	for p.limit < 1 {
		tk = take(t, p, 1)
		p.done(tk[0], r, 100*ms, false)
		*clock = clock.Add(time.Second)
	}
	if p.limit != 1 || p.halvings != 2 {
		t.Fatalf("limit %v after %d halvings, want 1 after 2", p.limit, p.halvings)
	}
	tk = take(t, p, 1)
	p.done(tk[0], r, 100*ms, false) // at 1: no wait, one more slot per round trip
	take(t, p, 2)
}

// Jitter of a few milliseconds on fast replies is not queueing, however
// many times the fastest it is.
func TestPacerIgnoresJitterOfFastReplies(t *testing.T) {
	p := newPacer(10)
	for i := range 50 {
		tk := take(t, p, 1)
		p.done(tk[0], "DELETE /users/{name}/server", 200*time.Microsecond+time.Duration(i%5)*2*ms, false)
	}
	if p.halvings != 0 || p.limit != 10 {
		t.Errorf("replies within %s of the fastest: %d halvings, limit %v", slowMargin, p.halvings, p.limit)
	}
}

// queueingHub puts the fake Hub behind one request at a time, each taking
// service: JupyterHub serves all requests on one event loop, so its
// latency rises with the requests in flight. It records how many were in
// flight as each stop arrived.
type queueingHub struct {
	service  time.Duration
	loop     sync.Mutex // the Hub's one event loop
	mu       sync.Mutex
	inFlight int
	arrivals []int // in flight at each DELETE's arrival, itself included
}

func (q *queueingHub) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q.mu.Lock()
		q.inFlight++
		if r.Method == http.MethodDelete {
			q.arrivals = append(q.arrivals, q.inFlight)
		}
		q.mu.Unlock()
		defer func() {
			q.mu.Lock()
			q.inFlight--
			q.mu.Unlock()
		}()
		q.loop.Lock()
		defer q.loop.Unlock()
		time.Sleep(q.service) // the work of one request, not a wait for an event
		next.ServeHTTP(w, r)
	})
}

// atMost is the share of the stops that arrived with at most n requests in
// flight.
func (q *queueingHub) atMost(n int) float64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	k := 0
	for _, a := range q.arrivals {
		if a <= n {
			k++
		}
	}
	return float64(k) / float64(len(q.arrivals))
}

// TestPacedPassAgainstAQueueingHub: at --concurrency=10, an unpaced pass
// keeps about ten requests waiting on a Hub that serves one at a time,
// where a paced one keeps one or two (and culls the same).
func TestPacedPassAgainstAQueueingHub(t *testing.T) {
	for _, pace := range []bool{false, true} {
		t.Run(fmt.Sprintf("pace=%v", pace), func(t *testing.T) {
			h := newHub(t, fakehub.Options{})
			old := time.Now().Add(-2 * time.Hour)
			for i := range 40 {
				h.AddUser(fakehub.User{Name: fmt.Sprintf("user-%02d", i), Created: old, LastActivity: &old,
					Servers: map[string]*fakehub.Server{"": {Ready: true, Started: &old, LastActivity: &old}}})
			}
			q := &queueingHub{service: 20 * ms} // queueing of one or two requests is beyond slowMargin
			target, _ := url.Parse(h.URL())
			target.Path = ""
			proxy := httptest.NewServer(q.wrap(httputil.NewSingleHostReverseProxy(target)))
			t.Cleanup(proxy.Close)
			client, err := NewClient(ClientConfig{URL: proxy.URL + "/hub/api", Token: cullToken, Concurrency: 10, Pace: pace})
			if err != nil {
				t.Fatal(err)
			}
			c := &Culler{Client: client, Policy: basePolicy(), Concurrency: 10, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			sum, err := c.Pass(context.Background())
			if err != nil || sum.ServersCulled != 40 {
				t.Fatalf("pass: %+v, %v", sum, err)
			}
			few := q.atMost(3)
			t.Logf("%.0f%% of the stops arrived with at most 3 requests in flight", 100*few)
			if pace && few < 0.75 {
				t.Errorf("paced: only %.0f%% of the stops arrived with at most 3 requests in flight", 100*few)
			}
			if !pace && few > 0.25 {
				t.Errorf("unpaced: %.0f%% of the stops arrived with at most 3 requests in flight; the test's Hub does not queue", 100*few)
			}
		})
	}
}

// A probe of the Hub slower than probeSlowFactor times the fastest one
// halves the limit, once per burst of slow probes with no request issued
// in between; a failed probe halves it too; fast probes leave it.
func TestProbeHalvesOnTheHubsLatency(t *testing.T) {
	p := newPacer(10)
	p.limit, p.issued = 4, 7
	p.probed(2*time.Millisecond, false) // the fastest: the idle value
	p.probed(6*time.Millisecond, false) // 3x + 1 ms is the bound: not slow
	if p.limit != 4 {
		t.Fatalf("limit %v after fast probes, want 4", p.limit)
	}
	p.probed(8*time.Millisecond, false)
	if p.limit != 2 || p.slowStart {
		t.Fatalf("limit %v (slow start %v) after a slow probe, want 2 and no slow start", p.limit, p.slowStart)
	}
	p.probed(9*time.Millisecond, false) // no request since: the same overload
	if p.limit != 2 {
		t.Fatalf("limit %v after a second slow probe with no request between, want 2", p.limit)
	}
	p.issued++
	p.probed(0, true)
	if p.limit != 1 {
		t.Fatalf("limit %v after a failed probe, want 1", p.limit)
	}
	for range 10 {
		p.issued++
		p.probed(50*time.Millisecond, false)
	}
	if p.limit != minLimit || p.probeHalvings != 12 {
		t.Fatalf("limit %v after %d probe halvings, want the floor %v", p.limit, p.probeHalvings, minLimit)
	}
}

// A paced client probes GET /hub/api/ on its own, without its token and
// outside its concurrency bound, until stopped; an unpaced one never does.
// The unpaced one is started first and stopped once the paced one has
// probed twice: it has had more than two probe intervals to probe.
func TestProbeHub(t *testing.T) {
	type probed struct {
		probes, withToken atomic.Int32
		stop              func()
	}
	start := func(pace bool) *probed {
		pr := &probed{}
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet && r.URL.Path == "/hub/api/" {
				pr.probes.Add(1)
				if r.Header.Get("Authorization") != "" {
					pr.withToken.Add(1)
				}
			}
			io.WriteString(w, `{"version": "5.2.1"}`)
		}))
		t.Cleanup(srv.Close)
		client, err := NewClient(ClientConfig{URL: srv.URL + "/hub/api", Token: cullToken, Concurrency: 1, Pace: pace})
		if err != nil {
			t.Fatal(err)
		}
		client.sem <- struct{}{} // the one slot taken: a probe must not need it
		pr.stop = client.probeHub(context.Background())
		return pr
	}
	unpaced := start(false)
	paced := start(true)
	deadline := time.Now().Add(5 * time.Second)
	for paced.probes.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	paced.stop()
	unpaced.stop()
	if n := paced.probes.Load(); n < 2 {
		t.Errorf("paced: %d probes within 5 s", n)
	}
	if n := unpaced.probes.Load(); n != 0 {
		t.Errorf("unpaced: %d probes while the paced client probed %d times", n, paced.probes.Load())
	}
	if n := paced.withToken.Load() + unpaced.withToken.Load(); n != 0 {
		t.Errorf("%d probes carried the culler's token", n)
	}
}
