#!/usr/bin/env bash
# crictl for the node image (the node helper copies it from $BIN/crictl-<version>/crictl).
source "$(dirname "$0")/lib.sh"
source "$HERE/go-common.sh"
mod=$(v .crictl.module); ver=$(v .crictl.version)
go_step crictl "$ver"
new_wrapper "$KPC_CACHE/src/crictl-$ver" crictl
wrapper_require "$mod" "$ver"
# The checksum database behind the proxy here has no entry for cri-tools (lookup: 404); the
# module proxy still serves it, so only this module skips the sumdb (go.sum is still written).
export GONOSUMDB="$mod"
# cri-tools v1.34.0 pins k8s.io/* at v0.34.0-rc.2, which the sumdb here lacks too: require the
# released staging modules of our Kubernetes version instead (same minor, already verified).
k8s=$(v .kubernetes); staging="v0.${k8s#v1.}"
go mod edit -require="k8s.io/api@$staging" -require="k8s.io/apimachinery@$staging" -require="k8s.io/client-go@$staging" \
  -require="k8s.io/cri-api@$staging" -require="k8s.io/cri-client@$staging" -require="k8s.io/kubectl@$staging" \
  -require="k8s.io/kubelet@$staging" -require="k8s.io/cli-runtime@$staging" -require="k8s.io/component-base@$staging"
go get "$mod/cmd/crictl@$ver" >/dev/null
go build -trimpath -ldflags "-s -w -X $mod/pkg/version.Version=$ver" -o "$tmp_out/crictl" "$mod/cmd/crictl"
"$tmp_out/crictl" --version
go_done "$ver"
