// Package cull decides which JupyterHub servers and users are idle and stops
// or deletes them through the Hub's REST API: a pure policy (Decide), a Hub
// client, and the pass and loop that tie them together.
package cull

// The files, by job: policy.go (Decide, pure), rules.go (--rules: the file
// read and checked, and how a rule matches), record.go (the user model the
// policy reads), client.go (the Hub's REST API: retries, pagination,
// redaction), pace.go (the requests in flight paced to the Hub's latency),
// pass.go (one pass, and the loop), follow.go (stops answered 202, followed
// to their end), notify.go (warnings before the cull; the notifiers in
// notify_command.go and notify_url.go), kernels.go (--check-kernels: a
// busy kernel keeps a server), explain.go (--explain), scopes.go (what the
// token may do), check.go (`hubctl check`), metrics.go (Prometheus).
