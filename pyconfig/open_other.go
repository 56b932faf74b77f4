//go:build !unix

package pyconfig

const openFlags = 0
