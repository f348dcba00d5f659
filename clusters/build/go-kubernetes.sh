#!/usr/bin/env bash
# Builds the Kubernetes server binaries from the k8s.io/kubernetes Go module at the pinned version,
# through the wrapper module of k8s-common.sh (each staging module replaced by its published
# v0.<minor>.<patch> twin; the same recipe builds other releases' kube-proxy for version columns).
source "$(dirname "$0")/lib.sh"
source "$HERE/go-common.sh"
source "$HERE/k8s-common.sh"
ver=$(v .kubernetes)
out="$BIN/kubernetes-$ver"
progs="kubelet kubeadm kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy"
if [ -f "$out/.done" ]; then echo "kubernetes $ver already built"; exit 0; fi
# shellcheck disable=SC2086
k8s_wrapper "$KPC_CACHE/src/kubernetes-$ver" "$ver" $progs
ld=$(k8s_ldflags "$ver" clean "module-$ver")
mkdir -p "$out"
for p in $progs; do
  echo "building $p"
  k8s_build "$out/$p" "$ld" "k8s.io/kubernetes/cmd/$p"
done
for p in $progs; do k8s_check_stand_ins "$out/$p"; done
"$out/kubeadm" version -o short
echo "$ver" > "$out/.done"
