package labeltest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// toolTimeout bounds one run of an external program. A label renders in well
// under a second; the margin is for a loaded CI machine running -race.
const toolTimeout = 2 * time.Minute

// run runs name with args, feeding it stdin, and returns its standard output.
// A failure names the command and carries its standard error, since that is
// where pdftoppm, node and friends say what went wrong.
func run(dir string, stdin []byte, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()

	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	// Do not wait forever on output pipes a killed program's children may hold.
	cmd.WaitDelay = 5 * time.Second
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr

	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	what := strings.Join(append([]string{name}, args...), " ")
	msg := strings.TrimSpace(stderr.String())
	if msg == "" {
		msg = "(no stderr)"
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("labeltest: %s: timed out after %v: %s", what, toolTimeout, msg)
	}
	return nil, fmt.Errorf("labeltest: %s: %w: %s", what, err, msg)
}
