#!/usr/bin/env bash
# kube-proxy of another Kubernetes release ($KPC_KUBE_PROXY_VERSION, e.g. v1.33.13) for a
# version column: only cmd/kube-proxy, built from the k8s.io/kubernetes module at that version
# (same wrapper recipe and flags as go-kubernetes.sh), in the same image recipe as the pinned
# kube-proxy. Tag kpc.local/kube-proxy:<version>-<hash>; writes
# $KPC_CACHE/kube-proxy-releases/<version>.json naming it. Run by
# `npm run images -- --kube-proxy-versions v1.33.13,...` (clusters/build/release-steps.ts).
source "$(dirname "$0")/lib.sh"
source "$HERE/go-common.sh"
source "$HERE/img-common.sh"
source "$HERE/k8s-common.sh"
: "${KPC_KUBE_PROXY_VERSION:?KPC_KUBE_PROXY_VERSION names the release, e.g. v1.33.13}"
ver="$KPC_KUBE_PROXY_VERSION"
[[ "$ver" =~ ^v1\.[0-9]+\.[0-9]+$ ]] || { echo "not a release version: $ver (want v1.<minor>.<patch>)" >&2; exit 1; }
ensure_docker
need_image "$(img base-net local)"

out="$BIN/kube-proxy-$ver"; tmp_out="$out.tmp"
if [ ! -f "$out/.done" ]; then
  rm -rf "$tmp_out" && mkdir -p "$tmp_out"
  k8s_wrapper "$KPC_CACHE/src/kube-proxy-$ver" "$ver" kube-proxy
  echo "building kube-proxy $ver"
  k8s_build "$tmp_out/kube-proxy" "$(k8s_ldflags "$ver" clean "module-$ver")" k8s.io/kubernetes/cmd/kube-proxy
  k8s_check_stand_ins "$tmp_out/kube-proxy"
  echo "${K8S_STAND_IN_NOTES# }" >"$tmp_out/stand-ins"
  "$tmp_out/kube-proxy" --version
  go_done "$ver"
fi

hash=$( (sha256sum <"$out/kube-proxy"; cat "$IMG_DIR/kube-proxy/Dockerfile") | sha256sum | cut -c1-12)
tag="kpc.local/kube-proxy:$ver-$hash"
stand_ins=$(cat "$out/stand-ins")
kube_proxy_image "$out/kube-proxy" "$tag" "io.kpc.kube-proxy-release=$ver" "io.kpc.stand-ins=$stand_ins"
write_pointer "$KPC_CACHE/kube-proxy-releases/$ver.json" "$(jq -cn --arg v "$ver" --arg i "$tag" --arg s "$stand_ins" '{version: $v, image: $i} + (if $s == "" then {} else {standIns: $s} end)')"
echo "$tag"
