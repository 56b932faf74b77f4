package cull

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// CommandNotifier runs a command per warning, the Notice as JSON on its
// stdin. It gets exactly Env as its environment, never the culler's own,
// which holds the Hub token when the Hub runs the culler as a service.
type CommandNotifier struct {
	Argv []string // Argv[0] as found on PATH, or a path
	Env  []string // "NAME=value"; nil is an empty environment
}

// commandWaitDelay bounds the wait for the command's output pipes after it
// was killed (a child that kept them open).
const commandWaitDelay = 2 * time.Second

// maxNotifyOutput bounds what is kept of a notifier's output, for the log.
const maxNotifyOutput = 1024

func (c *CommandNotifier) String() string { return "command " + Quote(c.Argv[0]) }

// Notify runs the command; a non-zero exit, or its not ending before ctx
// does (it is killed, with the processes it started), is an error.
func (c *CommandNotifier) Notify(ctx context.Context, n *Notice) error {
	body, err := json.Marshal(n)
	if err != nil {
		return &NotifyError{Kind: "start", Err: err}
	}
	body = append(body, '\n') // one line, for line-reading scripts
	cmd := exec.CommandContext(ctx, c.Argv[0], c.Argv[1:]...)
	cmd.Env = append([]string{}, c.Env...) // non-nil: nothing inherited
	cmd.Stdin = bytes.NewReader(body)
	out := &headBuffer{max: maxNotifyOutput}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = commandWaitDelay
	ownProcessGroup(cmd)
	err = cmd.Run()
	output := capText(Escape(strings.TrimSpace(out.String())), maxNotifyOutput)
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.As(err, &exitErr):
		return &NotifyError{Kind: "exit-status", Err: fmt.Errorf("%s: %w", c, err), Output: output}
	default:
		return &NotifyError{Kind: "start", Err: fmt.Errorf("%s: %w", c, err)}
	}
}

// headBuffer keeps the first max bytes written to it and counts the rest.
type headBuffer struct {
	max  int
	b    bytes.Buffer
	more int
}

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := h.max - h.b.Len(); room > 0 {
		h.b.Write(p[:min(room, len(p))])
		h.more += len(p) - min(room, len(p))
	} else {
		h.more += len(p)
	}
	return len(p), nil
}

func (h *headBuffer) String() string {
	if h.more == 0 {
		return h.b.String()
	}
	return fmt.Sprintf("%s… (%d bytes more)", h.b.String(), h.more)
}
