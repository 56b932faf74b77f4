package cull

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// URLNotifier POSTs each Notice as JSON to a URL. The URL is another origin
// than the Hub's: the request carries no Hub token, nor any header of the
// Hub client's.
type URLNotifier struct {
	url       *url.URL
	client    *http.Client
	userAgent string
}

// NewURLNotifier checks raw: an absolute http or https URL with a host.
// Its errors show the URL redacted: its user information and query may
// hold the receiver's secret.
func NewURLNotifier(raw, userAgent string) (*URLNotifier, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("not a URL: %w", errors.Unwrap(err))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q: use an http:// or https:// URL", redactedURL(u))
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q has no host", redactedURL(u))
	}
	client := &http.Client{
		Transport: http.DefaultTransport.(*http.Transport).Clone(),
		// A redirect is answered as it came: a failure to fix in the
		// URL, not a POST sent on to where the reply points.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &URLNotifier{url: u, client: client, userAgent: userAgent}, nil
}

// String names the URL without its user information and query, which may
// hold the receiver's secret.
func (n *URLNotifier) String() string {
	return "url " + (&url.URL{Scheme: n.url.Scheme, Host: n.url.Host, Path: n.url.Path}).String()
}

// Notify POSTs the notice; anything but a 2xx reply is an error.
func (n *URLNotifier) Notify(ctx context.Context, nt *Notice) error {
	body, err := json.Marshal(nt)
	if err != nil {
		return &NotifyError{Kind: "start", Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.url.String(), bytes.NewReader(body))
	if err != nil {
		return &NotifyError{Kind: "start", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	if n.userAgent != "" {
		req.Header.Set("User-Agent", n.userAgent)
	}
	resp, err := n.client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		// The *url.Error's text repeats the whole URL, query and all.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return &NotifyError{Kind: "connection", Err: fmt.Errorf("POST %s: %w", strings.TrimPrefix(n.String(), "url "), err)}
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, maxNotifyOutput+1))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	if resp.StatusCode/100 == 2 {
		return nil
	}
	return &NotifyError{Kind: "http-status", Err: fmt.Errorf("POST %s: answered %d", strings.TrimPrefix(n.String(), "url "), resp.StatusCode),
		Output: capText(Escape(strings.TrimSpace(string(head))), maxNotifyOutput)}
}
