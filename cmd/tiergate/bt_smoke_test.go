package main

import "testing"

func TestBacktestSmoke(t *testing.T) {
	fake, _ := backtestFake(t)
	r := backtestWith(t, fake, tokenEnv(fake), "--repo", "acme/widgets")
	t.Logf("code=%d\nstderr=%s\nstdout=%s", r.code, r.stderr, r.stdout[:min(len(r.stdout), 3000)])
	t.Logf("requests=%d", len(fake.Requests()))
}
