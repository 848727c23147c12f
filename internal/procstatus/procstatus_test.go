package procstatus

import (
	"runtime"
	"testing"
)

var held []byte

// After the test touches 16 MiB of heap, the anonymous part holds them;
// the mapped binary is file-backed; the peak is no smaller than either.
func TestReadThisProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc/self/status is Linux's")
	}
	held = make([]byte, 16<<20)
	for i := range held {
		held[i] = 1
	}
	m := Read()
	if m.Anon < 16<<20 || m.File < 1<<20 || m.Peak < m.Anon || m.Peak < m.File {
		t.Errorf("memory %+v: want 16 MiB or more anonymous, 1 MiB or more file-backed, and a peak no smaller", m)
	}
}
