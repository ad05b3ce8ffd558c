package githubtest

import "testing"

// BenchmarkNew measures starting a fake, which loads and routes the
// OpenAPI description each time.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		New(b).Close()
	}
}
