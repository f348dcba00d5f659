#!/usr/bin/env bash
# Builds the kind CLI from the Go module sigs.k8s.io/kind at the pinned version.
source "$(dirname "$0")/lib.sh"
ver=$(v .kind)
out="$BIN/kind-$ver"
if [ -x "$out/kind" ] && [ -f "$out/.done" ]; then echo "kind $ver already built"; exit 0; fi
rm -rf "$out"; mkdir -p "$out"
echo "building kind $ver"
GOBIN="$out" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kind@$ver"
"$out/kind" version
echo "$ver" > "$out/.done"
