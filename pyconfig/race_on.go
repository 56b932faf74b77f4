//go:build race

package pyconfig

// raceBuild: the race detector's shadow memory counts toward the data
// segment, so a race-built reader child cannot live under childMemory (it
// fails to start threads or to grow its heap); it keeps only its deadline.
const raceBuild = true
