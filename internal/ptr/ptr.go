// Package ptr reads the pointer fields of props, where nil means the default.
package ptr

// Or is *p, or def when p is nil.
func Or[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}
