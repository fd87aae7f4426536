//go:build race

package censuslog_test

// raceEnabled skips allocation counts, which the race detector changes.
const raceEnabled = true
