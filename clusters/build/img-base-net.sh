#!/usr/bin/env bash
# base-net: the base plus the node-network userland (iptables legacy+nft with our backend
# selection script, nftables, conntrack, iproute2) for kube-proxy, kindnetd and tools.
source "$(dirname "$0")/lib.sh"
source "$HERE/go-common.sh"
source "$HERE/img-common.sh"
ensure_docker
need_image "$(img base local)"
ctx=$(context base-net "$IMG_DIR/base-net")
build_image base-net "$ctx" "$BASE_ARG"
docker run --rm "$(img base-net local)" sh -c 'iptables-select && iptables -V && nft -v'
