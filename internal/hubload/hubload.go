// Package hubload measures what a cull pass does to a real JupyterHub's
// responsiveness: a Hub (internal/realhub) with many users and running
// servers served by stand-ins (Standins), a second client timing
// GET /hub/api/user with a user's token all along, and `hubctl cull --once`
// run as a process of its own. scripts/bench.sh runs it with the figures'
// sizes (BenchmarkCullPassLatency); TestSmoke runs it small.
package hubload

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/realhub"
)

// Options size a run.
type Options struct {
	Release realhub.Release
	Hubctl  string // the hubctl binary
	Users   int    // users on the Hub
	Running int    // of them, with a running default server
	Active  int    // of the running, posting activity (never culled)
	// Timeout is the culler's --timeout; the idle servers pass it before
	// each pass.
	Timeout       time.Duration
	ActivityEvery time.Duration // how often an active stand-in posts activity
	IdleWindow    time.Duration // how long the probe is timed before a pass
	ProbeEvery    time.Duration // the pause between two probes
	Concurrency   int           // the culler's --concurrency
	Passes        []Pass        // run in order on the same Hub
	Logf          func(format string, args ...any)
}

// Pass is one cull pass of a run.
type Pass struct {
	Name string
	Args []string // more hubctl flags, e.g. to turn pacing off
}

// Result is what one pass did.
type Result struct {
	Pass     Pass
	Idle     Stats // the probe before the pass
	During   Stats // the probe while hubctl ran
	Duration time.Duration
	Culled   int    // servers_culled of the summary line
	Left     int    // stand-ins still running after the pass
	Pacing   string // what hubctl said of its pacing, "" if it did not pace
	// Tail is how many probes during the pass took more than 3x the idle
	// p95, by tenth of the pass: where in the pass the slow ones were.
	Tail [10]int
}

// Stats summarise the probe's latencies in one window.
type Stats struct {
	N, Failed     int
	P50, P95, Max time.Duration
}

func (s Stats) String() string {
	return fmt.Sprintf("n=%d p50=%s p95=%s max=%s failed=%d", s.N, ms(s.P50), ms(s.P95), ms(s.Max), s.Failed)
}

func ms(d time.Duration) string { return strconv.FormatFloat(float64(d)/1e6, 'f', 1, 64) + "ms" }

// summarise takes nearest-rank percentiles.
func summarise(lat []time.Duration, failed int) Stats {
	s := Stats{N: len(lat), Failed: failed}
	if len(lat) == 0 {
		return s
	}
	slices.Sort(lat)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(lat))+0.999999) - 1
		return lat[min(max(i, 0), len(lat)-1)]
	}
	s.P50, s.P95, s.Max = rank(0.50), rank(0.95), lat[len(lat)-1]
	return s
}

func token() string {
	b := make([]byte, 32)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// UserName is the name of user i of a run.
func UserName(i int) string { return fmt.Sprintf("user-%05d", i) }

// active says whether running user i posts activity: every k-th, spread
// over the running ones.
func (o *Options) active(i int) bool {
	if o.Active <= 0 || i >= o.Running {
		return false
	}
	k := max(o.Running/o.Active, 1)
	return i%k == 0 && i/k < o.Active
}

// Run starts the Hub, fills it and runs the passes. The Hub, the stand-ins
// and the probe end with the test.
func Run(t testing.TB, o Options) []Result {
	t.Helper()
	logf := o.Logf
	if logf == nil {
		logf = t.Logf
	}
	o.Release.Require(t)
	version := o.Release.Version
	activeUser := map[string]bool{}
	for i := range o.Running {
		if o.active(i) {
			activeUser[UserName(i)] = true
		}
	}
	st := &Standins{Active: func(u string) bool { return activeUser[u] }, ActivityEvery: o.ActivityEvery}
	if err := st.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close) // after the Hub's Stop: cleanups run last first

	dir := t.TempDir()
	adminToken, cullToken := token(), token()
	scopes, _ := json.Marshal(hub.CullerRoleScopes(version, hub.CullerFlags{}))
	config := filepath.Join(dir, "jupyterhub_config.py")
	if err := os.WriteFile(config, []byte("c = get_config()  # noqa\n"+spawnerConfig(st.ControlURL())), 0o600); err != nil {
		t.Fatal(err)
	}
	h := realhub.Start(t, realhub.Options{Dir: dir, Config: config, Release: o.Release, After: strings.Join([]string{
		"c.JupyterHub.services = [{'name': 'hubload-admin', 'api_token': '" + adminToken + "'}, {'name': 'cull-idle', 'api_token': '" + cullToken + "'}]",
		"c.JupyterHub.load_roles = [{'name': 'hubload-admin', 'scopes': ['admin:users', 'admin:servers', 'tokens'], 'services': ['hubload-admin']}, " +
			"{'name': 'cull-idle-role', 'scopes': " + string(scopes) + ", 'services': ['cull-idle']}]",
	}, "\n")})
	h.MustBeUp(90 * time.Second)
	api := &apiClient{base: h.APIURL(), token: adminToken, http: &http.Client{Timeout: 60 * time.Second}}

	start := time.Now()
	if err := createUsers(api, o.Users); err != nil {
		t.Fatalf("creating users: %v\n%s", err, realhub.Tail(h.Output()))
	}
	logf("%s: %d users created in %s", o.Release.Name, o.Users, time.Since(start).Round(time.Millisecond))
	probeToken, err := userToken(api, UserName(o.Users-1))
	if err != nil {
		t.Fatal(err)
	}
	pr := startProbe(h.APIURL(), probeToken, o.ProbeEvery)
	t.Cleanup(pr.stop)

	var results []Result
	for _, pass := range o.Passes {
		start := time.Now()
		n, err := spawnAll(api, o.Running, st)
		if err != nil {
			t.Fatalf("spawning: %v\n%s", err, realhub.Tail(h.Output()))
		}
		spawned := time.Now()
		logf("%s: %d servers started in %s (%d running)", o.Release.Name, n, spawned.Sub(start).Round(time.Millisecond), st.Running())
		// The idle servers' last activity is their start: they pass the
		// timeout (whole seconds, as --timeout takes) a little after it.
		timeout := o.Timeout.Round(time.Second)
		cullAt := spawned.Add(timeout + 2*time.Second)
		time.Sleep(time.Until(cullAt.Add(-o.IdleWindow)))
		idleFrom := time.Now()
		time.Sleep(time.Until(cullAt))
		idle := pr.window(idleFrom, time.Now())

		args := append([]string{"cull", "--once", "--url", h.APIURL(), "--timeout=" + strconv.Itoa(int(timeout.Seconds())),
			"--concurrency=" + strconv.Itoa(o.Concurrency)}, pass.Args...)
		cmd := exec.Command(o.Hubctl, args...)
		cmd.Env = []string{"JUPYTERHUB_API_TOKEN=" + cullToken, "PATH=" + os.Getenv("PATH"), "HOME=" + dir}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		passFrom := time.Now()
		err = cmd.Run()
		passTo := time.Now()
		if err != nil {
			t.Fatalf("hubctl %s: %v\n%s", strings.Join(args, " "), err, realhub.Tail(out.String()))
		}
		r := Result{Pass: pass, Idle: idle, During: pr.window(passFrom, passTo), Duration: passTo.Sub(passFrom),
			Culled: culled(out.String()), Left: st.Running(), Pacing: pacing(out.String()),
			Tail: pr.tail(passFrom, passTo, 3*idle.P95)}
		logf("%s %s: idle %v | during %v | pass %s, %d culled, %d left | %s | beyond 3x idle p95 by tenth of the pass: %v",
			o.Release.Name, pass.Name, r.Idle, r.During, r.Duration.Round(time.Millisecond), r.Culled, r.Left, r.Pacing, r.Tail)
		results = append(results, r)
	}
	ok, failed := st.ActivityPosts()
	logf("%s: activity posts: %d accepted, %d failed", o.Release.Name, ok, failed)
	return results
}

var culledRE = regexp.MustCompile(`cull pass done.*servers_culled=(\d+)`)

func culled(out string) int {
	m := culledRE.FindStringSubmatch(out)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

var pacingRE = regexp.MustCompile(`paced requests to the Hub's latency.*(lowest_limit=[0-9.]+ limit_at_end=[0-9.]+ halvings=[0-9]+)`)

func pacing(out string) string {
	if m := pacingRE.FindStringSubmatch(out); m != nil {
		return m[1]
	}
	return ""
}

type apiClient struct {
	base, token string
	http        *http.Client
}

func (c *apiClient) call(method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "token "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, data, err
}

// createUsers adds users 0..n-1 with POST /users, 200 names at a time.
func createUsers(c *apiClient, n int) error {
	const batch = 200
	for from := 0; from < n; from += batch {
		var names []string
		for i := from; i < min(from+batch, n); i++ {
			names = append(names, UserName(i))
		}
		code, data, err := c.call(http.MethodPost, "/users", map[string]any{"usernames": names})
		if err != nil {
			return err
		}
		if code != http.StatusCreated {
			return fmt.Errorf("POST /users: %d %s", code, data)
		}
	}
	return nil
}

// userToken makes an API token for user, for the probe.
func userToken(c *apiClient, user string) (string, error) {
	code, data, err := c.call(http.MethodPost, "/users/"+user+"/tokens", map[string]any{"note": "hubload probe", "expires_in": 86400})
	if err != nil {
		return "", err
	}
	var reply struct {
		Token string `json:"token"`
	}
	if code != http.StatusCreated && code != http.StatusOK || json.Unmarshal(data, &reply) != nil || reply.Token == "" {
		return "", fmt.Errorf("POST /users/%s/tokens: %d", user, code)
	}
	return reply.Token, nil
}

// spawnAll starts the default servers of users 0..running-1 that have no
// stand-in serving, ten at a time, and waits until each is ready.
func spawnAll(c *apiClient, running int, st *Standins) (int, error) {
	up := st.Users()
	work := make(chan string)
	errs := make(chan error, running)
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				if err := spawn(c, u); err != nil {
					errs <- err
				}
			}
		}()
	}
	n := 0
	for i := range running {
		if !up[UserName(i)] {
			work <- UserName(i)
			n++
		}
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		return n, err
	}
	return n, nil
}

func spawn(c *apiClient, user string) error {
	code, data, err := c.call(http.MethodPost, "/users/"+user+"/server", nil)
	if err != nil {
		return err
	}
	switch code {
	case http.StatusCreated:
		return nil
	case http.StatusAccepted:
	default:
		return fmt.Errorf("POST /users/%s/server: %d %s", user, code, data)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond) // polling the spawn
		_, data, err := c.call(http.MethodGet, "/users/"+user, nil)
		if err != nil {
			return err
		}
		var u struct {
			Servers map[string]struct{ Ready bool } `json:"servers"`
		}
		if json.Unmarshal(data, &u) == nil && u.Servers[""].Ready {
			return nil
		}
	}
	return fmt.Errorf("%s's server was not ready within 2 minutes", user)
}

// probe is the second client: GET /user with a user's token, one request
// at a time with a pause between, each one timed.
type probe struct {
	cancel  context.CancelFunc
	done    chan struct{}
	mu      sync.Mutex
	samples []sample
}

type sample struct {
	at      time.Time
	latency time.Duration
	ok      bool
}

func startProbe(apiURL, token string, every time.Duration) *probe {
	ctx, cancel := context.WithCancel(context.Background())
	p := &probe{cancel: cancel, done: make(chan struct{})}
	client := &http.Client{Timeout: 30 * time.Second}
	go func() {
		defer close(p.done)
		for ctx.Err() == nil {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, apiURL+"/user", nil)
			req.Header.Set("Authorization", "token "+token)
			at := time.Now()
			resp, err := client.Do(req)
			ok := err == nil && resp.StatusCode == http.StatusOK
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			lat := time.Since(at)
			if ctx.Err() != nil {
				return
			}
			p.mu.Lock()
			p.samples = append(p.samples, sample{at: at, latency: lat, ok: ok})
			p.mu.Unlock()
			select {
			case <-ctx.Done():
			case <-time.After(every):
			}
		}
	}()
	return p
}

// window summarises the probes sent in [from, to).
func (p *probe) window(from, to time.Time) Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	var lat []time.Duration
	failed := 0
	for _, s := range p.samples {
		if s.at.Before(from) || !s.at.Before(to) {
			continue
		}
		if s.ok {
			lat = append(lat, s.latency)
		} else {
			failed++
		}
	}
	return summarise(lat, failed)
}

// tail counts the probes sent in [from, to) slower than bound, by tenth
// of the window.
func (p *probe) tail(from, to time.Time, bound time.Duration) (tenths [10]int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	span := to.Sub(from)
	for _, s := range p.samples {
		if s.at.Before(from) || !s.at.Before(to) || s.ok && s.latency <= bound {
			continue
		}
		tenths[min(int(10*s.at.Sub(from)/span), 9)]++
	}
	return tenths
}

func (p *probe) stop() {
	p.cancel()
	<-p.done
}
