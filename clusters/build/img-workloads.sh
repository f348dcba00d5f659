#!/usr/bin/env bash
# Workload and tool images: nginx, echoserver, kuard, curl client, tools, and the ryuk reaper.
source "$(dirname "$0")/lib.sh"
source "$HERE/go-common.sh"
source "$HERE/img-common.sh"
ensure_docker
need_image "$(img base local)"; need_image "$(img base-net local)"
kpc="$BIN/kpc-$(kpc_sum)"
build_image nginx "$(context nginx "$IMG_DIR/nginx")" "$BASE_ARG"
build_image echoserver "$(context echoserver "$IMG_DIR/echoserver" "$kpc/echoserver")" "$BASE_ARG"
build_image kuard "$(context kuard "$IMG_DIR/kuard" "$kpc/kuard")" "$BASE_ARG"
build_image curl "$(context curl "$IMG_DIR/curl")" "$BASE_ARG"
build_image tools "$(context tools "$IMG_DIR/tools")" "$NET_ARG"
build_image ryuk "$(context ryuk "$IMG_DIR/ryuk" "$kpc/reaper")"
