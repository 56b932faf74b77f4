package cull

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// CheckResult is one line of `hubctl check`.
type CheckResult struct {
	Check  string `json:"check"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Report is what `hubctl check` found.
type Report struct {
	URL     string        `json:"url"`
	Results []CheckResult `json:"results"`
	OK      bool          `json:"ok"`
	// Identity and clock, when the Hub answered.
	Version   string   `json:"version,omitempty"`
	Kind      string   `json:"kind,omitempty"`
	Name      string   `json:"name,omitempty"`
	Scopes    []string `json:"scopes,omitempty"`
	Missing   []string `json:"missing_scopes,omitempty"`
	ClockSkew float64  `json:"clock_skew_seconds"` // the Hub's clock minus this machine's
}

// MaxClockSkew is how far the Hub's clock may be from this machine's
// before check fails: idle times are measured across the two clocks.
const MaxClockSkew = 30 * time.Second

// Check diagnoses a Hub for the culler: reachable, its version, the token
// valid, whose it is, its scopes against what the policy needs, and the
// clock skew between the Hub and this machine.
func Check(ctx context.Context, c *Client, p *Policy) *Report {
	r := &Report{URL: c.base.String(), OK: true}
	add := func(check string, ok bool, format string, a ...any) {
		r.Results = append(r.Results, CheckResult{Check: check, OK: ok, Detail: fmt.Sprintf(format, a...)})
		r.OK = r.OK && ok
	}
	start := time.Now()
	code, data, header, err := c.doHeader(ctx, http.MethodGet, "/", nil, nil, "application/json")
	rtt := time.Since(start)
	var redirect *RedirectError
	switch {
	case errors.As(err, &redirect):
		add("hub", false, "%s redirects: %v", r.URL, err)
		return r
	case err != nil:
		add("hub", false, "%s did not answer: %v", r.URL, err)
		return r
	}
	if code != http.StatusOK {
		add("hub", false, "%s answered %d", r.URL, code)
		return r
	}
	add("hub", true, "%s answered in %s", r.URL, rtt.Round(time.Millisecond))
	var info struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(data, &info); err != nil || info.Version == "" {
		add("version", false, "no version in the reply: is this the Hub's API URL (it ends in /hub/api)?")
		return r
	}
	r.Version = c.replyValue(info.Version)
	add("version", true, "JupyterHub %s", Escape(r.Version))
	if t, err := http.ParseTime(header.Get("Date")); err == nil {
		// The Date header has whole seconds and was stamped mid-request.
		mid := start.Add(rtt / 2)
		skew := t.Sub(mid.Truncate(time.Second))
		r.ClockSkew = skew.Seconds()
		ok := skew < MaxClockSkew && skew > -MaxClockSkew
		dir := "ahead of"
		if skew < 0 {
			dir, skew = "behind", -skew
		}
		add("clock", ok, "the Hub's clock is %s %s this machine's (to the second; more than %s would skew idle times)", skew.Round(time.Second), dir, MaxClockSkew)
	} else {
		add("clock", true, "the Hub sent no Date header; skew unknown")
	}
	id, err := c.Whoami(ctx)
	if err != nil {
		var se *StatusError
		if errors.As(err, &se) && (se.Code == 403 || se.Code == 401) {
			add("token", false, "the Hub does not accept the token (%d): check JUPYTERHUB_API_TOKEN or --token-name", se.Code)
		} else {
			add("token", false, "asking who the token is: %v", err)
		}
		return r
	}
	// Kept as data for --json and the scope hint; escaped where printed.
	r.Kind, r.Name = c.replyValue(id.Kind), c.replyValue(id.Name)
	for _, s := range id.Scopes {
		r.Scopes = append(r.Scopes, c.replyValue(s))
	}
	add("token", true, "valid: %s %s", Escape(r.Kind), Escape(r.Name))
	r.Missing = MissingScopes(&id, p)
	var need []string
	for _, alts := range requiredScopes(p) {
		need = append(need, strings.Join(alts, " or "))
	}
	if len(r.Missing) > 0 {
		add("scopes", false, "missing %s (hubctl cull needs %s)", strings.Join(r.Missing, ", "), strings.Join(need, ", "))
	} else {
		detail := "has what hubctl cull needs: " + strings.Join(need, ", ")
		for _, w := range LackingScopes(&id, p) {
			detail += "; without " + strings.Join(w.Scopes, " or ") + ", " + w.Without
		}
		add("scopes", true, "%s", detail)
	}
	return r
}
