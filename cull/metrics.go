package cull

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are the culler's Prometheus metrics, on a registry of their own.
// A nil *Metrics records nothing.
type Metrics struct {
	registry      *prometheus.Registry
	passes        *prometheus.CounterVec
	serversCulled *prometheus.CounterVec
	usersCulled   *prometheus.CounterVec
	stuckStops    prometheus.Counter
	kept          *prometheus.CounterVec
	errors        *prometheus.CounterVec
	duration      prometheus.Histogram
	lastSuccess   prometheus.Gauge
	notifications prometheus.Counter
	notifyFailed  *prometheus.CounterVec
	kernelChecks  *prometheus.CounterVec
}

// NewMetrics registers the culler's metrics and the Go runtime's.
func NewMetrics() *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubctl_cull_passes_total", Help: "Culling passes, by result (ok or failed).",
		}, []string{"result"}),
		serversCulled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubctl_cull_servers_culled_total", Help: "Servers stopped (or found already gone) by the culler, by the --rules rule that matched (flags: none).",
		}, []string{"rule"}),
		usersCulled: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubctl_cull_users_culled_total", Help: "Users deleted by the culler, by rule (flags: no rule says never for them).",
		}, []string{"rule"}),
		stuckStops: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hubctl_cull_stuck_stops_total", Help: "Stops the Hub accepted (202) that were not seen to finish within --stop-timeout; each pass that follows one again and gives up counts it again.",
		}),
		kept: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubctl_cull_kept_total", Help: "Servers and users seen and kept, by reason and by the --rules rule that matched (flags: none).",
		}, []string{"reason", "rule"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubctl_cull_errors_total", Help: "Failed requests and passes, by kind.",
		}, []string{"kind"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "hubctl_cull_pass_duration_seconds", Help: "How long a culling pass took.",
			Buckets: prometheus.ExponentialBuckets(0.05, 2, 12),
		}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "hubctl_cull_last_success_timestamp_seconds", Help: "Unix time of the end of the last pass that succeeded.",
		}),
		notifications: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "hubctl_cull_notifications_total", Help: "Warnings of a coming cull delivered (--notify-command exited 0, --notify-url answered 2xx).",
		}),
		notifyFailed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubctl_cull_notify_failures_total", Help: "Warnings of a coming cull that failed, by kind; the cull goes ahead regardless.",
		}, []string{"kind"}),
		kernelChecks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "hubctl_cull_kernel_checks_total", Help: "Kernel checks (--check-kernels) of servers judged idle, by result: busy (the server was kept), idle, or failed (judged without it).",
		}, []string{"result"}),
	}
	m.registry.MustRegister(m.passes, m.serversCulled, m.usersCulled, m.stuckStops, m.kept, m.errors, m.duration, m.lastSuccess,
		m.notifications, m.notifyFailed, m.kernelChecks,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.passes.WithLabelValues("ok")
	m.passes.WithLabelValues("failed")
	for _, kind := range notifyFailureKinds {
		m.notifyFailed.WithLabelValues(kind)
	}
	// The flags' series exist from the start, so that a rate() has a
	// first sample; a rule's appear when it first culls.
	m.serversCulled.WithLabelValues(FlagsRule)
	m.usersCulled.WithLabelValues(FlagsRule)
	return m
}

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}

// observePass records a pass; a dry run's would-be culls are not culls.
func (m *Metrics) observePass(s *Summary, err error, dryRun bool) {
	if m == nil {
		return
	}
	m.duration.Observe(s.Duration.Seconds())
	if !dryRun {
		for rule, rc := range s.ByRule {
			if rc.ServersCulled > 0 {
				m.serversCulled.WithLabelValues(rule).Add(float64(rc.ServersCulled))
			}
			if rc.UsersCulled > 0 {
				m.usersCulled.WithLabelValues(rule).Add(float64(rc.UsersCulled))
			}
		}
		m.stuckStops.Add(float64(s.StuckStops))
	}
	for rule, rc := range s.ByRule {
		for reason, n := range rc.Kept {
			m.kept.WithLabelValues(string(reason), rule).Add(float64(n))
		}
	}
	if err != nil {
		m.passes.WithLabelValues("failed").Inc()
		if s.Errors == 0 { // request errors were counted as they happened
			m.errors.WithLabelValues(ErrorKind(err)).Inc()
		}
		return
	}
	m.passes.WithLabelValues("ok").Inc()
	m.lastSuccess.Set(float64(time.Now().Unix()))
}

func (m *Metrics) countError(err error) {
	if m != nil {
		m.errors.WithLabelValues(ErrorKind(err)).Inc()
	}
}

// countNotification records how a notification went: nil is delivered.
func (m *Metrics) countNotification(err error) {
	switch {
	case m == nil:
	case err == nil:
		m.notifications.Inc()
	default:
		m.notifyFailed.WithLabelValues(notifyKind(err)).Inc()
	}
}

func (m *Metrics) countKernelCheck(result string) {
	if m != nil {
		m.kernelChecks.WithLabelValues(result).Inc()
	}
}
