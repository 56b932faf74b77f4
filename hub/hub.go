// Package hub holds conventions about a JupyterHub that more than one of
// hubctl's packages must agree on. It imports nothing of hubctl's, so every
// package may import it.
package hub

// RoleName is the role hubctl gives an owner of scopes, a service that
// `hubctl service add` writes or a user a hint proposes a role for:
// NAME-role.
func RoleName(owner string) string { return owner + "-role" }
