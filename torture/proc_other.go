//go:build !unix

package torture

import "syscall"

// sysProcAttr has nothing to set where there are no process groups; Run
// refuses to start there anyway, for want of SIGKILL and SIGTERM.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// signalsSupported is false: the harness needs SIGKILL and SIGTERM.
const signalsSupported = false
