package cull

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hubctl/hubctl/internal/fakehub"
)

// pagingHub fronts a fake Hub: GET /users is answered by page (given the
// requested offset and limit, 0 when absent) while bad is set, and passed to
// the fake otherwise. It counts the GET /users requests.
type pagingHub struct {
	*httptest.Server
	bad   atomic.Bool
	lists atomic.Int64
}

func newPagingHub(t *testing.T, h *fakehub.Hub, page func(offset, limit int) string) *pagingHub {
	t.Helper()
	backend, _ := url.Parse(h.URL())
	backend.Path = ""
	proxy := httputil.NewSingleHostReverseProxy(backend)
	p := &pagingHub{}
	p.bad.Store(true)
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/hub/api/users" {
			proxy.ServeHTTP(w, r)
			return
		}
		p.lists.Add(1)
		if !p.bad.Load() {
			proxy.ServeHTTP(w, r)
			return
		}
		offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, page(offset, limit))
	}))
	t.Cleanup(p.Close)
	return p
}

func (p *pagingHub) URL() string { return p.Server.URL + "/hub/api" }

func emptyPage(offset, limit, total int, next string) string {
	return fmt.Sprintf(`{"items": [], "_pagination": {"offset": %d, "limit": %d, "total": %d, "next": %s}}`, offset, limit, total, next)
}

// TestListingStopsOnAHubThatNeverEnds: a Hub whose pages do not add up
// ends the listing with an error within a bounded number of requests.
func TestListingStopsOnAHubThatNeverEnds(t *testing.T) {
	for _, tt := range []struct {
		name    string
		page    func(offset, limit int) string
		maxReqs int64
		want    string
	}{
		// the case seen: next.offset grows by one, items empty
		{"advances by one", func(o, _ int) string {
			return emptyPage(o, 50, 3, fmt.Sprintf(`{"offset": %d, "limit": 50}`, o+1))
		}, 1, "advances by 1, not by the page's limit 50"},
		// limit 1 and a total that keeps ahead of the offset
		{"total keeps growing", func(o, _ int) string {
			return emptyPage(o, 1, o+2, fmt.Sprintf(`{"offset": %d, "limit": 1}`, o+1))
		}, 20, "more than the total of 2 the Hub first gave can fill"},
		// a next at or beyond the total of the same reply
		{"next beyond total", func(o, _ int) string {
			return emptyPage(o, 50, 3, fmt.Sprintf(`{"offset": %d, "limit": 50}`, o+50))
		}, 1, "next page offset 50 is beyond the total of 3"},
		// no total: nothing bounds the listing
		{"no total", func(o, _ int) string {
			return fmt.Sprintf(`{"items": [{"name": "u%d"}], "_pagination": {"offset": %d, "limit": 1, "next": {"offset": %d, "limit": 1}}}`, o, o, o+1)
		}, 1, "a next page and no total"},
		// the offset answered is not the one asked for
		{"wrong offset", func(o, _ int) string {
			return emptyPage(o+7, 50, 1000, fmt.Sprintf(`{"offset": %d, "limit": 50}`, o+57))
		}, 1, "answered offset 7 for offset 0"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHub(t, fakehub.Options{})
			bad := newPagingHub(t, h, tt.page)
			c, logs := newCuller(t, h, basePolicy())
			c.Client.base, _ = NormalizeURL(bad.URL())
			m := NewMetrics()
			c.Metrics = m
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			sum, err := c.RunPass(ctx)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err %v, want %q\n%s", err, tt.want, logs)
			}
			if ErrorKind(err) != "pagination" {
				t.Errorf("kind %q, want pagination", ErrorKind(err))
			}
			if n := bad.lists.Load(); n > tt.maxReqs {
				t.Errorf("%d requests for GET /users, want at most %d", n, tt.maxReqs)
			}
			if sum.Errors != 1 || !strings.Contains(logs.String(), "errors=1") {
				t.Errorf("summary errors %d, want 1\n%s", sum.Errors, logs)
			}
			if got := metricValue(t, m, `hubctl_cull_errors_total{kind="pagination"}`); got != "1" {
				t.Errorf("errors_total{kind=pagination} = %q, want 1", got)
			}
		})
	}
}

// TestListingAcceptsShortReadyPages: the real Hub counts one row per active
// server and filters "ready" after the LIMIT, so short and even empty pages
// with a next are normal; the listing goes on.
func TestListingAcceptsShortReadyPages(t *testing.T) {
	h := newHub(t, fakehub.Options{DefaultLimit: 2})
	for i := range 5 {
		addUser(h, fmt.Sprintf("pending%d", i), false, 2*time.Hour, map[string]*fakehub.Server{"": {Pending: "spawn"}})
	}
	addUser(h, "idle", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer(), "b": idleServer()})
	addUser(h, "idle2", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	c, logs := newCuller(t, h, basePolicy())
	sum, err := c.Pass(context.Background())
	if err != nil || sum.ServersCulled != 3 {
		t.Fatalf("%+v %v\n%s", sum, err, logs)
	}
}

// TestRunCullsAgainAfterAListingFails: the loop goes on with the next period.
func TestRunCullsAgainAfterAListingFails(t *testing.T) {
	h := newHub(t, fakehub.Options{})
	addUser(h, "idle", false, 2*time.Hour, map[string]*fakehub.Server{"": idleServer()})
	bad := newPagingHub(t, h, func(o, _ int) string {
		return emptyPage(o, 50, 3, fmt.Sprintf(`{"offset": %d, "limit": 50}`, o+1))
	})
	c, logs := newCuller(t, h, basePolicy())
	c.Client.base, _ = NormalizeURL(bad.URL())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx, 20*time.Millisecond); close(done) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "a failed pass", func() bool { return strings.Contains(logs.String(), "advances by 1") })
	if !running(t, h, "idle", "") {
		t.Fatal("culled although the listing failed")
	}
	bad.bad.Store(false)
	waitFor(t, "the next pass to cull", func() bool { return !running(t, h, "idle", "") })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond) // polling interval of the deadline above
	}
}

// metricValue reads one sample from the metrics handler's text output.
func metricValue(t *testing.T, m *Metrics, series string) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}
