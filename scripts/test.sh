#!/usr/bin/env bash
# The project's test command: every check CI runs, in order, failing on the
# first problem with a message that says which step failed.
# Usage: bash scripts/test.sh
#
# Steps: pinned tools, gofmt, buf lint, buf format, generated code fresh,
# then per module (every go.mod outside .cache): go mod tidy -diff, go vet,
# staticcheck; a one-iteration smoke run of benchmarks/ if it exists; and
# last `go test -race ./...` in every module, so its output closes the log.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
# shellcheck source=scripts/tools.sh
source scripts/tools.sh

step() { printf '\n==> %s\n' "$*"; }
fail() {
	printf '\nFAIL: %s\n' "$*" >&2
	exit 1
}

# modules lists the directories holding a go.mod, root first.
modules() {
	find . -name go.mod -not -path './.cache/*' -not -path '*/testdata/*' -not -path './.git/*' -printf '%h\n' | sort
}

step "tools (buf, protoc-gen-go, protoc-gen-go-grpc, staticcheck)"
ensure_tools || fail "building pinned tools"

step "gofmt"
unformatted="$(find . -name '*.go' -not -path './.cache/*' -not -path './.git/*' -print0 | xargs -0 -r gofmt -l)"
[[ -z "${unformatted}" ]] || fail "files not gofmt-ed (run gofmt -w):
${unformatted}"

step "buf lint"
"${TOOLS_BIN}/buf" lint || fail "buf lint"

step "buf format"
"${TOOLS_BIN}/buf" format -d --exit-code || fail "proto files not formatted (run .cache/bin/buf format -w)"

step "generated code is fresh"
bash scripts/generate.sh || fail "code generation"
git diff --exit-code -- proto || fail "generated code is stale (run bash scripts/generate.sh and commit)"
untracked="$(git ls-files --others --exclude-standard -- proto)"
[[ -z "${untracked}" ]] || fail "untracked files under proto/ (commit or delete them):
${untracked}"

mapfile -t mods < <(modules)
for mod in "${mods[@]}"; do
	step "go mod tidy -diff (${mod})"
	(cd "${mod}" && go mod tidy -diff) || fail "go.mod/go.sum of ${mod} not tidy (run go mod tidy there)"

	step "go vet (${mod})"
	(cd "${mod}" && go vet ./...) || fail "go vet in ${mod}"

	step "staticcheck (${mod})"
	(cd "${mod}" && "${TOOLS_BIN}/staticcheck" ./...) || fail "staticcheck in ${mod}"
done

if [[ -f benchmarks/go.mod ]]; then
	step "benchmarks smoke run (one iteration each)"
	(cd benchmarks && go test -run '^$' -bench . -benchtime=1x ./...) || fail "benchmarks smoke run"
fi

failed=()
for mod in "${mods[@]}"; do
	step "go test -race (${mod})"
	(cd "${mod}" && go test -race ./...) || failed+=("${mod}")
done
((${#failed[@]} == 0)) || fail "go test -race in: ${failed[*]}"
