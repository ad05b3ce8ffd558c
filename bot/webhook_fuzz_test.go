package bot

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"
)

// FuzzRoute feeds arbitrary bodies to the router for every event it reads:
// it must never panic, and whatever it plans must carry an installation ID.
func FuzzRoute(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "webhooks", "*", "*.json"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(filepath.Base(filepath.Dir(p)), b)
	}
	f.Add("merge_group", []byte(`{"action":"checks_requested","merge_group":{"head_sha":"x"},"repository":{"name":"r","owner":{"login":"o"}},"installation":{"id":1}}`))
	f.Fuzz(func(t *testing.T, event string, body []byte) {
		s := newServer(testSettings(), zerolog.Nop(), NewMetrics(), &fakeEvaluator{}, queueOptions{Workers: 1})
		p, err := router{s: s, ctx: context.Background(), event: event, deliveryID: "d"}.route(body)
		if err != nil {
			return
		}
		for _, w := range p.works {
			if w.task == nil && (w.job.InstallationID <= 0 || w.job.Owner == "" || w.job.Repo == "" || w.job.Number <= 0) {
				t.Errorf("route(%s) planned incomplete job %+v", event, w.job)
			}
		}
	})
}
