#!/usr/bin/env bash
# One deliberately broken kube-proxy image: clusters/faults/$KPC_FAULT.patch applied to copies
# of the pinned k8s.io/kubernetes module files, built with `go build -overlay`, on the same base
# and Dockerfile as the real kube-proxy image. Tag kpc.local/kube-proxy-fault:<name>-<hash>;
# writes $KPC_CACHE/faults/<name>.json naming it. Run by `npm run images -- --faults`.
# Go refuses overlays of files in the module cache, so the faults build from a writable copy of
# the module ($KPC_CACHE/src/kubernetes-module-<v>, made once) through a twin of the wrapper
# module of go-kubernetes.sh that replaces k8s.io/kubernetes with that copy: the first fault
# compiles kube-proxy's packages once, later ones only the patched packages and the link.
source "$(dirname "$0")/lib.sh"
source "$HERE/go-common.sh"
source "$HERE/img-common.sh"
source "$HERE/k8s-common.sh"
: "${KPC_FAULT:?KPC_FAULT names the fault (clusters/faults/<name>.patch)}"
fault="$KPC_FAULT"
patch="$(cd "$HERE/../faults" && pwd)/$fault.patch"
[ -f "$patch" ] || { echo "no patch $patch" >&2; exit 1; }
ver=$(v .kubernetes)
wrapper="$KPC_CACHE/src/kubernetes-$ver"
[ -f "$wrapper/go.mod" ] || { echo "missing $wrapper: run the kubernetes step first (npm run images)" >&2; exit 1; }
ensure_docker
need_image "$(img base-net local)"

hash=$( (echo "$ver"; cat "$patch" "$IMG_DIR/kube-proxy/Dockerfile") | sha256sum | cut -c1-12)
tag="kpc.local/kube-proxy-fault:$fault-$hash"
work="$KPC_CACHE/faults/build/$fault"
rm -rf "$work" && mkdir -p "$work/src"

modcache_dir=$(cd "$wrapper" && go list -m -f '{{.Dir}}' k8s.io/kubernetes)
moddir="$KPC_CACHE/src/kubernetes-module-$ver"
if [ ! -f "$moddir/.kpc-copy-done" ]; then
  rm -rf "$moddir" "$moddir.tmp"
  cp -a "$modcache_dir" "$moddir.tmp" && chmod -R u+w "$moddir.tmp"
  touch "$moddir.tmp/.kpc-copy-done" && mv "$moddir.tmp" "$moddir"
fi
twin="$KPC_CACHE/src/kubernetes-faults-$ver"
if [ ! -f "$twin/.done" ] || ! cmp -s "$wrapper/go.mod" "$twin/go.mod.orig"; then
  rm -rf "$twin" && mkdir -p "$twin"
  cp "$wrapper/go.mod" "$twin/go.mod.orig" && cp "$wrapper/go.mod" "$wrapper/go.sum" "$wrapper/tools.go" "$twin/"
  (cd "$twin" && go mod edit -module kpc.local/k8s-faults -replace "k8s.io/kubernetes=$moddir")
  touch "$twin/.done"
fi
cd "$twin"
overlay_cli="$HERE/fault-overlay.ts"
tsx="$HERE/../../node_modules/.bin/tsx"
for f in $("$tsx" "$overlay_cli" files "$patch"); do
  mkdir -p "$work/src/$(dirname "$f")"
  cp "$moddir/$f" "$work/src/$f" && chmod u+w "$work/src/$f"
done
(cd "$work/src" && patch -p1 --forward --no-backup-if-mismatch <"$patch")
"$tsx" "$overlay_cli" overlay "$patch" "$moddir" "$work/src" >"$work/overlay.json"
cat "$work/overlay.json"

echo "building kube-proxy with fault $fault"
k8s_build "$work/kube-proxy" "$(k8s_ldflags "$ver" dirty "fault-$fault")" k8s.io/kubernetes/cmd/kube-proxy -overlay "$work/overlay.json"
kube_proxy_image "$work/kube-proxy" "$tag" "io.kpc.fault=$fault"
write_pointer "$KPC_CACHE/faults/$fault.json" "{\"fault\":\"$fault\",\"image\":\"$tag\",\"kubernetes\":\"$ver\"}"
rm -rf "$work/src"
echo "$tag"
