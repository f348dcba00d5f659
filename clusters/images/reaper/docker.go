package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// docker is a minimal Docker Engine API client over the unix socket (standard library only).
type docker struct {
	http *http.Client
}

func newDocker(socket string) *docker {
	tr := &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", socket)
	}}
	return &docker{http: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

func (d *docker) do(method, path string, out any) error {
	req, err := http.NewRequest(method, "http://docker"+path, nil)
	if err != nil {
		return err
	}
	resp, err := d.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusNotFound && method == http.MethodDelete {
		return nil // already gone
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, strings.TrimSpace(string(body)))
	}
	if out != nil {
		return json.Unmarshal(body, out)
	}
	return nil
}

func (d *docker) ping() error { return d.do(http.MethodGet, "/_ping", nil) }

type containerSummary struct {
	ID     string            `json:"Id"`
	Labels map[string]string `json:"Labels"`
}

type networkSummary struct {
	ID   string `json:"Id"`
	Name string `json:"Name"`
}

type volumeList struct {
	Volumes []struct {
		Name string `json:"Name"`
	} `json:"Volumes"`
}

func (d *docker) containers(f filterSet) ([]containerSummary, error) {
	var out []containerSummary
	return out, d.do(http.MethodGet, "/containers/json?all=1&filters="+f.query(), &out)
}

func (d *docker) networks(f filterSet) ([]networkSummary, error) {
	var out []networkSummary
	return out, d.do(http.MethodGet, "/networks?filters="+f.query(), &out)
}

func (d *docker) volumes(f filterSet) ([]string, error) {
	var out volumeList
	if err := d.do(http.MethodGet, "/volumes?filters="+f.query(), &out); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(out.Volumes))
	for _, v := range out.Volumes {
		names = append(names, v.Name)
	}
	return names, nil
}

func (d *docker) removeContainer(id string) error {
	return d.do(http.MethodDelete, "/containers/"+id+"?force=1&v=1", nil)
}

func (d *docker) removeNetwork(id string) error { return d.do(http.MethodDelete, "/networks/"+id, nil) }

func (d *docker) removeVolume(name string) error {
	return d.do(http.MethodDelete, "/volumes/"+name+"?force=1", nil)
}
