// A probe of the machine's CPU speed for the benchmarks: every 50 ms it times a fixed piece of
// integer work in its own thread's CPU time and prints "<unix ms> <µs>" on a line. On a VM whose
// host lends its cores to others, the same work takes longer when the host is busy, whatever this
// machine runs; the benchmarks set the probe's figures beside each round's latency. It exits when
// its standard input closes, so it never outlives the benchmark that started it.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

const (
	interval   = 50 * time.Millisecond
	iterations = 300_000 // about half a millisecond on this machine's cores
)

var sink uint64

func threadCPUNanos() int64 {
	const clockThreadCPUTimeID = 3
	var ts syscall.Timespec
	syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0)
	return ts.Nano()
}

// fixedWork is a chain of dependent multiply-xor-shift steps: registers only, no memory, so its
// time follows the core's speed and nothing this machine's other processes hold.
func fixedWork() {
	x := uint64(1)
	for i := 0; i < iterations; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		x ^= x >> 17
	}
	sink += x
}

func main() {
	runtime.GOMAXPROCS(1)
	runtime.LockOSThread()
	go func() {
		io.Copy(io.Discard, os.Stdin)
		os.Exit(0)
	}()
	out := bufio.NewWriter(os.Stdout)
	for {
		start := threadCPUNanos()
		fixedWork()
		elapsed := threadCPUNanos() - start
		fmt.Fprintf(out, "%d %.1f\n", time.Now().UnixMilli(), float64(elapsed)/1e3)
		out.Flush()
		time.Sleep(interval)
	}
}
