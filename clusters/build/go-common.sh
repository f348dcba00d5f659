# Helpers for the go-*.sh steps that build upstream programs (sourced after lib.sh).
# Each program lands in $BIN/<name>-<version>/ with a .done marker; it is built into a
# temporary directory that is renamed only when every binary built, so the cache never holds
# a half-built set.

# go_step NAME VERSION: sets $out and $tmp_out; exits 0 early when already built.
go_step() {
  out="$BIN/$1-$2"
  tmp_out="$out.tmp"
  if [ -f "$out/.done" ]; then echo "$1 $2 already built"; exit 0; fi
  rm -rf "$tmp_out" && mkdir -p "$tmp_out"
}

# go_done VERSION: marks the temporary directory complete and moves it into place.
go_done() {
  echo "$1" > "$tmp_out/.done"
  rm -rf "$out" && mv "$tmp_out" "$out"
  echo "built $(ls "$out" | tr '\n' ' ')-> $out"
}

# wrapper_require MODULE VERSION [REPLACED_SIBLING...]: require MODULE in the current wrapper
# module; each sibling module it replaces with a relative path is pinned to the same version.
wrapper_require() {
  local mod="$1" ver="$2"; shift 2
  echo "require $mod $ver" >> go.mod
  local s
  for s in "$@"; do echo "replace $s => $s $ver" >> go.mod; done
}

# kpc_sum: content hash of our own Go programs (names the $BIN/kpc-<sum> directory).
kpc_sum() {
  (cd "$HERE/../images" && find . -name '*.go' -o -name go.mod | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-12)
}

# need_bin PATH: fail with the step to run when a binary an image needs is missing.
need_bin() {
  [ -x "$1" ] || { echo "missing $1: run its go-*.sh step first (npm run images does)" >&2; exit 1; }
}
