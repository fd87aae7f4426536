# shellcheck shell=bash
# Pinned developer tools, built once from source into .cache/bin.
#
# Each tool is installed with `go install pkg@version` on its own, so every
# tool resolves its dependencies from its own go.mod: buf and the protoc
# plugins do not agree on shared dependency versions, and one combined tools
# module would not build. A stamp file beside each binary records the version
# it was built at; a mismatch rebuilds it. Go's build cache keeps rebuilds fast.
#
# Source this file, then call ensure_tools.

BUF_VERSION=v1.75.0
PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2
STATICCHECK_VERSION=v0.8.2

TOOLS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_BIN="${TOOLS_ROOT}/.cache/bin"

# ensure_tool NAME PACKAGE VERSION builds PACKAGE@VERSION into TOOLS_BIN/NAME
# unless that exact version is already there.
ensure_tool() {
	local name="$1" pkg="$2" version="$3"
	local bin="${TOOLS_BIN}/${name}" stamp="${TOOLS_BIN}/${name}.version"
	if [[ -x "${bin}" && -f "${stamp}" && "$(cat "${stamp}")" == "${pkg}@${version}" ]]; then
		return 0
	fi
	echo "tools: building ${pkg}@${version}" >&2
	mkdir -p "${TOOLS_BIN}"
	rm -f "${stamp}"
	if ! GOBIN="${TOOLS_BIN}" GOFLAGS=-buildvcs=false go install "${pkg}@${version}"; then
		echo "tools: FAILED to build ${pkg}@${version}" >&2
		return 1
	fi
	echo "${pkg}@${version}" >"${stamp}"
}

ensure_tools() {
	ensure_tool buf github.com/bufbuild/buf/cmd/buf "${BUF_VERSION}" &&
		ensure_tool protoc-gen-go google.golang.org/protobuf/cmd/protoc-gen-go "${PROTOC_GEN_GO_VERSION}" &&
		ensure_tool protoc-gen-go-grpc google.golang.org/grpc/cmd/protoc-gen-go-grpc "${PROTOC_GEN_GO_GRPC_VERSION}" &&
		ensure_tool staticcheck honnef.co/go/tools/cmd/staticcheck "${STATICCHECK_VERSION}"
}
