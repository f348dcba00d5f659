#!/usr/bin/env bash
# Node image step 1: a Debian rootfs for kind nodes, made with debootstrap from Debian's own
# archive, imported into the local Docker as kpc.local/kind-node-rootfs:<suite>-<hash>.
# The hash covers the package list and this script, so any change makes a new base.
# Prints the image tag as its last line.
source "$(dirname "$0")/lib.sh"
source "$HERE/node-lib.sh"

suite=$(v .debian.suite)
mirror="${KPC_DEBIAN_MIRROR:-$(v '.debian.mirror // "http://deb.debian.org/debian"')}"
# Everything a kind node runs outside of containers. runc and the CNI plugins come from Debian;
# containerd is ours (clusters/build/go-containerd.sh), Kubernetes binaries come from the module build.
pkgs=(
  systemd systemd-sysv dbus bash ca-certificates curl jq procps util-linux mount kmod
  iptables nftables conntrack iproute2 ethtool libseccomp2 socat tcpdump
  runc containernetworking-plugins iputils-ping netbase less
)
hash=$(printf '%s\n' "$suite" "$mirror" "${pkgs[@]}" | cat - "$0" | sha256sum | cut -c1-12)
tag="kpc.local/kind-node-rootfs:$suite-$hash"

ensure_dockerd
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "rootfs image $tag already present"
  echo "$tag"; exit 0
fi
command -v debootstrap >/dev/null || { echo "installing debootstrap"; apt-get install -y -qq debootstrap >/dev/null; }

work="$KPC_CACHE/node/rootfs-$hash"
rm -rf "$work"; mkdir -p "$work"
echo "debootstrap $suite (${#pkgs[@]} packages) into $work"
inc=$(IFS=,; echo "${pkgs[*]}")
debootstrap --variant=minbase --include="$inc" "$suite" "$work" "$mirror" >"$KPC_CACHE/logs/debootstrap-$hash.log" 2>&1 \
  || { tail -20 "$KPC_CACHE/logs/debootstrap-$hash.log"; exit 1; }

# Trim what a node never reads, and leave no host identity behind.
rm -rf "$work"/var/lib/apt/lists/* "$work"/var/cache/apt/* "$work"/usr/share/doc/* \
  "$work"/usr/share/man/* "$work"/usr/share/info/* "$work"/var/log/*.log
find "$work/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name 'en*' -exec rm -rf {} + 2>/dev/null || true
rm -f "$work/etc/machine-id" "$work/var/lib/dbus/machine-id" "$work/etc/hostname"
: > "$work/etc/machine-id"

echo "importing rootfs as $tag"
tar -C "$work" --numeric-owner -c . | docker import - "$tag" >/dev/null
rm -rf "$work"
echo "$tag"
