package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/hubctl/hubctl/internal/selfcopy"
)

// copyBinaryCommand is what hubctl's image (FROM scratch, no cp) runs as
// the hub pod's init container: config render --format helm --image.
func copyBinaryCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:      "copy-binary",
		Usage:     "copy this hubctl to DEST (atomic, mode 0755): how hubctl's image puts hubctl into the hub pod",
		ArgsUsage: "DEST",
		Description: "Writes a temp file in DEST's directory, fsyncs it and renames it over DEST.\n" +
			"A symlink or a directory at DEST is refused, never written through.\n" +
			"`hubctl config render --format helm --image REPO:TAG` runs it in an init container.\n\n" +
			"Example:\n" +
			"   hubctl copy-binary /opt/hubctl/bin/hubctl",
		Action: func(c *cli.Context) error {
			args, err := positional(c, "dest")
			if err != nil {
				return err
			}
			n, err := selfcopy.Copy(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(env.stderr, "hubctl: copied hubctl to %s (%d bytes, mode %04o)\n", args[0], n, selfcopy.Mode)
			return nil
		},
	}
}
