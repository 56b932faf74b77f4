package fakehub

// RemoveToken forgets a token, as the Hub does when a start deletes its
// owner (init_services drops a service no longer in the config, and its
// tokens cascade: orm.py Service.api_tokens). Unknown tokens are ignored.
func (h *Hub) RemoveToken(token string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.tokens, token)
}
