//go:build !race

package pyconfig

// raceBuild: see race_on.go.
const raceBuild = false
