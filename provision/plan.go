package provision

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hubctl/hubctl/hub"
)

// CullIdlePreset is the service whose command is `hubctl cull` and whose
// least-privilege role hubctl knows.
const CullIdlePreset = "cull-idle"

// RoleRequest is how a service asks for its rights (`service add --admin`,
// `--scope`): at most one of Admin and Scopes.
type RoleRequest struct {
	Service   string
	Admin     bool
	Scopes    []string
	CullUsers bool // the cull-idle preset also deletes users
	// CheckKernels: the cull-idle preset asks servers for busy kernels.
	CheckKernels bool
}

// Grant is what a service gets: 'admin': True, or a role, or neither; Notes
// say what was chosen and why, for the user.
type Grant struct {
	Admin bool
	Role  *Role
	Notes []string
}

// PlanRole is the role policy of `service add`: --scope becomes the role
// NAME-role with those scopes; --admin is 'admin': True before JupyterHub
// 2.0 and, from 2.0 on, the preset's least-privilege role or (for another
// service) the deprecated 'admin': True with a warning; the preset without
// either gets a warning that it will lack scopes.
func PlanRole(req RoleRequest, v hub.Version) Grant {
	preset := req.Service == CullIdlePreset
	switch {
	case len(req.Scopes) > 0:
		return Grant{Role: &Role{Name: hub.RoleName(req.Service), Scopes: req.Scopes, Services: []string{req.Service}}}
	case req.Admin && !hub.HasRBAC(v):
		return Grant{Admin: true}
	case req.Admin && preset:
		role := &Role{Name: hub.RoleName(req.Service), Scopes: hub.CullerRoleScopes(v, hub.CullerFlags{CullUsers: req.CullUsers, CheckKernels: req.CheckKernels}), Services: []string{req.Service},
			Description: "least-privilege role hubctl gives the idle culler"}
		return Grant{Role: role, Notes: []string{fmt.Sprintf("--admin: gave %s the least-privilege role %s (%s) instead of 'admin': True, which JupyterHub %s deprecates (and the admin role would stay in the Hub's database after the flag is removed)",
			req.Service, role.Name, strings.Join(role.Scopes, ", "), v)}}
	case req.Admin:
		return Grant{Admin: true, Notes: []string{fmt.Sprintf("warning: 'admin': True is deprecated since JupyterHub 2.0 and the admin role stays in the Hub's database after the flag is removed; prefer --scope for just the scopes %s needs", req.Service)}}
	case preset:
		return Grant{Notes: []string{"warning: cull-idle without --admin or --scope has no role: the culler will fail for lack of scopes"}}
	}
	return Grant{}
}

// ConflictError is a service that cannot go into the file as asked: one of
// that name is already in hubctl's block, or another service reads the same
// token variable. Hint says the way out.
type ConflictError struct {
	Msg, Next string
}

func (e *ConflictError) Error() string { return e.Msg }
func (e *ConflictError) Hint() string  { return e.Next }

// AddOptions are how AddService edits.
type AddOptions struct {
	EditOptions
	Replace bool // replace a service of that name in hubctl's block
}

// AddService adds svc (and role, if any) to hubctl's block in the config at
// path, replacing a service of that name only with Replace, after the
// checks against the rest of the file. before and after are the file's
// config and block as the edit saw them (for a masked diff).
func AddService(ctx context.Context, path string, svc Service, role *Role, opts AddOptions) (res *Result, before *Config, after *Managed, err error) {
	res, err = Apply(ctx, path, opts.EditOptions, func(cfg *Config, m *Managed) error {
		before, after = cfg, m
		if _, i := m.Service(svc.Name); i >= 0 {
			if !opts.Replace {
				return &ConflictError{Msg: fmt.Sprintf("%s: hubctl's block already has a service named %q", path, svc.Name),
					Next: "pass --replace to replace it, or `hubctl service remove " + svc.Name + "` first"}
			}
			m.Remove(svc.Name)
		}
		if err := cfg.CheckAgainstFile(&svc); err != nil {
			return err
		}
		if err := cfg.checkTokenEnvVar(&svc); err != nil {
			return err
		}
		m.Services = append(m.Services, svc)
		if role != nil {
			defined := map[string]bool{}
			for _, s := range m.Services {
				defined[s.Name] = true
			}
			if err := CheckRole(role, opts.Version, defined); err != nil {
				return err
			}
			m.Roles = append(m.Roles, *role)
		}
		return nil
	})
	return res, before, after, err
}

// RemoveService removes a service from hubctl's block, with the role hubctl
// made for it.
func RemoveService(ctx context.Context, path, name string, opts EditOptions) (res *Result, before *Config, after *Managed, err error) {
	res, err = Apply(ctx, path, opts, func(cfg *Config, m *Managed) error {
		before, after = cfg, m
		if _, i := m.Service(name); i < 0 {
			return fmt.Errorf("%s: hubctl's block has no service named %q (`hubctl service list` shows what there is)", path, name)
		}
		m.Remove(name)
		return nil
	})
	return res, before, after, err
}

// Remove drops a service from the block, with the role hubctl made for it
// (when nothing else is left in it) and its name from other roles.
func (m *Managed) Remove(name string) {
	m.Services = slices.DeleteFunc(m.Services, func(s Service) bool { return s.Name == name })
	var roles []Role
	for _, r := range m.Roles {
		r.Services = slices.DeleteFunc(r.Services, func(s string) bool { return s == name })
		if (r.Name == hub.RoleName(name) || r.Name == AdminRole) && len(r.Services)+len(r.Users)+len(r.Groups) == 0 {
			continue
		}
		roles = append(roles, r)
	}
	m.Roles = roles
}

// checkTokenEnvVar refuses a --token env service whose variable another
// service in the file already reads: names that differ only in punctuation
// (a-b, a.b, a_b) map to one HUBCTL_TOKEN_A_B, and the Hub gives a token to
// one service only, so the other would silently get none.
func (cfg *Config) checkTokenEnvVar(svc *Service) error {
	if svc.Token != TokenEnv {
		return nil
	}
	for _, other := range cfg.AllServices() {
		o := other.Service
		if o.Name == svc.Name || o.Token != TokenEnv || o.TokenEnvVar != svc.TokenEnvVar {
			continue
		}
		return &ConflictError{
			Msg: fmt.Sprintf("%s: service %q already reads its token from %s, the variable --token env gives %q; the two would share one token and JupyterHub would give it to one of them only",
				other.Pos, o.Name, svc.TokenEnvVar, svc.Name),
			Next: fmt.Sprintf("give %q its own token with --token keyring or --token new, or a name that differs from %q in more than punctuation (the variable is the name upper-cased, every other character _)", svc.Name, o.Name),
		}
	}
	return nil
}
