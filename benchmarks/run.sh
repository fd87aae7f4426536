#!/bin/sh
# Runs the side-by-side benchmarks and prints a benchstat table with one
# column per library. Extra arguments go to `go test`, for example
#   ./run.sh -bench 'Span(Sampled|Unsampled)' -count 10
# Raw results are kept in results.txt.
set -eu
cd "$(dirname "$0")"

go test -run '^$' -bench . -count=6 "$@" ./... | tee results.txt
echo
go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da -col /lib results.txt
