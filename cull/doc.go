// Package cull decides which JupyterHub servers and users are idle and stops
// or deletes them through the Hub's REST API: a pure policy (Decide), a Hub
// client, and the pass and loop that tie them together.
package cull

// The files, by job: policy.go (Decide, pure), record.go (the user model the
// policy reads), client.go (the Hub's REST API: retries, pagination,
// redaction), pace.go (the requests in flight paced to the Hub's latency),
// pass.go (one pass, and the loop), follow.go (stops answered
// 202, followed to their end), scopes.go (what the token may do), check.go
// (`hubctl check`), metrics.go (Prometheus).
