// Command benchhub serves a fake JupyterHub with many users, in a process of
// its own, so that scripts/bench.sh can measure `hubctl cull` alone (wall
// time, CPU time, peak RSS) against it. It prints the API URL, then serves
// until it is killed.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/fakehub"
)

func main() {
	users := flag.Int("users", 100000, "users on the Hub, each with a running default server")
	idle := flag.Float64("idle", 0.10, "fraction of them idle for two hours")
	stopDelay := flag.Duration("stop-delay", 0, "how long each DELETE of a server takes to answer")
	version := flag.String("hub-version", "3.0.0", "the JupyterHub release the fake answers as (fakehub.Options.Version), e.g. 5.2.1")
	flag.Parse()
	token := os.Getenv("BENCH_TOKEN")
	if token == "" {
		fmt.Fprintln(os.Stderr, "benchhub: set BENCH_TOKEN")
		os.Exit(2)
	}
	h := fakehub.New(fakehub.Options{Version: *version})
	defer h.Close()
	h.AddToken(token, fakehub.Owner{Kind: "service", Name: "cull-idle"},
		hub.CullerRoleScopes(hub.NewestStable, hub.CullerFlags{CullUsers: true})...)
	now := time.Now()
	old, recent := now.Add(-2*time.Hour), now.Add(-time.Minute)
	every := 0
	if *idle > 0 {
		every = int(1 / *idle)
	}
	for i := 0; i < *users; i++ {
		last := recent
		if every > 0 && i%every == 0 {
			last = old
		}
		l := last
		h.AddUser(fakehub.User{Name: fmt.Sprintf("user-%06d", i), Created: old, LastActivity: &l,
			Servers: map[string]*fakehub.Server{"": {Ready: true, Started: &old, LastActivity: &l}}})
	}
	if *stopDelay > 0 {
		h.Inject(fakehub.Fault{Method: http.MethodDelete, Delay: *stopDelay})
	}
	fmt.Println(h.URL())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
}
