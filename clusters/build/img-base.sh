#!/usr/bin/env bash
# The one shared base of every image we build: a minbase debootstrap of the pinned Debian suite,
# imported with `docker import` (no registry needed). Other images `docker build FROM` it.
source "$(dirname "$0")/lib.sh"
source "$HERE/img-common.sh"
ensure_docker
suite=$(v .debian.suite)
tag=$(img base local)
root="$KPC_CACHE/rootfs/base-$suite"
tarball="$KPC_CACHE/rootfs/base-$suite.tar"
mkdir -p "$KPC_CACHE/rootfs"
# An interrupted debootstrap can leave proc/sys mounted in its target: unmount before removing.
clean_tmp() {
  grep -F " $root.tmp/" /proc/mounts | awk '{print $2}' | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
  rm -rf "$root.tmp"
}
clean_tmp && mkdir -p "$root.tmp"
echo "debootstrap --variant=minbase $suite"
debootstrap --variant=minbase --include=ca-certificates "$suite" "$root.tmp" http://deb.debian.org/debian >"$KPC_CACHE/logs/debootstrap-$suite.log" 2>&1 \
  || { tail -20 "$KPC_CACHE/logs/debootstrap-$suite.log"; exit 1; }
# Same sources as the host suite, plus updates and security; small images: no recommends, no docs.
cat > "$root.tmp/etc/apt/sources.list" <<SRC
deb http://deb.debian.org/debian $suite main
deb http://deb.debian.org/debian $suite-updates main
deb http://deb.debian.org/debian-security $suite-security main
SRC
cat > "$root.tmp/etc/apt/apt.conf.d/90kpc" <<'APT'
APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Check-Valid-Until "false";
APT
cat > "$root.tmp/etc/dpkg/dpkg.cfg.d/90kpc-nodoc" <<'DPKG'
path-exclude /usr/share/doc/*
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
DPKG
rm -rf "$root.tmp"/var/cache/apt/archives/*.deb "$root.tmp"/var/lib/apt/lists/* \
  "$root.tmp"/usr/share/doc/* "$root.tmp"/usr/share/man/* "$root.tmp"/usr/share/info/*
tar -C "$root.tmp" --numeric-owner -cf "$tarball.tmp" .
clean_tmp
mv -f "$tarball.tmp" "$tarball"
docker import -c 'CMD ["/bin/bash"]' -c 'ENV LANG=C.UTF-8' "$tarball" "$tag" >/dev/null
echo "imported $tag ($(du -h "$tarball" | cut -f1) rootfs)"
save_image base
