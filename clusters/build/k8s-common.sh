# Helpers for building programs of k8s.io/kubernetes from its Go module and for the kube-proxy
# images made from them (sourced after lib.sh, go-common.sh and img-common.sh; never run).

# k8s_wrapper DIR VERSION CMD...: an empty module in DIR (and cd into it) that requires
# k8s.io/kubernetes@VERSION. Upstream points its staging modules at ./staging, which a module
# download lacks, so each k8s.io/<staging> is replaced by its published v0.<minor>.<patch> twin.
# The `go` and `godebug` lines are upstream's own (a release built with its language version and
# GODEBUG defaults); tools.go imports k8s.io/kubernetes/cmd/CMD for every CMD.
k8s_wrapper() {
  local dir="$1" ver="$2"; shift 2
  local minor patch modfile m c d twin
  minor=$(echo "$ver" | cut -d. -f2); patch=$(echo "$ver" | cut -d. -f3)
  new_wrapper "$dir" k8s
  modfile=$(go mod download -json "k8s.io/kubernetes@$ver" | jq -r .GoMod)
  echo "require k8s.io/kubernetes $ver" >> go.mod
  K8S_STAND_INS=""
  for m in $(grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging' "$modfile" | awk '{print $1}'); do
    twin=$(staging_twin "$m" "v0.$minor.$patch")
    # None at all (k8s.io/sample-cli-plugin): no replace; go fails only if the build needs it.
    [ -n "$twin" ] || { echo "no twin of $m on the module proxy: left unreplaced" >&2; continue; }
    echo "replace $m => $m $twin" >> go.mod
    [ "$twin" = "v0.$minor.$patch" ] || K8S_STAND_INS="$K8S_STAND_INS $m@$twin"
  done
  {
    printf '//go:build tools\n\npackage tools\n\nimport (\n'
    for c in "$@"; do printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$c"; done
    printf ')\n'
  } > tools.go
  go mod edit -go="$(awk '$1 == "go" { print $2; exit }' "$modfile")"
  for d in $(awk '$1 == "godebug" && NF == 2 { print $2 }' "$modfile"); do go mod edit -godebug="$d"; done
  go mod tidy -e >/dev/null 2>&1 || true
  go get "k8s.io/kubernetes@$ver" >/dev/null
}

# staging_twin MODULE VERSION: VERSION when the module proxy has it. Some releases lack a twin
# of a staging module (the proxy answers 403 for k8s.io/sample-apiserver@v0.33.13, for example);
# then the newest twin of the same minor stands in (none: prints nothing), only to complete the module graph:
# k8s_check_stand_ins proves that no package of it is compiled into a binary.
staging_twin() {
  local m="$1" want="$2" prefix
  if go mod download -json "$m@$want" >/dev/null 2>&1; then echo "$want"; return; fi
  prefix="${want%.*}."
  (cd / && go list -m -versions "$m" 2>/dev/null) | tr ' ' '\n' | grep -F "$prefix" | sort -t. -k3 -n | tail -1 || true
}

# k8s_check_stand_ins BINARY: a stand-in twin (see staging_twin) may be part of BINARY only when
# its Go sources are byte-identical to the same module's newest twin of the next minor: a change
# between them would have to be a patch-release-only change on the older branch. Fails
# otherwise. Prints each stand-in and sets K8S_STAND_IN_NOTES for the image's pointer.
k8s_check_stand_ins() {
  local s m have next nextdir havedir minor deps
  K8S_STAND_IN_NOTES=""
  deps=$(go version -m "$1" | awk '$1 == "dep" { print $2 }')
  for s in $K8S_STAND_INS; do
    m="${s%@*}"; have="${s#*@}"
    if ! grep -qx "$m" <<<"$deps"; then
      echo "stand-in $s: not compiled into $1"; continue
    fi
    minor=$(echo "$have" | cut -d. -f2)
    next=$(staging_twin "$m" "v0.$((minor + 1)).999999")
    havedir=$(cd / && go mod download -json "$m@$have" | jq -r .Dir)
    nextdir=$( [ -n "$next" ] && cd / && go mod download -json "$m@$next" | jq -r .Dir)
    if [ -n "$next" ] && [ -d "$havedir" ] && [ -d "$nextdir" ] \
      && diff -r -q -x go.mod -x go.sum "$havedir" "$nextdir" >/dev/null; then
      echo "stand-in $s is compiled into $1: its Go sources are identical to $m@$next, so the missing twin's are too"
      K8S_STAND_IN_NOTES="$K8S_STAND_IN_NOTES $m@$have (Go sources identical to $next)"
      continue
    fi
    echo "$1 contains $m, whose twin at this release is not on the module proxy (newest of its minor: $have, which differs from ${next:-any later twin}): cannot build this release faithfully; pick another patch release" >&2
    return 1
  done
}

# k8s_ldflags VERSION TREE_STATE COMMIT: -ldflags that make `--version` and build_info report VERSION.
k8s_ldflags() {
  local ver="$1" minor pkg=k8s.io/component-base/version
  minor=$(echo "$ver" | cut -d. -f2)
  echo "-s -w -X $pkg.gitVersion=$ver -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=$2 -X $pkg.buildDate=1970-01-01T00:00:00Z -X $pkg.gitCommit=$3" \
    "-X k8s.io/client-go/pkg/version.gitVersion=$ver -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
}

# k8s_build OUT LDFLAGS PKG [go build flags...]: the build flags every Kubernetes binary here uses.
k8s_build() {
  local out="$1" ld="$2" pkg="$3"; shift 3
  go build "$@" -trimpath -tags 'providerless,dockerless' -ldflags "$ld" -o "$out" "$pkg"
}

# kube_proxy_image BINARY TAG [LABEL=VALUE...]: the kube-proxy image recipe
# (clusters/images/kube-proxy on base-net) around another kube-proxy binary; prints its version.
kube_proxy_image() {
  local bin="$1" tag="$2" ctx l labels=(); shift 2
  for l in "$@"; do labels+=(--label "$l"); done
  mkdir -p "$KPC_CACHE/ctx" && ctx=$(mktemp -d "$KPC_CACHE/ctx/kube-proxy-image.XXXXXX")
  cp -a "$IMG_DIR/kube-proxy/." "$ctx/" && cp "$bin" "$ctx/kube-proxy"
  DOCKER_BUILDKIT=0 docker build --network host --label io.kpc.built=1 "${labels[@]}" -t "$tag" "$NET_ARG" "$ctx" 2>&1 \
    | grep -v -e "^DEPRECATED" -e "BuildKit is currently disabled" -e "environment-variable" -e "^ *$"
  rm -rf "$ctx"
  docker run --rm "$tag" kube-proxy --version
}

# write_pointer FILE JSON: a $KPC_CACHE pointer file, written through a rename.
write_pointer() {
  mkdir -p "$(dirname "$1")"
  printf '%s\n' "$2" >"$1.tmp" && mv -f "$1.tmp" "$1"
}
