// Package testkit holds small helpers shared by this module's tests. It is
// internal: users' tests have sdk/trace/tracetest and sdk/stats/statstest.
package testkit
