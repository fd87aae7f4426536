//go:build !race

package censuslog_test

const raceEnabled = false
