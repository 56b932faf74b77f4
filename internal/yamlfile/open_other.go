//go:build !unix

package yamlfile

const openFlags = 0
