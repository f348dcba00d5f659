#!/usr/bin/env bash
# MetalLB controller and speaker (CGO off, native L2/BGP mode without FRR).
source "$(dirname "$0")/lib.sh"
source "$HERE/go-common.sh"
mod=$(v .metallb.module); ver=$(v .metallb.version)
go_step metallb "$ver"
new_wrapper "$KPC_CACHE/src/metallb-$ver" metallb
wrapper_require "$mod" "$ver"
go mod tidy -e >/dev/null 2>&1 || true
go get "$mod/controller@$ver" "$mod/speaker@$ver" >/dev/null
ld="-s -w -X $mod/internal/version.version=$ver -X $mod/internal/version.gitCommit=module-$ver"
for c in controller speaker; do
  echo "building $c"
  CGO_ENABLED=0 go build -trimpath -ldflags "$ld" -o "$tmp_out/$c" "$mod/$c"
done
go_done "$ver"
