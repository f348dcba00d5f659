// Command kindnet is our small stand-in for kind's kindnetd (whose module is not on the Go
// module proxy here). Same contract as kind's default CNI manifest: it runs on the host network
// of every node with HOST_IP, POD_IP and POD_SUBNET set, and every SYNC_PERIOD it
//   - writes /etc/cni/net.d/10-kindnet.conflist (ptp + host-local over this node's pod CIDRs,
//     portmap) once the node has a pod CIDR;
//   - routes every other node's pod CIDR via that node's InternalIP;
//   - masquerades pod traffic leaving the cluster pod subnet (nat chain KPC-MASQ).
//
// It reads Nodes from the API server (CONTROL_PLANE_ENDPOINT when kind sets it) with its service
// account; no network policy support.
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

const (
	saDir      = "/var/run/secrets/kubernetes.io/serviceaccount"
	chain      = "KPC-MASQ"
	cniFile    = "10-kindnet.conflist"
	defaultMTU = 1500
)

type apiClient struct {
	base string
	http *http.Client
}

func newAPIClient() (*apiClient, error) {
	// kind sets CONTROL_PLANE_ENDPOINT (host:port) so the CNI needs no Service routing, which
	// kube-proxy only provides later; fall back to the in-cluster Service address.
	endpoint := os.Getenv("CONTROL_PLANE_ENDPOINT")
	if endpoint == "" {
		host, port := os.Getenv("KUBERNETES_SERVICE_HOST"), os.Getenv("KUBERNETES_SERVICE_PORT")
		if host == "" || port == "" {
			return nil, fmt.Errorf("neither CONTROL_PLANE_ENDPOINT nor KUBERNETES_SERVICE_HOST/PORT is set: not running in a pod?")
		}
		endpoint = net.JoinHostPort(host, port)
	}
	ca, err := os.ReadFile(filepath.Join(saDir, "ca.crt"))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	return &apiClient{
		base: "https://" + endpoint,
		http: &http.Client{Transport: tr, Timeout: 20 * time.Second},
	}, nil
}

func (c *apiClient) nodes() ([]node, error) {
	token, err := os.ReadFile(filepath.Join(saDir, "token")) // re-read: tokens rotate
	if err != nil {
		return nil, err
	}
	req, _ := http.NewRequest(http.MethodGet, c.base+"/api/v1/nodes", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("list nodes: %s", resp.Status)
	}
	var list struct {
		Items []struct {
			Metadata struct{ Name string } `json:"metadata"`
			Spec     struct {
				PodCIDR  string   `json:"podCIDR"`
				PodCIDRs []string `json:"podCIDRs"`
			} `json:"spec"`
			Status struct {
				Addresses []struct{ Type, Address string } `json:"addresses"`
			} `json:"status"`
		} `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		return nil, err
	}
	var out []node
	for _, it := range list.Items {
		n := node{Name: it.Metadata.Name, PodCIDRs: it.Spec.PodCIDRs}
		if len(n.PodCIDRs) == 0 && it.Spec.PodCIDR != "" {
			n.PodCIDRs = []string{it.Spec.PodCIDR}
		}
		for _, a := range it.Status.Addresses {
			if a.Type == "InternalIP" {
				n.Addresses = append(n.Addresses, a.Address)
			}
		}
		out = append(out, n)
	}
	return out, nil
}

func run(name string, args ...string) (string, error) {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return string(out), nil
}

// mtuOf is the MTU of the interface holding ip, so pod veths never exceed the node's link.
func mtuOf(ip string) int {
	ifs, _ := net.Interfaces()
	for _, i := range ifs {
		addrs, _ := i.Addrs()
		for _, a := range addrs {
			if p, ok := a.(*net.IPNet); ok && p.IP.String() == ip {
				return i.MTU
			}
		}
	}
	return defaultMTU
}

func writeIfChanged(path string, data []byte) (bool, error) {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return false, err
	}
	return true, os.Rename(tmp, path)
}

// ensureMasq makes the nat chain hold exactly the wanted rules and POSTROUTING jump to it for
// traffic from the pod subnets.
func ensureMasq(ipt string, podSubnets []string) error {
	if len(podSubnets) == 0 {
		return nil
	}
	want := masqRules(chain, podSubnets)
	cur, err := run(ipt, "-t", "nat", "-S", chain)
	if err != nil {
		if _, err := run(ipt, "-t", "nat", "-N", chain); err != nil {
			return err
		}
		cur = ""
	}
	var have []string
	for _, l := range strings.Split(strings.TrimSpace(cur), "\n") {
		if strings.HasPrefix(l, "-A ") {
			have = append(have, l)
		}
	}
	if strings.Join(have, "\n") != strings.Join(want, "\n") {
		if _, err := run(ipt, "-t", "nat", "-F", chain); err != nil {
			return err
		}
		for _, r := range want {
			if _, err := run(ipt, append([]string{"-t", "nat"}, strings.Fields(r)...)...); err != nil {
				return err
			}
		}
		log.Printf("%s: %s programmed for %v", ipt, chain, podSubnets)
	}
	for _, s := range podSubnets {
		if _, err := run(ipt, masqJump("-C", s)...); err != nil {
			if _, err := run(ipt, masqJump("-A", s)...); err != nil {
				return err
			}
		}
	}
	return nil
}

func sync(c *apiClient, nodeName, hostIP string, podSubnets []string, mtu int) error {
	nodes, err := c.nodes()
	if err != nil {
		return err
	}
	self, ok := findSelf(nodes, nodeName, hostIP)
	if !ok {
		return fmt.Errorf("no node with name %q or InternalIP %s", nodeName, hostIP)
	}
	if cfg, err := conflist(self.PodCIDRs, mtu); err != nil {
		log.Printf("node %s: %v", self.Name, err)
	} else if changed, err := writeIfChanged(filepath.Join("/etc/cni/net.d", cniFile), cfg); err != nil {
		return err
	} else if changed {
		log.Printf("wrote CNI config for %s %v", self.Name, self.PodCIDRs)
	}
	for _, r := range routesFor(nodes, self.Name) {
		args := []string{"route", "replace", r.Dst, "via", r.Via}
		if isV6(r.Dst) {
			args = append([]string{"-6"}, args...)
		}
		if _, err := run("ip", args...); err != nil {
			log.Printf("route %s via %s: %v", r.Dst, r.Via, err)
		}
	}
	if err := ensureMasq("iptables", byFamily(podSubnets, false)); err != nil {
		return err
	}
	return ensureMasq("ip6tables", byFamily(podSubnets, true))
}

func main() {
	log.SetFlags(log.LstdFlags | log.LUTC)
	hostIP := os.Getenv("HOST_IP")
	podSubnets := splitList(os.Getenv("POD_SUBNET"))
	nodeName := os.Getenv("NODE_NAME")
	period := 10 * time.Second
	if d, err := time.ParseDuration(os.Getenv("SYNC_PERIOD")); err == nil && d > 0 {
		period = d
	}
	if hostIP == "" {
		log.Fatal("HOST_IP is required")
	}
	c, err := newAPIClient()
	if err != nil {
		log.Fatal(err)
	}
	mtu := mtuOf(hostIP)
	log.Printf("kpc kindnet: host %s, pod subnets %v, mtu %d, sync every %s", hostIP, podSubnets, mtu, period)
	for {
		if err := sync(c, nodeName, hostIP, podSubnets, mtu); err != nil {
			log.Printf("sync: %v", err)
			time.Sleep(2 * time.Second)
			continue
		}
		time.Sleep(period)
	}
}
