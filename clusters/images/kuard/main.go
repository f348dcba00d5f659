// Command kuard is a small stand-in for the kuard demo app: on port 8080 it serves a page
// naming its pod at /, the bare hostname at /hostname, {commandLine, env} as JSON at /env/api,
// and 200 at /healthy and /ready.
package main

import (
	"encoding/json"
	"fmt"
	"html"
	"log"
	"net/http"
	"os"
	"strings"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	host, _ := os.Hostname()
	version := os.Getenv("KUARD_VERSION")
	if version == "" {
		version = "blue"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<!doctype html>\n<html><head><title>KUAR Demo</title></head><body>\n"+
			"<h1>kuard (kpc)</h1>\n<p>Hostname: <span id=\"hostname\">%s</span></p>\n<p>Version: %s</p>\n"+
			"<p>Addresses: %s</p>\n</body></html>\n",
			html.EscapeString(host), html.EscapeString(version), html.EscapeString(r.RemoteAddr))
	})
	mux.HandleFunc("/hostname", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, host)
	})
	mux.HandleFunc("/env/api", func(w http.ResponseWriter, r *http.Request) {
		env := map[string]string{}
		for _, kv := range os.Environ() {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"commandLine": os.Args, "env": env})
	})
	for _, p := range []string{"/healthy", "/ready"} {
		mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })
	}
	log.Printf("kuard listening on :%s as %s", port, host)
	log.Fatal(http.ListenAndServe(":"+port, mux))
}
