// Package procstatus reads this process's memory figures from
// /proc/self/status: the bench reports them, and the bbolt store keeps
// its mapped file within a budget by them.
package procstatus

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// Memory is the resident set in bytes: its high-water mark (VmHWM), and
// now its anonymous part (RssAnon: heap, stacks) and its file-backed part
// (RssFile: mapped files such as a bbolt database, and the binary).
type Memory struct {
	Peak, Anon, File int64
}

// Read returns the process's memory figures; all zero where there is no
// /proc (not Linux).
func Read() Memory {
	var m Memory
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return m
	}
	defer f.Close()
	fields := map[string]*int64{"VmHWM": &m.Peak, "RssAnon": &m.Anon, "RssFile": &m.File}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, _ := strings.Cut(sc.Text(), ":")
		if dst := fields[name]; dst != nil {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			*dst = kb << 10
		}
	}
	return m
}
