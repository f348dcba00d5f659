package main

import (
	"encoding/json"
	"fmt"
	"net"
	"sort"
	"strings"
)

// node is what we need of a Kubernetes Node.
type node struct {
	Name      string
	PodCIDRs  []string
	Addresses []string // InternalIPs
}

type route struct{ Dst, Via string }

func isV6(s string) bool { return strings.Contains(s, ":") }

// findSelf picks our node: by name when NODE_NAME is given, else by HOST_IP among its InternalIPs.
func findSelf(nodes []node, name, hostIP string) (node, bool) {
	for _, n := range nodes {
		if name != "" && n.Name == name {
			return n, true
		}
		if name == "" {
			for _, a := range n.Addresses {
				if a == hostIP {
					return n, true
				}
			}
		}
	}
	return node{}, false
}

// routesFor lists a route to every other node's pod CIDR via that node's address of the same family.
func routesFor(nodes []node, self string) []route {
	var out []route
	for _, n := range nodes {
		if n.Name == self {
			continue
		}
		for _, cidr := range n.PodCIDRs {
			for _, a := range n.Addresses {
				if isV6(a) == isV6(cidr) {
					out = append(out, route{Dst: cidr, Via: a})
					break
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Dst < out[j].Dst })
	return out
}

// conflist is the CNI configuration for this node: point-to-point veths, addresses from the
// node's pod CIDRs (host-local IPAM), and host ports.
func conflist(podCIDRs []string, mtu int) ([]byte, error) {
	if len(podCIDRs) == 0 {
		return nil, fmt.Errorf("node has no pod CIDR yet")
	}
	var ranges [][]map[string]string
	var routes []map[string]string
	for _, c := range podCIDRs {
		if _, _, err := net.ParseCIDR(c); err != nil {
			return nil, err
		}
		ranges = append(ranges, []map[string]string{{"subnet": c}})
		if isV6(c) {
			routes = append(routes, map[string]string{"dst": "::/0"})
		} else {
			routes = append(routes, map[string]string{"dst": "0.0.0.0/0"})
		}
	}
	cfg := map[string]any{
		"cniVersion": "0.4.0",
		"name":       "kindnet",
		"plugins": []any{
			map[string]any{
				"type":   "ptp",
				"ipMasq": false,
				"mtu":    mtu,
				"ipam": map[string]any{
					"type":    "host-local",
					"dataDir": "/run/cni-ipam-state",
					"ranges":  ranges,
					"routes":  routes,
				},
			},
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
		},
	}
	return json.MarshalIndent(cfg, "", "  ")
}

// masqRules are the rules of our nat chain for one family: traffic from pods to other pods stays
// unmasqueraded, everything else leaving a pod is masqueraded to the node's address.
func masqRules(chain string, podSubnets []string) []string {
	var out []string
	for _, s := range podSubnets {
		out = append(out, fmt.Sprintf("-A %s -d %s -j RETURN", chain, s))
	}
	return append(out, fmt.Sprintf("-A %s -j MASQUERADE", chain))
}

// masqJump is the iptables command (op -C to check, -A to append) for the POSTROUTING rule
// sending traffic from one pod subnet to our chain.
func masqJump(op, subnet string) []string {
	return []string{"-t", "nat", op, "POSTROUTING", "-s", subnet, "-m", "comment", "--comment", "kpc kindnet masquerade", "-j", chain}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func byFamily(list []string, v6 bool) []string {
	var out []string
	for _, s := range list {
		if isV6(s) == v6 {
			out = append(out, s)
		}
	}
	return out
}
