package helm

import (
	"path"
	"slices"
	"strings"

	"github.com/hubctl/hubctl/provision"
)

// DefaultHubctlPath is where hubctl is in the hub pod unless --hubctl-path
// says otherwise: the usual place for a binary added to an image.
const DefaultHubctlPath = "/usr/local/bin/hubctl"

// ChartCullURL is the Hub API URL the chart (tag 4.4.0, with the default
// hub.baseUrl "/") gives its own culler: the hub itself, on localhost in
// the hub pod. A Hub-managed service would otherwise get the chart's
// hub_connect_url, through the hub's Kubernetes Service.
const ChartCullURL = "http://localhost:8081/hub/api"

// ForPod returns m with the commands the hub pod runs: a command that runs
// hubctl (its first word ends in hubctl) runs it from hubctlPath, not from
// the path on the workstation that wrote the block; a `hubctl cull` without
// --url gets --url=ChartCullURL. Other services are as they were. m is not
// changed.
func ForPod(m provision.Managed, hubctlPath string) provision.Managed {
	out := m
	out.Services = slices.Clone(m.Services)
	for i := range out.Services {
		s := &out.Services[i]
		if len(s.Command) == 0 || path.Base(s.Command[0]) != "hubctl" {
			continue
		}
		cmd := slices.Clone(s.Command)
		cmd[0] = hubctlPath
		if s.RunsHubctlCull() && !hasURLFlag(cmd[2:]) {
			cmd = append(cmd, "--url="+ChartCullURL)
		}
		s.Command = cmd
	}
	return out
}

func hasURLFlag(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "--url" || strings.HasPrefix(a, "--url=") {
			return true
		}
	}
	return false
}
