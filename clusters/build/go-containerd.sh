#!/usr/bin/env bash
# Builds containerd 2.x (containerd, containerd-shim-runc-v2, ctr) from the Go module
# github.com/containerd/containerd/v2 at the pinned version, for the kind node image.
# Its go.mod has exclude directives, which `go install mod@ver` refuses, so a wrapper module
# requires it and repeats those excludes (read from the downloaded go.mod at build time).
# CGO off; `no_btrfs` drops the btrfs snapshotter, which needs cgo headers.
source "$(dirname "$0")/lib.sh"
mod=$(v .containerd.module); ver=$(v .containerd.version)
out="$BIN/containerd-$ver"
if [ -f "$out/.done" ]; then echo "containerd $ver already built"; exit 0; fi
work="$KPC_CACHE/src/containerd-$ver"
new_wrapper "$work" containerd
modfile=$(go mod download -json "$mod@$ver" | jq -r .GoMod)
goline=$(grep -E '^go [0-9.]+' "$modfile" | head -n1 | awk '{print $2}')
go mod edit -go="$goline" -require="$mod@$ver"
for ex in $(go mod edit -json "$modfile" | jq -r '.Exclude[]? | "\(.Path)@\(.Version)"'); do
  go mod edit -exclude="$ex"
done
cat > tools.go <<GO
//go:build tools

package tools

import (
	_ "$mod/cmd/containerd"
	_ "$mod/cmd/containerd-shim-runc-v2"
	_ "$mod/cmd/ctr"
)
GO
go mod tidy -e >/dev/null 2>&1 || true
go get "$mod@$ver" >/dev/null
rm -rf "$out"; mkdir -p "$out"
ld="-s -w -X $mod/version.Version=$ver -X $mod/version.Revision=module-$ver -X $mod/version.Package=$mod"
for p in containerd containerd-shim-runc-v2 ctr; do
  echo "building $p $ver"
  go build -trimpath -tags no_btrfs -ldflags "$ld" -o "$out/$p" "$mod/cmd/$p"
done
"$out/containerd" --version
echo "$ver" > "$out/.done"
