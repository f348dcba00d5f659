package main

import (
	"reflect"
	"strings"
	"testing"
)

var nodes = []node{
	{Name: "cp", PodCIDRs: []string{"10.244.0.0/24"}, Addresses: []string{"172.18.0.2"}},
	{Name: "w1", PodCIDRs: []string{"10.244.1.0/24", "fd00:10:244:1::/64"}, Addresses: []string{"172.18.0.3", "fc00::3"}},
	{Name: "w2", Addresses: []string{"172.18.0.4"}},
}

func TestFindSelf(t *testing.T) {
	if n, ok := findSelf(nodes, "", "172.18.0.3"); !ok || n.Name != "w1" {
		t.Fatalf("by host IP: %v %v", n, ok)
	}
	if n, ok := findSelf(nodes, "cp", "172.18.0.3"); !ok || n.Name != "cp" {
		t.Fatalf("by name: %v %v", n, ok)
	}
	if _, ok := findSelf(nodes, "", "1.2.3.4"); ok {
		t.Fatal("unknown host IP matched")
	}
}

func TestRoutesFor(t *testing.T) {
	got := routesFor(nodes, "cp")
	want := []route{{"10.244.1.0/24", "172.18.0.3"}, {"fd00:10:244:1::/64", "fc00::3"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v want %v", got, want)
	}
}

func TestConflist(t *testing.T) {
	b, err := conflist([]string{"10.244.1.0/24"}, 1500)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"type": "ptp"`, `"subnet": "10.244.1.0/24"`, `"type": "portmap"`, `"dst": "0.0.0.0/0"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("missing %s in %s", want, b)
		}
	}
	if _, err := conflist(nil, 1500); err == nil {
		t.Error("want error without pod CIDR")
	}
}

func TestMasqRules(t *testing.T) {
	got := masqRules("KPC-MASQ", []string{"10.244.0.0/16"})
	want := []string{"-A KPC-MASQ -d 10.244.0.0/16 -j RETURN", "-A KPC-MASQ -j MASQUERADE"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
}

func TestMasqJump(t *testing.T) {
	got := strings.Join(masqJump("-A", "10.244.0.0/16"), " ")
	want := "-t nat -A POSTROUTING -s 10.244.0.0/16 -m comment --comment kpc kindnet masquerade -j KPC-MASQ"
	if got != want {
		t.Fatalf("got %q", got)
	}
}
