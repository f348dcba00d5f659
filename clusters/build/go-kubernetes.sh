#!/usr/bin/env bash
# Builds the Kubernetes server binaries from the k8s.io/kubernetes Go module at the pinned version.
# k8s.io/kubernetes points its staging modules at ./staging, which a module download lacks, so a
# wrapper module replaces each k8s.io/<staging> with its published v0.<minor>.<patch> twin.
source "$(dirname "$0")/lib.sh"
ver=$(v .kubernetes)
minor=$(echo "$ver" | cut -d. -f2); patch=$(echo "$ver" | cut -d. -f3)
out="$BIN/kubernetes-$ver"
progs="kubelet kubeadm kubectl kube-apiserver kube-controller-manager kube-scheduler kube-proxy"
if [ -f "$out/.done" ]; then echo "kubernetes $ver already built"; exit 0; fi
work="$KPC_CACHE/src/kubernetes-$ver"
new_wrapper "$work" k8s
modfile=$(go mod download -json "k8s.io/kubernetes@$ver" | jq -r .GoMod)
replaces=$(grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging' "$modfile" | awk '{print $1}')
{
  echo "require k8s.io/kubernetes $ver"
  for m in $replaces; do echo "replace $m => $m v0.$minor.$patch"; done
} >> go.mod
cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-proxy"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubeadm"
	_ "k8s.io/kubernetes/cmd/kubectl"
	_ "k8s.io/kubernetes/cmd/kubelet"
)
GO
# Same language version and GODEBUG defaults as upstream's own go.mod.
go mod edit -go=1.24.0 -godebug=default=go1.24
go mod tidy -e >/dev/null 2>&1 || true
go get "k8s.io/kubernetes@$ver" >/dev/null
pkg=k8s.io/component-base/version
ld="-s -w -X $pkg.gitVersion=$ver -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z -X $pkg.gitCommit=module-$ver"
ld="$ld -X k8s.io/client-go/pkg/version.gitVersion=$ver -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
mkdir -p "$out"
for p in $progs; do
  echo "building $p"
  go build -trimpath -tags 'providerless,dockerless' -ldflags "$ld" -o "$out/$p" "k8s.io/kubernetes/cmd/$p"
done
"$out/kubeadm" version -o short
echo "$ver" > "$out/.done"
