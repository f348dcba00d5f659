#!/usr/bin/env bash
# Regenerates the test fixtures that come from real traffic and real tools.
#
#   pcap   test/fixtures/pcap/  Two throwaway network namespaces joined by a veth pair
#          (10.99.0.0/24, fd99::/64), a tiny HTTP server in one, curl / python clients in the
#          other, and tcpdump / dumpcap capturing the same traffic several ways: Ethernet
#          (-i veth), Linux cooked v1 and v2 (-i any), nanosecond timestamps, pcapng with two
#          interfaces, raw IP from a tun device. Next to every capture, `tcpdump -nn -tt -r`
#          of it is stored as <name>.txt; the unit tests compare our decoder against it.
#   echo   test/fixtures/echo/  Our echoserver (clusters/images/echoserver, built with go)
#          answering curl across the same veth pair; curl's own view of the connection
#          (local address and port) is stored as <name>.curl next to each reply.
#
# Namespaces, processes and temp files are removed on exit.
# Needs root, iproute2, python3, curl; pcap: tcpdump and dumpcap (Debian package `tshark`);
# echo: go; rules: iptables (nft and legacy), nft.
# Usage: sudo scripts/capture-fixtures.sh [pcap|echo|rules|all]   (default all)
#        sudo scripts/capture-fixtures.sh kind-pcap <node> <url>
set -euo pipefail

WHAT=${1:-all}
case $WHAT in pcap | echo | rules | all | kind-pcap) ;; *) echo "usage: $0 [pcap|echo|rules|all] | kind-pcap <node> <url>" >&2; exit 2 ;; esac
ROOT=$(cd "$(dirname "$0")/.." && pwd)
need=(ip python3 curl)
[[ $WHAT == pcap || $WHAT == all ]] && need+=(tcpdump dumpcap)
[[ $WHAT == echo || $WHAT == all ]] && need+=(go)
[[ $WHAT == rules || $WHAT == all ]] && need+=(iptables-restore iptables-legacy-restore nft)
[[ $WHAT == kind-pcap ]] && need+=(docker)
for tool in "${need[@]}"; do
  command -v "$tool" >/dev/null || { echo "missing $tool (dumpcap: apt-get install tshark)" >&2; exit 1; }
done

A=kpcfx-a-$$   # client side
B=kpcfx-b-$$   # server side
WORK=$(mktemp -d)
PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

inA() { ip netns exec "$A" "$@"; }
inB() { ip netns exec "$B" "$@"; }

# wait_for <file> <text>: bounded wait (10 s) until a tool has written its "listening" line.
wait_for() {
  for _ in $(seq 1 100); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "timed out waiting for '$2' in $1:" >&2; cat "$1" >&2; return 1
}

# --- topology -------------------------------------------------------------------------
ip netns add "$A"
ip netns add "$B"
ip link add veth-a netns "$A" address 02:00:0a:63:00:01 type veth peer name veth-b netns "$B" address 02:00:0a:63:00:02
inA ip link set lo up
inB ip link set lo up
inA ip addr add 10.99.0.1/24 dev veth-a
inB ip addr add 10.99.0.2/24 dev veth-b
inA ip addr add fd99::1/64 dev veth-a nodad
inB ip addr add fd99::2/64 dev veth-b nodad
inA ip link set veth-a up
inB ip link set veth-b up
# Quiet links: no router solicitations or MLD reports in the captures.
for ns in "$A" "$B"; do
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.router_solicitations=0 net.ipv6.conf.default.router_solicitations=0 || true
done

# Helpers the pcap fixtures run inside the namespaces: a tun holder, and traffic (UDP, ICMP
# echo, an IPv6 hop-by-hop option, a VLAN-tagged frame).
cat >"$WORK/tun.py" <<'EOF'
import fcntl, os, select, struct, sys, time
TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000
fd = os.open('/dev/net/tun', os.O_RDWR)
fcntl.ioctl(fd, TUNSETIFF, struct.pack('16sH', b'kpctun0', IFF_TUN | IFF_NO_PI))
open(sys.argv[1], 'w').write('ready\n')
deadline = time.time() + 60
while time.time() < deadline:
    if select.select([fd], [], [], 1)[0]:
        os.read(fd, 65536)
EOF
cat >"$WORK/traffic.py" <<'EOF'
import socket, struct, sys

def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

what = sys.argv[1]
if what == 'udp4':
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('10.99.0.1', 40053))
    s.sendto(b'hello', ('10.99.0.2', 9999))
elif what == 'udp6-hbh':
    # UDP over IPv6 with a Hop-by-Hop options extension header (one PadN option).
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); s.bind((sys.argv[2], 40054))
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_HOPOPTS, bytes([0, 0, 1, 4, 0, 0, 0, 0]))
    s.sendto(b'hop-by-hop', (sys.argv[3], 9999))
elif what == 'icmp4':
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    payload = b'kpc-ping' * 4
    hdr = struct.pack('!BBHHH', 8, 0, 0, 0x4b50, 1)
    s.sendto(struct.pack('!BBHHH', 8, 0, csum(hdr + payload), 0x4b50, 1) + payload, (sys.argv[2], 0))
    s.settimeout(0.5)
    try: s.recv(1500)
    except socket.timeout: pass
elif what == 'icmp6':
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    s.sendto(struct.pack('!BBHHH', 128, 0, 0, 0x4b50, 1) + b'kpc-ping6', ('fd99::2', 0))
    s.settimeout(0.5)
    try: s.recv(1500)
    except socket.timeout: pass
elif what == 'vlan':
    # An 802.1Q-tagged (VLAN 100) Ethernet frame carrying IPv4/UDP, sent raw on veth-a.
    udp = struct.pack('!HHHH', 40055, 9999, 8 + 4, 0) + b'vlan'
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                     socket.inet_aton('10.99.100.1'), socket.inet_aton('10.99.100.2'))
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    frame = bytes.fromhex('02000a630002') + bytes.fromhex('02000a630001') + struct.pack('!HHH', 0x8100, 100, 0x0800) + ip + udp
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind(('veth-a', 0))
    s.send(frame)
EOF

pcap_fixtures() {
  # A tun device in A for a raw-IP (no link header) capture; python holds it open and
  # discards what arrives, so packets routed into it are really transmitted (and captured).
  ip netns exec "$A" python3 "$WORK/tun.py" "$WORK/tun.ready" & PIDS+=($!)
  wait_for "$WORK/tun.ready" ready
  inA ip addr add 10.99.200.1/24 dev kpctun0
  inA ip addr add fd99:200::1/64 dev kpctun0 nodad
  inA ip link set kpctun0 up

  # --- servers in B -----------------------------------------------------------------------
  mkdir -p "$WORK/www"
  printf 'hi\n' >"$WORK/www/hi.txt"
  (cd "$WORK/www" && exec ip netns exec "$B" python3 -m http.server --bind :: 8080) >"$WORK/http.log" 2>&1 & PIDS+=($!)
  wait_for "$WORK/http.log" "Serving HTTP"

  # --- captures ---------------------------------------------------------------------------
  # start_capture <name> <command...>: runs a capture in A (at most 60 s) logging to $WORK/<name>.log.
  CAPS=()
  start_capture() {
    local name=$1; shift
    ip netns exec "$A" timeout -s INT 60 "$@" >"$WORK/$name.log" 2>&1 &
    PIDS+=($!); CAPS+=($!)
  }
  start_capture eth-veth.pcap          tcpdump -Z root -U -n -i veth-a -w "$WORK/eth-veth.pcap"
  start_capture eth-veth-nano.pcap     tcpdump -Z root -U -n -i veth-a --time-stamp-precision nano -w "$WORK/eth-veth-nano.pcap"
  start_capture any-sll2.pcap          tcpdump -Z root -U -n -i any -w "$WORK/any-sll2.pcap"   # tcpdump >= 4.99 writes SLL2 for -i any
  start_capture any-sll.pcap           tcpdump -Z root -U -n -i any -y LINUX_SLL -w "$WORK/any-sll.pcap"
  start_capture raw-tun.pcap           tcpdump -Z root -U -n -i kpctun0 -w "$WORK/raw-tun.pcap"
  start_capture ng-multi.pcapng        dumpcap -q -i veth-a -i lo -w "$WORK/ng-multi.pcapng"
  for name in eth-veth.pcap eth-veth-nano.pcap any-sll2.pcap any-sll.pcap raw-tun.pcap; do
    wait_for "$WORK/$name.log" "listening on"
  done
  # dumpcap prints nothing with -q; wait until it has written its section header.
  for _ in $(seq 1 100); do [ -s "$WORK/ng-multi.pcapng" ] && break; sleep 0.1; done

  # Neighbour resolution first, so the ARP / ND exchange sits at the start of every capture.
  inA python3 "$WORK/traffic.py" icmp4 10.99.0.2
  inA curl -sS -o /dev/null --max-time 5 http://10.99.0.2:8080/hi.txt
  inA curl -sS -o /dev/null --max-time 5 'http://[fd99::2]:8080/hi.txt'
  inA curl -s -o /dev/null --max-time 2 http://10.99.0.2:8081/ || true   # closed port: RST
  inA python3 "$WORK/traffic.py" udp4
  inA python3 "$WORK/traffic.py" icmp6
  inA python3 "$WORK/traffic.py" udp6-hbh fd99::1 fd99::2
  inA python3 "$WORK/traffic.py" vlan
  # ECN negotiated on one connection: tcpdump prints the SYN as [SEW] and the SYN-ACK as [S.E].
  inA sysctl -qw net.ipv4.tcp_ecn=1
  inB sysctl -qw net.ipv4.tcp_ecn=1
  inA curl -sS -o /dev/null --max-time 5 http://10.99.0.2:8080/hi.txt
  # Loopback traffic in A (shows up in -i any and on the pcapng's second interface).
  inA python3 -c "import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.sendto(b'lo', ('127.0.0.1', 9999))"
  # Raw IP through the tun: nothing answers, so only the outgoing packets are seen.
  inA python3 "$WORK/traffic.py" icmp4 10.99.200.2
  inA curl -s -o /dev/null --max-time 1 http://10.99.200.2:8080/ || true
  inA curl -s -o /dev/null --max-time 1 'http://[fd99:200::2]:8080/' || true
  inA python3 "$WORK/traffic.py" udp6-hbh fd99:200::1 fd99:200::2

  # Let the captures drain their ring buffers (TPACKET_V3 hands over packets in blocks with a
  # timeout), then stop them (SIGINT flushes the files); the servers are stopped on exit.
  sleep 1
  for pid in "${CAPS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${CAPS[@]}"; do wait "$pid" 2>/dev/null || true; done

  # --- write fixtures -------------------------------------------------------------------
  OUT=$ROOT/test/fixtures/pcap
  mkdir -p "$OUT"
  for f in eth-veth.pcap eth-veth-nano.pcap any-sll2.pcap any-sll.pcap raw-tun.pcap ng-multi.pcapng; do
    install -m 644 "$WORK/$f" "$OUT/$f"
    precision=(); [[ $f == *nano* ]] && precision=(--time-stamp-precision nano)
    # Read inside A, so tcpdump names SLL2 interface indexes after A's interfaces.
    inA tcpdump -nn -tt "${precision[@]}" -r "$OUT/$f" >"$OUT/${f%.*}.txt" 2>/dev/null
  done
  # Interface indexes of namespace A (for mapping SLL2 interface indexes to names).
  inA ip -o link show >"$OUT/ns-a.links"
}

echo_fixtures() {
  local out=$ROOT/test/fixtures/echo
  mkdir -p "$out"
  (cd "$ROOT/clusters/images" && CGO_ENABLED=0 go build -o "$WORK/echoserver" ./echoserver)
  export PORT=9090 POD_NAME=source-ip-app-7d4b9c6f5-x2x8q POD_NAMESPACE=source-ip POD_IP=10.99.0.2 NODE_NAME=kind-worker2
  # Its own UTS namespace, so the reply's Hostname is the pod name as in a cluster.
  ip netns exec "$B" unshare --uts sh -c 'hostname "$POD_NAME" && exec "$0"' "$WORK/echoserver" >"$WORK/echo.log" 2>&1 &
  PIDS+=($!)
  wait_for "$WORK/echo.log" "listening"
  # fetch <name> <curl args...>: the reply as <name>.txt, curl's local/remote address as <name>.curl.
  fetch() {
    local name=$1; shift
    inA curl -sS --max-time 5 -o "$out/$name.txt" \
      -w 'local_ip=%{local_ip}\nlocal_port=%{local_port}\nremote_ip=%{remote_ip}\nremote_port=%{remote_port}\n' \
      "$@" >"$out/$name.curl"
  }
  fetch kpc-get http://10.99.0.2:9090/
  fetch kpc-query-headers -H 'X-Kpc-Case: source-ip/clusterip-preserves-pod-ip' -H 'Cookie: a=b=c' \
    'http://10.99.0.2:9090/some/path?x=1&y=two%20words'
  fetch kpc-post-ipv6 --data-binary $'line one\nCLIENT VALUES:\nclient_address=6.6.6.6' 'http://[fd99::2]:9090/post'
}

rules_fixtures() {
  local out=$ROOT/test/fixtures/rules gen=$ROOT/test/fixtures/rules/kube-proxy-shaped.py
  local N=kpcfx-n-$$ L=kpcfx-l-$$ F=kpcfx-f-$$
  # One namespace per backend, so each dump holds only what was loaded there.
  for ns in "$N" "$L" "$F"; do ip netns add "$ns"; done
  NSS+=("$N" "$L" "$F")
  strip_dates() { sed -E 's/ on [A-Z][a-z]{2} [A-Z][a-z]{2} +[0-9]+ [0-9:]+ [0-9]{4}$/ on (date)/'; }
  for phase in before after; do
    local flag=() suffix=""
    [[ $phase == before ]] && flag=(--before-external-ip) suffix=-before
    python3 "$gen" iptables "${flag[@]}" >"$WORK/ipt.rules"
    python3 "$gen" nft "${flag[@]}" >"$WORK/nft.rules"
    ip netns exec "$N" iptables-restore <"$WORK/ipt.rules"
    ip netns exec "$L" iptables-legacy-restore <"$WORK/ipt.rules"
    ip netns exec "$F" nft flush ruleset
    ip netns exec "$F" nft -f "$WORK/nft.rules"
    ip netns exec "$N" iptables-save | strip_dates >"$out/iptables-save$suffix.txt"
    ip netns exec "$F" nft list ruleset >"$out/nft-ruleset$suffix.txt"
    if [[ $phase == after ]]; then
      ip netns exec "$L" iptables-legacy-save -t nat | strip_dates >"$out/iptables-legacy-save-nat.txt"
    fi
  done
}

kind_pcap_fixture() {
  local node=$1 url=$2 out=$ROOT/test/fixtures/pcap
  local port=${url##*:}; port=${port%%/*}
  # /tmp of a kind node is a tmpfs (docker cp cannot read it): files come out with cat.
  docker exec "$node" sh -c "rm -f /tmp/kpc-fx.*; timeout -s INT 30 tcpdump -i any -nn -U -w /tmp/kpc-fx.pcap 'tcp port $port' >/tmp/kpc-fx.log 2>&1 & echo \$! >/tmp/kpc-fx.pid"
  for _ in $(seq 1 100); do docker exec "$node" grep -q 'listening on' /tmp/kpc-fx.log && break; sleep 0.1; done
  for _ in 1 2 3; do docker exec "$node" curl -sS -o /dev/null --max-time 5 "$url"; done
  sleep 1 # let the ring buffer drain (see above)
  docker exec "$node" sh -c 'pid=$(cat /tmp/kpc-fx.pid); kill -INT "$pid"; for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done'
  docker exec "$node" cat /tmp/kpc-fx.pcap >"$out/kind-$node.pcap"
  # Read inside the node, so tcpdump names the SLL2 interface indexes after the node's interfaces.
  docker exec "$node" tcpdump -nn -tt -r /tmp/kpc-fx.pcap >"$out/kind-$node.txt" 2>/dev/null
  docker exec "$node" ip -o link show >"$out/kind-$node.links"
  docker exec "$node" sh -c 'rm -f /tmp/kpc-fx.*'
}

NSS=()
trap 'cleanup; for ns in "${NSS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done' EXIT
case $WHAT in
  pcap) pcap_fixtures ;;
  echo) echo_fixtures ;;
  rules) rules_fixtures ;;
  all) pcap_fixtures; echo_fixtures; rules_fixtures ;;
  kind-pcap) kind_pcap_fixture "${2:?node}" "${3:?url}" ;;
esac
echo "fixtures written under $ROOT/test/fixtures/"
