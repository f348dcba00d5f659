package main

import "testing"

func TestParseFilterLine(t *testing.T) {
	cases := []struct {
		line string
		want string
		bad  bool
	}{
		{line: "label=org.testcontainers.session-id=abc\r\n", want: `{"label":["org.testcontainers.session-id=abc"]}`},
		{line: "label=com.docker.compose.project=p1", want: `{"label":["com.docker.compose.project=p1"]}`},
		{line: "label=b%3D2&label=a%3D1", want: `{"label":["a=1","b=2"]}`},
		{line: "label=a=1&name=x", want: `{"label":["a=1"],"name":["x"]}`},
		{line: "", bad: true},
		{line: "label=", bad: true},
		{line: "label=%zz", bad: true},
	}
	for _, c := range cases {
		got, err := parseFilterLine(c.line)
		if c.bad {
			if err == nil {
				t.Errorf("%q: want error, got %v", c.line, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", c.line, err)
			continue
		}
		if got.key() != c.want {
			t.Errorf("%q: got %s want %s", c.line, got.key(), c.want)
		}
	}
}

func TestQueryIsEscapedJSON(t *testing.T) {
	f, _ := parseFilterLine("label=a=1")
	if got := f.query(); got != "%7B%22label%22%3A%5B%22a%3D1%22%5D%7D" {
		t.Errorf("query: %s", got)
	}
}
