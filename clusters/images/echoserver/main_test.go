package main

import (
	"bytes"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRenderLayout(t *testing.T) {
	r := httptest.NewRequest("GET", "http://svc:8080/a/b?x=1", nil)
	r.RemoteAddr = "10.244.1.7:40123"
	r.Header.Set("User-Agent", "curl/8")
	var out bytes.Buffer
	render(&out, r, nil, podInfo{hostname: "h", podName: "p", podNamespace: "ns", nodeName: "n"}, "10.244.2.3:8080")
	for _, want := range []string{
		"CLIENT VALUES:\nclient_address=10.244.1.7\nclient_port=40123\ncommand=GET\nreal path=/a/b\nquery=x=1\nrequest_version=1.1\nrequest_uri=http://svc:8080/a/b?x=1\n",
		"SERVER VALUES:\nserver_version=",
		"pod_name=p\npod_namespace=ns\n",
		"node_name=n\n",
		"HEADERS RECEIVED:\nhost=svc:8080\nuser-agent=curl/8\n",
		"BODY:\n-no body in request-",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("missing %q in:\n%s", want, out.String())
		}
	}
}
