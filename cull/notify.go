package cull

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// Notice is a warning that a server is about to be culled: the JSON that a
// --notify-command reads on its stdin and a --notify-url receives.
type Notice struct {
	User   string `json:"user"`
	Server string `json:"server"` // "" = the default server
	// Rule is the rule whose timeout applies; "flags" when the flags' do.
	Rule        string    `json:"rule"`
	IdleSeconds float64   `json:"idle_seconds"`
	CullAt      time.Time `json:"cull_at"` // UTC: when the server becomes eligible if it stays idle
}

// Notifier delivers one Notice, returning when it is delivered or has
// failed; it must return soon after ctx ends.
type Notifier interface {
	Notify(ctx context.Context, n *Notice) error
	// String names the notifier for logs, without secrets.
	String() string
}

// Notify is the warning before the cull: a server kept as active whose
// eligibility falls within Before from now is warned once per idle
// stretch. Notifications run beside the pass, never in its way.
type Notify struct {
	Before   time.Duration
	Notifier Notifier
	// Timeout bounds each notification; 0 = DefaultNotifyTimeout.
	Timeout time.Duration
	// InFlight bounds the notifications run at once; 0 = DefaultNotifyInFlight.
	InFlight int

	warned  warnings
	queue   notifyQueue
	backlog int // 0 = maxNotifyBacklog; tests make it small
}

// DefaultNotifyTimeout is how long one notification may take.
const DefaultNotifyTimeout = 10 * time.Second

// DefaultNotifyInFlight is how many notifications run at once.
const DefaultNotifyInFlight = 4

// maxNotifyBacklog bounds the notifications waiting for a free notifier; a
// warning that finds the backlog full is left for the next pass.
const maxNotifyBacklog = 1000

// NotifyError is a failed notification; Kind labels the failures metric.
type NotifyError struct {
	Kind   string // one of notifyFailureKinds
	Err    error
	Output string // what the command printed, or the start of the reply body; escaped
}

func (e *NotifyError) Error() string {
	if e.Output == "" {
		return e.Err.Error()
	}
	return e.Err.Error() + ": " + e.Output
}

func (e *NotifyError) Unwrap() error { return e.Err }

// notifyFailureKinds are the values of NotifyError.Kind.
var notifyFailureKinds = []string{"timeout", "exit-status", "start", "http-status", "connection", "canceled"}

// notifyKind classifies an error from a Notifier.
func notifyKind(err error) string {
	var ne *NotifyError
	if errors.As(err, &ne) {
		return ne.Kind
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	if errors.Is(err, context.Canceled) {
		return "canceled"
	}
	return "connection"
}

// serverKey names a server across passes.
type serverKey struct{ user, server string }

// warnings remembers, for each server in the window, the cull time it was
// warned of. A server is due a warning when its cull time differs from the
// one remembered: never warned, or its activity moved since (a new idle
// stretch). The state is the servers in the window at the last complete
// pass, so it holds no more than the running servers.
type warnings struct {
	mu   sync.Mutex
	sent map[serverKey]time.Time
}

// update makes the servers in the window now (cands) the state, keeping what
// was sent to those whose cull time has not moved, and returns the others:
// the warnings due, soonest cull first. They count as sent once markSent.
func (w *warnings) update(cands []Notice) []Notice {
	w.mu.Lock()
	defer w.mu.Unlock()
	next := make(map[serverKey]time.Time, len(cands))
	var due []Notice
	for _, n := range cands {
		k := serverKey{n.User, n.Server}
		if at, ok := w.sent[k]; ok && at.Equal(n.CullAt) {
			next[k] = at
			continue
		}
		due = append(due, n)
	}
	w.sent = next
	slices.SortFunc(due, func(a, b Notice) int {
		return cmp.Or(a.CullAt.Compare(b.CullAt), cmp.Compare(a.User, b.User), cmp.Compare(a.Server, b.Server))
	})
	return due
}

func (w *warnings) markSent(n *Notice) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sent[serverKey{n.User, n.Server}] = n.CullAt
}

// remembered is how many servers the state holds.
func (w *warnings) remembered() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.sent)
}

// notifyJob is one notification waiting to run, with the context of the
// pass that queued it: the culler's shutdown cancels it.
type notifyJob struct {
	ctx context.Context
	n   Notice
}

// notifyQueue runs notifications with at most a bound in flight, in
// goroutines that exist only while there is work.
type notifyQueue struct {
	mu      sync.Mutex
	jobs    []notifyJob
	running int
	idle    chan struct{} // closed when nothing is queued or running; nil then too
}

// push queues a job and starts a worker if one is free; false when the
// backlog is full.
func (q *notifyQueue) push(job notifyJob, inFlight, backlog int, run func(notifyJob)) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.jobs) >= backlog {
		return false
	}
	q.jobs = append(q.jobs, job)
	if q.idle == nil {
		q.idle = make(chan struct{})
	}
	if q.running < inFlight {
		q.running++
		go q.work(run)
	}
	return true
}

func (q *notifyQueue) work(run func(notifyJob)) {
	for {
		q.mu.Lock()
		if len(q.jobs) == 0 {
			q.running--
			if q.running == 0 {
				close(q.idle)
				q.idle = nil
			}
			q.mu.Unlock()
			return
		}
		job := q.jobs[0]
		q.jobs[0] = notifyJob{}
		q.jobs = q.jobs[1:]
		q.mu.Unlock()
		run(job)
	}
}

// wait returns when nothing is queued or running.
func (q *notifyQueue) wait() {
	q.mu.Lock()
	idle := q.idle
	q.mu.Unlock()
	if idle != nil {
		<-idle
	}
}

// noticesFor is the warnings a user's servers are in the window for at now:
// servers kept as active whose eligibility (eligibleAt, the one place that
// computes it) is at most Before away, at the timeout and max age that
// applied to the server (its rule's, or the flags').
func (n *Notify) noticesFor(u *User, d *Decision, now time.Time) []Notice {
	var out []Notice
	for i := range d.Servers {
		sd := &d.Servers[i]
		if sd.Reason != Active {
			continue
		}
		s := &u.Servers[i]
		at := eligibleAt(sd.Reason, s.LastActivity, s.Started, sd.Timeout, sd.MaxAge)
		if at == nil || at.Sub(now) > n.Before {
			continue
		}
		out = append(out, Notice{User: u.Name, Server: sd.Server, Rule: ruleLabel(sd.Rule), IdleSeconds: sd.Idle.Seconds(), CullAt: at.UTC()})
	}
	return out
}

// sendNotices queues the warnings due among cands (or, in a dry run, logs
// and lists them) and returns at once: a notifier never holds up a pass.
func (c *Culler) sendNotices(ctx context.Context, cands []Notice, sum *Summary) {
	n := c.Notify
	due := n.warned.update(cands)
	inFlight, backlog := max(cmp.Or(n.InFlight, DefaultNotifyInFlight), 1), cmp.Or(n.backlog, maxNotifyBacklog)
	deferred := 0
	for i := range due {
		nt := &due[i]
		attrs := []any{"user", nt.User, "server", nt.Server, "rule", nt.Rule, "cull_at", nt.CullAt.Format(time.RFC3339),
			"idle", time.Duration(nt.IdleSeconds * float64(time.Second)).Round(time.Second).String()}
		if c.DryRun {
			c.logger().Info("would notify (dry run)", attrs...)
			sum.WouldNotify = append(sum.WouldNotify, *nt)
		} else if !n.queue.push(notifyJob{ctx: ctx, n: *nt}, inFlight, backlog, c.runNotice) {
			deferred++
			continue
		}
		n.warned.markSent(nt)
		sum.Notified++
	}
	if deferred > 0 {
		c.logger().Warn("notifications left for the next pass: the notifier is behind", "deferred", deferred, "backlog", backlog)
	}
}

// runNotice runs one notification, bounded by the timeout, and logs and
// counts how it went.
func (c *Culler) runNotice(job notifyJob) {
	n := c.Notify
	attrs := []any{"user", job.n.User, "server", job.n.Server, "rule", job.n.Rule, "cull_at", job.n.CullAt.Format(time.RFC3339), "notifier", n.Notifier.String()}
	if job.ctx.Err() != nil {
		c.logger().Info("notification not sent: the culler is stopping", attrs...)
		return
	}
	timeout := n.Timeout
	if timeout <= 0 {
		timeout = DefaultNotifyTimeout
	}
	ctx, cancel := context.WithTimeout(job.ctx, timeout)
	defer cancel()
	err := n.Notifier.Notify(ctx, &job.n)
	if err != nil && ctx.Err() != nil {
		kind := "timeout"
		if job.ctx.Err() != nil {
			kind = "canceled"
		}
		err = &NotifyError{Kind: kind, Err: fmt.Errorf("%s after %s: %w", kind, timeout, err)}
	}
	c.Metrics.countNotification(err)
	if err != nil && job.ctx.Err() != nil {
		c.logger().Info("notification cut short: the culler is stopping", append(attrs, "kind", notifyKind(err), "err", err)...)
		return
	}
	if err != nil {
		c.logger().Warn("notification failed; the cull goes ahead as planned", append(attrs, "kind", notifyKind(err), "err", err)...)
		return
	}
	c.logger().Info("notified of the coming cull", attrs...)
}

// WaitNotifications returns when every notification queued so far has run
// or given up; notifications end soon after their pass's context does.
func (c *Culler) WaitNotifications() {
	if c.Notify != nil {
		c.Notify.queue.wait()
	}
}
