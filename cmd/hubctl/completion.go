package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
)

// The bash and zsh scripts ask hubctl itself for candidates
// (--generate-bash-completion), so they follow the command tree as it is.
const bashCompletion = `# bash completion for hubctl: source it, or put it in /etc/bash_completion.d/hubctl
_hubctl_complete() {
  local cur opts
  COMPREPLY=()
  cur="${COMP_WORDS[COMP_CWORD]}"
  if [[ "$cur" == "-"* ]]; then
    opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" "${cur}" --generate-bash-completion 2>/dev/null)
  else
    opts=$("${COMP_WORDS[@]:0:$COMP_CWORD}" --generate-bash-completion 2>/dev/null)
  fi
  COMPREPLY=($(compgen -W "${opts}" -- "${cur}"))
  return 0
}
complete -o bashdefault -o default -F _hubctl_complete hubctl
`

const zshCompletion = `#compdef hubctl
# zsh completion for hubctl: put it on $fpath as _hubctl, or source it
_hubctl() {
  local -a opts
  local cur
  cur=${words[-1]}
  if [[ "$cur" == "-"* ]]; then
    opts=("${(@f)$(${words[@]:0:#words[@]-1} ${cur} --generate-bash-completion 2>/dev/null)}")
  else
    opts=("${(@f)$(${words[@]:0:#words[@]-1} --generate-bash-completion 2>/dev/null)}")
  fi
  if [[ "${opts[1]}" != "" ]]; then
    _describe 'values' opts
  else
    _files
  fi
}
compdef _hubctl hubctl
`

func completionCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		ArgsUsage: "SHELL",
		Description: "Example:\n" +
			"   hubctl completion bash > /etc/bash_completion.d/hubctl\n" +
			"   hubctl completion fish > ~/.config/fish/completions/hubctl.fish",
		Action: func(c *cli.Context) error {
			args, err := positional(c, "shell")
			if err != nil {
				return err
			}
			switch args[0] {
			case "bash":
				fmt.Fprint(env.stdout, bashCompletion)
			case "zsh":
				fmt.Fprint(env.stdout, zshCompletion)
			case "fish":
				script, err := c.App.ToFishCompletion()
				if err != nil {
					return err
				}
				fmt.Fprint(env.stdout, script)
			default:
				return usageErrorf("unknown shell %q: use bash, zsh or fish", args[0])
			}
			return nil
		},
	}
}

func manCommand(env *cliEnv) *cli.Command {
	return &cli.Command{
		Name:  "man",
		Usage: "print hubctl's man page (roff), generated from its commands and flags",
		Description: "Example:\n" +
			"   hubctl man > /usr/local/share/man/man1/hubctl.1 && man hubctl",
		Action: func(c *cli.Context) error {
			if _, err := positional(c); err != nil {
				return err
			}
			page, err := c.App.ToManWithSection(1)
			if err != nil {
				return err
			}
			fmt.Fprint(env.stdout, page)
			return nil
		},
	}
}
