package torture

import "syscall"

// sysProcAttr puts the server in its own process group, so a Ctrl-C meant
// for the harness does not stop the server at a moment the harness did not
// choose, and has the kernel kill it if the harness dies first, so no
// server outlives an interrupted run.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
