#!/usr/bin/env bash
# Brings up one kind cluster with Cilium as CNI and kube-proxy replacement (no kube-proxy,
# no kindnet) from our images, and prints what Cilium programmed: the first step of issue 11.
#   KPC_CLUSTER_PREFIX=kpc-c- bash clusters/cilium/try.sh [up|down]
# Needs `npm run images -- --cilium` (node image + Cilium image). Writes the cluster's state to
# $KPC_CACHE/clusters/<name>/ like clusters/cluster.ts, so `npm run cluster -- delete --name N`
# also removes it. On a failed start it prints the agent's logs and leaves the cluster for a look
# (delete it with `down`).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
KPC_CACHE="${KPC_CACHE:-$HOME/.cache/kpc}"
name="${KPC_CLUSTER_PREFIX:-kpc-}cilium"
dir="$KPC_CACHE/clusters/$name"
kver=$(jq -r .kubernetes "$repo/clusters/versions.json"); kindver=$(jq -r .kind "$repo/clusters/versions.json")
kind="$KPC_CACHE/bin/kind-$kindver/kind"
kubectl="$KPC_CACHE/bin/kubernetes-$kver/kubectl"
export PATH="$repo/clusters/docker-shim:$PATH"
k() { "$kubectl" --kubeconfig "$dir/kubeconfig" "$@"; }
t0=$(date +%s)
say() { echo "[$(( $(date +%s) - t0 ))s] $*"; }

if [ "${1:-up}" = down ]; then
  "$kind" delete cluster --name "$name"; rm -rf "$dir"; exit 0
fi
node_image=$(jq -r .image "$KPC_CACHE/node/image.json")
cilium_image=$(jq -r .image "$KPC_CACHE/cilium/image.json")
docker image inspect "$node_image" >/dev/null && docker image inspect "$cilium_image" >/dev/null
mkdir -p "$dir"
cat > "$dir/kind-config.yaml" <<YAML
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
name: $name
networking: { kubeProxyMode: none, disableDefaultCNI: true, podSubnet: 10.244.0.0/16 }
nodes: [{ role: control-plane }, { role: worker }]
YAML
say "kind create cluster $name from $node_image (kube-proxy none, no default CNI)"
"$kind" create cluster --name "$name" --config "$dir/kind-config.yaml" --image "$node_image" --kubeconfig "$dir/kubeconfig" --wait 0s
printf '{ "name": "%s", "proxyMode": "cilium", "nodeImage": "%s" }\n' "$name" "$node_image" > "$dir/cilium-state.json"
for n in $("$kind" get nodes --name "$name"); do
  say "loading $cilium_image into $n"
  docker save "$cilium_image" | docker exec -i "$n" ctr -n k8s.io images import - >/dev/null
done
api_host=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$name-control-plane")
sed -e "s|@IMAGE@|$cilium_image|g" -e "s|@API_HOST@|$api_host|g" -e "s|@API_PORT@|6443|g" -e "s|@POD_CIDR@|10.244.0.0/16|g" \
  "$here/cilium.yaml" > "$dir/cilium.yaml"
say "applying our Cilium manifests (API at $api_host:6443)"
k apply -f "$dir/cilium.yaml"
if ! k -n kube-system rollout status daemonset/cilium --timeout=300s; then
  say "cilium agent did not become ready; its logs:"
  for p in $(k -n kube-system get pods -l k8s-app=cilium -o name); do
    k -n kube-system describe "$p" | sed -n '/^Events:/,$p' | tail -15
    k -n kube-system logs "$p" --tail=60 || true
    k -n kube-system logs "$p" --previous --tail=60 2>/dev/null || true
  done
  exit 1
fi
k -n kube-system rollout status deployment/cilium-operator --timeout=120s || k -n kube-system logs deploy/cilium-operator --tail=40
k wait --for=condition=Ready nodes --all --timeout=180s
k -n kube-system rollout status deployment/coredns --timeout=180s
say "ready; what Cilium programmed:"
agent=$(k -n kube-system get pods -l k8s-app=cilium -o name | head -1)
k -n kube-system exec "$agent" -- cilium-dbg status --brief || true
k -n kube-system exec "$agent" -- cilium-dbg status | grep -iE 'KubeProxyReplacement|Socket LB|Routing|Masquerading|Host Routing' || true
k -n kube-system exec "$agent" -- cilium-dbg service list
k -n kube-system exec "$agent" -- cilium-dbg bpf lb list | head -30
