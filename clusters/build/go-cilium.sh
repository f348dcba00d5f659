#!/usr/bin/env bash
# Cilium from the github.com/cilium/cilium module at the pinned version (opt-in: npm run images
# -- --cilium): cilium-agent, cilium-operator-generic, cilium-dbg, cilium-cni, plus the BPF C
# sources the agent compiles with clang at start-up (bpf/ of the module download).
# Build flags follow upstream's Makefile.defs / operator/Makefile: CGO off, tag osusergo, the
# generic operator adds ipam_provider_operator, version in pkg/version.ciliumVersion.
# Upstream's go.mod replace directives apply only when building inside its own module, so the
# wrapper reproduces each module-to-module replace it declares; a replace to a local path
# cannot be reproduced from a download and stops the build with its name.
source "$(dirname "$0")/lib.sh"
source "$HERE/go-common.sh"
CILIUM_PINS="$HERE/cilium/versions.json"
mod=$(jq -r .module "$CILIUM_PINS"); ver=$(jq -r .version "$CILIUM_PINS")
go_step cilium "$ver"
dl=$(go mod download -json "$mod@$ver")
modfile=$(jq -r .GoMod <<<"$dl"); srcdir=$(jq -r .Dir <<<"$dl")
need_go=$(go mod edit -json "$modfile" | jq -r .Go)
echo "upstream go.mod: go $need_go; toolchain here: $(go env GOVERSION)"
new_wrapper "$KPC_CACHE/src/cilium-$ver" cilium
echo "require $mod $ver" >> go.mod
local_replaces=$(go mod edit -json "$modfile" | jq -r '.Replace[]? | select(.New.Version == null) | .Old.Path')
if [ -n "$local_replaces" ]; then
  echo "upstream replaces these with local paths, which a module download lacks: $local_replaces" >&2
  exit 1
fi
while read -r old new; do
  [ -n "$old" ] || continue
  echo "replace (from upstream go.mod): $old => $new"
  go mod edit -replace "$old=$new"
done < <(go mod edit -json "$modfile" | jq -r '.Replace[]? | "\(.Old.Path)\(if .Old.Version then "@" + .Old.Version else "" end) \(.New.Path)@\(.New.Version)"')
# Modules upstream requires that this module proxy cannot serve (see versions.json "why"):
# a substitute version, or a stand-in module of ours declaring only what Cilium uses of it.
while read -r m use; do
  echo "substitute: $m => $m@$use"
  go mod edit -replace "$m=$m@$use"
done < <(jq -r '.substitutes[]? | "\(.module) \(.use)"' "$CILIUM_PINS")
n=0
while IFS=$'\t' read -r m pkg decl; do
  n=$((n + 1)); d="standin/$n"
  mkdir -p "$d"
  printf 'module %s\n\ngo 1.24\n' "$m" > "$d/go.mod"
  printf '// Stand-in written by kpc: %s is not on the module proxy.\npackage %s\n\n%s\n' "$m" "$pkg" "$decl" > "$d/standin.go"
  echo "stand-in: $m => ./$d ($decl)"
  go mod edit -replace "$m=./$d"
done < <(jq -r '.standIns[]? | [.module, .package, .go] | @tsv' "$CILIUM_PINS")
cat > tools.go <<GO
//go:build tools

package tools

import (
	_ "$mod/cilium-dbg"
	_ "$mod/daemon"
	_ "$mod/operator"
	_ "$mod/plugins/cilium-cni"
)
GO
go mod edit -go="$need_go"
go mod tidy -e 2>&1 | grep -E "403|not available|cannot find" >&2 || true  # what the proxy still refuses
go get "$mod@$ver" >/dev/null
ld="-s -w -X '$mod/pkg/version.ciliumVersion=${ver#v} module-$ver'"
build() { # OUTPUT PACKAGE TAGS
  echo "building $1 ($2, tags $3)"
  go build -trimpath -tags "$3" -ldflags "$ld" -o "$tmp_out/$1" "$2"
}
build cilium-agent "$mod/daemon" osusergo
build cilium-operator-generic "$mod/operator" osusergo,ipam_provider_operator
build cilium-dbg "$mod/cilium-dbg" osusergo
build cilium-cni "$mod/plugins/cilium-cni" osusergo
# The datapath sources, as the agent expects them under its BPF directory (-bpf-dir / lib dir).
cp -r "$srcdir/bpf" "$tmp_out/bpf" && chmod -R u+w "$tmp_out/bpf"
"$tmp_out/cilium-agent" --version 2>&1 | sed -n 1p || true
go_done "$ver"
