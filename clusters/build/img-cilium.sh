#!/usr/bin/env bash
# The Cilium agent+operator image (opt-in: npm run images -- --cilium): our Dockerfile FROM
# base-net (iptables, ipset, iproute2), Debian's clang for the BPF programs the agent compiles
# at start-up, the binaries and bpf/ sources of go-cilium.sh, our entrypoint. Tag
# kpc.local/cilium:<version>-<hash>; writes $KPC_CACHE/cilium/image.json naming it.
source "$(dirname "$0")/lib.sh"
source "$HERE/go-common.sh"
source "$HERE/img-common.sh"
CILIUM_PINS="$HERE/cilium/versions.json"
ver=$(jq -r .version "$CILIUM_PINS"); llvm=$(jq -r .llvm.package "$CILIUM_PINS")
bin="$BIN/cilium-$ver"
[ -f "$bin/.done" ] || { echo "missing $bin: run the cilium step first (npm run images -- --cilium)" >&2; exit 1; }
ensure_docker
need_image "$(img base-net local)"
hash=$( (cat "$bin/.done"; cat "$HERE"/cilium/*; find "$bin" -type f | LC_ALL=C sort | xargs sha256sum) | sha256sum | cut -c1-12)
tag="kpc.local/cilium:$ver-$hash"
ctx="$KPC_CACHE/ctx/cilium"
rm -rf "$ctx" && mkdir -p "$ctx"
cp -a "$HERE/cilium/." "$ctx/"
cp -a "$bin/cilium-agent" "$bin/cilium-operator-generic" "$bin/cilium-dbg" "$bin/cilium-cni" "$bin/bpf" "$ctx/"
echo "docker build $tag (clang-$llvm from Debian)"
DOCKER_BUILDKIT=0 docker build --network host --label io.kpc.built=1 -t "$tag" \
  "$NET_ARG" --build-arg "LLVM=$llvm" "$ctx" 2>&1 | grep -v -e "^DEPRECATED" -e "BuildKit is currently disabled" -e "environment-variable" -e "^ *$"
docker run --rm --entrypoint sh "$tag" -c 'clang --version | sed -n 1p && cilium-agent --version | sed -n 1p'
mkdir -p "$KPC_CACHE/cilium"
printf '{ "image": "%s", "version": "%s", "complete": true }\n' "$tag" "$ver" > "$KPC_CACHE/cilium/image.json.tmp"
mv -f "$KPC_CACHE/cilium/image.json.tmp" "$KPC_CACHE/cilium/image.json"
echo "cilium image $tag"
