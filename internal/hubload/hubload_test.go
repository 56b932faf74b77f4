package hubload

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/realhub"
)

// hubctlBinary is $HUBCTL_BIN (scripts/bench.sh's build), else hubctl
// built for the test.
func hubctlBinary(t testing.TB) string {
	if bin := os.Getenv("HUBCTL_BIN"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "hubctl")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/hubctl")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building hubctl: %v\n%s", err, out)
	}
	return bin
}

func TestSummarise(t *testing.T) {
	var lat []time.Duration
	for i := 100; i >= 1; i-- {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	s := summarise(lat, 2)
	if s.N != 100 || s.Failed != 2 || s.P50 != 50*time.Millisecond || s.P95 != 95*time.Millisecond || s.Max != 100*time.Millisecond {
		t.Errorf("summarise(1..100 ms) = %+v", s)
	}
	if s := summarise([]time.Duration{7}, 0); s.P50 != 7 || s.P95 != 7 {
		t.Errorf("summarise(one) = %+v", s)
	}
	if s := summarise(nil, 1); s.N != 0 || s.P95 != 0 {
		t.Errorf("summarise(none) = %+v", s)
	}
}

func TestActiveSpread(t *testing.T) {
	o := Options{Running: 200, Active: 50}
	var active []int
	for i := range 2000 {
		if o.active(i) {
			active = append(active, i)
		}
	}
	if len(active) != 50 || active[0] != 0 || active[1] != 4 || active[49] != 196 {
		t.Errorf("active users: %d %v", len(active), active)
	}
}

// TestSmoke runs the harness small on each real Hub: the stand-ins come up
// as the Hub's servers, the active ones report activity and are kept, the
// idle ones are culled, and the probe is timed before and during the pass.
func TestSmoke(t *testing.T) {
	// hubctl is built only when a Hub is there to run it against.
	releases, bin := realhub.Releases(), ""
	if slices.ContainsFunc(releases, func(r realhub.Release) bool { return r.Available() == nil }) {
		bin = hubctlBinary(t)
	}
	for _, r := range releases {
		t.Run(r.Name, func(t *testing.T) {
			t.Parallel()
			r.Require(t)
			o := Options{Release: r, Hubctl: bin, Users: 30, Running: 8, Active: 2,
				Timeout: 3 * time.Second, ActivityEvery: time.Second, IdleWindow: 2 * time.Second,
				ProbeEvery: 20 * time.Millisecond, Concurrency: 10,
				Passes: []Pass{{Name: "first"}, {Name: "second"}}}
			results := Run(t, o)
			for _, res := range results {
				if res.Culled != o.Running-o.Active || res.Left != o.Active {
					t.Errorf("%s: culled %d and left %d servers, want %d and %d", res.Pass.Name, res.Culled, res.Left, o.Running-o.Active, o.Active)
				}
				if res.Idle.N < 10 || res.Idle.Failed > 0 || res.During.N < 1 || res.During.Failed > 0 || res.Idle.P95 <= 0 {
					t.Errorf("%s: probe idle %v, during %v", res.Pass.Name, res.Idle, res.During)
				}
			}
		})
	}
}

func envInt(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		b.Fatalf("%s=%q is not a count", name, s)
	}
	return n
}

// BenchmarkCullPassLatency is the figures' run (docs/benchmarks.md, "Kind
// to the Hub"): 2 000 users, 200 running servers of which 50 active (they
// post activity every third of the 30 s cull timeout), and
// HUBLOAD_REPEATS rounds of three passes at --concurrency=10, each on 150
// idle servers: without pacing, with it, and one request at a time
// (--concurrency=1, the floor pacing can reach). HUBLOAD_RELEASE picks
// the Hub (3.0, 5.2); HUBLOAD_USERS, _RUNNING, _ACTIVE and _TIMEOUT
// (seconds) the sizes; HUBLOAD_PASSES other passes. Run it once:
// -benchtime=1x (a run takes minutes).
func BenchmarkCullPassLatency(b *testing.B) {
	release := realhub.V30
	if os.Getenv("HUBLOAD_RELEASE") == "5.2" {
		release = realhub.V52()
	}
	var passes []Pass
	for range envInt(b, "HUBLOAD_REPEATS", 3) {
		passes = append(passes, Pass{Name: "unpaced", Args: []string{"--pace=false"}}, Pass{Name: "paced"},
			Pass{Name: "one-at-a-time", Args: []string{"--pace=false", "--concurrency=1"}})
	}
	if modes := os.Getenv("HUBLOAD_PASSES"); modes != "" {
		passes = nil
		// NAME or NAME=FLAGS (more hubctl flags, space-separated);
		// "unpaced" alone is --pace=false.
		for _, m := range strings.Split(modes, ",") {
			name, flags, _ := strings.Cut(m, "=")
			p := Pass{Name: name, Args: strings.Fields(flags)}
			if m == "unpaced" {
				p.Args = []string{"--pace=false"}
			}
			passes = append(passes, p)
		}
	}
	timeout := time.Duration(envInt(b, "HUBLOAD_TIMEOUT", 30)) * time.Second
	o := Options{Release: release, Hubctl: hubctlBinary(b),
		Users: envInt(b, "HUBLOAD_USERS", 2000), Running: envInt(b, "HUBLOAD_RUNNING", 200), Active: envInt(b, "HUBLOAD_ACTIVE", 50),
		Timeout: timeout, ActivityEvery: timeout / 3,
		IdleWindow: 15 * time.Second, ProbeEvery: 20 * time.Millisecond, Concurrency: 10, Passes: passes}
	b.ResetTimer()
	results := Run(b, o)
	b.StopTimer()
	byName := map[string][]Result{}
	for _, r := range results {
		byName[r.Pass.Name] = append(byName[r.Pass.Name], r)
	}
	for name, rs := range byName {
		var ratios []float64
		for _, r := range rs {
			ratios = append(ratios, float64(r.During.P95)/float64(r.Idle.P95))
		}
		slices.Sort(ratios)
		b.ReportMetric(ratios[len(ratios)/2], name+"-p95-ratio")
	}
}

func TestPacingLine(t *testing.T) {
	out := `time=2026-12-01T20:09:41.985Z level=INFO msg="paced requests to the Hub's latency" max_in_flight=10 lowest_limit=0.12 limit_at_end=1.5 halvings=26` + "\n"
	if got := pacing(out); got != "lowest_limit=0.12 limit_at_end=1.5 halvings=26" {
		t.Errorf("pacing() = %q", got)
	}
	if got := culled(`level=INFO msg="cull pass done" users=200 servers_culled=150 stuck_stops=0`); got != 150 {
		t.Errorf("culled() = %d", got)
	}
}
