package cull

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"syscall"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/fakehub"
)

// benchHub fills a fake Hub with n users, one running server each, every
// tenth idle. The fake runs in this process; scripts/bench.sh measures the
// binary against a separate one for CPU time and RSS.
func benchHub(b *testing.B, n int, idleEvery int) *fakehub.Hub {
	h := newHub(b, fakehub.Options{})
	now := time.Now()
	old, recent := now.Add(-2*time.Hour), now.Add(-time.Minute)
	for i := 0; i < n; i++ {
		last := recent
		if i%idleEvery == 0 {
			last = old
		}
		l := last
		h.AddUser(fakehub.User{Name: fmt.Sprintf("user-%06d", i), Created: old, LastActivity: &l,
			Servers: map[string]*fakehub.Server{"": {Ready: true, Started: &old, LastActivity: &l}}})
	}
	return h
}

// BenchmarkPass100k is one pass over 100 000 users, 10 % idle, in dry-run
// mode so that every iteration sees the same Hub.
func BenchmarkPass100k(b *testing.B) {
	h := benchHub(b, 100000, 10)
	c, _ := newCuller(b, h, basePolicy())
	c.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	c.DryRun = true
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sum, err := c.Pass(context.Background())
		if err != nil || sum.ServersCulled != 10000 {
			b.Fatalf("%+v %v", sum, err)
		}
	}
}

// benchRules is a --rules file of five rules, as a Hub's admin might
// write: most servers match none of them, so every rule is tried for them.
const benchRules = `rules:
  - {name: instructors, match: {group: instructors}, never: true}
  - {name: gpu, match: {profile: gpu}, timeout: 2h, max_age: 8h}
  - {name: long-runs, match: {server: '^long-'}, timeout: 24h}
  - {name: ta, match: {user: '^ta-', admin: false}, timeout: 6h}
  - {name: visitors, match: {group: visitors}, timeout: 30m}
`

// BenchmarkPass100kRules is BenchmarkPass100k's pass over users who have
// groups and user_options (every user in "students", every 1000th also in
// "instructors"; profile "gpu" for every 100th, else "cpu"), without rules
// and with benchRules, side by side: the rules are to cost at most 10 %.
func BenchmarkPass100kRules(b *testing.B) {
	h := newHub(b, fakehub.Options{})
	now := time.Now()
	old, recent := now.Add(-2*time.Hour), now.Add(-time.Minute)
	for i := 0; i < 100000; i++ {
		last := recent
		if i%10 == 0 {
			last = old
		}
		l := last
		groups, profile := []string{"students"}, "cpu"
		if i%1000 == 0 {
			groups = append(groups, "instructors")
		}
		if i%100 == 0 {
			profile = "gpu"
		}
		h.AddUser(fakehub.User{Name: fmt.Sprintf("user-%06d", i), Groups: groups, Created: old, LastActivity: &l,
			Servers: map[string]*fakehub.Server{"": {Ready: true, Started: &old, LastActivity: &l, UserOptions: map[string]any{"profile": profile}}}})
	}
	for _, bc := range []struct {
		name   string
		rules  []Rule
		culled int
	}{
		{"none", nil, 10000},
		{"5-rules", mustRules(b, benchRules), 10000 - 100}, // the instructors' idle servers stay
	} {
		b.Run(bc.name, func(b *testing.B) {
			p := basePolicy()
			p.Rules = bc.rules
			c, _ := newCuller(b, h, p)
			c.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
			c.DryRun = true
			b.ResetTimer()
			cpu := processCPU()
			for i := 0; i < b.N; i++ {
				sum, err := c.Pass(context.Background())
				if err != nil || sum.ServersCulled != bc.culled {
					b.Fatalf("%+v %v", sum, err)
				}
			}
			// On a shared machine the CPU time (this process's: the
			// culler and the in-process fake Hub) varies less than the
			// wall time.
			b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
		})
	}
}

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkSlowStops culls 200 idle servers whose stops take 200 ms each,
// at concurrency 10: about 4 s, against the reference's one user at a time.
func BenchmarkSlowStops(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		h := benchHub(b, 200, 1)
		h.Inject(fakehub.Fault{Method: http.MethodDelete, Delay: 200 * time.Millisecond})
		c, _ := newCuller(b, h, basePolicy())
		c.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
		b.StartTimer()
		sum, err := c.Pass(context.Background())
		if err != nil || sum.ServersCulled != 200 {
			b.Fatalf("%+v %v", sum, err)
		}
	}
}

func BenchmarkDecide(b *testing.B) {
	p := basePolicy()
	u := User{Name: "u", LastActivity: ago(2 * time.Hour), Servers: []Server{{Ready: true, LastActivity: ago(2 * time.Hour), Started: ago(3 * time.Hour)}}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Decide(&u, now, &p)
	}
}

// BenchmarkDecideRules is Decide for one user of BenchmarkPass100kRules
// whom no rule matches (every rule is tried), without rules and with
// benchRules: what the rules add to each user of a pass.
func BenchmarkDecideRules(b *testing.B) {
	u := User{Name: "user-012345", Groups: []string{"students"}, LastActivity: ago(2 * time.Hour),
		Servers: []Server{{Ready: true, LastActivity: ago(2 * time.Hour), Started: ago(3 * time.Hour), Profile: "cpu"}}}
	for _, bc := range []struct {
		name  string
		rules []Rule
	}{{"none", nil}, {"5-rules", mustRules(b, benchRules)}} {
		b.Run(bc.name, func(b *testing.B) {
			p := basePolicy()
			p.Rules = bc.rules
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				Decide(&u, now, &p)
			}
		})
	}
}
