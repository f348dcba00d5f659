package main

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
)

// filterSet is one client line: Docker list filters, e.g. {"label": ["a=b", "c=d"]}.
// Resources match a set when they match every entry of it (Docker's AND semantics).
type filterSet map[string][]string

// parseFilterLine reads one line of the reaper protocol: URL-query encoded filters such as
// `label=org.testcontainers.session-id=abc` or `label=a%3Db&label=c%3Dd`. Only the first `=`
// of each pair separates the filter type from its value, so `label=k=v` keeps `k=v` whole.
func parseFilterLine(line string) (filterSet, error) {
	line = strings.TrimSpace(line)
	if line == "" {
		return nil, fmt.Errorf("empty filter line")
	}
	q, err := url.ParseQuery(line)
	if err != nil {
		return nil, fmt.Errorf("bad filter line %q: %w", line, err)
	}
	set := filterSet{}
	for k, vs := range q {
		if k == "" {
			return nil, fmt.Errorf("bad filter line %q: empty filter type", line)
		}
		for _, v := range vs {
			if v == "" {
				return nil, fmt.Errorf("bad filter line %q: empty value for %s", line, k)
			}
			set[k] = append(set[k], v)
		}
	}
	for k := range set {
		sort.Strings(set[k])
	}
	return set, nil
}

// key is a canonical form, so the same filter sent twice (or by two clients) is kept once.
func (f filterSet) key() string {
	b, _ := json.Marshal(f) // map keys are marshalled sorted
	return string(b)
}

// query is the Docker API `filters` parameter for this set.
func (f filterSet) query() string {
	return url.QueryEscape(f.key())
}
