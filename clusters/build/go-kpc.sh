#!/usr/bin/env bash
# Our own small programs (clusters/images/*/main.go, standard library only): pause, echoserver,
# kuard, reaper (ryuk protocol), kindnet (kindnetd stand-in). Tested first, then built static.
source "$(dirname "$0")/lib.sh"
source "$HERE/go-common.sh"
src="$HERE/../images"
sum=$(kpc_sum)
go_step kpc "$sum"
cd "$src"
GOFLAGS=-buildvcs=false go test ./... 
for p in pause echoserver kuard reaper kindnet; do
  GOFLAGS=-buildvcs=false go build -trimpath -ldflags "-s -w" -o "$tmp_out/$p" "./$p"
done
go_done "$sum"
