package intake

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRoute feeds arbitrary bodies to the router for every event it reads:
// it must never panic, and whatever it plans must carry an installation ID.
func FuzzRoute(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "webhooks", "*", "*.json"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(filepath.Base(filepath.Dir(p)), b)
	}
	f.Add("merge_group", []byte(`{"action":"checks_requested","merge_group":{"head_sha":"x"},"repository":{"name":"r","owner":{"login":"o"}},"installation":{"id":1}}`))
	f.Fuzz(func(t *testing.T, event string, body []byte) {
		settings := RouteSettings{AppID: 4242, CheckName: "tiergate", ConfigPath: ".github/tiergate.yml", OrgConfigRepo: ".github",
			recordMerges: true}
		p, err := router{settings: settings, event: event, deliveryID: "d"}.route(context.Background(), body)
		if err != nil {
			return
		}
		if m := p.merge; m != nil && (m.InstallationID <= 0 || m.Owner == "" || m.Repo == "" || m.Number <= 0 || m.HeadSHA == "" || m.MergedAt.IsZero()) {
			t.Errorf("route(%s) planned an incomplete merge %+v", event, m)
		}
		for _, j := range p.jobs {
			if j.InstallationID <= 0 || j.Owner == "" {
				t.Errorf("route(%s) planned a job without installation or owner %+v", event, j)
			}
			if j.IsEvaluation() && (j.Repo == "" || j.Number <= 0) {
				t.Errorf("route(%s) planned incomplete evaluation %+v", event, j)
			}
		}
	})
}
