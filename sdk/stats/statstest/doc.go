// Package statstest helps test code that records stats: Exporter keeps
// every batch a stats.Manager pushes, and Find and Labels pick metrics and
// time series out of a batch or a Manager.Read result.
//
// Tests that do not need push export usually call Manager.Read directly,
// which needs no exporter and starts no goroutine.
//
// # Stability
//
// Beta: the API may still change in a minor release before gocensus 1.0;
// the README explains the versioning promise.
package statstest
