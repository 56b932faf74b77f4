//go:build !unix

package provision

const openFlags = 0
