package dbtest

import (
	"context"
	"errors"
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
	tools, err := serverTools(ctx, base)
	if err != nil {
		return skip("%v", err)
	}
	r := &Replica{t: t, bin: tools.Bin, asUser: tools.AsUser, primary: base}
	u, err := url.Parse(base)
	if err != nil {
		return skip("parse %s: %v", EnvURL, err)
	}
	r.dir, err = os.MkdirTemp("", "sangathan-replica-")
	if err != nil {
		return skip("temp dir: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(r.dir) })
	if err := tools.Own(r.dir); err != nil {
		return skip("%v", err)
	}
	if r.port, err = FreePort(); err != nil {
		return skip("port: %v", err)
	}

	// The replica streams through a replication slot of its own, made before the backup: other
	// tests force checkpoints all the time (each DROP DATABASE waits for one) and write the WAL
	// fast (each CREATE DATABASE copies a template into it), so without a slot the WAL the
	// replica needs next is often removed between the backup's end and the replica's start, and
	// the replica waits forever ("requested WAL segment … has already been removed").
	ownerID, err := processOwner(ctx, base)
	if err != nil {
		return skip("owner: %v", err)
	}
	dropOrphanSlots(ctx, base)
	slot := fmt.Sprintf("sangathan_replica_%08x_%s", ownerID, randomHex(4))
	t.Cleanup(func() { dropSlot(base, slot) }) // after Stop: cleanups run last first

	data := filepath.Join(r.dir, "data")
	backup := []string{filepath.Join(r.bin, "pg_basebackup"), "-h", u.Hostname(), "-p", portOf(u), "-U", u.User.Username(),
		"-D", data, "-R", "-X", "stream", "-S", slot, "--checkpoint=fast", "--no-sync"}
	// A slot can be invalidated by a checkpoint that races its creation (PostgreSQL 15 logs
	// "terminating process … to release replication slot"), and other tests force checkpoints
	// all the time. Such a backup is simply taken again, through a new slot.
	var out []byte
	for attempt := 1; ; attempt++ {
		if err = createSlot(ctx, base, slot); err == nil {
			if out, err = r.run(backup...); err == nil {
				break
			}
		}
		if attempt == 3 {
			return skip("pg_basebackup, 3 attempts: %v: %s (does pg_hba.conf allow `host replication all 127.0.0.1/32`?)", err, out)
		}
		t.Logf("dbtest: pg_basebackup failed (%v: %s); again", err, strings.TrimSpace(string(out)))
		dropSlot(base, slot)
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
		if err := tools.Own(p); err != nil {
			return skip("%v", err)
		}
	}
	if err := r.Start(); err != nil {
		return skip("start: %v", err)
	}
	t.Cleanup(func() {
		_ = r.Stop()
		if t.Failed() { // what the replica was doing, for the failure's reader
			if log, err := os.ReadFile(filepath.Join(r.dir, "log")); err == nil {
				t.Logf("dbtest: the replica's log, last lines:\n%s", lastLines(string(log), 40))
			}
		}
	})
	return r
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// SlotName is a name for a replication slot that a test makes some other way (a replica's
// start script, say): the slot is dropped when the test ends, or as an orphan of an ended test
// process later.
func SlotName(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	owner, err := processOwner(context.Background(), base)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	slot := fmt.Sprintf("sangathan_replica_%08x_%s", owner, randomHex(4))
	t.Cleanup(func() { dropSlot(base, slot) })
	return slot
}

// createSlot makes a physical replication slot that keeps the WAL from now on.
func createSlot(ctx context.Context, base, slot string) error {
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	_, err = c.Exec(ctx, "SELECT pg_create_physical_replication_slot($1, true)", slot)
	return err
}

// dropSlot drops a replica's slot once nothing streams from it (its replica has just stopped:
// the walsender may take a moment to end). A slot left behind is dropped as an orphan later.
func dropSlot(base, slot string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		return
	}
	defer c.Close(ctx)
	for ctx.Err() == nil {
		_, err := c.Exec(ctx, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
			WHERE slot_name = $1 AND NOT active`, slot)
		var left bool
		if err == nil {
			err = c.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1)", slot).Scan(&left)
		}
		if err == nil && !left {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// dropOrphanSlots drops the inactive replica slots of test processes that have ended (their
// owner holds no lock, as for test databases): a slot keeps the WAL for ever.
func dropOrphanSlots(ctx context.Context, base string) {
	c, err := pgx.Connect(ctx, base)
	if err != nil {
		return
	}
	defer c.Close(ctx)
	_, _ = c.Exec(ctx, `SELECT pg_drop_replication_slot(s.slot_name) FROM pg_replication_slots s
		WHERE s.slot_name ~ '^sangathan_replica_[0-9a-f]{8}_[0-9a-f]+$' AND NOT s.active
		  AND NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
		        AND l.classid::bigint = $1 AND l.objsubid = 2
		        AND l.objid::bigint = ('x' || substr(s.slot_name, 19, 8))::bit(32)::bigint)`, int64(ownerLockSpace))
}

// Tools are the PostgreSQL server's programs on this machine, in the version of the test
// cluster, run as the postgres account when the tests run as root (the server refuses root).
type Tools struct {
	Bin    string   // the directory of postgres, pg_ctl, pg_basebackup
	AsUser []string // runuser prefix when the tests run as root
}

// ServerTools finds the server's programs for the cluster of SANGATHAN_TEST_DATABASE_URL. It
// skips the test when there are none (fails it under SANGATHAN_REQUIRE_REPLICA=1, as CI sets).
func ServerTools(t testing.TB) *Tools {
	t.Helper()
	base := os.Getenv(EnvURL)
	var err error
	var tools *Tools
	if base == "" {
		err = fmt.Errorf("%s is not set: the server's programs serve a PostgreSQL cluster", EnvURL)
	} else {
		tools, err = serverTools(context.Background(), base)
	}
	if err != nil {
		if os.Getenv(EnvRequireReplica) == "1" {
			t.Fatalf("dbtest: the server's programs are required (%s=1) but: %v", EnvRequireReplica, err)
		}
		t.Skipf("dbtest: %v; set %s=1 to make this a failure", err, EnvRequireReplica)
	}
	return tools
}

func serverTools(ctx context.Context, base string) (*Tools, error) {
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		return nil, fmt.Errorf("connect: %w", err)
	}
	var version int
	err = conn.QueryRow(ctx, "SELECT current_setting('server_version_num')::int / 10000").Scan(&version)
	conn.Close(ctx)
	if err != nil {
		return nil, fmt.Errorf("server version: %w", err)
	}
	tools := &Tools{Bin: fmt.Sprintf("/usr/lib/postgresql/%d/bin", version)}
	if _, err := os.Stat(filepath.Join(tools.Bin, "pg_basebackup")); err != nil {
		return nil, fmt.Errorf("no PostgreSQL %d programs in %s", version, tools.Bin)
	}
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("postgres"); err != nil {
			return nil, errors.New("running as root without a postgres account to run the server as")
		}
		tools.AsUser = []string{"runuser", "-u", "postgres", "--"}
	}
	return tools, nil
}

// Command is the command args, run as the account the server runs as, with the server's
// programs first on its PATH.
func (s *Tools) Command(args ...string) *exec.Cmd {
	args = append(append(append([]string{}, s.AsUser...), "env", "PATH="+s.Bin+":"+os.Getenv("PATH")), args...)
	return exec.Command(args[0], args[1:]...)
}

// Own gives path to the account the server runs as (when the tests run as root).
func (s *Tools) Own(path string) error {
	if s.AsUser == nil {
		return nil
	}
	if out, err := exec.Command("chown", "postgres:", path).CombinedOutput(); err != nil {
		return fmt.Errorf("chown %s: %v: %s", path, err, out)
	}
	return nil
}

// FreePort is a TCP port of 127.0.0.1 that nothing listens on now.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
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
