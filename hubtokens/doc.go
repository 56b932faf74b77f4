// Package hubtokens is the token lifecycle against a running Hub: request,
// audit and revoke users' tokens through the REST API (cull.Client, with the
// version facts of hub/tokens.go), and rotate a service's token in the
// config and the keyring, checking with the Hub which tokens it accepts and
// revoking the old one the only way JupyterHub 3.0-5.x allow (hub/rotate.go).
package hubtokens
