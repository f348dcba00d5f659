#!/usr/bin/env bash
# Control-plane images under the exact tags kubeadm asks for (`kubeadm config images list`):
# kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy, etcd, coredns, pause.
source "$(dirname "$0")/lib.sh"
source "$HERE/go-common.sh"
source "$HERE/img-common.sh"
ensure_docker
need_image "$(img base local)"; need_image "$(img base-net local)"
k8s="$BIN/kubernetes-$(v .kubernetes)"
for c in kube-apiserver kube-controller-manager kube-scheduler; do
  ctx=$(context "$c" "$IMG_DIR/control-plane" "$k8s/$c")
  build_image "$c" "$ctx" "$BASE_ARG" "--build-arg=BIN=$c"
done
ctx=$(context kube-proxy "$IMG_DIR/kube-proxy" "$k8s/kube-proxy")
build_image kube-proxy "$ctx" "$NET_ARG"
ctx=$(context etcd "$IMG_DIR/etcd" "$BIN/etcd-$(v .etcd.version)/etcd")
build_image etcd "$ctx" "$BASE_ARG"
ctx=$(context coredns "$IMG_DIR/coredns" "$BIN/coredns-$(v .coredns.version)/coredns")
build_image coredns "$ctx" "$BASE_ARG"
ctx=$(context pause "$IMG_DIR/pause" "$BIN/kpc-$(kpc_sum)/pause")
build_image pause "$ctx"

# kubeadm must find every image it will ask for under exactly these names.
want=$("$k8s/kubeadm" config images list --kubernetes-version "$(v .kubernetes)" 2>/dev/null)
for t in $want; do
  docker image inspect "$t" >/dev/null 2>&1 || { echo "kubeadm wants $t, which was not built" >&2; exit 1; }
done
echo "kubeadm's images are all present: $(echo $want | wc -w)"
docker run --rm "$(img kube-proxy local)" sh -c 'kube-proxy --version && iptables-select && nft -v && conntrack -V'
