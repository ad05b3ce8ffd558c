package githubtest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-github/v60/github"
)

// newAppClient is a fake and a client authenticated as its App.
func newAppClient(t *testing.T) (*Server, *github.Client) {
	t.Helper()
	s := New(t)
	gh, err := newAppsClient(s)
	if err != nil {
		t.Fatal(err)
	}
	return s, gh
}

func TestDeliveriesListPagesNewestFirst(t *testing.T) {
	s, gh := newAppClient(t)
	var ids []int64
	for i := 0; i < 5; i++ {
		ids = append(ids, s.RecordDelivery("", "pull_request", 502, []byte(`{"action":"opened"}`)))
	}
	redo := s.RecordDelivery(s.Deliveries()[0].GUID, "pull_request", 202, []byte(`{"action":"opened"}`))

	var got []*github.HookDelivery
	opts := &github.ListCursorOptions{PerPage: 2}
	pages := 0
	for {
		page, resp, err := gh.Apps.ListHookDeliveries(context.Background(), opts)
		if err != nil {
			t.Fatalf("ListHookDeliveries: %v", err)
		}
		pages++
		got = append(got, page...)
		if resp.Cursor == "" {
			break
		}
		opts.Cursor = resp.Cursor
	}
	want := []int64{redo, ids[4], ids[3], ids[2], ids[1], ids[0]}
	if len(got) != len(want) || pages != 3 {
		t.Fatalf("listed %d deliveries in %d pages, want %d in 3", len(got), pages, len(want))
	}
	for i, d := range got {
		if d.GetID() != want[i] {
			t.Errorf("delivery %d: ID %d, want %d", i, d.GetID(), want[i])
		}
	}
	if !got[0].GetRedelivery() || got[0].GetGUID() != got[5].GetGUID() || got[0].GetStatus() != "OK" {
		t.Errorf("redelivery = %+v, want redelivery of %s with status OK", got[0], got[5].GetGUID())
	}
	if got[1].GetStatus() != "Invalid HTTP Response: 502" || got[1].GetAction() != "opened" {
		t.Errorf("failed delivery = %+v, want status Invalid HTTP Response: 502, action opened", got[1])
	}
}

func TestRedeliverPostsToWebhook(t *testing.T) {
	s, gh := newAppClient(t)
	secret := []byte("shh")
	got := make(chan *http.Request, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("X-Hub-Signature-256") != Sign(secret, body) {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		got <- r
	}))
	defer hook.Close()
	s.SetWebhook(hook.URL, secret)
	id := s.RecordDelivery("", "push", 503, []byte(`{"ref":"refs/heads/main"}`))

	// GitHub answers 202, which go-github reports as *github.AcceptedError.
	_, _, err := gh.Apps.RedeliverHookDelivery(context.Background(), id)
	if accepted := (*github.AcceptedError)(nil); !errors.As(err, &accepted) {
		t.Fatalf("RedeliverHookDelivery = %v, want *github.AcceptedError (202)", err)
	}
	select {
	case r := <-got:
		if r.Header.Get("X-GitHub-Event") != "push" || r.Header.Get("X-GitHub-Delivery") != s.Deliveries()[0].GUID {
			t.Errorf("redelivered headers = %v, want event push and the original GUID", r.Header)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("redelivery never reached the webhook")
	}
	if reqs := s.RedeliveryRequests(); len(reqs) != 1 || reqs[0] != id {
		t.Errorf("RedeliveryRequests() = %v, want [%d]", reqs, id)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(s.Deliveries()) < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	ds := s.Deliveries()
	if len(ds) != 2 || !ds[1].Redelivery || ds[1].StatusCode != http.StatusAccepted || ds[1].GUID != ds[0].GUID {
		t.Errorf("Deliveries() = %+v, want the original and a 202 redelivery with its GUID", ds)
	}
	d, _, err := gh.Apps.GetHookDelivery(context.Background(), id)
	if err != nil || d.GetRequest().GetHeaders()["X-GitHub-Event"] != "push" {
		t.Errorf("GetHookDelivery(%d) = %+v, %v; want the push request", id, d, err)
	}
}

func TestDeliveriesNeedTheAppJWT(t *testing.T) {
	s := seeded(t)
	gh := client(t, s, inst, s.PrivateKeyPEM)
	if _, resp, err := gh.Apps.ListHookDeliveries(context.Background(), nil); err == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("ListHookDeliveries with an installation token = %v, want 401", err)
	}
}
