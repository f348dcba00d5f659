#!/usr/bin/env bash
# etcd server from go.etcd.io/etcd/server/v3. Its go.mod replaces its sibling modules with
# ../ paths a module download lacks, so a wrapper module pins those siblings to the same tag.
source "$(dirname "$0")/lib.sh"
source "$HERE/go-common.sh"
mod=$(v .etcd.module); ver=$(v .etcd.version)
go_step etcd "$ver"
new_wrapper "$KPC_CACHE/src/etcd-$ver" etcd
wrapper_require "$mod" "$ver" go.etcd.io/etcd/api/v3 go.etcd.io/etcd/client/pkg/v3 go.etcd.io/etcd/client/v3 go.etcd.io/etcd/pkg/v3
go mod edit -go=1.24.0
go mod tidy -e >/dev/null 2>&1 || true
go get "$mod@$ver" >/dev/null
go build -trimpath -ldflags "-s -w" -o "$tmp_out/etcd" "$mod"
echo "$("$tmp_out/etcd" --version 2>&1)" | sed -n 1p
go_done "$ver"
