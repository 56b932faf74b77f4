package cull

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/fakehub"
)

func notice(user string, at time.Time) Notice {
	return Notice{User: user, Rule: FlagsRule, CullAt: at}
}

func dueUsers(ns []Notice) string {
	var names []string
	for _, n := range ns {
		names = append(names, n.User)
	}
	return strings.Join(names, ",")
}

// TestWarningsOncePerStretch: a server is warned once while its cull time
// stays; activity that moves it warns again; a server out of the window is
// forgotten, and one whose warning could not be queued is due again.
func TestWarningsOncePerStretch(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	var w warnings
	steps := []struct {
		name  string
		cands []Notice
		sent  bool // markSent what is due
		due   string
		kept  int
	}{
		{"first in the window", []Notice{notice("a", t0), notice("b", t0.Add(-time.Minute))}, true, "b,a", 2},
		{"the same stretch", []Notice{notice("a", t0), notice("b", t0.Add(-time.Minute))}, true, "", 2},
		{"a's activity moved", []Notice{notice("a", t0.Add(time.Minute)), notice("b", t0.Add(-time.Minute))}, true, "a", 2},
		{"b left the window", []Notice{notice("a", t0.Add(time.Minute))}, true, "", 1},
		{"b back, not queued", []Notice{notice("a", t0.Add(time.Minute)), notice("b", t0.Add(-time.Minute))}, false, "b", 1},
		{"b due again", []Notice{notice("a", t0.Add(time.Minute)), notice("b", t0.Add(-time.Minute))}, true, "b", 2},
		{"nobody in the window", nil, true, "", 0},
		{"a again after leaving", []Notice{notice("a", t0.Add(time.Minute))}, true, "a", 1},
	}
	for _, s := range steps {
		due := w.update(s.cands)
		if got := dueUsers(due); got != s.due {
			t.Errorf("%s: due %q, want %q", s.name, got, s.due)
		}
		if s.sent {
			for i := range due {
				w.markSent(&due[i])
			}
		}
		if got := w.remembered(); got != s.kept {
			t.Errorf("%s: %d servers remembered, want %d", s.name, got, s.kept)
		}
	}
}

// TestNoticesForWindow: only servers kept as active whose eligibility
// (idle timeout or max age) is within Before are warned, with the cull time
// eligibleAt computes.
func TestNoticesForWindow(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(ago time.Duration) Time { return Time{T: now.Add(-ago), State: TimeValid} }
	p := basePolicy() // timeout 1h
	p.MaxAge = 8 * time.Hour
	p.Exclude = append(p.Exclude, mustRE(t, "^excluded$"))
	n := &Notify{Before: 10 * time.Minute}
	users := []User{
		{Name: "soon", Servers: []Server{{Name: "", Ready: true, Started: at(2 * time.Hour), LastActivity: at(55 * time.Minute)}}},
		{Name: "later", Servers: []Server{{Name: "", Ready: true, Started: at(2 * time.Hour), LastActivity: at(45 * time.Minute)}}},
		{Name: "old", Servers: []Server{{Name: "gpu", Ready: true, Started: at(7*time.Hour + 55*time.Minute), LastActivity: at(time.Minute)}}},
		{Name: "never-active", Servers: []Server{{Name: "", Ready: true, Started: at(52 * time.Minute), LastActivity: Time{State: TimeNull}}}},
		{Name: "idle", Servers: []Server{{Name: "", Ready: true, Started: at(3 * time.Hour), LastActivity: at(2 * time.Hour)}}},
		{Name: "excluded", Servers: []Server{{Name: "", Ready: true, Started: at(2 * time.Hour), LastActivity: at(55 * time.Minute)}}},
		{Name: "spawning", Servers: []Server{{Name: "", Pending: "spawn", Started: at(2 * time.Hour), LastActivity: at(55 * time.Minute)}}},
	}
	want := map[string]Notice{
		"soon":         {User: "soon", Rule: FlagsRule, IdleSeconds: (55 * time.Minute).Seconds(), CullAt: now.Add(5 * time.Minute)},
		"old":          {User: "old", Server: "gpu", Rule: FlagsRule, IdleSeconds: 60, CullAt: now.Add(5 * time.Minute)},
		"never-active": {User: "never-active", Rule: FlagsRule, IdleSeconds: (52 * time.Minute).Seconds(), CullAt: now.Add(8 * time.Minute)},
	}
	for i := range users {
		u := &users[i]
		d := Decide(u, now, &p)
		got := n.noticesFor(u, &d, now)
		w, ok := want[u.Name]
		switch {
		case !ok && len(got) != 0:
			t.Errorf("%s: warned %+v (decision %+v)", u.Name, got, d.Servers)
		case ok && (len(got) != 1 || got[0] != w):
			t.Errorf("%s: warnings %+v, want %+v", u.Name, got, w)
		}
	}
}

// scriptNotifier writes a shell script that appends its stdin, a line per
// run, to a file, and its environment to another.
func scriptNotifier(t *testing.T, body string) (n *CommandNotifier, dir string) {
	t.Helper()
	dir = t.TempDir()
	script := filepath.Join(dir, "notify.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n"+body+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	return &CommandNotifier{Argv: []string{script, filepath.Join(dir, "stdin"), filepath.Join(dir, "env")}, Env: []string{"PATH=/usr/bin:/bin"}}, dir
}

// recordStdin appends each warning (a line of JSON) to $1, and the
// environment to $2.
const recordStdin = `cat >> "$1"; env > "$2"`

func readNotices(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("notifier's stdin %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

// soonServer is active, 55 minutes idle: culled in 5 minutes at a 1 h timeout.
func soonServer() *fakehub.Server {
	return &fakehub.Server{Ready: true, Started: tp(time.Now().Add(-3 * time.Hour)), LastActivity: tp(time.Now().Add(-55 * time.Minute))}
}

// TestNotifyCommandOncePerStretch, against the fake Hub: the command reads
// the warning as JSON on stdin, once while the server's activity stays, and
// again after the activity moved; it gets none of the culler's environment
// (here the Hub token); the idle server beside it is culled meanwhile.
func TestNotifyCommandOncePerStretch(t *testing.T) {
	t.Setenv("JUPYTERHUB_API_TOKEN", cullToken) // as the Hub gives a service
	h := newHub(t, fakehub.Options{})
	addUser(h, "alice", false, 55*time.Minute, map[string]*fakehub.Server{"": soonServer(), "later": activeServer()})
	addUser(h, "bob", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	c, logs := newCuller(t, h, basePolicy())
	cmd, dir := scriptNotifier(t, recordStdin)
	c.Notify = &Notify{Before: 10 * time.Minute, Notifier: cmd}
	c.Metrics = NewMetrics()
	pass := func() Summary {
		t.Helper()
		sum, err := c.RunPass(context.Background())
		if err != nil {
			t.Fatalf("pass: %v\n%s", err, logs)
		}
		c.WaitNotifications()
		return sum
	}
	start := time.Now()
	sum := pass()
	if sum.Notified != 1 || sum.ServersCulled != 1 || running(t, h, "bob", "") {
		t.Errorf("first pass: %+v, bob running %v", sum, running(t, h, "bob", ""))
	}
	got := readNotices(t, filepath.Join(dir, "stdin"))
	if len(got) != 1 {
		t.Fatalf("notifications %v\n%s", got, logs)
	}
	n := got[0]
	if len(n) != 5 || n["user"] != "alice" || n["server"] != "" || n["rule"] != "flags" {
		t.Errorf("notice %v: want exactly user, server, rule, idle_seconds, cull_at", n)
	}
	if idle, _ := n["idle_seconds"].(float64); idle < 55*60 || idle > 55*60+time.Since(start).Seconds()+1 {
		t.Errorf("idle_seconds %v, want about 3300", n["idle_seconds"])
	}
	u, _ := h.User("alice")
	cullAt, err := time.Parse(time.RFC3339Nano, n["cull_at"].(string))
	// The Hub's timestamps have microseconds; the fake keeps what it was given.
	if want := u.Servers[""].LastActivity.Add(time.Hour); err != nil || want.Sub(cullAt).Abs() >= time.Microsecond || cullAt.Location() != time.UTC {
		t.Errorf("cull_at %v (%v), want %v in UTC", n["cull_at"], err, want)
	}
	env, err := os.ReadFile(filepath.Join(dir, "env"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(env), cullToken) || strings.Contains(string(env), "JUPYTERHUB") || !strings.Contains(string(env), "PATH=/usr/bin:/bin") {
		t.Errorf("the command's environment:\n%s", env)
	}
	if !strings.Contains(logs.String(), `msg="notified of the coming cull" user=alice server="" rule=flags cull_at=`) || !strings.Contains(logs.String(), "notified=1") {
		t.Errorf("log:\n%s", logs)
	}
	if v := metricValue(t, c.Metrics, "hubctl_cull_notifications_total"); v != "1" {
		t.Errorf("hubctl_cull_notifications_total = %q", v)
	}

	if sum := pass(); sum.Notified != 0 || len(readNotices(t, filepath.Join(dir, "stdin"))) != 1 {
		t.Errorf("second pass in the same idle stretch notified again: %+v\n%s", sum, logs)
	}

	// New activity, still within the window: a new stretch, a new warning.
	u.Servers[""].LastActivity = tp(time.Now().Add(-52 * time.Minute))
	h.AddUser(u)
	if sum := pass(); sum.Notified != 1 || len(readNotices(t, filepath.Join(dir, "stdin"))) != 2 {
		t.Errorf("after new activity: %+v, notices %v", sum, readNotices(t, filepath.Join(dir, "stdin")))
	}
	if c.Notify.warned.remembered() != 1 {
		t.Errorf("%d servers remembered, want 1 (alice's)", c.Notify.warned.remembered())
	}

	// Her servers stopped: nothing is remembered of them.
	h.AddUser(fakehub.User{Name: "alice", Created: u.Created, LastActivity: u.LastActivity})
	if sum := pass(); sum.Notified != 0 || c.Notify.warned.remembered() != 0 {
		t.Errorf("after alice's servers stopped: %+v, %d remembered", sum, c.Notify.warned.remembered())
	}
}

// TestNotifyBacklogFull: warnings that find the backlog full are left for
// the next pass, and sent then, each once.
func TestNotifyBacklogFull(t *testing.T) {
	h := newHub(t, fakehub.Options{})
	for _, name := range []string{"a", "b", "c", "d", "e"} {
		addUser(h, name, false, 55*time.Minute, map[string]*fakehub.Server{"": soonServer()})
	}
	c, logs := newCuller(t, h, basePolicy())
	b := newBlockingNotifier()
	c.Notify = &Notify{Before: 10 * time.Minute, Notifier: b, InFlight: 1, backlog: 3}
	sum, err := c.Pass(context.Background())
	// Three queued, and a fourth if the worker took the first already.
	if err != nil || sum.Notified < 3 || sum.Notified > 4 || !strings.Contains(logs.String(), `msg="notifications left for the next pass: the notifier is behind" deferred=`) {
		t.Fatalf("pass: %v %+v\n%s", err, sum, logs)
	}
	first := sum.Notified
	close(b.release)
	c.WaitNotifications()
	sum, err = c.Pass(context.Background())
	c.WaitNotifications()
	if err != nil || first+sum.Notified != 5 || b.calls.Load() != 5 {
		t.Errorf("second pass: %v %+v; %d calls in all, want 5\n%s", err, sum, b.calls.Load(), logs)
	}
	seen := map[string]bool{}
	for range min(b.calls.Load(), 5) {
		n := <-b.started
		if seen[n.User] {
			t.Errorf("%s warned twice", n.User)
		}
		seen[n.User] = true
	}
}

// TestNotifyFailuresAreCountedNotInTheWay: a command that exits non-zero,
// one that outlives the timeout, a URL that answers 500 and one that
// refuses the connection are each logged and counted by kind, and the idle
// server beside the warned one is culled in the same pass.
func TestNotifyFailuresAreCountedNotInTheWay(t *testing.T) {
	failing, _ := scriptNotifier(t, `echo "mail server says no" >&2; exit 3`)
	slow, _ := scriptNotifier(t, `sleep 60`)
	answers500 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "hook is down", http.StatusInternalServerError)
	}))
	t.Cleanup(answers500.Close)
	refused := closedPort(t)
	for _, tt := range []struct {
		name, kind, inLog string
		notifier          func(t *testing.T) Notifier
	}{
		{"exit status", "exit-status", "mail server says no", func(*testing.T) Notifier { return failing }},
		{"timeout", "timeout", "timeout after", func(*testing.T) Notifier { return slow }},
		{"500", "http-status", "answered 500: hook is down", func(t *testing.T) Notifier { return mustURLNotifier(t, answers500.URL+"/hook?key=s3cret") }},
		{"refused", "connection", "connection refused", func(t *testing.T) Notifier { return mustURLNotifier(t, "http://"+refused+"/hook") }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHub(t, fakehub.Options{})
			addUser(h, "alice", false, 55*time.Minute, map[string]*fakehub.Server{"": soonServer()})
			addUser(h, "bob", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
			c, logs := newCuller(t, h, basePolicy())
			c.Notify = &Notify{Before: 10 * time.Minute, Notifier: tt.notifier(t), Timeout: 200 * time.Millisecond}
			c.Metrics = NewMetrics()
			sum, err := c.Pass(context.Background())
			if err != nil || sum.ServersCulled != 1 || running(t, h, "bob", "") || sum.Notified != 1 {
				t.Fatalf("pass: %v %+v\n%s", err, sum, logs)
			}
			c.WaitNotifications()
			if v := metricValue(t, c.Metrics, `hubctl_cull_notify_failures_total{kind="`+tt.kind+`"}`); v != "1" {
				t.Errorf("failures of kind %s = %q\n%s", tt.kind, v, logs)
			}
			if v := metricValue(t, c.Metrics, "hubctl_cull_notifications_total"); v != "0" {
				t.Errorf("notifications_total = %q", v)
			}
			l := logs.String()
			if !strings.Contains(l, `msg="notification failed; the cull goes ahead as planned" user=alice`) || !strings.Contains(l, "kind="+tt.kind) || !strings.Contains(l, tt.inLog) {
				t.Errorf("log:\n%s", l)
			}
			if strings.Contains(l, "s3cret") {
				t.Errorf("the URL's query is in the log:\n%s", l)
			}
		})
	}
}

func mustURLNotifier(t *testing.T, raw string) *URLNotifier {
	t.Helper()
	n, err := NewURLNotifier(raw, "hubctl/test")
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// closedPort is a 127.0.0.1 address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestNotifyURLErrorsRedact: a --notify-url refused shows neither its user
// information nor its query, which may hold the receiver's secret.
func TestNotifyURLErrorsRedact(t *testing.T) {
	for _, raw := range []string{"ftp://hook:s3cret@127.0.0.1/hook?key=s3cret", "http://hook:s3cret@/hook?key=s3cret"} {
		_, err := NewURLNotifier(raw, "hubctl")
		if err == nil || strings.Contains(err.Error(), "s3cret") || !strings.Contains(err.Error(), "xxxxx") {
			t.Errorf("NewURLNotifier(%q): %v, want an error with the secret redacted", raw, err)
		}
	}
}

// TestNotifyURL: the warning is POSTed as JSON, with no Hub token in any
// header or in the body, and no redirect followed.
func TestNotifyURL(t *testing.T) {
	type got struct {
		method, path string
		header       http.Header
		body         []byte
	}
	reqs := make(chan got, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		reqs <- got{r.Method, r.URL.RequestURI(), r.Header.Clone(), body}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(hook.Close)
	h := newHub(t, fakehub.Options{})
	addUser(h, "alice", false, 55*time.Minute, map[string]*fakehub.Server{"gpu": soonServer()})
	c, logs := newCuller(t, h, basePolicy())
	c.Notify = &Notify{Before: 10 * time.Minute, Notifier: mustURLNotifier(t, hook.URL+"/hooks/cull?src=hubctl")}
	c.Metrics = NewMetrics()
	if _, err := c.Pass(context.Background()); err != nil {
		t.Fatal(err)
	}
	c.WaitNotifications()
	close(reqs)
	var all []got
	for r := range reqs {
		all = append(all, r)
	}
	if len(all) != 1 {
		t.Fatalf("%d requests to the hook\n%s", len(all), logs)
	}
	r := all[0]
	if r.method != http.MethodPost || r.path != "/hooks/cull?src=hubctl" || r.header.Get("Content-Type") != "application/json" {
		t.Errorf("request %s %s %v", r.method, r.path, r.header)
	}
	if r.header.Get("Authorization") != "" || strings.Contains(string(r.body), cullToken) {
		t.Errorf("the Hub token went to the hook: %v %s", r.header, r.body)
	}
	for k, vs := range r.header {
		for _, v := range vs {
			if strings.Contains(v, cullToken) {
				t.Errorf("header %s carries the token", k)
			}
		}
	}
	var n Notice
	if err := json.Unmarshal(r.body, &n); err != nil || n.User != "alice" || n.Server != "gpu" || n.Rule != "flags" {
		t.Errorf("body %s: %+v %v", r.body, n, err)
	}
	if v := metricValue(t, c.Metrics, "hubctl_cull_notifications_total"); v != "1" {
		t.Errorf("notifications_total = %q", v)
	}

	redirect := httptest.NewServer(http.RedirectHandler(hook.URL, http.StatusTemporaryRedirect))
	t.Cleanup(redirect.Close)
	err := mustURLNotifier(t, redirect.URL).Notify(context.Background(), &n)
	if notifyKind(err) != "http-status" || !strings.Contains(err.Error(), "answered 307") {
		t.Errorf("a redirect: %v", err)
	}
}

// blockingNotifier holds each notification until released or its context
// ends, counting them and the most at once.
type blockingNotifier struct {
	release            chan struct{}
	started            chan Notice
	calls, now, inMost atomic.Int32
}

func newBlockingNotifier() *blockingNotifier {
	return &blockingNotifier{release: make(chan struct{}), started: make(chan Notice, 100)}
}

func (b *blockingNotifier) String() string { return "blocking" }

func (b *blockingNotifier) Notify(ctx context.Context, n *Notice) error {
	b.calls.Add(1)
	cur := b.now.Add(1)
	defer b.now.Add(-1)
	for {
		most := b.inMost.Load()
		if cur <= most || b.inMost.CompareAndSwap(most, cur) {
			break
		}
	}
	b.started <- *n
	select {
	case <-b.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// TestSlowNotifierDoesNotDelayTheCull: with every notifier stuck, the pass
// culls the idle server and returns; at most InFlight notifications run at
// once and the rest wait their turn; a cancelled context (SIGTERM) ends
// the stuck ones.
func TestSlowNotifierDoesNotDelayTheCull(t *testing.T) {
	h := newHub(t, fakehub.Options{})
	for _, name := range []string{"a", "b", "c", "d", "e", "f", "g"} {
		addUser(h, name, false, 55*time.Minute, map[string]*fakehub.Server{"": soonServer()})
	}
	addUser(h, "idle", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	c, logs := newCuller(t, h, basePolicy())
	b := newBlockingNotifier()
	c.Notify = &Notify{Before: 10 * time.Minute, Notifier: b, InFlight: 3, Timeout: time.Hour}
	c.Metrics = NewMetrics()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var sum Summary
	var err error
	passed := make(chan struct{})
	go func() {
		defer close(passed)
		sum, err = c.Pass(ctx)
	}()
	waitFor(t, "the pass to end with its notifiers stuck", func() bool {
		select {
		case <-passed:
			return true
		default:
			return false
		}
	})
	if err != nil || sum.ServersCulled != 1 || running(t, h, "idle", "") || sum.Notified != 7 {
		t.Fatalf("pass with the notifiers stuck: %v %+v\n%s", err, sum, logs)
	}
	for range 3 {
		<-b.started
	}
	if n := b.calls.Load(); n != 3 {
		t.Errorf("%d notifications running, want InFlight=3", n)
	}
	// Let two through; the queue moves on, still three at most at once.
	b.release <- struct{}{}
	b.release <- struct{}{}
	waitFor(t, "two more notifications", func() bool { return b.calls.Load() == 5 })
	cancel() // as SIGTERM does
	c.WaitNotifications()
	if most := b.inMost.Load(); most != 3 {
		t.Errorf("at most %d at once, want 3", most)
	}
	if v := metricValue(t, c.Metrics, "hubctl_cull_notifications_total"); v != "2" {
		t.Errorf("notifications_total = %q", v)
	}
	if v := metricValue(t, c.Metrics, `hubctl_cull_notify_failures_total{kind="canceled"}`); v != "3" {
		t.Errorf("canceled = %q\n%s", v, logs)
	}
	if !strings.Contains(logs.String(), "notification not sent: the culler is stopping") {
		t.Errorf("the queued ones: log\n%s", logs)
	}
}

// TestNotifyDryRun lists who would be warned, in the log, the summary and
// the pass line, without running the notifier; a second dry pass in the
// same stretch lists nobody, as a real one would send nothing.
func TestNotifyDryRun(t *testing.T) {
	h := newHub(t, fakehub.Options{})
	addUser(h, "alice", false, 55*time.Minute, map[string]*fakehub.Server{"": soonServer()})
	addUser(h, "bob", false, time.Minute, map[string]*fakehub.Server{"": activeServer()})
	addUser(h, "carol", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	c, logs := newCuller(t, h, basePolicy())
	c.DryRun = true
	b := newBlockingNotifier()
	c.Notify = &Notify{Before: 10 * time.Minute, Notifier: b}
	sum, err := c.RunPass(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	c.WaitNotifications()
	if len(sum.WouldNotify) != 1 || sum.WouldNotify[0].User != "alice" || sum.Notified != 1 || b.calls.Load() != 0 {
		t.Errorf("dry run: %+v, notifier called %d times", sum, b.calls.Load())
	}
	if len(sum.WouldCull) != 1 || !running(t, h, "carol", "") {
		t.Errorf("dry run culled: %+v", sum.WouldCull)
	}
	l := logs.String()
	if !strings.Contains(l, `msg="would notify (dry run)" user=alice server="" rule=flags cull_at=`) || !strings.Contains(l, "notified=1") {
		t.Errorf("log:\n%s", l)
	}
	if sum, _ := c.Pass(context.Background()); len(sum.WouldNotify) != 0 {
		t.Errorf("second dry pass: %+v", sum.WouldNotify)
	}
}

// TestNoticesFollowRules: a server a rule matched is warned at that rule's
// timeout, and the warning names the rule.
func TestNoticesFollowRules(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	at := func(ago time.Duration) Time { return Time{T: now.Add(-ago), State: TimeValid} }
	rules, err := ParseRules("rules.yaml", []byte("rules:\n  - name: gpu\n    match: {server: '^gpu'}\n    timeout: 2h\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := basePolicy() // timeout 1h
	p.Rules = rules
	n := &Notify{Before: 10 * time.Minute}
	u := &User{Name: "alice", Servers: []Server{
		{Name: "gpu", Ready: true, Started: at(3 * time.Hour), LastActivity: at(115 * time.Minute)},
		{Name: "cpu", Ready: true, Started: at(3 * time.Hour), LastActivity: at(55 * time.Minute)},
		{Name: "gpu-at-1h", Ready: true, Started: at(3 * time.Hour), LastActivity: at(55 * time.Minute)},
	}}
	d := Decide(u, now, &p)
	got := n.noticesFor(u, &d, now)
	want := []Notice{
		{User: "alice", Server: "gpu", Rule: "gpu", IdleSeconds: (115 * time.Minute).Seconds(), CullAt: now.Add(5 * time.Minute)},
		{User: "alice", Server: "cpu", Rule: FlagsRule, IdleSeconds: (55 * time.Minute).Seconds(), CullAt: now.Add(5 * time.Minute)},
	}
	if !slices.Equal(got, want) {
		t.Errorf("warnings %+v, want %+v", got, want)
	}
}
