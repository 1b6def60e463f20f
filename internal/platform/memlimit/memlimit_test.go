package memlimit

import (
	"os"
	"path/filepath"
	"testing"
)

func write(t *testing.T, root, rel, body string) {
	t.Helper()
	p := filepath.Join(root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestContainerLimit(t *testing.T) {
	// cgroup v2, the process in a nested group.
	v2 := t.TempDir()
	write(t, v2, "proc/self/cgroup", "0::/kubepods/pod1/app\n")
	write(t, v2, "sys/fs/cgroup/kubepods/pod1/app/memory.max", "1073741824\n")
	write(t, v2, "sys/fs/cgroup/memory.max", "max\n")
	if n, _ := Container(v2); n != 1<<30 {
		t.Fatalf("v2 nested: %d, want 1 GiB", n)
	}
	// cgroup v2 in its own namespace: "max" is no limit.
	none := t.TempDir()
	write(t, none, "proc/self/cgroup", "0::/\n")
	write(t, none, "sys/fs/cgroup/memory.max", "max\n")
	if n, _ := Container(none); n != 0 {
		t.Fatalf("v2 max: %d, want none", n)
	}
	// cgroup v1, limited and not.
	v1 := t.TempDir()
	write(t, v1, "proc/self/cgroup", "9:memory:/docker/abc\n")
	write(t, v1, "sys/fs/cgroup/memory/memory.limit_in_bytes", "536870912\n")
	if n, _ := Container(v1); n != 512<<20 {
		t.Fatalf("v1: %d, want 512 MiB", n)
	}
	write(t, v1, "sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n")
	if n, _ := Container(v1); n != 0 {
		t.Fatalf("v1 unlimited: %d, want none", n)
	}
	// cgroup v1, the process in a nested group, cgroup v2 mounted but empty.
	v1n := t.TempDir()
	write(t, v1n, "proc/self/cgroup", "4:memory:/process_api/08d7\n1:cpu:/\n0::/\n")
	write(t, v1n, "sys/fs/cgroup/memory/process_api/08d7/memory.limit_in_bytes", "268435456\n")
	if n, _ := Container(v1n); n != 256<<20 {
		t.Fatalf("v1 nested: %d, want 256 MiB", n)
	}
	if n, _ := Container(t.TempDir()); n != 0 {
		t.Fatalf("no cgroup files: %d, want none", n)
	}
}
