#!/usr/bin/env bash
# Cluster add-ons under the names kind v0.30 and MetalLB manifests use: kindnetd (our stand-in),
# local-path-provisioner + helper, MetalLB controller + speaker.
source "$(dirname "$0")/lib.sh"
source "$HERE/go-common.sh"
source "$HERE/img-common.sh"
ensure_docker
need_image "$(img base local)"; need_image "$(img base-net local)"
ctx=$(context kindnetd "$IMG_DIR/kindnetd" "$BIN/kpc-$(kpc_sum)/kindnet")
build_image kindnetd "$ctx" "$NET_ARG"
lp="$BIN/local-path-provisioner-$(v .localPathProvisioner.version)"
ctx=$(context local-path-provisioner "$IMG_DIR/local-path" "$lp/local-path-provisioner")
build_image local-path-provisioner "$ctx" \
  "$BASE_ARG" -f "$KPC_CACHE/ctx/local-path-provisioner/Dockerfile.provisioner"
ctx=$(context local-path-helper "$IMG_DIR/local-path")
build_image local-path-helper "$ctx" \
  "$BASE_ARG" -f "$KPC_CACHE/ctx/local-path-helper/Dockerfile.helper"
mlb="$BIN/metallb-$(v .metallb.version)"
for c in controller speaker; do
  ctx=$(context "metallb-$c" "$IMG_DIR/metallb" "$mlb/$c")
  build_image "metallb-$c" "$ctx" \
    "$BASE_ARG" -f "$KPC_CACHE/ctx/metallb-$c/Dockerfile.$c"
done
