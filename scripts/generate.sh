#!/usr/bin/env bash
# Regenerates the Go code for the wire model under proto/ with pinned tools.
# Usage: bash scripts/generate.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/tools.sh
source scripts/tools.sh
ensure_tools

# Generated files sit beside their .proto sources, so buf's own `clean`
# (which deletes whole output directories) cannot be used: remove the
# previous output by name instead, so deleted messages leave nothing stale.
find proto -type f \( -name '*.pb.go' -o -name '*_grpc.pb.go' \) -delete
"${TOOLS_BIN}/buf" generate
