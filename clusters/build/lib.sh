# Shared helpers for the image build steps. Sourced, never run.
set -euo pipefail
: "${KPC_CACHE:?KPC_CACHE must point at the build cache}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VERSIONS="$HERE/../versions.json"
BIN="$KPC_CACHE/bin"
mkdir -p "$BIN"
export CGO_ENABLED="${CGO_ENABLED:-0}" GOFLAGS="-mod=mod -buildvcs=false" GOTOOLCHAIN=local
# Small machines: do not let the Go linker and compiler run away with memory.
export GOMAXPROCS="${GOMAXPROCS:-2}"

v() { jq -r "$1" "$VERSIONS"; }

# new_wrapper DIR MODULE: an empty module in DIR that we require upstream modules from.
new_wrapper() {
  rm -rf "$1" && mkdir -p "$1" && cd "$1"
  go mod init "kpc.local/$2" >/dev/null 2>&1
}
