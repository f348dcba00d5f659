#!/usr/bin/env bash
# CoreDNS (main package at the module root) with its default plugin set.
source "$(dirname "$0")/lib.sh"
source "$HERE/go-common.sh"
mod=$(v .coredns.module); ver=$(v .coredns.version)
go_step coredns "$ver"
new_wrapper "$KPC_CACHE/src/coredns-$ver" coredns
wrapper_require "$mod" "$ver"
go mod tidy -e >/dev/null 2>&1 || true
go get "$mod@$ver" >/dev/null
go build -trimpath -ldflags "-s -w -X $mod/coremain.GitCommit=module-$ver" -o "$tmp_out/coredns" "$mod"
echo "$("$tmp_out/coredns" -version 2>&1)" | sed -n 1p
go_done "$ver"
