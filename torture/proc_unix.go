//go:build unix && !linux

package torture

import "syscall"

// sysProcAttr puts the server in its own process group, so a Ctrl-C meant
// for the harness does not stop the server at a moment the harness did not
// choose.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
