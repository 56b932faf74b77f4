package cull

import (
	"bytes"
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hubctl/hubctl/hub"
)

// DefaultURL is where a Hub-managed service finds the Hub API by default.
const DefaultURL = "http://127.0.0.1:8081/hub/api"

// MaxConcurrency is the most requests to the Hub at once that hubctl cull
// takes (--concurrency, and cull.concurrency in Helm values and the TLJH
// config it is written from).
const MaxConcurrency = 1000

// ClientConfig configures a Client.
type ClientConfig struct {
	URL            string        // API base, e.g. http://127.0.0.1:8081/hub/api
	Token          string        // never logged
	RequestTimeout time.Duration // per attempt; JUPYTERHUB_REQUEST_TIMEOUT
	Concurrency    int           // bound on requests in flight at once
	PageSize       int           // limit= on GET /users; 0 = the Hub's default
	TLS            *tls.Config   // nil = the default transport's
	Retries        int           // extra attempts after a 5xx, 429, time-out or reset
	BackoffBase    time.Duration // first back-off; doubles each retry, with jitter
	BackoffMax     time.Duration // cap on one back-off, Retry-After included
	UserAgent      string
	// Pace adapts the requests in flight to the Hub's latency, within
	// 1..Concurrency (pacer); off, Concurrency are in flight whenever
	// there is work.
	Pace bool
}

// Client talks to the Hub's REST API. Every request, listing included,
// passes through one semaphore of Concurrency slots.
type Client struct {
	base *url.URL
	cfg  ClientConfig
	http *http.Client
	sem  chan struct{}
	pace *pacer // nil unless cfg.Pace
}

// NormalizeURL checks an API URL and drops a trailing slash. Its errors
// never repeat what may be a secret: userinfo, the query and the fragment
// are masked, and a URL that does not parse is not shown at all.
func NormalizeURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("hub API URL does not parse as a URL like %s (not shown: it may hold a secret)", DefaultURL)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		if u.Scheme == "" || u.Host == "" {
			return nil, fmt.Errorf("hub API URL is not an http(s) URL like %s (not shown: it may hold a secret)", DefaultURL)
		}
		return nil, fmt.Errorf("hub API URL %s is not an http(s) URL like %s", redactedURL(u), DefaultURL)
	}
	if u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return nil, fmt.Errorf("hub API URL %s must not carry credentials, a query or a fragment (pass the token in JUPYTERHUB_API_TOKEN or --token-name)", redactedURL(u))
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// CleartextRemote reports whether u is plain http to a host that is not
// loopback (127.0.0.0/8, ::1, localhost): the token then crosses a network
// unencrypted, which is normal inside a cluster and worth a warning.
func CleartextRemote(u *url.URL) bool {
	if u.Scheme != "http" {
		return false
	}
	host := u.Hostname()
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err != nil || !ip.WithZone("").Unmap().IsLoopback()
}

// NewClient returns a client for the Hub API at cfg.URL.
func NewClient(cfg ClientConfig) (*Client, error) {
	base, err := NormalizeURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	if cfg.Token == "" {
		return nil, errors.New("no API token")
	}
	if cfg.Concurrency < 1 {
		cfg.Concurrency = 1
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = hub.DefaultRequestTimeout
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = 500 * time.Millisecond
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = 30 * time.Second
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "hubctl-cull"
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = cfg.Concurrency
	if cfg.TLS != nil {
		tr.TLSClientConfig = cfg.TLS
	}
	// The Hub's REST API never redirects an API call, and following one
	// would carry the token elsewhere: Go keeps the Authorization header
	// when only the port changes, and over http after https. A 3xx is
	// returned as it is and becomes a *RedirectError.
	noRedirect := func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c := &Client{base: base, cfg: cfg, http: &http.Client{Transport: tr, CheckRedirect: noRedirect}, sem: make(chan struct{}, cfg.Concurrency)}
	if cfg.Pace {
		c.pace = newPacer(cfg.Concurrency)
	}
	return c, nil
}

// InternalTLS builds the client TLS config that --ssl-enabled uses: the
// Hub's internal certificates under dir (JupyterHub's internal_certs_location).
func InternalTLS(dir string) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(
		filepath.Join(dir, "hub-internal", "hub-internal.crt"),
		filepath.Join(dir, "hub-internal", "hub-internal.key"))
	if err != nil {
		return nil, fmt.Errorf("loading the internal certificate from %s: %w", dir, err)
	}
	caFile := filepath.Join(dir, "hub-ca", "hub-ca.crt")
	ca, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("loading the internal CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, fmt.Errorf("%s holds no PEM certificate", caFile)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// StatusError is a reply from the Hub with an unexpected status.
type StatusError struct {
	Method, Path string
	Code         int
	Message      string // the Hub's "message", if any
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s %s: the Hub answered %d %s", e.Method, e.Path, e.Code, http.StatusText(e.Code))
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// RedirectError is a 3xx from the Hub, which hubctl does not follow.
type RedirectError struct {
	Method, Path string
	Code         int
	Location     string // redacted; "" when the reply had none
}

func (e *RedirectError) Error() string {
	to := "with no Location"
	if e.Location != "" {
		to = "to " + e.Location
	}
	return fmt.Sprintf("%s %s: the Hub answered %d %s %s; hubctl follows no redirect (it would carry the token there): set --url to the Hub API itself",
		e.Method, e.Path, e.Code, http.StatusText(e.Code), to)
}

func (c *Client) redirectError(method, path string, code int, from *url.URL, location string) *RedirectError {
	e := &RedirectError{Method: method, Path: path, Code: code}
	if location != "" {
		if to, err := from.Parse(location); err == nil {
			e.Location = c.replyText(redactedURL(to))
		} else {
			e.Location = fmt.Sprintf("(an unreadable Location of %d bytes)", len(location))
		}
	}
	return e
}

// maxBody bounds one reply: a page of users is well under a megabyte, and a
// pre-2.0 Hub's unpaginated list of 100 000 users about 50 MB.
const maxBody = 256 << 20

// do sends one request, retrying 5xx, 429, time-outs, resets and cut-off
// bodies with capped exponential back-off and jitter (Retry-After honoured),
// and returns the final status and body.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body []byte, accept string) (int, []byte, error) {
	code, data, _, err := c.doHeader(ctx, method, path, query, body, accept)
	return code, data, err
}

// doHeader is do that also returns the final reply's headers.
func (c *Client) doHeader(ctx context.Context, method, path string, query url.Values, body []byte, accept string) (int, []byte, http.Header, error) {
	u := *c.base
	u.Path = c.base.Path + path
	if i := strings.Index(path, "%"); i >= 0 {
		u.RawPath = c.base.EscapedPath() + path
		if p, err := url.PathUnescape(u.RawPath); err == nil {
			u.Path = p
		}
	}
	u.RawQuery = query.Encode()
	var lastErr error
	for attempt := 0; ; attempt++ {
		code, data, header, err := c.once(ctx, method, &u, body, accept)
		if err == nil && code >= 300 && code < 400 {
			return 0, nil, nil, c.redirectError(method, path, code, &u, header.Get("Location"))
		}
		if err == nil && code != http.StatusTooManyRequests && code < 500 {
			return code, data, header, nil
		}
		if err == nil {
			err = c.statusError(method, path, code, data)
		}
		lastErr = err
		if ctx.Err() != nil {
			return 0, nil, nil, ctx.Err()
		}
		if attempt >= c.cfg.Retries {
			if attempt > 0 {
				return 0, nil, nil, fmt.Errorf("%w (gave up after %d attempts)", lastErr, attempt+1)
			}
			return 0, nil, nil, lastErr
		}
		if err := c.backoff(ctx, attempt, retryAfter(header.Get("Retry-After"))); err != nil {
			return 0, nil, nil, err
		}
	}
}

// backoff sleeps before retry number attempt+1: Retry-After when the Hub
// gave one, else a capped exponential delay with jitter.
func (c *Client) backoff(ctx context.Context, attempt int, retryAfter time.Duration) error {
	wait := retryAfter
	if wait <= 0 {
		ceiling := c.cfg.BackoffBase << attempt
		if ceiling > c.cfg.BackoffMax || ceiling <= 0 {
			ceiling = c.cfg.BackoffMax
		}
		wait = ceiling/2 + rand.N(ceiling/2+1)
	}
	wait = min(wait, c.cfg.BackoffMax)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(wait):
		return nil
	}
}

// send makes one attempt inside a concurrency slot.
func (c *Client) send(ctx context.Context, method string, u *url.URL, body []byte, accept string) (int, []byte, http.Header, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return 0, nil, nil, ctx.Err()
	}
	defer func() { <-c.sem }()
	actx, cancel := context.WithTimeout(ctx, c.cfg.RequestTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, method, u.String(), rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "token "+c.cfg.Token)
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", c.cfg.UserAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, nil, c.cleanErr(scrub(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return 0, nil, nil, fmt.Errorf("%s %s: reading the reply: %w", method, u.Path, c.cleanErr(scrub(err)))
	}
	return resp.StatusCode, data, resp.Header, nil
}

// scrub drops the URL that net/http puts in its errors; it holds no token,
// but a user name in it would be escaped and hard to read.
func scrub(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("%s %s: %w", ue.Op, pathOf(ue.URL), ue.Err)
	}
	return err
}

func pathOf(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Path
	}
	return raw
}

func retryAfter(h string) time.Duration {
	if h == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(h)); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(h); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// hubMessage pulls "message" out of a Hub error reply.
func hubMessage(body []byte) string {
	var m struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &m) == nil {
		return m.Message
	}
	return ""
}

func (c *Client) get(ctx context.Context, path string, query url.Values, accept string, into any) error {
	code, data, err := c.do(ctx, http.MethodGet, path, query, nil, accept)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return c.statusError(http.MethodGet, path, code, data)
	}
	if err := json.Unmarshal(data, into); err != nil {
		return c.decodeError(path, err)
	}
	return nil
}

// DecodeError is a reply that is not the JSON the Hub sends.
type DecodeError struct {
	Path string
	Err  error
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("GET %s: unreadable reply: %v", e.Path, e.Err)
}
func (e *DecodeError) Unwrap() error { return e.Err }

// Version returns the Hub's version from GET {url}/.
func (c *Client) Version(ctx context.Context) (string, error) {
	var info struct {
		Version string `json:"version"`
	}
	if err := c.get(ctx, "/", nil, "application/json", &info); err != nil {
		return "", err
	}
	if info.Version == "" {
		return "", &DecodeError{Path: "/", Err: errors.New("no version in the reply; is this the Hub API URL?")}
	}
	return info.Version, nil
}

// Identity is who a token belongs to, from GET {url}/user.
type Identity struct {
	Kind   string   `json:"kind"` // "user" or "service"
	Name   string   `json:"name"`
	Admin  bool     `json:"admin"`
	Scopes []string `json:"scopes"` // nil on Hubs before 2.0
	// TokenID is the id of the token that asked ("a42"), which the token
	// API's GET and DELETE take: from JupyterHub 5.0 (users.py
	// SelfAPIHandler.get); "" before.
	TokenID string `json:"token_id"`
}

// Whoami returns the identity and scopes of the client's token.
func (c *Client) Whoami(ctx context.Context) (Identity, error) {
	var id Identity
	err := c.get(ctx, "/user", nil, "application/json", &id)
	return id, err
}

// ListUsers calls fn for every user GET /users returns with the given state
// filter ("" for none), page by page until the Hub says there is no next
// page. The next request is rebuilt from the offset and limit the Hub gives,
// on this client's base URL: next.url carries the Hub's internal address.
// Pages that do not add up end the listing with a *PaginationError (see
// pager), so a Hub that always has a next page cannot keep a pass going.
func (c *Client) ListUsers(ctx context.Context, state string, fn func(*apiUser)) (pages int, err error) {
	query := url.Values{}
	if state != "" {
		query.Set("state", state)
	}
	if c.cfg.PageSize > 0 {
		query.Set("limit", strconv.Itoa(c.cfg.PageSize))
	}
	pg := pager{firstTotal: -1}
	for {
		if pg.offset > 0 {
			query.Set("offset", strconv.Itoa(pg.offset))
		}
		users, pi, err := c.userPage(ctx, query)
		if err != nil {
			return pages, err
		}
		pages++
		for i := range users {
			fn(&users[i])
		}
		if pi == nil || pi.Next == nil {
			return pages, nil
		}
		next, err := pg.advance(pi)
		if err != nil {
			return pages, err
		}
		if next.Limit > 0 {
			query.Set("limit", strconv.Itoa(next.Limit))
		}
	}
}

// PaginationError is a listing whose pages do not add up; hubctl stops it
// rather than page on forever.
type PaginationError struct{ Detail string }

func (e *PaginationError) Error() string { return "GET /users: " + e.Detail }

// maxListedRows bounds a listing whatever the Hub says: ten times the
// largest Hubs known.
const maxListedRows = 10_000_000

// pager checks each page of a listing against what the real Hub does
// (base.py paginated_model): it echoes the offset asked for, next.offset is
// offset + limit, and there is a next only while that is below total. The
// page's items may be fewer than its limit, even none: state=ready is a
// filter after the LIMIT and total counts one row per active server. A Hub
// may grow during a listing, so the pages allowed are twice what the first
// total fills plus ten.
type pager struct {
	offset     int
	pages      int
	firstTotal int // -1 until a page gives a total
	maxPages   int
}

func (p *pager) advance(pi *pagination) (*pageRef, error) {
	p.pages++
	fail := func(format string, a ...any) (*pageRef, error) {
		return nil, &PaginationError{Detail: fmt.Sprintf(format, a...)}
	}
	next := pi.Next
	if pi.Offset != nil && *pi.Offset != p.offset {
		return fail("the Hub answered offset %d for offset %d", *pi.Offset, p.offset)
	}
	limit := next.Limit
	if pi.Limit != nil {
		limit = *pi.Limit
	}
	if limit <= 0 {
		return fail("a next page after a page of limit %d", limit)
	}
	if step := next.Offset - p.offset; step != limit {
		return fail("next page offset %d advances by %d, not by the page's limit %d", next.Offset, step, limit)
	}
	// Every Hub that pages (2.0 on) sends a total; without one nothing
	// bounds the listing.
	if pi.Total == nil {
		return fail("a next page and no total: nothing shows the listing ends")
	}
	if next.Offset >= *pi.Total {
		return fail("next page offset %d is beyond the total of %d", next.Offset, *pi.Total)
	}
	if p.firstTotal < 0 {
		p.firstTotal = *pi.Total
		p.maxPages = 2*((p.firstTotal+limit-1)/limit) + 10
	}
	if p.pages >= p.maxPages {
		return fail("%d pages and a next: more than the total of %d the Hub first gave can fill", p.pages, p.firstTotal)
	}
	if next.Offset > maxListedRows {
		return fail("more than %d rows", maxListedRows)
	}
	p.offset = next.Offset
	return next, nil
}

// userPage fetches and decodes one page. A reply cut short (a proxy that
// drops the connection mid-body) is retried like a 5xx; the page is decoded
// whole before any user is handed on, so a retry never repeats a user.
func (c *Client) userPage(ctx context.Context, query url.Values) ([]apiUser, *pagination, error) {
	for attempt := 0; ; attempt++ {
		code, data, err := c.do(ctx, http.MethodGet, "/users", query, nil, hub.PaginationMediaType) // exactly: with a parameter the Hub truncates the list
		if err != nil {
			return nil, nil, err
		}
		if code != http.StatusOK {
			return nil, nil, c.statusError(http.MethodGet, "/users", code, data)
		}
		var users []apiUser
		pi, err := decodePage(data, func(u *apiUser) { users = append(users, *u) })
		if err == nil {
			return users, pi, nil
		}
		if attempt >= c.cfg.Retries {
			return nil, nil, c.decodeError("/users", err)
		}
		if err := c.backoff(ctx, attempt, 0); err != nil {
			return nil, nil, err
		}
	}
}

type pageRef struct {
	Offset int `json:"offset"`
	Limit  int `json:"limit"`
}

// pagination is a reply's _pagination; a key the reply lacks stays nil.
type pagination struct {
	Offset *int     `json:"offset"`
	Limit  *int     `json:"limit"`
	Total  *int     `json:"total"`
	Next   *pageRef `json:"next"`
}

// decodeUserPage reads one reply to GET /users and returns its next page.
func decodeUserPage(data []byte, fn func(*apiUser)) (*pageRef, error) {
	pi, err := decodePage(data, fn)
	if err != nil || pi == nil {
		return nil, err
	}
	return pi.Next, nil
}

// decodePage reads one reply to GET /users: a paginated object or, from
// Hubs before 2.0, a bare list (no *pagination). It calls fn for each user
// in order.
func decodePage(data []byte, fn func(*apiUser)) (*pagination, error) {
	data = bytes.TrimLeft(data, " \t\r\n")
	if len(data) > 0 && data[0] == '[' {
		var users []apiUser
		if err := json.Unmarshal(data, &users); err != nil {
			return nil, err
		}
		return nil, visitUsers(users, fn)
	}
	var page struct {
		Items      *[]apiUser  `json:"items"`
		Pagination *pagination `json:"_pagination"`
	}
	if err := json.Unmarshal(data, &page); err != nil {
		return nil, err
	}
	if page.Items == nil || page.Pagination == nil {
		return nil, errors.New("a paginated reply without items or _pagination")
	}
	return page.Pagination, visitUsers(*page.Items, fn)
}

func visitUsers(users []apiUser, fn func(*apiUser)) error {
	for i := range users {
		if users[i].Name == "" {
			return errors.New("a user without a name")
		}
	}
	for i := range users {
		fn(&users[i])
	}
	return nil
}

// StopResult is how the Hub answered a request to stop a server.
type StopResult int

const (
	Stopped  StopResult = iota // 204
	Stopping                   // 202: still stopping; the culler follows it (see Culler.StopTimeout)
	Gone                       // 404: already gone
	Refused                    // 400: a spawn is pending, or the server cannot be stopped now
)

// StopServer stops a user's server: the default one when server is "",
// else the named one, removing it too when remove is set.
func (c *Client) StopServer(ctx context.Context, user, server string, remove bool) (StopResult, string, error) {
	if err := addressable(user, server); err != nil {
		return 0, "", err
	}
	path := "/users/" + url.PathEscape(user) + "/server"
	var body []byte
	if server != "" {
		path = "/users/" + url.PathEscape(user) + "/servers/" + url.PathEscape(server)
		if remove {
			body = []byte(`{"remove": true}`)
		}
	}
	return c.deleteCall(ctx, path, body)
}

// UserExists asks whether a user is still on the Hub.
func (c *Client) UserExists(ctx context.Context, user string) (bool, error) {
	if err := addressable(user, ""); err != nil {
		return false, err
	}
	path := "/users/" + url.PathEscape(user)
	code, data, err := c.do(ctx, http.MethodGet, path, nil, nil, "application/json")
	switch {
	case err != nil:
		return false, err
	case code == http.StatusOK:
		return true, nil
	case code == http.StatusNotFound:
		return false, nil
	}
	return false, c.statusError(http.MethodGet, path, code, data)
}

// stopState is what GET /users/{name} says of a server the culler asked to
// stop.
type stopState int

const (
	stillStopping stopState = iota // listed, pending "stop"
	stopDone                       // not listed (the Hub lists active servers only) or "stopped": the stop finished
	startedAgain                   // listed and not stopping: the stop finished and the server was started again
)

// followedServer is the part of a server model that says how its stop goes.
type followedServer struct {
	Pending string `json:"pending"`
	Stopped bool   `json:"stopped"`
}

// stopStates asks the Hub how the stops of a user's servers go: one
// GET /users/{name}, whose "servers" lists the active servers (pending or
// ready) in every release from 1.x (include_servers=True) to 5.x (without
// include_stopped_servers). found is false when the user is gone.
func (c *Client) stopStates(ctx context.Context, user string, servers []string) (states map[string]stopState, found bool, err error) {
	if err := addressable(user, ""); err != nil {
		return nil, false, err
	}
	path := "/users/" + url.PathEscape(user)
	code, data, err := c.do(ctx, http.MethodGet, path, nil, nil, "application/json")
	switch {
	case err != nil:
		return nil, false, err
	case code == http.StatusNotFound:
		return nil, false, nil
	case code != http.StatusOK:
		return nil, false, c.statusError(http.MethodGet, path, code, data)
	}
	var model struct {
		Servers *map[string]*followedServer `json:"servers"`
	}
	if err := json.Unmarshal(data, &model); err != nil {
		return nil, false, c.decodeError(path, err)
	}
	if model.Servers == nil || *model.Servers == nil {
		// Without read:servers the model has no "servers": that is not
		// "no server left".
		return nil, false, c.decodeError(path, errors.New(`no "servers" in the user model: the token cannot read servers`))
	}
	states = make(map[string]stopState, len(servers))
	for _, name := range servers {
		s := (*model.Servers)[name]
		switch {
		case s == nil || s.Stopped:
			states[name] = stopDone
		case s.Pending == "stop":
			states[name] = stillStopping
		default:
			states[name] = startedAgain
		}
	}
	return states, true, nil
}

// addressable refuses names that are not one path segment; Decide keeps
// such users and servers, so this is the last line, not the first.
func addressable(user, server string) error {
	if why := unaddressable("user", user); why != "" || user == "" {
		return fmt.Errorf("not sent: %s", cmp.Or(why, "an empty user name"))
	}
	if why := unaddressable("server", server); why != "" {
		return fmt.Errorf("not sent: %s", why)
	}
	return nil
}

// DeleteUser deletes a user.
func (c *Client) DeleteUser(ctx context.Context, user string) (StopResult, string, error) {
	if err := addressable(user, ""); err != nil {
		return 0, "", err
	}
	return c.deleteCall(ctx, "/users/"+url.PathEscape(user), nil)
}

func (c *Client) deleteCall(ctx context.Context, path string, body []byte) (StopResult, string, error) {
	code, data, err := c.do(ctx, http.MethodDelete, path, nil, body, "application/json")
	if err != nil {
		return 0, "", err
	}
	switch code {
	case http.StatusNoContent, http.StatusOK:
		return Stopped, "", nil
	case http.StatusAccepted:
		return Stopping, "", nil
	case http.StatusNotFound:
		return Gone, c.replyText(hubMessage(data)), nil
	case http.StatusBadRequest:
		return Refused, c.replyText(hubMessage(data)), nil
	}
	return 0, "", c.statusError(http.MethodDelete, path, code, data)
}

// ErrorKind sorts an error for the metrics' errors-by-kind counter.
func ErrorKind(err error) string {
	var se *StatusError
	var de *DecodeError
	var ne net.Error
	var scope *ScopeError
	var pe *PaginationError
	var re *RedirectError
	switch {
	case errors.As(err, &re):
		return "redirect"
	case errors.As(err, &scope):
		return "scopes"
	case errors.As(err, &pe):
		return "pagination"
	case errors.As(err, &se) && (se.Code == 401 || se.Code == 403):
		return "forbidden"
	case errors.As(err, &se) && se.Code >= 500:
		return "http_5xx"
	case errors.As(err, &se):
		return "http_status"
	case errors.As(err, &de):
		return "decode"
	case errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	}
	return "connection"
}
