// An open-loop HTTP/1.1 load generator for the benchmarks: requests are due on a fixed schedule
// (rate per second) and each one's latency counts from when it was due, so a stalled server is
// not hidden by a client that waits for it (no coordinated omission). Written in Go because the
// Node generator spent about 25 µs of CPU per request and fired in 1 ms bursts, on the same two
// cores as the server it measures.
package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"net"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

type result struct {
	P50             float64 `json:"p50"`
	P99             float64 `json:"p99"`
	P999            float64 `json:"p999"`
	Max             float64 `json:"max"`
	LateP50         float64 `json:"lateP50"`
	LateP99         float64 `json:"lateP99"`
	Queued          int     `json:"queued"`
	Count           int     `json:"count"`
	Failures        int     `json:"failures"`
	Seconds         float64 `json:"seconds"`
	BodyBytes       float64 `json:"bodyBytes"`
	CPUUsPerRequest float64 `json:"cpuUsPerRequest"`
	latencies       []float64
}

type connection struct {
	conn   net.Conn
	reader *bufio.Reader
}

func dial(port int) (*connection, error) {
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		return nil, err
	}
	conn.(*net.TCPConn).SetNoDelay(true)
	return &connection{conn: conn, reader: bufio.NewReaderSize(conn, 64*1024)}, nil
}

// get sends one request and reads its answer by the status line and Content-Length.
func (c *connection) get(request []byte) (status, length int, err error) {
	if _, err = c.conn.Write(request); err != nil {
		return 0, 0, err
	}
	length = -1
	for first := true; ; first = false {
		line, err := c.reader.ReadSlice('\n')
		if err != nil {
			return 0, 0, err
		}
		text := strings.TrimRight(string(line), "\r\n")
		if first {
			if len(text) < 12 {
				return 0, 0, fmt.Errorf("bad status line %q", text)
			}
			status, _ = strconv.Atoi(text[9:12])
			continue
		}
		if text == "" {
			break
		}
		if name, value, ok := strings.Cut(text, ":"); ok && strings.EqualFold(name, "content-length") {
			length, _ = strconv.Atoi(strings.TrimSpace(value))
		}
	}
	if length < 0 {
		return 0, 0, fmt.Errorf("answer without Content-Length")
	}
	_, err = c.reader.Discard(length)
	return status, length, err
}

func readPaths(file string) ([]string, error) {
	bytes, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	paths := strings.Split(strings.TrimSpace(string(bytes)), "\n")
	if len(paths) == 0 || paths[0] == "" {
		return nil, fmt.Errorf("%s holds no paths", file)
	}
	return paths, nil
}

func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(sorted)))
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}

func cpuSeconds() float64 {
	var usage syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	return float64(usage.Utime.Nano()+usage.Stime.Nano()) / 1e9
}

type config struct {
	port        int
	requests    [][]byte
	rate        float64 // per second; 0: closed loop
	seconds     float64 // open loop
	count       int     // closed loop
	connections int
}

// run sends the requests in turn from a pool of keep-alive connections. In the open loop request i
// is due at start + i/rate and waits for a free connection if none is; its latency counts from
// when it was due. In the closed loop each connection sends its next request when its answer came.
func run(cfg config) (result, error) {
	pool := make([]*connection, cfg.connections)
	for i := range pool {
		c, err := dial(cfg.port)
		if err == nil {
			_, _, err = c.get(cfg.requests[i%len(cfg.requests)])
		}
		if err != nil {
			return result{}, fmt.Errorf("opening connection %d: %w", i, err)
		}
		pool[i] = c
	}
	defer func() {
		for _, c := range pool {
			c.conn.Close()
		}
	}()

	closed := cfg.rate <= 0
	total := cfg.count
	interval := 0.0
	if !closed {
		total = int(cfg.rate * cfg.seconds)
		interval = float64(time.Second) / cfg.rate
	}
	latencies := make([]float64, total)
	// How late the generator itself started a request that had a connection waiting for it (its
	// timers and its scheduling); -1 for a request due while every connection was busy (queued).
	lateness := make([]float64, total)
	var failures, bodyBytes atomic.Int64
	var next atomic.Int64
	cpu0 := cpuSeconds()
	start := time.Now()
	var wg sync.WaitGroup
	for _, c := range pool {
		wg.Add(1)
		go func(c *connection) {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= total {
					return
				}
				due := time.Now()
				if !closed {
					due = start.Add(time.Duration(float64(i) * interval))
				}
				if wait := time.Until(due); wait > 0 {
					time.Sleep(wait)
					lateness[i] = float64(time.Since(due)) / 1e6
				} else {
					lateness[i] = -1
				}
				status, length, err := c.get(cfg.requests[i%len(cfg.requests)])
				latencies[i] = float64(time.Since(due)) / 1e6
				bodyBytes.Add(int64(length))
				if err != nil {
					// The connection is in an unknown state: a new one takes its place.
					if fresh, dialErr := dial(cfg.port); dialErr == nil {
						c.conn.Close()
						*c = *fresh
					}
				}
				if err != nil || status != 200 {
					failures.Add(1)
				}
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	cpu := cpuSeconds() - cpu0
	sort.Float64s(latencies)
	sort.Float64s(lateness)
	queued := sort.SearchFloat64s(lateness, 0)
	if closed {
		queued = 0
	}
	return result{
		P50:             percentile(latencies, 50),
		P99:             percentile(latencies, 99),
		P999:            percentile(latencies, 99.9),
		Max:             latencies[len(latencies)-1],
		LateP50:         percentile(lateness[queued:], 50),
		LateP99:         percentile(lateness[queued:], 99),
		Queued:          queued,
		Count:           total,
		Failures:        int(failures.Load()),
		Seconds:         elapsed,
		BodyBytes:       float64(bodyBytes.Load()) / float64(total),
		CPUUsPerRequest: cpu / float64(total) * 1e6,
		latencies:       latencies,
	}, nil
}

func main() {
	port := flag.Int("port", 0, "server port on 127.0.0.1")
	pathsFile := flag.String("paths", "", "file of request paths, one per line, used in turn")
	rate := flag.Float64("rate", 0, "requests per second; 0 sends each as soon as a connection is free (closed loop)")
	seconds := flag.Float64("seconds", 5, "length of the run (open loop)")
	count := flag.Int("count", 0, "requests to send (closed loop)")
	connections := flag.Int("connections", 64, "keep-alive connections, opened before the clock starts")
	// One thread by default: on the two cores it shares with the server under test, a generator on
	// two threads competed with the server's event loop for both and was itself late by up to 6 ms.
	procs := flag.Int("procs", 1, "threads running Go code (GOMAXPROCS)")
	latenciesFile := flag.String("latencies", "", "file to write every latency to, in ms, as little-endian float32 in ascending order")
	flag.Parse()
	runtime.GOMAXPROCS(*procs)

	paths, err := readPaths(*pathsFile)
	if err == nil && *rate <= 0 && *count <= 0 {
		err = fmt.Errorf("a closed loop needs -count")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	requests := make([][]byte, len(paths))
	for i, path := range paths {
		requests[i] = []byte("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
	}
	out, err := run(config{port: *port, requests: requests, rate: *rate, seconds: *seconds, count: *count, connections: *connections})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *latenciesFile != "" {
		if err := writeLatencies(*latenciesFile, out.latencies); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	json.NewEncoder(os.Stdout).Encode(out)
}

func writeLatencies(file string, latencies []float64) error {
	bytes := make([]byte, 4*len(latencies))
	for i, ms := range latencies {
		binary.LittleEndian.PutUint32(bytes[4*i:], math.Float32bits(float32(ms)))
	}
	return os.WriteFile(file, bytes, 0o644)
}
