package cull

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/fakehub"
)

// fakeVersions are the releases whose 202 stops the fake models (both
// answer 202 and keep the server pending "stop"; 5.2.1's model has more
// keys).
var fakeVersions = []string{"3.0.0", "5.2.1"}

func slowServer(delay time.Duration) *fakehub.Server {
	s := idleServer()
	s.StopDelay = delay
	return s
}

// userGets counts GET /users/NAME: how the culler follows a stop.
func userGets(h *fakehub.Hub, user string) int {
	n := 0
	for _, r := range h.Requests() {
		if r.Method == http.MethodGet && r.Path == "/hub/api/users/"+user {
			n++
		}
	}
	return n
}

// TestFollowConfirmsStop: a stop the Hub answers 202 to and that finishes
// later is followed until the Hub no longer lists the server, and counted
// as culled, with the time it took.
func TestFollowConfirmsStop(t *testing.T) {
	t.Parallel()
	for _, v := range fakeVersions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, fakehub.Options{Version: v})
			addUser(h, "slow", false, 2*time.Hour, map[string]*fakehub.Server{"": slowServer(200 * time.Millisecond), "gpu": slowServer(300 * time.Millisecond)})
			p := basePolicy()
			p.RemoveNamedServers = true
			c, logs := newCuller(t, h, p)
			sum, err := c.RunPass(context.Background())
			if err != nil {
				t.Fatalf("pass: %v\n%s", err, logs)
			}
			if sum.ServersCulled != 2 || sum.StuckStops != 0 || sum.Errors != 0 {
				t.Errorf("summary %+v\n%s", sum, logs)
			}
			u, _ := h.User("slow")
			if running(t, h, "slow", "") || u.Servers["gpu"] != nil {
				t.Errorf("servers left after the pass: %+v", u.Servers)
			}
			for _, server := range []string{`server=""`, "server=gpu"} {
				if !containsLine(logs.String(), `msg="culled server" user=slow `+server, "confirmed_after=") {
					t.Errorf("no culled-server line with confirmed_after for %s:\n%s", server, logs)
				}
			}
			if strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), "stuck_stops=0") {
				t.Errorf("log:\n%s", logs)
			}
			if userGets(h, "slow") == 0 {
				t.Error("the stop was not followed with GET /users/slow")
			}
		})
	}
}

func containsLine(logs string, parts ...string) bool {
	for _, line := range strings.Split(logs, "\n") {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			return true
		}
	}
	return false
}

// TestFollowStuckStop: a stop that does not finish within the stop timeout
// is a warning naming user and server, counted in the summary and the
// metric; the user is kept, and the next pass follows it again (the Hub
// lists a server pending stop under neither state=ready nor
// state=inactive) and counts it culled once it finishes.
func TestFollowStuckStop(t *testing.T) {
	t.Parallel()
	for _, v := range fakeVersions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, fakehub.Options{Version: v})
			addUser(h, "stuck", false, 2*time.Hour, map[string]*fakehub.Server{"": slowServer(3 * time.Second)})
			p := basePolicy()
			p.CullUsers = true
			c, logs := newCuller(t, h, p)
			c.Metrics = NewMetrics()
			c.StopTimeout = 100 * time.Millisecond
			start := time.Now()
			sum, err := c.RunPass(context.Background())
			if err != nil {
				t.Fatalf("pass: %v\n%s", err, logs)
			}
			if took := time.Since(start); took > 2*time.Second { // bounded by the 100 ms, not the 3 s stop
				t.Errorf("the pass took %s with --stop-timeout 100ms", took)
			}
			if sum.StuckStops != 1 || sum.ServersCulled != 0 || sum.UsersCulled != 0 || sum.Kept[ServersLeft] != 1 {
				t.Errorf("summary %+v\n%s", sum, logs)
			}
			if !containsLine(logs.String(), "level=WARN", "stop not finished within --stop-timeout", "user=stuck", `server=""`, "stop_timeout=100ms") ||
				!strings.Contains(logs.String(), "stuck_stops=1") {
				t.Errorf("no warning or summary naming the stuck stop:\n%s", logs)
			}
			if got := metricValue(t, c.Metrics, "hubctl_cull_stuck_stops_total"); got != "1" {
				t.Errorf("hubctl_cull_stuck_stops_total = %q, want 1", got)
			}
			if _, ok := h.User("stuck"); !ok {
				t.Fatal("the user of a stuck stop was deleted")
			}

			// The next pass: still stopping, stuck again.
			before := userGets(h, "stuck")
			sum, err = c.RunPass(context.Background())
			if err != nil || sum.StuckStops != 1 || userGets(h, "stuck") == before {
				t.Errorf("second pass: %+v, %v; GET /users/stuck %d -> %d\n%s", sum, err, before, userGets(h, "stuck"), logs)
			}
			if got := metricValue(t, c.Metrics, "hubctl_cull_stuck_stops_total"); got != "2" {
				t.Errorf("hubctl_cull_stuck_stops_total = %q, want 2", got)
			}

			// A pass long enough sees it finish: a cull, and nothing stuck.
			c.StopTimeout = 10 * time.Second
			sum, err = c.RunPass(context.Background())
			if err != nil || sum.StuckStops != 0 || sum.ServersCulled != 1 || running(t, h, "stuck", "") {
				t.Errorf("third pass: %+v, %v\n%s", sum, err, logs)
			}
			if !containsLine(logs.String(), `msg="culled server" user=stuck`, "confirmed_after=") {
				t.Errorf("no culled-server line:\n%s", logs)
			}
			// Followed to the end: nothing is left for a fourth pass.
			before = userGets(h, "stuck")
			if sum, err = c.RunPass(context.Background()); err != nil || sum.StuckStops != 0 || userGets(h, "stuck") != before {
				t.Errorf("fourth pass: %+v, %v; GET /users/stuck %d -> %d", sum, err, before, userGets(h, "stuck"))
			}
			if got := metricValue(t, c.Metrics, "hubctl_cull_stuck_stops_total"); got != "2" {
				t.Errorf("hubctl_cull_stuck_stops_total = %q, want 2", got)
			}
		})
	}
}

// TestFollowCullUsers: with --cull-users, a user whose servers were all
// seen stopped after a 202 is deleted in the same pass; one with a stop
// still stuck is kept.
func TestFollowCullUsers(t *testing.T) {
	t.Parallel()
	for _, v := range fakeVersions {
		t.Run(v, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, fakehub.Options{Version: v})
			addUser(h, "slow", false, 2*time.Hour, map[string]*fakehub.Server{"": slowServer(150 * time.Millisecond), "b": slowServer(250 * time.Millisecond)})
			addUser(h, "half", false, 2*time.Hour, map[string]*fakehub.Server{"": slowServer(100 * time.Millisecond), "b": slowServer(time.Hour)})
			p := basePolicy()
			p.CullUsers = true
			p.RemoveNamedServers = true
			c, logs := newCuller(t, h, p)
			c.StopTimeout = 3 * time.Second
			sum, err := c.Pass(context.Background())
			if err != nil {
				t.Fatalf("pass: %v\n%s", err, logs)
			}
			if _, ok := h.User("slow"); ok {
				t.Errorf("user slow, all its stops seen finished, was not deleted:\n%s", logs)
			}
			if _, ok := h.User("half"); !ok {
				t.Error("user half, one stop stuck, was deleted")
			}
			if sum.UsersCulled != 1 || sum.ServersCulled != 3 || sum.StuckStops != 1 || sum.Kept[ServersLeft] != 1 {
				t.Errorf("summary %+v\n%s", sum, logs)
			}
			if !containsLine(logs.String(), `msg="culled user" user=slow`) {
				t.Errorf("no culled-user line:\n%s", logs)
			}
		})
	}
}

// TestFollowBlocksNoOneAndEndsOnCancel: with one worker, a stop being
// followed holds up no other user, and cancelling the pass ends the
// following at once.
func TestFollowBlocksNoOneAndEndsOnCancel(t *testing.T) {
	t.Parallel()
	h := newHub(t, fakehub.Options{})
	addUser(h, "a-stuck", false, 2*time.Hour, map[string]*fakehub.Server{"": slowServer(time.Hour)})
	others := []string{"b", "c", "d", "e"}
	for _, name := range others {
		addUser(h, name, false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	}
	c, logs := newCuller(t, h, basePolicy())
	c.Concurrency = 1
	c.StopTimeout = time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	type result struct {
		sum Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := c.Pass(ctx)
		done <- result{sum, err}
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		left := 0
		for _, name := range others {
			if running(t, h, name, "") {
				left++
			}
		}
		if left == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d servers still up while a-stuck's stop is followed:\n%s", left, logs)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// a-stuck's stop is still being followed until the pass is cancelled.
	select {
	case r := <-done:
		t.Fatalf("the pass ended before its stuck stop timed out: %+v %v", r.sum, r.err)
	default:
	}
	cancel()
	select {
	case r := <-done:
		if !errors.Is(r.err, context.Canceled) {
			t.Errorf("pass ended with %v, want context.Canceled", r.err)
		}
		if r.sum.ServersCulled != len(others) {
			t.Errorf("summary %+v", r.sum)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("the pass did not end within 2 s of the cancel")
	}
}

// TestFollowDryRun: a dry run sends no DELETE, so nothing is followed.
func TestFollowDryRun(t *testing.T) {
	t.Parallel()
	h := newHub(t, fakehub.Options{StopDelay: time.Hour})
	addUser(h, "slow", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	c, logs := newCuller(t, h, basePolicy())
	c.DryRun = true
	sum, err := c.Pass(context.Background())
	if err != nil || sum.ServersCulled != 1 || sum.StuckStops != 0 || userGets(h, "slow") != 0 {
		t.Errorf("dry run: %+v, %v, GET /users/slow %d\n%s", sum, err, userGets(h, "slow"), logs)
	}
}
