#!/usr/bin/env bash
# Builds the kpc kind node image, kpc.local/kind-node:<kubernetes>-<hash of every input>:
#   1. the Debian rootfs base (node-rootfs.sh);
#   2. `docker build` of clusters/node/Dockerfile over a staged context: containerd (ours),
#      kubelet/kubeadm/kubectl (module build), clusters/node/rootfs/, /kind/version, the CNI
#      manifest pointing at the local kindnetd image;
#   3. bake: a throwaway container of that image starts containerd and imports, without
#      unpacking, every image marked "node": true in clusters/images.json from
#      $KPC_CACHE/images/<tar> into namespace k8s.io (kubelet finds them there; nothing is ever
#      pulled), then the container is committed as the final image.
# Writes $KPC_CACHE/node/image.json (the tag clusters/kind.ts uses) and prints the tag last.
# KPC_NODE_ALLOW_MISSING_IMAGES=1 builds even when some tars are missing (for boot tests only).
source "$(dirname "$0")/lib.sh"
source "$HERE/node-lib.sh"
NODE_DIR="$(cd "$HERE/../node" && pwd)"
IMAGES_JSON="$HERE/../images.json"
k8s=$(v .kubernetes); ctd=$(v .containerd.version)
kbin="$BIN/kubernetes-$k8s"; cbin="$BIN/containerd-$ctd"
[ -f "$kbin/.done" ] || { echo "Kubernetes $k8s binaries missing: run clusters/build/go-kubernetes.sh first"; exit 1; }
[ -f "$cbin/.done" ] || { echo "containerd $ctd missing: run clusters/build/go-containerd.sh first"; exit 1; }
crictl=$(ls "$BIN"/crictl-*/crictl 2>/dev/null | head -n1 || true)

ensure_dockerd
# one node image build at a time on this machine (the bake container's name is per input hash)
mkdir -p "$KPC_CACHE/node"
exec 9>"$KPC_CACHE/node/.build.lock"
flock 9
base=$(bash "$HERE/node-rootfs.sh" | tail -n1)

# Images to bake: "<local name>\t<tar>\t<extra tags, comma separated>" for every node image.
mapfile -t wanted < <(jq -r '.images[] | select(.node == true) | [.local, .tar, ((.alsoTagged // []) | join(","))] | @tsv' "$IMAGES_JSON")
present=(); missing=()
for line in "${wanted[@]}"; do
  IFS=$'\t' read -r name tar _ <<<"$line"
  if [ -s "$KPC_CACHE/images/$tar" ]; then present+=("$line"); else missing+=("$name ($tar)"); fi
done
if (( ${#missing[@]} )); then
  echo "image archives missing in $KPC_CACHE/images: ${missing[*]}"
  [ "${KPC_NODE_ALLOW_MISSING_IMAGES:-}" = 1 ] || { echo "run the image build first (npm run images)"; exit 1; }
  echo "KPC_NODE_ALLOW_MISSING_IMAGES=1: building without them"
fi

# Hash of every input: base, binaries, our node files, each image's config digest, this script.
hash=$(
  {
    echo "$base"
    sha256sum "$kbin"/kubelet "$kbin"/kubeadm "$kbin"/kubectl "$cbin"/containerd "$cbin"/containerd-shim-runc-v2 "$cbin"/ctr ${crictl:+"$crictl"} | awk '{print $1}'
    (cd "$NODE_DIR" && find Dockerfile rootfs -type f | LC_ALL=C sort | xargs sha256sum)
    for line in "${present[@]}"; do
      IFS=$'\t' read -r name tar extra <<<"$line"
      echo "$name $extra $(tar -xOf "$KPC_CACHE/images/$tar" manifest.json | jq -r '.[0].Config')"
    done
    cat "$0" "$HERE/node-lib.sh"
  } | sha256sum | cut -c1-12
)
tag="kpc.local/kind-node:$k8s-$hash"
pointer="$KPC_CACHE/node/image.json"
mkdir -p "$KPC_CACHE/node"

write_pointer() {
  local names; names=$(printf '%s\n' "${present[@]}" | cut -f1 | { grep . || true; } | jq -R . | jq -s .)
  jq -n --arg image "$tag" --arg k8s "$k8s" --arg containerd "$ctd" --argjson images "${names:-[]}" \
    --argjson complete "$([ ${#missing[@]} -eq 0 ] && echo true || echo false)" \
    '{image: $image, kubernetes: $k8s, containerd: $containerd, complete: $complete, images: $images}' >"$pointer"
}

if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "node image $tag already built"
  write_pointer; echo "$tag"; exit 0
fi

# 2. stage the build context and build
ctx="$KPC_CACHE/node/ctx-$hash"
rm -rf "$ctx"; mkdir -p "$ctx/bin"
cp "$kbin"/kubelet "$kbin"/kubeadm "$kbin"/kubectl "$cbin"/containerd "$cbin"/containerd-shim-runc-v2 "$cbin"/ctr "$ctx/bin/"
cp -a "$NODE_DIR/rootfs" "$ctx/rootfs"
[ -n "$crictl" ] && install -m 0755 "$crictl" "$ctx/rootfs/usr/local/bin/crictl"
echo "$k8s" >"$ctx/rootfs/kind/version"
kindnetd=$(jq -r '.images[] | select(.id == "kindnetd") | .local' "$IMAGES_JSON")
sed -i "s#@KINDNETD_IMAGE@#$kindnetd#" "$ctx/rootfs/kind/manifests/default-cni.yaml"
lpp=$(jq -r '.images[] | select(.id == "local-path-provisioner") | .local' "$IMAGES_JSON")
lph=$(jq -r '.images[] | select(.id == "local-path-helper") | .local' "$IMAGES_JSON")
sed -i -e "s#@LOCAL_PATH_PROVISIONER_IMAGE@#$lpp#g" -e "s#@LOCAL_PATH_HELPER_IMAGE@#$lph#g" "$ctx/rootfs/kind/manifests/default-storage.yaml"
stage="kpc.local/kind-node-stage:$hash"
echo "docker build $stage (base $base)"
docker build -q -t "$stage" --build-arg BASE="$base" -f "$NODE_DIR/Dockerfile" "$ctx" >"$KPC_CACHE/logs/node-build-$hash.log" 2>&1 \
  || { tail -30 "$KPC_CACHE/logs/node-build-$hash.log"; exit 1; }

# 3. bake the images into containerd's store inside the image
bake="kpc-node-bake-$hash"
docker rm -f "$bake" >/dev/null 2>&1 || true
trap 'docker rm -f "$bake" >/dev/null 2>&1 || true' EXIT
mapfile -t caps < <(node_unprivileged_flags | grep -v '^--device=')
printf '%s\n' "${present[@]}" >"$ctx/bake.list"
echo "baking ${#present[@]} images into $tag"
start=$SECONDS
docker run --name "$bake" "${caps[@]}" --network none \
  -v "$KPC_CACHE/images:/mnt:ro" -v "$ctx/bake.list:/run/bake.list:ro" \
  --entrypoint /bin/bash "$stage" -euc '
    mkdir -p /run/containerd
    containerd --config /etc/containerd/config.toml >/run/containerd.log 2>&1 & cpid=$!
    for _ in $(seq 100); do ctr version >/dev/null 2>&1 && break; sleep 0.1; done
    ctr version >/dev/null || { cat /run/containerd.log; exit 1; }
    while IFS=$'"'"'\t'"'"' read -r name tar extra; do
      [ -n "$name" ] || continue
      ctr -n k8s.io images import --no-unpack --all-platforms --label io.cri-containerd.pinned=pinned "/mnt/$tar" >/dev/null
      ctr -n k8s.io images ls -q | grep -qxF "$name" || { echo "$tar did not provide $name"; exit 1; }
      for t in ${extra//,/ }; do ctr -n k8s.io images tag --force "$name" "$t" >/dev/null; done
    done </run/bake.list
    ctr -n k8s.io images ls -q | grep -v "^sha256:" | sort
    kill $cpid; wait $cpid || true
    rm -rf /run/containerd /run/containerd.log /var/lib/containerd/tmpmounts
  ' >"$KPC_CACHE/logs/node-bake-$hash.log" 2>&1 || { tail -30 "$KPC_CACHE/logs/node-bake-$hash.log"; exit 1; }
echo "baked in $((SECONDS - start))s: $(grep -c . "$KPC_CACHE/logs/node-bake-$hash.log") image names"
# the container keeps the stage image's ENV and STOPSIGNAL; only the overridden entrypoint is reset
docker commit \
  --change 'ENTRYPOINT ["/usr/local/bin/kpc-entrypoint", "/sbin/init"]' \
  --change 'CMD []' \
  --change "LABEL io.kpc.node=true io.kpc.kubernetes=$k8s io.kpc.inputs=$hash" \
  "$bake" "$tag" >/dev/null
docker rm -f "$bake" >/dev/null; trap - EXIT
docker rmi "$stage" >/dev/null 2>&1 || true
rm -rf "$ctx"
# older node images (1-2 GB each) go, except those a node container still uses (rmi refuses)
for old in $(docker images --format '{{.Repository}}:{{.Tag}}' kpc.local/kind-node | grep -vxF "$tag"); do
  docker rmi "$old" >/dev/null 2>&1 && echo "removed old node image $old" || true
done
write_pointer
echo "$tag"
