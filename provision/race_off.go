//go:build !race

package provision

// raceBuild: see race_on.go.
const raceBuild = false
