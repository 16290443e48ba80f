package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MemoryReport is the servers' memory as polled during the run: with several servers, the sums
// of theirs, and each in Processes.
type MemoryReport struct {
	// Source is where it was read: "proc" (/proc/<pid>/status) or "metrics"
	// (process_resident_memory_bytes).
	Source string `json:"source"`
	// StartRSSBytes is the resident set size at the first sample, before the load: what the
	// server held already (a server that has just loaded data may not have given it back yet).
	StartRSSBytes int64 `json:"start_rss_bytes"`
	// PeakRSSBytes is the largest resident set size seen while polling (of several servers, the
	// largest sum of one round of samples).
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
	// HighWaterBytes is the kernel's peak RSS since the process started (VmHWM), with --server-pid
	// (of several, the sum of each one's).
	HighWaterBytes int64  `json:"high_water_bytes,omitempty"`
	Samples        int    `json:"samples"`
	Error          string `json:"error,omitempty"`
	// Processes are the servers one by one, when there are several.
	Processes []ProcessMemory `json:"processes,omitempty"`
}

// ProcessMemory is one server's memory: Of is its process id or its metrics URL.
type ProcessMemory struct {
	Of             string `json:"of"`
	StartRSSBytes  int64  `json:"start_rss_bytes"`
	PeakRSSBytes   int64  `json:"peak_rss_bytes"`
	HighWaterBytes int64  `json:"high_water_bytes,omitempty"`
	Samples        int    `json:"samples"`
}

// memorySource reads one server's resident memory and, from /proc, its high-water mark.
type memorySource struct {
	of   string
	read func(ctx context.Context) (rss, hwm int64, err error)
}

// memoryPoller samples the servers' resident memory every interval until stopped.
type memoryPoller struct {
	sources []memorySource
	source  string

	mu    sync.Mutex
	rep   MemoryReport
	procs []ProcessMemory
}

// newMemoryPoller picks a source: the servers' /proc entries when pids are given (the servers
// run on this machine), else the Prometheus metrics at metricsURLs, read with token when set.
func newMemoryPoller(pids []int, metricsURLs []string, token string) *memoryPoller {
	p := &memoryPoller{}
	switch {
	case len(pids) > 0:
		p.source = "proc"
		for _, pid := range pids {
			p.sources = append(p.sources, memorySource{of: strconv.Itoa(pid), read: func(context.Context) (int64, int64, error) { return procMemory(pid) }})
		}
	case len(metricsURLs) > 0:
		p.source = "metrics"
		hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: nil}}
		for _, metricsURL := range metricsURLs {
			p.sources = append(p.sources, memorySource{of: metricsURL, read: func(ctx context.Context) (int64, int64, error) {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
				if err != nil {
					return 0, 0, err
				}
				if token != "" {
					req.Header.Set("Authorization", "Bearer "+token)
				}
				resp, err := hc.Do(req)
				if err != nil {
					return 0, 0, err
				}
				defer resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					return 0, 0, fmt.Errorf("GET %s: status %d", metricsURL, resp.StatusCode)
				}
				rss, err := metricValue(resp.Body, "process_resident_memory_bytes")
				return rss, 0, err
			}})
		}
	default:
		return nil
	}
	p.procs = make([]ProcessMemory, len(p.sources))
	for i, s := range p.sources {
		p.procs[i].Of = s.of
	}
	return p
}

func (p *memoryPoller) run(ctx context.Context, every time.Duration) {
	p.rep.Source = p.source
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		p.sample(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sample reads every source once; a round in which one failed adds to that server's figures
// but not to the sums, which would be short of it.
func (p *memoryPoller) sample(ctx context.Context) {
	type reading struct {
		rss, hwm int64
		err      error
	}
	got := make([]reading, len(p.sources))
	for i, s := range p.sources {
		got[i].rss, got[i].hwm, got[i].err = s.read(ctx)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var rss, hwm int64
	complete := true
	for i, g := range got {
		if g.err != nil {
			complete = false
			if ctx.Err() == nil && p.rep.Error == "" {
				p.rep.Error = g.err.Error()
			}
			continue
		}
		pm := &p.procs[i]
		if pm.Samples == 0 {
			pm.StartRSSBytes = g.rss
		}
		pm.Samples++
		pm.PeakRSSBytes = max(pm.PeakRSSBytes, g.rss)
		pm.HighWaterBytes = max(pm.HighWaterBytes, g.hwm)
		rss += g.rss
		hwm += g.hwm
	}
	if !complete {
		return
	}
	if p.rep.Samples == 0 {
		p.rep.StartRSSBytes = rss
	}
	p.rep.Samples++
	p.rep.PeakRSSBytes = max(p.rep.PeakRSSBytes, rss)
	p.rep.HighWaterBytes = max(p.rep.HighWaterBytes, hwm)
}

func (p *memoryPoller) report() *MemoryReport {
	p.mu.Lock()
	defer p.mu.Unlock()
	r := p.rep
	if len(p.procs) > 1 {
		r.Processes = append([]ProcessMemory(nil), p.procs...)
	}
	return &r
}

// procMemory reads VmRSS and VmHWM (peak RSS) of a process from /proc/<pid>/status, in bytes.
func procMemory(pid int) (rss, hwm int64, err error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || (k != "VmRSS" && k != "VmHWM") {
			continue
		}
		f := strings.Fields(v) // "12345 kB"
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		if k == "VmRSS" {
			rss = n << 10
		} else {
			hwm = n << 10
		}
	}
	if rss == 0 {
		return 0, 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
	}
	return rss, hwm, nil
}

// metricValue finds an unlabelled sample of name in the Prometheus text format.
func metricValue(r io.Reader, name string) (int64, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+" ") {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		return int64(v), nil
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("the metrics have no %s", name)
}
