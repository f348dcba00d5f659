# Helpers shared by the img-*.sh steps (sourced after lib.sh, never run on its own).
# Every step builds under a temporary name and only renames/retags on success, so an
# interrupted or failed step leaves no half-written tar or tag that a warm run would trust.
IMAGES_JSON="$HERE/../images.json"
IMG_DIR="$HERE/../images"
TARS="$KPC_CACHE/images"
mkdir -p "$TARS"

# Start dockerd when none is running (fresh machines: no systemd here).
ensure_docker() {
  if docker info >/dev/null 2>&1; then return 0; fi
  if ! pgrep -x dockerd >/dev/null; then
    echo "dockerd is not running: starting it (log: /var/log/dockerd.log)"
    nohup dockerd >/var/log/dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && return 0; sleep 1; done
  echo "dockerd did not become ready; see /var/log/dockerd.log" >&2
  return 1
}

# img ID FIELD: a field of one images.json entry.
img() { jq -er --arg id "$1" ".images[] | select(.id == \$id) | .$2" "$IMAGES_JSON"; }

# Every tag of an image: its local name plus any extra tags (aliases kubeadm or kind ask for).
img_tags() { jq -r --arg id "$1" '.images[] | select(.id == $id) | [.local] + (.alsoTagged // []) | .[]' "$IMAGES_JSON"; }

# build_image ID CONTEXT [docker build args...]: build, tag every name, save the tar atomically.
build_image() {
  local id="$1" ctx="$2"; shift 2
  local tags=() t
  mapfile -t tags < <(img_tags "$id")
  local first="${tags[0]}"
  echo "docker build $id -> ${tags[*]}"
  DOCKER_BUILDKIT=0 docker build --network host --label io.kpc.built=1 -t "$first" "$@" "$ctx" 2>&1 \
    | grep -v -e "^DEPRECATED" -e "BuildKit is currently disabled" -e "environment-variable" -e "^ *$"
  for t in "${tags[@]:1}"; do docker tag "$first" "$t"; done
  save_image "$id"
  # Our previous builds of this tag are now untagged: drop them (only images we labelled).
  docker image prune -f --filter label=io.kpc.built=1 >/dev/null
}

# save_image ID: docker save every tag of ID into $TARS/<tar>, via a temp file then rename.
save_image() {
  local id="$1" tar tags=()
  tar="$TARS/$(img "$id" tar)"
  mapfile -t tags < <(img_tags "$id")
  docker save -o "$tar.tmp" "${tags[@]}"
  mv -f "$tar.tmp" "$tar"
  echo "saved $tar ($(du -h "$tar" | cut -f1))"
}

# context ID SRC_DIR [FILES...]: a fresh build context $KPC_CACHE/ctx/ID holding SRC_DIR's
# files plus FILES (binaries); prints its path.
context() {
  local id="$1" src="$2" c="$KPC_CACHE/ctx/$1"; shift 2
  rm -rf "$c" && mkdir -p "$c"
  cp -a "$src/." "$c/"
  local f
  for f in "$@"; do need_bin "$f"; cp -a "$f" "$c/"; done
  echo "$c"
}

BASE_ARG="--build-arg=BASE=$(img base local)"
NET_ARG="--build-arg=BASE=$(img base-net local)"

# need_image TAG: fail with the step to run when a base image is missing.
need_image() {
  docker image inspect "$1" >/dev/null 2>&1 || { echo "missing image $1: run its img-*.sh step first" >&2; exit 1; }
}
