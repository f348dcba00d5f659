# Helpers shared by the node image steps. Sourced after lib.sh, never run.

# ensure_dockerd: make sure a Docker engine answers; install Debian's docker.io and start dockerd
# in the background when there is none (machines without systemd).
ensure_dockerd() {
  if docker info >/dev/null 2>&1; then return 0; fi
  if ! command -v dockerd >/dev/null; then
    echo "installing Docker engine from Debian (docker.io)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
  fi
  if ! docker info >/dev/null 2>&1; then
    mkdir -p "$KPC_CACHE/logs"
    echo "no Docker engine answers: starting dockerd in the background (log $KPC_CACHE/logs/dockerd.log)"
    nohup dockerd >"$KPC_CACHE/logs/dockerd.log" 2>&1 &
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && return 0; sleep 0.5; done
    echo "dockerd did not come up; tail of its log:"; tail -20 "$KPC_CACHE/logs/dockerd.log"; return 1
  fi
}

# The docker run flags that stand in for --privileged on hosts that refuse it. Kept in one
# place: clusters/docker-shim/docker reads the same list from clusters/docker-shim/unprivileged.flags.
node_unprivileged_flags() {
  grep -v '^\s*#' "$HERE/../docker-shim/unprivileged.flags" | grep -v '^\s*$'
}
