package cull

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hubctl/hubctl/hub"
)

// BusyKernel keeps a server judged idle while one of its kernels computes:
// a cell running for hours sends the Hub no activity (--check-kernels).
const BusyKernel Reason = "busy-kernel"

// DefaultKernelTimeout bounds one kernel check: a single-user server that
// has not answered by then is judged as if unchecked. It is short because
// a pass waits for it, and a server that slow is not serving its user.
const DefaultKernelTimeout = 5 * time.Second

// maxKernelsBody bounds the reply to GET api/kernels: a kernel model is
// about 200 bytes, so a megabyte is thousands of kernels.
const maxKernelsBody = 1 << 20

// kernel is the part of Jupyter Server's kernel model (GET api/kernels)
// the check reads.
type kernel struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	ExecutionState string `json:"execution_state"`
}

// kernelChecker asks single-user servers, through the proxy, for their
// kernels. The culler's own token never goes there: a single-user server
// runs what its user chose, and would get the culler's scopes over every
// user. Each check instead mints a token owned by the server's user,
// scoped to that one server and short-lived, sends it with the one GET,
// and deletes it (see check).
type kernelChecker struct {
	hub     *Client
	public  *url.URL // --public-url; nil = what the Hub offers per server
	agent   string
	timeout time.Duration
	http    *http.Client
	log     *slog.Logger
}

func newKernelChecker(client *Client, public *url.URL, timeout time.Duration, conns int, log *slog.Logger) *kernelChecker {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = max(conns, 1)
	if timeout <= 0 {
		timeout = DefaultKernelTimeout
	}
	return &kernelChecker{hub: client, public: public, agent: client.cfg.UserAgent, timeout: timeout, log: log,
		// A redirect is never followed: it could carry the token to
		// another origin (see NewClient).
		http: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *Culler) kernels() *kernelChecker {
	c.kernelsOnce.Do(func() {
		c.kernelCheck = newKernelChecker(c.Client, c.PublicURL, c.KernelTimeout, c.Concurrency, c.logger())
	})
	return c.kernelCheck
}

// KernelTokenLifetime is the expires_in of the token a kernel check mints:
// it has to outlive the one GET (DefaultKernelTimeout), and one the culler
// could not delete is dead by then anyway.
const KernelTokenLifetime = 60 * time.Second

// kernelTokenNote is the note of a minted token, as the Hub lists it.
const kernelTokenNote = "hubctl cull --check-kernels"

// tokenDeleteTimeout bounds the deletion of a minted token, which runs
// even when the check failed or the pass was cancelled.
const tokenDeleteTimeout = 10 * time.Second

// serverScope is the one scope a kernel check's token carries: access to
// that server alone, which its owner holds through the default user role
// ("self"). A single-user server lets it in (JUPYTERHUB_OAUTH_ACCESS_SCOPES,
// spawner.py _default_access_scopes, 3.0.0 and 5.2.1).
func serverScope(user, server string) string {
	return "access:servers!server=" + user + "/" + server
}

// revoke deletes a minted token, with a context of its own so that a failed
// or cancelled check still deletes it, bounded by tokenDeleteTimeout. A
// failure is a warning: the token expires by itself. A token already gone
// (404) is no failure.
func (k *kernelChecker) revoke(ctx context.Context, user, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tokenDeleteTimeout)
	defer cancel()
	if _, err := k.hub.DeleteToken(ctx, user, id); err != nil {
		k.log.Warn("could not delete the kernel check's token; it expires by itself", "user", user,
			"token_id", k.hub.replyText(id), "expires_in", KernelTokenLifetime.String(), "err", err)
	}
}

// ParsePublicURL checks --public-url: an http(s) URL without credentials,
// query or fragment. Only its origin is used.
func ParsePublicURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case err != nil:
		return nil, errors.New("does not parse as a URL like https://hub.example.org/")
	case u.Scheme != "http" && u.Scheme != "https" || u.Host == "":
		return nil, errors.New("is not an http(s) URL like https://hub.example.org/")
	case u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("%s must not carry credentials, a query or a fragment", redactedURL(u))
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// serverURLs are what the Hub says of where a server is.
type serverURLs struct {
	url     string // the server model's url: a path, or a full URL with subdomains
	fullURL string // full_url (5.0 on): set with c.JupyterHub.public_url or subdomains
}

// NoPublicURLError is a server whose address the Hub does not give in full
// while no --public-url was given.
type NoPublicURLError struct{}

func (*NoPublicURLError) Error() string {
	return "the Hub gives no public URL for the server (its url is a path: JupyterHub before 5.0, or no c.JupyterHub.public_url)"
}

// Hint says how to give one.
func (*NoPublicURLError) Hint() string {
	return "pass --public-url with the proxy's public address, e.g. --public-url https://hub.example.org/, or set c.JupyterHub.public_url (JupyterHub 5.0 and later)"
}

// OtherOriginError is a server whose url from the Hub is a full URL on
// another origin than --public-url: the token goes to the origin named, no
// other.
type OtherOriginError struct{ URL, Public string }

func (e *OtherOriginError) Error() string {
	return fmt.Sprintf("not sent: the Hub's url for the server, %s, is on another origin than --public-url %s", e.URL, e.Public)
}

// Hint says what such a Hub usually is.
func (*OtherOriginError) Hint() string {
	return "with subdomains (c.JupyterHub.subdomain_host) the Hub gives each server's full URL: leave out --public-url"
}

// kernelsURL is where a server lists its kernels. With --public-url the
// request goes to that origin alone: the Hub's url gives the path, and a
// full url from the Hub on another origin is refused. Without it, the
// Hub's full_url, or its url when that is a full URL (subdomains).
func kernelsURL(public *url.URL, s serverURLs) (*url.URL, error) {
	u, err := url.Parse(s.url)
	if err != nil || s.url == "" {
		return nil, fmt.Errorf("the Hub's url for the server does not parse (%d bytes)", len(s.url))
	}
	var target *url.URL
	switch {
	case public != nil && u.Host == "":
		target = &url.URL{Scheme: public.Scheme, Host: public.Host, Path: u.Path, RawPath: u.RawPath}
	case public != nil:
		if u.Scheme != public.Scheme || u.Host != public.Host {
			return nil, &OtherOriginError{URL: redactedURL(u), Public: redactedURL(public)}
		}
		target = u
	case s.fullURL != "":
		if target, err = url.Parse(s.fullURL); err != nil {
			return nil, fmt.Errorf("the Hub's full_url for the server does not parse (%d bytes)", len(s.fullURL))
		}
	case u.Host != "":
		target = u
	default:
		return nil, &NoPublicURLError{}
	}
	if target.Scheme != "http" && target.Scheme != "https" || target.Host == "" {
		return nil, fmt.Errorf("not sent: the server's URL %s is not an http(s) URL", redactedURL(target))
	}
	out := &url.URL{Scheme: target.Scheme, Host: target.Host}
	dir := strings.TrimSuffix(target.EscapedPath(), "/") + "/"
	out.Path, err = url.PathUnescape(dir + "api/kernels")
	if err != nil {
		return nil, fmt.Errorf("the server's path %s does not unescape: %w", dir, err)
	}
	out.RawPath = dir + "api/kernels"
	return out, nil
}

// KernelCheckError is a kernel check that got no usable answer; the server
// is then judged as if unchecked.
type KernelCheckError struct {
	URL string // redacted
	Err error
}

func (e *KernelCheckError) Error() string { return fmt.Sprintf("GET %s: %v", e.URL, e.Err) }
func (e *KernelCheckError) Unwrap() error { return e.Err }

// busy asks a server for its kernels with token and returns those
// computing now, the token masked in their ids and names.
func (k *kernelChecker) busy(ctx context.Context, target *url.URL, token string) ([]kernel, error) {
	fail := func(err error) ([]kernel, error) {
		return nil, &KernelCheckError{URL: redactedURL(target), Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return fail(err)
	}
	req.Header.Set("Authorization", "token "+token)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", k.agent)
	resp, err := k.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within %s", k.timeout)
		}
		return fail(err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		return fail(fmt.Errorf("the server answered %d %s; hubctl follows no redirect (it would carry the token there)", resp.StatusCode, http.StatusText(resp.StatusCode)))
	case resp.StatusCode != http.StatusOK:
		return fail(fmt.Errorf("the server answered %d %s", resp.StatusCode, http.StatusText(resp.StatusCode)))
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxKernelsBody+1))
	if err != nil {
		return fail(fmt.Errorf("reading the reply: %w", err))
	}
	if len(data) > maxKernelsBody {
		return fail(fmt.Errorf("a reply of more than %d bytes", maxKernelsBody))
	}
	var all []kernel
	if err := json.Unmarshal(data, &all); err != nil {
		return fail(fmt.Errorf("not a list of kernels: %v", err))
	}
	var out []kernel
	for _, kn := range all {
		if kn.ExecutionState == "busy" {
			kn.ID, kn.Name = redactToken(kn.ID, token), redactToken(kn.Name, token)
			out = append(out, kn)
		}
	}
	return out, nil
}

// kernelTargets notes where a user's servers are, for the kernel check of
// those a pass will stop; nil when kernels are not checked.
func (c *Culler) kernelTargets(u *apiUser) map[string]serverURLs {
	if !c.Policy.CheckKernels {
		return nil
	}
	return serverTargets(u)
}

// serverTargets is where each of a user's servers is, by server name.
func serverTargets(u *apiUser) map[string]serverURLs {
	out := make(map[string]serverURLs, len(u.Servers))
	for key, s := range u.Servers {
		name := s.Name
		if name == "" {
			name = key
		}
		out[name] = serverURLs{url: s.URL, fullURL: s.FullURL}
	}
	return out
}

// kernelsKeep is the kernel check between the decision and the stop: it
// reports whether a server judged idle is kept because a kernel computes,
// and logs why. A server past its max age, or one that gives no usable
// answer (logged and counted), is judged as before.
func (c *Culler) kernelsKeep(ctx context.Context, p *plan, s *ServerDecision, r *Summary) bool {
	if !c.Policy.CheckKernels || !s.kernelCheckMatters() {
		return false
	}
	attrs := []any{"user", p.User, "server", s.Server}
	busy, err := c.kernels().check(ctx, p.User, s.Server, p.targets[s.Server])
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		c.Metrics.countKernelCheck("failed")
		r.KernelChecksFailed++
		attrs = append(attrs, "err", err)
		var h interface{ Hint() string }
		if errors.As(err, &h) {
			attrs = append(attrs, "hint", h.Hint())
		}
		c.logger().Warn("kernel check failed; judging the server without it", attrs...)
		return false
	}
	if len(busy) == 0 {
		c.Metrics.countKernelCheck("idle")
		return false
	}
	c.Metrics.countKernelCheck("busy")
	s.Reason, s.Detail = BusyKernel, busyDetail(busy, c.Client.cfg.Token)
	c.logger().Info("keeping server", append(attrs, "reason", string(BusyKernel), "why", s.Detail,
		"kernel_id", echo(busy[0].ID, c.Client.cfg.Token), "kernel_name", echo(busy[0].Name, c.Client.cfg.Token), "busy_kernels", len(busy))...)
	return true
}

// kernelCheckMatters reports whether a kernel check can change the
// decision on a server: it is to be culled as idle and is not past the max
// age that applies to it (its rule's, or the flags'), which a busy kernel
// does not hold off. A pass and --explain both ask this.
func (s *ServerDecision) kernelCheckMatters() bool {
	return s.Reason == Idle && !(s.MaxAge > 0 && s.Age >= s.MaxAge)
}

// check is one kernel check of user's server: where it is, a token for it,
// the GET, and the token deleted whatever happened.
//
// The token is owned by user with access to that one server only (POST
// /users/{name}/tokens, CreateToken), which needs the culler's token to
// hold unfiltered tokens, while the scopes asked for must be the owner's,
// not the culler's (users.py UserTokenListAPIHandler and scopes.py
// _check_token_scopes, 3.0.0 and 5.2.1). A retried POST whose first reply
// was lost leaves a token nobody holds; it expires within
// KernelTokenLifetime.
func (k *kernelChecker) check(ctx context.Context, user, server string, s serverURLs) ([]kernel, error) {
	target, err := kernelsURL(k.public, s)
	if err != nil {
		return nil, err
	}
	noToken := func(err error) ([]kernel, error) {
		return nil, &KernelCheckError{URL: redactedURL(target), Err: fmt.Errorf("no token for the check: %w", err)}
	}
	if err := addressable(user, server); err != nil {
		return noToken(err)
	}
	lifetime := int64(KernelTokenLifetime / time.Second)
	tok, secret, err := k.hub.CreateToken(ctx, user, TokenRequest{
		Scopes: []string{serverScope(user, server)}, ExpiresIn: &lifetime, Note: kernelTokenNote})
	if err != nil {
		return noToken(err)
	}
	defer k.revoke(ctx, user, tok.ID)
	return k.busy(ctx, target, secret)
}

// ExplainKernels is Explain with --check-kernels: each server it would cull
// as idle is asked for its kernels, as a pass would ask, and shows kept when
// one is busy. public is --public-url (nil: as the Hub offers it).
func ExplainKernels(ctx context.Context, c *Client, p *Policy, public *url.URL, user, server string, one bool, now time.Time) (Explanation, error) {
	au, err := c.getUser(ctx, user)
	if err != nil {
		return Explanation{}, fmt.Errorf("explain %s: %w", Quote(user), err)
	}
	rec := au.record()
	e, err := explainRecord(&rec, p, server, one, now)
	if err != nil {
		return e, err
	}
	k := newKernelChecker(c, public, 0, 1, slog.Default())
	targets := serverTargets(au)
	for i := range e.Servers {
		en := &e.Servers[i]
		if !en.kernelCheck {
			continue
		}
		busy, err := k.check(ctx, user, en.Server, targets[en.Server])
		switch {
		case err != nil:
			en.Hint = "the kernel check failed, so the server is judged without it: " + Escape(err.Error())
			var h interface{ Hint() string }
			if errors.As(err, &h) {
				en.Hint += "; " + h.Hint()
			}
		case len(busy) > 0:
			en.Decision, en.Reason, en.Detail = "keep", BusyKernel, busyDetail(busy, c.cfg.Token)
			// Kept while the kernel computes, until the max age.
			en.EligibleAt = nil
			if en.maxAge > 0 && en.Started != nil {
				at := en.Started.Add(en.maxAge)
				en.EligibleAt = &at
			}
		}
	}
	return e, nil
}

// busyDetail names the busy kernels as the Hub's replies are echoed:
// escaped, bounded, and without the culler's token (busy masked the
// minted one).
func busyDetail(busy []kernel, token string) string {
	var names []string
	for i, kn := range busy {
		if i == 3 {
			names = append(names, fmt.Sprintf("and %d more", len(busy)-i))
			break
		}
		names = append(names, fmt.Sprintf("%s (%s)", echo(kn.ID, token), echo(kn.Name, token)))
	}
	return "idle by activity, but kernel " + strings.Join(names, ", ") + " is busy"
}

// KernelPreflight is the start-up check of --check-kernels without
// --public-url: a *NoPublicURLError when a ready server the Hub lists has
// no public URL, nil when one has or none is ready (each pass then checks
// per server) or when the Hub does not answer (the pass will say so).
func KernelPreflight(ctx context.Context, c *Client) error {
	version, err := c.Version(ctx)
	if err != nil {
		return nil
	}
	if v, err := hub.ParseVersion(version); err == nil && !hub.HasStateFilter(v) {
		return nil
	}
	users, _, err := c.userPage(ctx, url.Values{"state": {"ready"}, "limit": {"20"}})
	if err != nil {
		return nil
	}
	for i := range users {
		for _, s := range users[i].Servers {
			if s.Ready == nil || !*s.Ready {
				continue
			}
			_, err := kernelsURL(nil, serverURLs{url: s.URL, fullURL: s.FullURL})
			var np *NoPublicURLError
			if errors.As(err, &np) {
				return err
			}
			return nil
		}
	}
	return nil
}

// kernelState is the Culler's part for kernel checks.
type kernelState struct {
	kernelsOnce sync.Once
	kernelCheck *kernelChecker
}
