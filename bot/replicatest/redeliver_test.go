package replicatest

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"
)

// TestFailedDeliveryIsRedelivered: GitHub's delivery log shows a
// pull_request delivery that failed with 502 while nobody could take it.
// The replica's sweep asks GitHub to redeliver it, GitHub posts it again,
// the replica accepts it and the head gets its check. Later sweeps do not
// ask again.
func TestFailedDeliveryIsRedelivered(t *testing.T) {
	c := newCluster(t, options{replicas: 1, database: true, debounce: 200 * time.Millisecond, sweep: time.Second})
	c.gh.SetChangedFiles(owner, repo, prNumber, files("app/a.go", "app/a_test.go"))
	c.gh.AddReview(owner, repo, prNumber, approvalBy("alice", headSHA))
	c.gh.SetWebhook("http://"+c.replicas[0].addr+"/webhook", []byte(secret))
	failed := c.gh.RecordDelivery("", "pull_request", http.StatusBadGateway, prEvent(t, "opened", prNumber, headSHA))
	guid := c.gh.Deliveries()[0].GUID
	c.start()

	waitFor(t, 30*time.Second, "the redelivery accepted, the verdict and an empty queue", func() bool {
		return slices.ContainsFunc(c.gh.Deliveries(), func(d deliveryView) bool {
			return d.Redelivery && d.GUID == guid && d.StatusCode == http.StatusAccepted
		}) && c.completed(headSHA) && c.workRows() == 0
	})
	var accepted bool
	if err := c.db.QueryRow(context.Background(),
		`SELECT EXISTS (SELECT 1 FROM tiergate_deliveries WHERE delivery_id = $1)`, guid).Scan(&accepted); err != nil || !accepted {
		t.Errorf("delivery %s recorded in tiergate_deliveries = %v, %v; want true", guid, accepted, err)
	}
	if cr := c.checksOn(headSHA)[0]; cr.Conclusion != "success" {
		t.Errorf("verdict = %s %q, want success", cr.Conclusion, cr.Title)
	}

	sweeps := c.logCount(`"message":"sweep `)
	waitFor(t, 15*time.Second, "two more sweeps", func() bool { return c.logCount(`"message":"sweep `) >= sweeps+2 })
	if got := c.gh.RedeliveryRequests(); len(got) != 1 || got[0] != failed {
		t.Errorf("redelivery requests after %d sweeps = %v, want exactly [%d]", c.logCount(`"message":"sweep `), got, failed)
	}
}
