package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// binaries locates initdb and postgres.
type binaries struct{ initdb, postgres string }

// findBinaries looks on PATH, then in Debian's versioned folders
// /usr/lib/postgresql/<version>/bin, highest version first.
func findBinaries() (binaries, error) {
	if initdb, err := exec.LookPath("initdb"); err == nil {
		pg := filepath.Join(filepath.Dir(initdb), "postgres")
		if _, err := os.Stat(pg); err == nil {
			return binaries{initdb, pg}, nil
		}
		if pg, err := exec.LookPath("postgres"); err == nil {
			return binaries{initdb, pg}, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		b := binaries{filepath.Join(d, "initdb"), filepath.Join(d, "postgres")}
		if isFile(b.initdb) && isFile(b.postgres) {
			return b, nil
		}
	}
	return binaries{}, errors.New("not found")
}

// version reads the major version from /usr/lib/postgresql/<version>/bin.
func version(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir()
}

// cluster is a PostgreSQL server started for this test binary.
type cluster struct {
	dir  string
	cmd  *exec.Cmd
	done chan struct{} // closed when the server process exits
	url  string
}

// startCluster runs initdb and then postgres as a child process (not through
// pg_ctl) so that the server dies with the test binary even when the binary
// is killed (Pdeathsig): a timed-out test run leaves no server behind.
// initdb refuses to run as root; as root, both run as the postgres user.
func startCluster(bin binaries) (*cluster, error) {
	dir, err := os.MkdirTemp("", "tiergate-pg-")
	if err != nil {
		return nil, err
	}
	var cred *syscall.Credential
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("running as root and there is no postgres user to run PostgreSQL as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	data := filepath.Join(dir, "data")
	logPath := filepath.Join(dir, "postgres.log")

	initdb := exec.Command(bin.initdb, "-D", data, "-U", "postgres", "--auth=trust",
		"--no-sync", "--encoding=UTF8", "--no-locale")
	initdb.Dir = dir
	initdb.Env = append(os.Environ(), "LC_ALL=C")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}

	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(bin.postgres, "-D", data,
		"-c", "listen_addresses=127.0.0.1", "-p", strconv.Itoa(port), "-k", dir,
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=300", "-c", "shared_buffers=32MB")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	c := &cluster{
		dir:  dir,
		cmd:  cmd,
		done: make(chan struct{}),
		url:  fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port),
	}
	go func() { _ = cmd.Wait(); close(c.done) }()

	if err := c.waitReady(30 * time.Second); err != nil {
		_ = c.stop()
		return nil, err
	}
	return c, nil
}

func (c *cluster) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn, err := pgx.Connect(ctx, c.url)
		if err == nil {
			_ = conn.Close(ctx)
			cancel()
			return nil
		}
		cancel()
		select {
		case <-c.done:
			return fmt.Errorf("postgres exited at start-up:\n%s", c.log())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not ready after %v: %v\n%s", timeout, err, c.log())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (c *cluster) log() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "postgres.log"))
	return strings.TrimSpace(string(b))
}

// stop shuts the server down (fast shutdown, then immediate after 10 s) and
// removes its directory.
func (c *cluster) stop() error {
	defer os.RemoveAll(c.dir)
	_ = c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.done:
		return nil
	case <-time.After(10 * time.Second):
	}
	_ = c.cmd.Process.Signal(syscall.SIGQUIT)
	select {
	case <-c.done:
		return errors.New("fast shutdown timed out; used immediate shutdown")
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		return errors.New("postgres did not stop; killed")
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
