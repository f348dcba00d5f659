// Command reaper is our stand-in for the testcontainers reaper ("ryuk"), speaking its protocol:
// clients connect over TCP (port 8080 by default) and send filter lines such as
// `label=org.testcontainers.session-id=<id>`, each answered with `ACK`. Once every client has
// gone (and none came back within the reconnection timeout), or none connected at all within
// the connection timeout, it removes every container, network and volume matching any filter
// through the Docker API on /var/run/docker.sock, then exits.
//
// Environment: RYUK_PORT (8080), RYUK_CONNECTION_TIMEOUT (60s), RYUK_RECONNECTION_TIMEOUT (10s),
// RYUK_REMOVE_RETRIES (10), RYUK_VERBOSE, DOCKER_SOCKET (/var/run/docker.sock).
package main

import (
	"bufio"
	"log"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// reaperLabel marks reaper containers; they are never removed by a prune.
const reaperLabel = "org.testcontainers.ryuk"

type reaper struct {
	mu      sync.Mutex
	filters map[string]filterSet
	verbose bool
}

func (r *reaper) add(f filterSet) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.filters[f.key()] = f
}

func (r *reaper) snapshot() []filterSet {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]filterSet, 0, len(r.filters))
	for _, f := range r.filters {
		out = append(out, f)
	}
	return out
}

// serve reads filter lines from one client until it disconnects.
func (r *reaper) serve(conn net.Conn) {
	defer conn.Close()
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line == "\r" {
			continue
		}
		f, err := parseFilterLine(line)
		if err != nil {
			log.Printf("ignoring filter from %s: %v", conn.RemoteAddr(), err)
		} else {
			r.add(f)
			log.Printf("filter from %s: %s", conn.RemoteAddr(), f.key())
		}
		if _, err := conn.Write([]byte("ACK\n")); err != nil {
			return
		}
	}
}

// prune removes everything matching any filter, containers first (they hold networks and
// volumes), retrying networks and volumes that are still in use for a moment.
func (r *reaper) prune(d *docker, retries int) {
	sets := r.snapshot()
	if len(sets) == 0 {
		log.Printf("no filters received, nothing to remove")
		return
	}
	var nets, vols []string
	removed := 0
	for _, f := range sets {
		cs, err := d.containers(f)
		if err != nil {
			log.Printf("list containers %s: %v", f.key(), err)
		}
		for _, c := range cs {
			if c.Labels[reaperLabel] == "true" {
				continue
			}
			if err := d.removeContainer(c.ID); err != nil {
				log.Printf("remove container %s: %v", c.ID, err)
			} else {
				removed++
			}
		}
		ns, err := d.networks(f)
		if err != nil {
			log.Printf("list networks %s: %v", f.key(), err)
		}
		for _, n := range ns {
			nets = append(nets, n.ID)
		}
		vs, err := d.volumes(f)
		if err != nil {
			log.Printf("list volumes %s: %v", f.key(), err)
		}
		vols = append(vols, vs...)
	}
	left := retryAll(nets, d.removeNetwork, retries)
	left += retryAll(vols, d.removeVolume, retries)
	log.Printf("removed %d containers, %d networks, %d volumes (%d left)", removed, len(nets), len(vols), left)
}

func retryAll(ids []string, remove func(string) error, retries int) int {
	pending := ids
	for attempt := 0; attempt <= retries && len(pending) > 0; attempt++ {
		if attempt > 0 {
			time.Sleep(time.Second)
		}
		var next []string
		for _, id := range pending {
			if err := remove(id); err != nil {
				if attempt == retries {
					log.Printf("remove %s: %v", id, err)
				}
				next = append(next, id)
			}
		}
		pending = next
	}
	return len(pending)
}

func envDuration(name string, def time.Duration) time.Duration {
	if v := os.Getenv(name); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
		log.Printf("ignoring %s=%q: not a duration", name, v)
	}
	return def
}

func main() {
	log.SetFlags(log.LstdFlags | log.LUTC)
	port := os.Getenv("RYUK_PORT")
	if port == "" {
		port = "8080"
	}
	socket := os.Getenv("DOCKER_SOCKET")
	if socket == "" {
		socket = "/var/run/docker.sock"
	}
	connTimeout := envDuration("RYUK_CONNECTION_TIMEOUT", 60*time.Second)
	reconnTimeout := envDuration("RYUK_RECONNECTION_TIMEOUT", 10*time.Second)
	retries, err := strconv.Atoi(os.Getenv("RYUK_REMOVE_RETRIES"))
	if err != nil {
		retries = 10
	}
	d := newDocker(socket)
	if err := d.ping(); err != nil {
		log.Fatalf("docker at %s: %v", socket, err)
	}
	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	r := &reaper{filters: map[string]filterSet{}}
	events := make(chan int, 16) // +1 connect, -1 disconnect
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			events <- 1
			go func() {
				r.serve(conn)
				events <- -1
			}()
		}
	}()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	log.Printf("Started: listening on %s, connection timeout %s, reconnection timeout %s", ln.Addr(), connTimeout, reconnTimeout)

	clients := 0
	timer := time.NewTimer(connTimeout)
	for done := false; !done; {
		select {
		case e := <-events:
			clients += e
			log.Printf("clients: %d", clients)
			if clients == 0 {
				timer.Reset(reconnTimeout)
			} else {
				timer.Stop()
			}
		case <-timer.C:
			if clients == 0 {
				done = true
			}
		case s := <-sigs:
			log.Printf("%v received", s)
			done = true
		}
	}
	ln.Close()
	r.prune(d, retries)
}
