// Package memlimit sets Go's soft memory limit from the container's: a pod
// limited to 1 GiB then collects garbage harder near 0.9 GiB instead of
// being killed, and the password-hash cap (internal/auth.HashSlots) knows
// how much memory it may use.
package memlimit

import (
	"bufio"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
)

// Share is the part of the container's limit given to Go; the rest is for
// what the runtime does not count (stacks of threads, cgo, the page cache).
const Share = 0.9

// noLimit is above any real limit: cgroup v1 writes a huge number for "none".
const noLimit = 1 << 62

// Set sets the memory limit to Share of the container's, unless GOMEMLIMIT
// is set (the runtime has applied it) or no limit is found. It returns the
// limit set (0: none) and where it came from.
func Set() (int64, string) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return 0, "GOMEMLIMIT"
	}
	limit, source := Container("/")
	if limit <= 0 {
		return 0, ""
	}
	set := int64(float64(limit) * Share)
	debug.SetMemoryLimit(set)
	return set, source
}

// Container reads the memory limit of this process's cgroup under root
// ("/" but in tests): cgroup v2's memory.max, else v1's
// memory.limit_in_bytes; 0 when there is none.
func Container(root string) (int64, string) {
	var candidates []string
	v2, v1 := cgroupPaths(filepath.Join(root, "proc/self/cgroup"))
	if v2 != "" {
		candidates = append(candidates, filepath.Join(root, "sys/fs/cgroup", v2, "memory.max"))
	}
	if v1 != "" {
		candidates = append(candidates, filepath.Join(root, "sys/fs/cgroup/memory", v1, "memory.limit_in_bytes"))
	}
	candidates = append(candidates, filepath.Join(root, "sys/fs/cgroup/memory.max"),
		filepath.Join(root, "sys/fs/cgroup/memory/memory.limit_in_bytes"))
	for _, p := range candidates {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		v := strings.TrimSpace(string(b))
		if v == "max" {
			return 0, p
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 || n >= noLimit {
			return 0, p
		}
		return n, p
	}
	return 0, ""
}

// cgroupPaths are the process's cgroup v2 path ("0::/path") and v1 memory
// controller's path ("N:memory:/path") from /proc/self/cgroup.
func cgroupPaths(file string) (v2, v1 string) {
	f, err := os.Open(file)
	if err != nil {
		return "", ""
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		parts := strings.SplitN(s.Text(), ":", 3)
		if len(parts) != 3 {
			continue
		}
		switch {
		case parts[0] == "0" && parts[1] == "":
			v2 = parts[2]
		case slices.Contains(strings.Split(parts[1], ","), "memory"):
			v1 = parts[2]
		}
	}
	return v2, v1
}
