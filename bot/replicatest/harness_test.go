package replicatest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/tiergate/tiergate/bot/githubtest"
	"github.com/tiergate/tiergate/bot/internal/poll"
	"github.com/tiergate/tiergate/bot/internal/testlog"
	"github.com/tiergate/tiergate/bot/pgstore/pgtest"
)

// options shape a cluster of replicas.
type options struct {
	replicas int
	database bool          // PostgreSQL mode: one shared database
	debounce time.Duration // TIERGATE_DEBOUNCE
	sweep    time.Duration // TIERGATE_SWEEP_INTERVAL; 0 turns the sweep off
}

// cluster is N real `tiergate serve` processes, one fake GitHub in this
// process and, in PostgreSQL mode, one database.
type cluster struct {
	t        *testing.T
	opts     options
	gh       *githubtest.Server
	dbURL    string
	db       *pgxpool.Pool // the test's own connection, for reading the queue
	replicas []*replica
	delivery atomic.Int64
	next     atomic.Int64 // round robin
	// dbURLFor, when set, gives replica i its own database URL (for
	// example another role, to cut one replica off the database).
	dbURLFor func(i int) string
}

// replica is one process slot: a fixed port, restarted in place.
type replica struct {
	index int
	addr  string // 127.0.0.1:port
	logs  *testlog.Buffer

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
}

// newCluster starts the fake GitHub, seeds the pull request the example
// payloads describe, and prepares (without starting) the replicas: seed
// more, then call start.
func newCluster(t *testing.T, opts options) *cluster {
	t.Helper()
	c := &cluster{t: t, opts: opts, gh: githubtest.New(t)}
	seed(c.gh)
	if opts.database {
		c.dbURL = pgtest.URL(t)
		pool, err := pgxpool.New(context.Background(), c.dbURL)
		if err != nil {
			t.Fatalf("connect to the test database: %v", err)
		}
		t.Cleanup(pool.Close) // before the database is dropped
		c.db = pool
	}
	for i := range opts.replicas {
		c.replicas = append(c.replicas, &replica{index: i, addr: freeAddr(t), logs: &testlog.Buffer{}})
	}
	t.Cleanup(func() {
		for _, r := range c.replicas {
			r.kill()
		}
		if t.Failed() {
			for _, r := range c.replicas {
				t.Logf("replica %d logs:\n%s", r.index, r.logs.String())
			}
		}
	})
	return c
}

// start starts every replica and waits until each is ready.
func (c *cluster) start() {
	c.t.Helper()
	for i := range c.replicas {
		c.restart(i)
	}
}

// env is the configuration of every replica: the fake GitHub, the shared
// database, and the test's debounce and sweep.
func (c *cluster) env(r *replica) []string {
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"TIERGATE_LISTEN=" + r.addr,
		"TIERGATE_APP_ID=" + strconv.FormatInt(c.gh.AppID, 10),
		"TIERGATE_PRIVATE_KEY=" + string(c.gh.PrivateKeyPEM),
		"TIERGATE_WEBHOOK_SECRET=" + secret,
		"TIERGATE_GITHUB_API_URL=" + c.gh.URL(),
		"TIERGATE_WORKERS=4",
		"TIERGATE_LOG_LEVEL=debug",
		"TIERGATE_LOG_FORMAT=json",
		"TIERGATE_DEBOUNCE=" + c.opts.debounce.String(),
		"TIERGATE_SWEEP_INTERVAL=" + c.opts.sweep.String(),
	}
	if c.opts.database {
		u := c.dbURL
		if c.dbURLFor != nil {
			u = c.dbURLFor(r.index)
		}
		env = append(env, "TIERGATE_DATABASE_URL="+u)
	}
	return env
}

// restart starts replica i (again) on its port and waits for /readyz.
func (c *cluster) restart(i int) {
	c.t.Helper()
	r := c.replicas[i]
	r.mu.Lock()
	if r.cmd != nil {
		r.mu.Unlock()
		c.t.Fatalf("replica %d is already running", i)
	}
	cmd := exec.Command(binary, "serve")
	cmd.Env = c.env(r)
	cmd.Stdout, cmd.Stderr = r.logs, r.logs
	if err := cmd.Start(); err != nil {
		r.mu.Unlock()
		c.t.Fatalf("start replica %d: %v", i, err)
	}
	fmt.Fprintf(r.logs, "=== replica %d started, pid %d\n", i, cmd.Process.Pid)
	done := make(chan struct{})
	go func() {
		err := cmd.Wait()
		fmt.Fprintf(r.logs, "=== replica %d (pid %d) exited: %v\n", i, cmd.Process.Pid, err)
		close(done)
	}()
	r.cmd, r.done = cmd, done
	r.mu.Unlock()

	client := &http.Client{Timeout: time.Second}
	waitFor(c.t, 20*time.Second, fmt.Sprintf("replica %d ready", i), func() bool {
		select {
		case <-done:
			c.t.Fatalf("replica %d exited while starting:\n%s", i, r.logs.String())
		default:
		}
		resp, err := client.Get("http://" + r.addr + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// kill9 sends SIGKILL to replica i and waits until it is gone.
func (c *cluster) kill9(i int) {
	c.t.Helper()
	if !c.replicas[i].kill() {
		c.t.Fatalf("replica %d was not running", i)
	}
}

// kill SIGKILLs the process if it runs and reaps it; it reports whether it ran.
func (r *replica) kill() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return false
	}
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
	r.cmd, r.done = nil, nil
	return true
}

// pid is the process ID of replica i, 0 when it is not running.
func (c *cluster) pid(i int) int {
	r := c.replicas[i]
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return 0
	}
	return r.cmd.Process.Pid
}

// post is the load balancer: it sends a signed delivery to replica i and
// returns the status code.
func (c *cluster) post(i int, event string, body []byte) int {
	c.t.Helper()
	id := fmt.Sprintf("replicatest-%d", c.delivery.Add(1))
	req, err := http.NewRequest(http.MethodPost, "http://"+c.replicas[i].addr+"/webhook", bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", id)
	req.Header.Set("X-Hub-Signature-256", githubtest.Sign([]byte(secret), body))
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		c.t.Fatalf("deliver %s to replica %d: %v", event, i, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// send delivers to replica i and requires the 202.
func (c *cluster) send(i int, event string, body []byte) {
	c.t.Helper()
	if code := c.post(i, event, body); code != http.StatusAccepted {
		c.t.Fatalf("%s delivered to replica %d answered %d, want 202", event, i, code)
	}
}

// sendRoundRobin delivers to the next replica in turn.
func (c *cluster) sendRoundRobin(event string, body []byte) {
	c.t.Helper()
	c.send(int(c.next.Add(1)-1)%len(c.replicas), event, body)
}

// logCount counts lines containing s in every replica's logs.
func (c *cluster) logCount(s string) int {
	n := 0
	for _, r := range c.replicas {
		n += strings.Count(r.logs.String(), s)
	}
	return n
}

// firstLog returns the first log line of any replica that contains s, or "".
func (c *cluster) firstLog(s string) string {
	for _, r := range c.replicas {
		for _, line := range strings.Split(r.logs.String(), "\n") {
			if strings.Contains(line, s) {
				return line
			}
		}
	}
	return ""
}

// reportedMsg starts the log line of an evaluation that wrote its verdict.
const reportedMsg = `"message":"reported `

// reported is how many evaluations wrote their verdict, over all replicas
// and restarts.
func (c *cluster) reported() int { return c.logCount(reportedMsg) }

// reportedBy counts, per replica, the evaluations that wrote their verdict.
func (c *cluster) reportedBy() []int {
	out := make([]int, len(c.replicas))
	for i, r := range c.replicas {
		out[i] = strings.Count(r.logs.String(), reportedMsg)
	}
	return out
}

// workRows counts the PostgreSQL queue's rows (queued, settling, leased or
// waiting to retry).
func (c *cluster) workRows() int {
	c.t.Helper()
	var n int
	if err := c.db.QueryRow(context.Background(), `SELECT count(*) FROM tiergate_work`).Scan(&n); err != nil {
		c.t.Fatalf("count work rows: %v", err)
	}
	return n
}

// leaseOwner returns the lease owner of a work row ("host/pid/start"), ""
// when it is not leased or absent.
func (c *cluster) leaseOwner(key string) string {
	c.t.Helper()
	var owner string
	err := c.db.QueryRow(context.Background(), `SELECT coalesce(max(lease_owner), '') FROM tiergate_work WHERE key = $1`, key).Scan(&owner)
	if err != nil {
		c.t.Fatalf("read lease of %s: %v", key, err)
	}
	return owner
}

// evaluate delivers a pull_request event to replica i, waits until one more
// evaluation has reported and, in PostgreSQL mode, the queue is empty, and
// returns the replicas that evaluated.
func (c *cluster) evaluate(i int, body []byte) []int {
	c.t.Helper()
	before := c.reportedBy()
	c.send(i, "pull_request", body)
	waitFor(c.t, 20*time.Second, "the evaluation to report", func() bool {
		return c.reported() > sum(before) && (!c.opts.database || c.workRows() == 0)
	})
	var by []int
	for j, n := range c.reportedBy() {
		if n > before[j] {
			by = append(by, j)
		}
	}
	return by
}

func sum(ns []int) int {
	t := 0
	for _, n := range ns {
		t += n
	}
	return t
}

// waitFor polls cond until it holds, and fails the test with what after
// deadline.
func waitFor(t *testing.T, deadline time.Duration, what string, cond func() bool) {
	t.Helper()
	poll.Until(t, deadline, what, cond)
}

// freeAddr returns a loopback address with a port nothing listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
