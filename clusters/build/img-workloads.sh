#!/usr/bin/env bash
# Workload and tool images: nginx, echoserver, kuard, curl client, tools, and the ryuk reaper.
source "$(dirname "$0")/lib.sh"
source "$HERE/go-common.sh"
source "$HERE/img-common.sh"
ensure_docker
need_image "$(img base local)"; need_image "$(img base-net local)"
kpc="$BIN/kpc-$(kpc_sum)"
ctx=$(context nginx "$IMG_DIR/nginx")
build_image nginx "$ctx" "$BASE_ARG"
ctx=$(context echoserver "$IMG_DIR/echoserver" "$kpc/echoserver")
build_image echoserver "$ctx" "$BASE_ARG"
ctx=$(context kuard "$IMG_DIR/kuard" "$kpc/kuard")
build_image kuard "$ctx" "$BASE_ARG"
ctx=$(context curl "$IMG_DIR/curl")
build_image curl "$ctx" "$BASE_ARG"
ctx=$(context tools "$IMG_DIR/tools")
build_image tools "$ctx" "$NET_ARG"
ctx=$(context ryuk "$IMG_DIR/ryuk" "$kpc/reaper")
build_image ryuk "$ctx"
