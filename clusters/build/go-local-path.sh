#!/usr/bin/env bash
# rancher local-path-provisioner (main package at the module root), the version kind v0.30 ships.
source "$(dirname "$0")/lib.sh"
source "$HERE/go-common.sh"
mod=$(v .localPathProvisioner.module); ver=$(v .localPathProvisioner.version)
go_step local-path-provisioner "$ver"
new_wrapper "$KPC_CACHE/src/local-path-provisioner-$ver" local-path
wrapper_require "$mod" "$ver"
go mod tidy -e >/dev/null 2>&1 || true
go get "$mod@$ver" >/dev/null
go build -trimpath -ldflags "-s -w -X main.VERSION=$ver" -o "$tmp_out/local-path-provisioner" "$mod"
go_done "$ver"
