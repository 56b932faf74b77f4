package tokens

import (
	"slices"
	"sync"
)

// Memory is a Store in memory, for tests. It is safe for concurrent use and,
// unlike keyring.MockInit, holds no global state.
type Memory struct {
	mu      sync.Mutex
	secrets map[string]string
}

// NewMemory returns an empty in-memory store.
func NewMemory() *Memory { return &Memory{secrets: map[string]string{}} }

func (m *Memory) String() string { return "the in-memory store" }

func (m *Memory) Set(name, secret string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	if err := validateSecret(secret); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.secrets[name] = secret
	return nil
}

func (m *Memory) Get(name string) (string, error) {
	if err := ValidateName(name); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.secrets[name]
	if !ok {
		return "", &NotFoundError{Name: name, Where: m.String()}
	}
	return s, nil
}

func (m *Memory) Delete(name string) error {
	if err := ValidateName(name); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.secrets[name]; !ok {
		return &NotFoundError{Name: name, Where: m.String()}
	}
	delete(m.secrets, name)
	return nil
}

func (m *Memory) List() ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	names := make([]string, 0, len(m.secrets))
	for n := range m.secrets {
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}
