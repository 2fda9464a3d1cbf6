package main

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// processCPU is the user and system CPU time of the process so far.
func processCPU() time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procField reads one "name: value" number from a /proc/self file (kB
// values as in /proc/self/status are returned in kB).
func procField(file, name string) int64 {
	f, err := os.Open(file)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok || k != name {
			continue
		}
		n, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
		return n
	}
	return 0
}

// diskWritten is how many bytes the process has caused to be written to
// storage so far (write_bytes of /proc/self/io).
func diskWritten() int64 { return procField("/proc/self/io", "write_bytes") }

// residentBytes is the process's resident set size now.
func residentBytes() int64 { return procField("/proc/self/status", "VmRSS") * 1024 }
