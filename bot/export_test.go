package bot

// NewMemoryCoordinator exposes the in-memory Coordinator to package bot_test.
func NewMemoryCoordinator() Coordinator { return newMemoryCoordinator() }
