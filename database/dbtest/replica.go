package dbtest

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvRequireReplica, set to 1 (as CI does), turns a skipped replica test into a failure.
const EnvRequireReplica = "SANGATHAN_REQUIRE_REPLICA"

// Replica is a streaming replica of the test PostgreSQL cluster, made for one test: a copy of
// the whole cluster by pg_basebackup -R, started on a port of its own, stopped and removed when
// the test ends. It needs the server's binaries on this machine, a pg_hba.conf line that lets
// the test's user connect for replication from 127.0.0.1, and — as root — the postgres account
// to run the server as.
type Replica struct {
	t       testing.TB
	bin     string // the PostgreSQL binaries' directory
	dir     string // the cluster's data directory
	port    int
	asUser  []string // runuser prefix when the tests run as root
	primary string   // the test cluster's URL
}

// StartReplica makes and starts a replica of the cluster of SANGATHAN_TEST_DATABASE_URL. Make
// the databases it must hold first: it copies what exists then, and streams what follows.
// It skips the test (fails it under SANGATHAN_REQUIRE_REPLICA=1) when the machine cannot.
func StartReplica(t testing.TB) *Replica {
	t.Helper()
	skip := func(format string, args ...any) *Replica {
		t.Helper()
		msg := fmt.Sprintf(format, args...)
		if os.Getenv(EnvRequireReplica) == "1" {
			t.Fatalf("dbtest: a replica is required (%s=1) but: %s", EnvRequireReplica, msg)
		}
		t.Skipf("dbtest: no replica (%s); set %s=1 to make this a failure", msg, EnvRequireReplica)
		return nil
	}
	base := os.Getenv(EnvURL)
	if base == "" {
		return skip("%s is not set: replicas need PostgreSQL", EnvURL)
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return skip("connect: %v", err)
	}
	var version int
	err = conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int / 10000").Scan(&version)
	conn.Close(ctx)
	if err != nil {
		return skip("server version: %v", err)
	}
	r := &Replica{t: t, bin: fmt.Sprintf("/usr/lib/postgresql/%d/bin", version), primary: base}
	if _, err := os.Stat(filepath.Join(r.bin, "pg_basebackup")); err != nil {
		return skip("no PostgreSQL %d binaries in %s", version, r.bin)
	}
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("postgres"); err != nil {
			return skip("running as root without a postgres account to run the replica as")
		}
		r.asUser = []string{"runuser", "-u", "postgres", "--"}
	}
	u, err := url.Parse(base)
	if err != nil {
		return skip("parse %s: %v", EnvURL, err)
	}
	r.dir, err = os.MkdirTemp("", "sangathan-replica-")
	if err != nil {
		return skip("temp dir: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(r.dir) })
	if r.asUser != nil {
		if out, err := exec.Command("chown", "postgres:", r.dir).CombinedOutput(); err != nil {
			return skip("chown: %v: %s", err, out)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return skip("port: %v", err)
	}
	r.port = l.Addr().(*net.TCPAddr).Port
	l.Close()

	data := filepath.Join(r.dir, "data")
	backup := []string{filepath.Join(r.bin, "pg_basebackup"), "-h", u.Hostname(), "-p", portOf(u), "-U", u.User.Username(),
		"-D", data, "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"}
	// A backup's temporary slot can be invalidated by a checkpoint that races its creation
	// (PostgreSQL 15 logs "terminating process … to release replication slot"); other tests
	// creating databases force checkpoints all the time. Such a backup is simply taken again.
	var out []byte
	for attempt := 1; ; attempt++ {
		if out, err = r.run(backup...); err == nil {
			break
		}
		if attempt == 3 {
			return skip("pg_basebackup, 3 attempts: %v: %s (does pg_hba.conf allow `host replication all 127.0.0.1/32`?)", err, out)
		}
		t.Logf("dbtest: pg_basebackup failed (%v: %s); again", err, strings.TrimSpace(string(out)))
		if err := os.RemoveAll(data); err != nil {
			return skip("remove a failed backup: %v", err)
		}
	}
	// The server's own configuration: Debian keeps postgresql.conf and pg_hba.conf outside the
	// data directory, so the copy has none.
	conf := fmt.Sprintf("port = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\n"+
		"hot_standby = on\nhot_standby_feedback = on\nmax_connections = 100\nshared_buffers = 32MB\nfsync = off\n", r.port, r.dir)
	hba := "local all all trust\nhost all all 127.0.0.1/32 trust\n"
	for name, body := range map[string]string{"postgresql.conf": conf, "pg_hba.conf": hba} {
		p := filepath.Join(data, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			return skip("write %s: %v", name, err)
		}
		if r.asUser != nil {
			if out, err := exec.Command("chown", "postgres:", p).CombinedOutput(); err != nil {
				return skip("chown: %v: %s", err, out)
			}
		}
	}
	if err := r.Start(); err != nil {
		return skip("start: %v", err)
	}
	t.Cleanup(func() { _ = r.Stop() })
	return r
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	return "5432"
}

func (r *Replica) run(args ...string) ([]byte, error) {
	args = append(append([]string{}, r.asUser...), args...)
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = r.dir
	return cmd.CombinedOutput()
}

// Start starts the replica's server and waits until it accepts connections.
func (r *Replica) Start() error {
	if out, err := r.run(filepath.Join(r.bin, "pg_ctl"), "-D", filepath.Join(r.dir, "data"), "-l", filepath.Join(r.dir, "log"), "-w", "-t", "60", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(r.dir, "log"))
		return fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
	}
	return nil
}

// Stop stops the replica's server at once (its clients are disconnected).
func (r *Replica) Stop() error {
	if out, err := r.run(filepath.Join(r.bin, "pg_ctl"), "-D", filepath.Join(r.dir, "data"), "-m", "fast", "-w", "stop"); err != nil {
		return fmt.Errorf("pg_ctl stop: %v: %s", err, out)
	}
	return nil
}

// URL is the URL of the database name on the replica, as the test's user.
func (r *Replica) URL(name string) string {
	u, _ := url.Parse(r.primary)
	u.Host = net.JoinHostPort("127.0.0.1", strconv.Itoa(r.port))
	u.Path = "/" + name
	return u.String()
}

// Exec runs statements on the replica's postgres database (pg_wal_replay_pause(), say).
func (r *Replica) Exec(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, r.URL("postgres"))
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, sql)
	return err
}

// QueryRow runs a query on the replica's database name and scans its one row into dest.
func (r *Replica) QueryRow(name, sql string, dest ...any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, r.URL(name))
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	return c.QueryRow(ctx, sql).Scan(dest...)
}

// DatabaseName is the name of the database in a postgres:// URL.
func DatabaseName(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(p.Path, "/")
}
