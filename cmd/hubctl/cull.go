package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v2"
	"golang.org/x/term"

	"github.com/hubctl/hubctl/cull"
	"github.com/hubctl/hubctl/hub"
	"github.com/hubctl/hubctl/internal/shellwords"
)

// cullCommand mirrors jupyterhub-idle-culler's flags, names and defaults, so
// that switching is one word; the 1.x underscore spellings are aliases.
func cullCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:  "cull",
		Usage: "stop idle single-user servers (and optionally delete idle users)",
		Description: "Runs as a Hub-managed service or standalone; the token comes from\n" +
			"JUPYTERHUB_API_TOKEN or, with --token-name, from hubctl's keyring. A first pass\n" +
			"runs at once, then one every --cull-every seconds until SIGINT or SIGTERM.\n" +
			"With --once: exit 0 when the pass completed, 1 when it (or any request) failed.\n" +
			"Booleans take --cull-users, --cull-users=false or --cull-users false.\n\n" +
			"Example:\n" +
			"   c.JupyterHub.services = [{'name': 'cull-idle', 'command': ['hubctl', 'cull', '--timeout=3600']}]\n" +
			"   JUPYTERHUB_API_TOKEN=$(hubctl token get cull-idle) hubctl cull --once --dry-run",
		Flags: append(append(cullPolicyFlags(false),
			&cli.IntFlag{Name: "api-page-size", Aliases: []string{"api_page_size"}, Usage: "users per page (0 = the Hub's default)"},
			&cli.BoolFlag{Name: "once", Usage: "run one pass and exit"},
			&cli.BoolFlag{Name: "dry-run", Usage: "decide and log, but stop and delete nothing"},
			&cli.StringFlag{Name: "log-format", Value: "text", Usage: "text or json"},
			&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error (debug logs every server kept as active)"},
			&cli.StringFlag{Name: "metrics-addr", Usage: "serve Prometheus metrics on `HOST:PORT` at /metrics"},
			&cli.StringFlag{Name: "explain", Usage: "show why `USER[/SERVER]` is (not) culled now and when it would be; stops nothing ('USER/' is the default server)"},
			&cli.BoolFlag{Name: "json", Usage: "with --explain, print JSON"},
			// Diagnostic, for docs/benchmarks.md's comparison: --pace=false
			// keeps --concurrency requests in flight however slow the Hub.
			&cli.BoolFlag{Name: "pace", Value: true, Hidden: true, Usage: "adapt the requests in flight to the Hub's latency, within 1..--concurrency"},
		), hubFlags(env)...),
		Action: func(c *cli.Context) error {
			if _, err := positional(c); err != nil {
				return err
			}
			if c.IsSet("explain") {
				return runExplain(c, env)
			}
			if c.Bool("json") {
				return usageErrorf("--json goes with --explain USER[/SERVER]")
			}
			return runCull(c, env)
		},
	}
}

// cullPolicyFlags say what `hubctl cull` culls. They are defined once, for
// `hubctl cull` and for the cull-idle preset of `service add`, which takes
// the same flags (and spellings) and writes those given into the service's
// command (cullArgs). Only the --timeout default differs: the reference
// culler's 600 s for `hubctl cull`, and 3600 s for the preset, which always
// writes its timeout.
func cullPolicyFlags(forPreset bool) []cli.Flag {
	timeout, preset := 600, ""
	if forPreset {
		timeout, preset = 3600, "cull-idle: "
	}
	return []cli.Flag{
		&cli.IntFlag{Name: "timeout", Value: timeout, Usage: preset + "idle `SECONDS` after which a server is culled"},
		&cli.IntFlag{Name: "cull-every", Aliases: []string{"cull_every"}, Usage: preset + "`SECONDS` between passes (0 = timeout/2)"},
		&cli.IntFlag{Name: "max-age", Aliases: []string{"max_age"}, Usage: preset + "cull servers running this many `SECONDS` even if active (0 = off)"},
		&cli.BoolFlag{Name: "cull-users", Aliases: []string{"cull_users"}, Usage: preset + "also delete idle users whose servers are all gone"},
		&cli.BoolFlag{Name: "cull-admin-users", Aliases: []string{"cull_admin_users"}, Value: true, Usage: preset + "with --cull-users, admins may be deleted too"},
		&cli.BoolFlag{Name: "cull-default-servers", Aliases: []string{"cull_default_servers"}, Value: true, Usage: preset + "cull default servers"},
		&cli.BoolFlag{Name: "cull-named-servers", Aliases: []string{"cull_named_servers"}, Value: true, Usage: preset + "cull named servers"},
		&cli.BoolFlag{Name: "remove-named-servers", Aliases: []string{"remove_named_servers"}, Usage: preset + "remove named servers after stopping them"},
		&cli.IntFlag{Name: "concurrency", Value: 10, Usage: preset + fmt.Sprintf("requests to the Hub at once (1 to %d)", cull.MaxConcurrency)},
		&cli.StringFlag{Name: "stop-timeout", Value: "60s", Usage: preset + "follow a stop the Hub answered 202 to for up to `DURATION` (90s, 2m, or seconds) before warning that it is stuck"},
		&repeatableFlag{Name: "exclude-user", Usage: preset + "never cull users whose name matches `REGEX` (repeatable)"},
		&cli.StringFlag{Name: "notify-before", Usage: preset + "warn once per idle stretch when a server is within `DURATION` (30m, 1h, or seconds) of its cull, through --notify-command or --notify-url"},
		&cli.StringFlag{Name: "notify-command", Usage: preset + "with --notify-before, run `CMD` (split into words as a shell would, nothing expanded) with the warning as JSON on stdin"},
		&cli.StringFlag{Name: "notify-url", Usage: preset + "with --notify-before, POST the warning as JSON to `URL`"},
		&cli.StringFlag{Name: "rules", Usage: preset + "per-group, per-profile and per-server timeouts, max ages and never-cull from a YAML `FILE` (first match wins; see README)"},
		&cli.BoolFlag{Name: "check-kernels", Usage: preset + "before stopping an idle server, ask it for its kernels through the proxy, with a token minted for that server alone and deleted after: a busy kernel keeps it until --max-age; needs tokens"},
		&cli.StringFlag{Name: "public-url", Usage: preset + "with --check-kernels, the proxy's public `URL` (e.g. https://hub.example.org/); default: as the Hub gives it (c.JupyterHub.public_url, 5.0 and later)"},
	}
}

// isCullPolicyFlag reports whether name is one of cullPolicyFlags.
func isCullPolicyFlag(name string) bool {
	for _, f := range cullPolicyFlags(true) {
		if slices.Contains(f.Names(), name) {
			return true
		}
	}
	return false
}

// cullOptions are the flags of `hubctl cull`, checked: all runCull reads
// of its command line but the Hub's address and token (hubClientConfig).
type cullOptions struct {
	policy                           cull.Policy
	every                            time.Duration
	concurrency, pageSize            int
	stopTimeout                      time.Duration
	publicURL                        *url.URL // --public-url; nil = as the Hub gives it
	once, dryRun, pace               bool
	logFormat, logLevel, metricsAddr string
	notify                           notifyOptions
}

// notifyOptions are --notify-before and its notifier, checked: exactly
// one of command and url is set when before is.
type notifyOptions struct {
	before  time.Duration
	command []string
	url     string
}

func cullOptionsFrom(c *cli.Context) (cullOptions, error) {
	var o cullOptions
	var err error
	if o.policy, o.every, err = cullPolicy(c); err != nil {
		return o, err
	}
	o.concurrency, o.pageSize = c.Int("concurrency"), c.Int("api-page-size")
	if o.concurrency < 1 || o.concurrency > cull.MaxConcurrency {
		return o, usageErrorf("--concurrency %d is out of range: use 1 to %d", o.concurrency, cull.MaxConcurrency)
	}
	if o.stopTimeout, err = stopTimeout(c.String("stop-timeout")); err != nil {
		return o, err
	}
	if o.notify, err = notifyOptionsFrom(c); err != nil {
		return o, err
	}
	if o.pageSize < 0 {
		return o, usageErrorf("--api-page-size cannot be negative")
	}
	if o.publicURL, err = publicURLFlag(c); err != nil {
		return o, err
	}
	o.once, o.dryRun, o.pace = c.Bool("once"), c.Bool("dry-run"), c.Bool("pace")
	o.logFormat, o.logLevel, o.metricsAddr = c.String("log-format"), c.String("log-level"), c.String("metrics-addr")
	return o, nil
}

// stopTimeout reads --stop-timeout (durationFlag).
func stopTimeout(s string) (time.Duration, error) {
	return durationFlag("stop-timeout", s, 24*time.Hour, "24h")
}

// notifyOptionsFrom reads --notify-before, --notify-command and
// --notify-url; the command's program is looked up at the culler's start
// (notifier), since the preset writes it for the Hub's PATH.
func notifyOptionsFrom(c *cli.Context) (notifyOptions, error) {
	var o notifyOptions
	before, command, url := c.String("notify-before"), c.String("notify-command"), c.String("notify-url")
	switch {
	case before == "" && command == "" && url == "":
		return o, nil
	case before == "" && command != "":
		return o, usageErrorf("--notify-command needs --notify-before DURATION: how long before the cull to warn")
	case before == "" && url != "":
		return o, usageErrorf("--notify-url needs --notify-before DURATION: how long before the cull to warn")
	case command != "" && url != "":
		return o, usageErrorf("--notify-command and --notify-url: give one notifier, not both")
	case command == "" && url == "":
		return o, usageErrorf("--notify-before needs a notifier: --notify-command CMD or --notify-url URL")
	}
	var err error
	if o.before, err = durationFlag("notify-before", before, 30*24*time.Hour, "30 days"); err != nil {
		return o, err
	}
	if command != "" {
		if o.command, err = shellwords.Split(command); err != nil {
			return o, usageErrorf("--notify-command: %w", err)
		}
	}
	if url != "" {
		if _, err := cull.NewURLNotifier(url, ""); err != nil {
			return o, usageErrorf("--notify-url: %w", err)
		}
		o.url = url
	}
	return o, nil
}

// notifyEnv is all of the environment a --notify-command gets: what a
// program needs to run and print, never the culler's token (the Hub
// passes it in JUPYTERHUB_API_TOKEN) nor anything else of the Hub's.
var notifyEnv = []string{"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ", "TMPDIR"}

// notifier builds the culler's warning before the cull, or nil without
// --notify-before.
func (o *notifyOptions) notifier(env *cliEnv) (*cull.Notify, error) {
	if o.before == 0 {
		return nil, nil
	}
	n := &cull.Notify{Before: o.before}
	if o.url != "" {
		u, err := cull.NewURLNotifier(o.url, "hubctl/"+version())
		if err != nil {
			return nil, usageErrorf("--notify-url: %w", err)
		}
		n.Notifier = u
		return n, nil
	}
	argv := slices.Clone(o.command)
	path, err := exec.LookPath(argv[0])
	if err != nil {
		return nil, usageErrorf("--notify-command: %w", err)
	}
	argv[0] = path
	var vars []string
	for _, name := range notifyEnv {
		if v, ok := env.lookupEnv(name); ok {
			vars = append(vars, name+"="+v)
		}
	}
	n.Notifier = &cull.CommandNotifier{Argv: argv, Env: vars}
	return n, nil
}

func runCull(c *cli.Context, env *cliEnv) error {
	// A pass decodes every page of users and throws it away: collecting
	// half as often costs 0.1-0.2 s less CPU per 100 000 users for about
	// 4 MiB more memory (docs/benchmarks.md). GOGC, when set, wins.
	if env.getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	o, err := cullOptionsFrom(c)
	if err != nil {
		return err
	}
	policy, every, concurrency := o.policy, o.every, o.concurrency
	logger, err := newLogger(env, o.logFormat, o.logLevel)
	if err != nil {
		return err
	}
	cfg, err := hubClientConfig(c, env, func(msg string) { logger.Warn(msg) })
	if err != nil {
		return err
	}
	cfg.Concurrency, cfg.PageSize, cfg.Retries, cfg.Pace = concurrency, o.pageSize, 4, o.pace
	client, err := cull.NewClient(cfg)
	if err != nil {
		return err
	}
	culler := &cull.Culler{Client: client, Policy: policy, Log: logger, DryRun: o.dryRun, Concurrency: concurrency, StopTimeout: o.stopTimeout, PublicURL: o.publicURL}
	if culler.Notify, err = o.notify.notifier(env); err != nil {
		return err
	}
	if policy.CheckKernels && o.publicURL == nil {
		if err := kernelPreflight(c.Context, client); err != nil {
			return err
		}
	}
	if o.metricsAddr != "" {
		culler.Metrics = cull.NewMetrics()
		stop, err := serveMetrics(o.metricsAddr, culler.Metrics, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	ctx := c.Context
	progress := &progressLine{}
	if f, ok := env.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		progress.w = f
		culler.Progress = progress.update
	}
	defer progress.done()
	if o.once {
		sum, err := culler.RunPass(ctx)
		culler.WaitNotifications()
		progress.done()
		if culler.DryRun && err == nil {
			printWouldCull(env, sum.WouldCull)
			if culler.Notify != nil {
				printWouldNotify(env, sum.WouldNotify)
			}
		}
		return err
	}
	attrs := []any{"url", cfg.URL, "timeout", policy.Timeout.String(), "cull_every", every.String(),
		"max_age", policy.MaxAge.String(), "cull_users", policy.CullUsers, "stop_timeout", o.stopTimeout.String(), "concurrency", concurrency, "dry_run", culler.DryRun,
		"rules", len(policy.Rules), "check_kernels", policy.CheckKernels}
	if o.publicURL != nil {
		attrs = append(attrs, "public_url", o.publicURL.String())
	}
	if n := culler.Notify; n != nil {
		attrs = append(attrs, "notify_before", n.Before.String(), "notifier", n.Notifier.String())
	}
	logger.Info("culler started", attrs...)
	if n := culler.Notify; n != nil && n.Before < every {
		logger.Warn(fmt.Sprintf("--notify-before %s is shorter than the %s between passes: a server may reach its cull between two passes without a warning (it is culled all the same)", n.Before, every))
	}
	culler.Run(ctx, every)
	logger.Info("culler stopped")
	return nil
}

// runExplain is `hubctl cull --explain USER[/SERVER]`: one GET of the user,
// the same policy as a pass, and the verdicts printed; nothing is stopped.
func runExplain(c *cli.Context, env *cliEnv) error {
	user, server, one, err := cull.ParseTarget(c.String("explain"))
	if err != nil {
		return &usageError{msg: err.Error(), hint: "use --explain USER for all of a user's servers, USER/ for the default server or USER/SERVER"}
	}
	o, err := cullOptionsFrom(c)
	if err != nil {
		return err
	}
	client, _, err := hubClient(c, env, reportRetries)
	if err != nil {
		return err
	}
	explain := cull.Explain
	if o.policy.CheckKernels {
		// No start-up check: a server the Hub gives no public URL for
		// shows the hint in its entry.
		explain = func(ctx context.Context, c *cull.Client, p *cull.Policy, user, server string, one bool, now time.Time) (cull.Explanation, error) {
			return cull.ExplainKernels(ctx, c, p, o.publicURL, user, server, one, now)
		}
	}
	e, err := explain(c.Context, client, &o.policy, user, server, one, time.Now().UTC())
	if err != nil {
		return err
	}
	if c.Bool("json") {
		return printJSON(env, e)
	}
	return e.WriteText(env.stdout)
}

// publicURLFlag reads --public-url, which goes with --check-kernels; nil
// when it is not given.
func publicURLFlag(c *cli.Context) (*url.URL, error) {
	raw := c.String("public-url")
	if raw == "" {
		return nil, nil
	}
	if !c.Bool("check-kernels") {
		return nil, usageErrorf("--public-url is where --check-kernels reaches the servers: give --check-kernels too, or leave it out")
	}
	u, err := cull.ParsePublicURL(raw)
	if err != nil {
		return nil, usageErrorf("--public-url %w", err)
	}
	return u, nil
}

// kernelPreflight refuses --check-kernels without --public-url at start
// when a server the Hub lists has no public URL to be reached at.
func kernelPreflight(ctx context.Context, client *cull.Client) error {
	err := cull.KernelPreflight(ctx, client)
	var np *cull.NoPublicURLError
	if errors.As(err, &np) {
		return &usageError{msg: "--check-kernels: " + np.Error(), hint: np.Hint()}
	}
	return err
}

// cullPolicy turns the flags into a Policy and the pass interval.
func cullPolicy(c *cli.Context) (cull.Policy, time.Duration, error) {
	seconds := func(name string, min int) (time.Duration, error) {
		n := c.Int(name)
		if n < min {
			if min == 1 {
				return 0, usageErrorf("--%s %d must be at least 1 second (0 would cull every server)", name, n)
			}
			return 0, usageErrorf("--%s %d cannot be negative", name, n)
		}
		return time.Duration(n) * time.Second, nil
	}
	var p cull.Policy
	var err error
	if p.Timeout, err = seconds("timeout", 1); err != nil {
		return p, 0, err
	}
	if p.MaxAge, err = seconds("max-age", 0); err != nil {
		return p, 0, err
	}
	every, err := seconds("cull-every", 0)
	if err != nil {
		return p, 0, err
	}
	if every == 0 {
		every = max(p.Timeout/2, time.Second)
	}
	p.CullUsers = c.Bool("cull-users")
	p.CullAdminUsers = c.Bool("cull-admin-users")
	p.CullDefaultServers = c.Bool("cull-default-servers")
	p.CullNamedServers = c.Bool("cull-named-servers")
	p.RemoveNamedServers = c.Bool("remove-named-servers")
	p.CheckKernels = c.Bool("check-kernels")
	for _, expr := range repeated(c, "exclude-user") {
		re, err := regexp.Compile(expr)
		if err != nil {
			return p, 0, usageErrorf("--exclude-user %q is not a regular expression: %w", expr, err)
		}
		p.Exclude = append(p.Exclude, re)
	}
	if p.Rules, err = cullRules(c); err != nil {
		return p, 0, err
	}
	return p, every, nil
}

// cullRules reads and checks --rules FILE, if given; its errors name
// FILE:LINE.
func cullRules(c *cli.Context) ([]cull.Rule, error) {
	path := c.String("rules")
	if !c.IsSet("rules") {
		return nil, nil
	}
	if path == "" {
		return nil, usageErrorf("--rules: the file name is empty")
	}
	rules, err := cull.LoadRules(path)
	if err != nil {
		var re *cull.RulesError
		if errors.As(err, &re) {
			return nil, &usageError{msg: err.Error(), hint: re.Hint(), err: err}
		}
		return nil, err
	}
	return rules, nil
}

// hubFlags say how to reach the Hub, for cull and check: the reference
// culler's names, and hubctl's keyring for the token.
func hubFlags(env *cliEnv) []cli.Flag {
	return append([]cli.Flag{
		withEnv(&cli.StringFlag{Name: "url", Value: cull.DefaultURL, Usage: "the Hub API URL"}, env, "JUPYTERHUB_API_URL"),
		&cli.StringFlag{Name: "token-name", Usage: "read the API token from hubctl's keyring under `NAME` instead of JUPYTERHUB_API_TOKEN"},
		insecureStorageFlag(env),
	}, tlsFlags()...)
}

// tlsFlags are the internal-TLS flags of every command that talks to the Hub.
func tlsFlags() []cli.Flag {
	return []cli.Flag{
		&cli.BoolFlag{Name: "ssl-enabled", Aliases: []string{"ssl_enabled"}, Usage: "use the Hub's internal TLS certificates (internal_ssl)"},
		&cli.StringFlag{Name: "internal-certs-location", Aliases: []string{"internal_certs_location"}, Value: "internal-ssl", Usage: "`DIR` of hub-internal/ and hub-ca/ certificates"},
	}
}

// hubClientConfig reads hubFlags and the environment (token, request
// time-out) into a client configuration. warn hears, once, that the token
// will cross the network in cleartext.
func hubClientConfig(c *cli.Context, env *cliEnv, warn func(string)) (cull.ClientConfig, error) {
	cfg, err := hubConnConfig(c, env, warn)
	if err != nil {
		return cfg, err
	}
	if cfg.Token, err = cullToken(c, env); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// hubConnConfig is hubClientConfig without hubctl's token: the connection
// (--url, the TLS flags, JUPYTERHUB_REQUEST_TIMEOUT), for clients of
// other tokens (token rotate's new and old one).
func hubConnConfig(c *cli.Context, env *cliEnv, warn func(string)) (cull.ClientConfig, error) {
	var cfg cull.ClientConfig
	u, err := cull.NormalizeURL(c.String("url"))
	if err != nil {
		return cfg, usageErrorf("--url: %w", err)
	}
	if c.Bool("ssl-enabled") && u.Scheme != "https" {
		return cfg, &usageError{
			msg:  fmt.Sprintf("--ssl-enabled with --url %s: internal TLS needs an https:// URL", u),
			hint: "with internal_ssl the Hub gives its services an https:// JUPYTERHUB_API_URL; pass that as --url, or leave out --ssl-enabled",
		}
	}
	if cull.CleartextRemote(u) {
		warn(fmt.Sprintf("--url %s is plain http to another host: the API token crosses the network unencrypted (normal inside a cluster; use https:// elsewhere)", u))
	}
	cfg.URL = c.String("url")
	cfg.RequestTimeout = hub.DefaultRequestTimeout
	if s := env.getenv("JUPYTERHUB_REQUEST_TIMEOUT"); s != "" {
		secs, err := strconv.ParseFloat(s, 64)
		if err != nil || secs <= 0 {
			return cfg, usageErrorf("JUPYTERHUB_REQUEST_TIMEOUT=%q is not a positive number of seconds", s)
		}
		cfg.RequestTimeout = time.Duration(secs * float64(time.Second))
	}
	if c.Bool("ssl-enabled") {
		if cfg.TLS, err = cull.InternalTLS(c.String("internal-certs-location")); err != nil {
			return cfg, err
		}
	}
	cfg.UserAgent = "hubctl/" + version()
	return cfg, nil
}

// cullToken reads the API token from the keyring (--token-name) or from
// JUPYTERHUB_API_TOKEN; there is no flag for the token itself, since
// process arguments are world-readable.
func cullToken(c *cli.Context, env *cliEnv) (string, error) {
	if name := c.String("token-name"); name != "" {
		store, err := openStore(c, env)
		if err != nil {
			return "", err
		}
		return store.Get(name)
	}
	if tok := env.getenv("JUPYTERHUB_API_TOKEN"); tok != "" {
		return tok, nil
	}
	return "", &usageError{
		msg:  "no API token: JUPYTERHUB_API_TOKEN is unset and --token-name was not given",
		hint: "run it as a Hub-managed service, or `JUPYTERHUB_API_TOKEN=$(hubctl token get cull-idle) hubctl cull`, or `hubctl cull --token-name cull-idle`",
	}
}

func newLogger(env *cliEnv, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, usageErrorf("--log-level %q: use debug, info, warn or error", level)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch strings.ToLower(format) {
	case "text":
		return slog.New(slog.NewTextHandler(env.stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(env.stderr, opts)), nil
	}
	return nil, usageErrorf("--log-format %q: use text or json", format)
}

// serveMetrics listens on addr at once, so a bad address fails the start,
// and serves /metrics until stop is called.
func serveMetrics(addr string, m *cull.Metrics, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", m.Handler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics server stopped", "err", err)
		}
	}()
	logger.Info("serving metrics", "addr", ln.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// printWouldCull shows a dry run's verdicts as a table for people.
func printWouldCull(env *cliEnv, planned []cull.Planned) {
	if len(planned) == 0 {
		fmt.Fprintln(env.stdout, "nothing to cull")
		return
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USER\tSERVER\tIDLE FOR\tREASON\tRULE\tWHY")
	for _, p := range planned {
		// Names come from the Hub: quoted when they hold control
		// characters or escape sequences, so no name can redraw the screen
		// or pass for a row of its own.
		server := cull.Quote(p.Server)
		switch {
		case p.IsUser:
			server = "(user)"
		case p.Server == "":
			server = "(default)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", cull.Quote(p.User), server, p.Idle.Round(time.Second), p.Reason, p.Rule, cull.Escape(p.Why))
	}
	tw.Flush()
}

// printWouldNotify shows whom a dry run would warn of a coming cull.
func printWouldNotify(env *cliEnv, notices []cull.Notice) {
	fmt.Fprintln(env.stdout)
	if len(notices) == 0 {
		fmt.Fprintln(env.stdout, "nobody to warn")
		return
	}
	fmt.Fprintln(env.stdout, "would warn of the coming cull (--notify-before):")
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USER\tSERVER\tIDLE FOR\tRULE\tCULL AT")
	for _, n := range notices {
		server := cull.Quote(n.Server)
		if n.Server == "" {
			server = "(default)"
		}
		idle := time.Duration(n.IdleSeconds * float64(time.Second)).Round(time.Second)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", cull.Quote(n.User), server, idle, n.Rule, n.CullAt.Format(time.RFC3339))
	}
	tw.Flush()
}

// progressLine keeps one line on a terminal up to date during a long pass.
type progressLine struct {
	w     *os.File
	last  time.Time
	shown bool
}

func (p *progressLine) update(stage string, done, total int) {
	if time.Since(p.last) < 100*time.Millisecond && done != total {
		return
	}
	p.last = time.Now()
	if total > 0 {
		fmt.Fprintf(p.w, "\r\x1b[Khubctl: %s: %d/%d users", stage, done, total)
	} else {
		fmt.Fprintf(p.w, "\r\x1b[Khubctl: %s: %d users", stage, done)
	}
	p.shown = true
}

func (p *progressLine) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.shown = false
	}
}
