// Command echoserver answers every HTTP request with a plain-text description of it, in the
// layout of the classic echoserver image (CLIENT VALUES / SERVER VALUES / HEADERS RECEIVED /
// BODY), plus a POD VALUES section naming the pod, namespace and node that served it and the
// client's source port, so a test can check which endpoint answered and what source it saw.
package main

import (
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"sort"
	"strings"
)

const serverVersion = "kpc-echoserver/1.0 (echoserver:1.10 layout)"

type podInfo struct {
	hostname, podName, podNamespace, podIP, nodeName string
}

func podFromEnv() podInfo {
	host, _ := os.Hostname()
	return podInfo{
		hostname:     host,
		podName:      os.Getenv("POD_NAME"),
		podNamespace: os.Getenv("POD_NAMESPACE"),
		podIP:        os.Getenv("POD_IP"),
		nodeName:     os.Getenv("NODE_NAME"),
	}
}

// render writes the answer for one request; body is the request body already read.
func render(w io.Writer, r *http.Request, body []byte, pod podInfo, localAddr string) {
	clientIP, clientPort, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		clientIP = r.RemoteAddr
	}
	query := r.URL.RawQuery
	if query == "" {
		query = "nil"
	}
	host := r.Host
	if host == "" {
		host = localAddr
	}
	fmt.Fprintf(w, "Hostname: %s\n\n", pod.hostname)
	fmt.Fprintf(w, "POD VALUES:\npod_name=%s\npod_namespace=%s\npod_ip=%s\nnode_name=%s\n\n",
		pod.podName, pod.podNamespace, pod.podIP, pod.nodeName)
	fmt.Fprintf(w, "CLIENT VALUES:\nclient_address=%s\nclient_port=%s\ncommand=%s\nreal path=%s\nquery=%s\nrequest_version=%d.%d\nrequest_uri=http://%s%s\n\n",
		clientIP, clientPort, r.Method, r.URL.Path, query, r.ProtoMajor, r.ProtoMinor, host, r.URL.RequestURI())
	fmt.Fprintf(w, "SERVER VALUES:\nserver_version=%s\nserver_address=%s\n\n", serverVersion, localAddr)
	fmt.Fprintf(w, "HEADERS RECEIVED:\n")
	headers := map[string]string{"host": host}
	for k, v := range r.Header {
		headers[strings.ToLower(k)] = strings.Join(v, ",")
	}
	keys := make([]string, 0, len(headers))
	for k := range headers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "%s=%s\n", k, headers[k])
	}
	fmt.Fprintf(w, "BODY:\n")
	if len(body) == 0 {
		fmt.Fprintf(w, "-no body in request-")
	} else {
		w.Write(body)
	}
	fmt.Fprintln(w)
}

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	pod := podFromEnv()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		local := ""
		if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			local = a.String()
		}
		w.Header().Set("Content-Type", "text/plain")
		render(w, r, body, pod, local)
	})
	log.Printf("echoserver listening on :%s (pod=%s namespace=%s node=%s)", port, pod.podName, pod.podNamespace, pod.nodeName)
	log.Fatal(http.ListenAndServe(":"+port, nil))
}
