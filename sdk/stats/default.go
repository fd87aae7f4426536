package stats

import (
	"context"
	"sync"
	"sync/atomic"
)

var defaultManager struct {
	mu sync.Mutex
	m  atomic.Pointer[Manager]
}

// Default returns the package-level Manager, building it on first use
// (never at init) with the defaults and no exporter, so it starts no
// goroutine until AddExporter is called. Libraries should take a *Manager
// from their caller where they can; Default is what the package-level
// functions use.
func Default() *Manager {
	if m := defaultManager.m.Load(); m != nil {
		return m
	}
	defaultManager.mu.Lock()
	defer defaultManager.mu.Unlock()
	if m := defaultManager.m.Load(); m != nil {
		return m
	}
	m := NewManager()
	defaultManager.m.Store(m)
	return m
}

// SetDefault makes m the Manager returned by Default. A nil m makes Default
// build a fresh one on next use. The previous Manager is not shut down, and
// views registered with it stay there.
func SetDefault(m *Manager) {
	defaultManager.mu.Lock()
	defer defaultManager.mu.Unlock()
	defaultManager.m.Store(m)
}

// Record records ms with the Default manager; see Manager.Record.
func Record(ctx context.Context, ms ...Measurement) {
	Default().record(ctx, nil, false, nil, ms)
}

// RecordWithOptions records with the Default manager; see
// Manager.RecordWithOptions.
func RecordWithOptions(ctx context.Context, opts ...RecordOption) error {
	return Default().RecordWithOptions(ctx, opts...)
}

// Register registers views with the Default manager; see Manager.Register.
func Register(views ...*View) error {
	return Default().Register(views...)
}

// Unregister unregisters views from the Default manager; see
// Manager.Unregister.
func Unregister(views ...*View) {
	Default().Unregister(views...)
}
