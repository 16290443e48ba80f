package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/database/dbtest"
)

// TestReplicaEntrypointCopiesAndStreams runs the compose read replica's start script
// (deploy/replica-entrypoint.sh) against the test cluster, as the replica container would: on an
// empty data directory it makes its slot, copies the primary and streams from it; stopped and
// started again it keeps its copy and catches up through the slot with what was written while
// it was down.
func TestReplicaEntrypointCopiesAndStreams(t *testing.T) {
	dbtest.NeedPostgres(t, "the replica's start script copies a PostgreSQL cluster")
	tools := dbtest.ServerTools(t)
	dbURL := dbtest.URL(t)
	u, err := url.Parse(dbURL)
	require.NoError(t, err)
	dir, err := os.MkdirTemp("", "sangathan-entrypoint-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, tools.Own(dir))
	port, err := dbtest.FreePort()
	require.NoError(t, err)

	script, err := os.ReadFile("../../deploy/replica-entrypoint.sh")
	require.NoError(t, err)
	files := map[string]string{
		"entrypoint.sh": string(script),
		// The container's configuration comes with the copy; Debian keeps the test cluster's
		// outside its data directory, so the test gives one.
		"postgresql.conf": fmt.Sprintf("listen_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\n"+
			"max_connections = 100\nshared_buffers = 32MB\nfsync = off\n", port, dir),
		"pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o700))
		require.NoError(t, tools.Own(p))
	}
	data := filepath.Join(dir, "data")
	primaryPort := u.Port()
	if primaryPort == "" {
		primaryPort = "5432"
	}
	slot := dbtest.SlotName(t)
	env := []string{"PGDATA=" + data, "PRIMARY_HOST=" + u.Hostname(), "PRIMARY_PORT=" + primaryPort,
		"REPLICATION_USER=" + u.User.Username(), "REPLICATION_SLOT=" + slot,
		"SANGATHAN_REPLICATION_PASSWORD=unused-with-trust"}
	start := func() {
		t.Helper()
		args := append(append([]string{}, env...), "bash", filepath.Join(dir, "entrypoint.sh"),
			"-c", "config_file="+filepath.Join(dir, "postgresql.conf"), "-c", "hba_file="+filepath.Join(dir, "pg_hba.conf"))
		cmd := tools.Command(args...)
		log, err := os.Create(filepath.Join(dir, "log-"+strconv.FormatInt(time.Now().UnixNano(), 10)))
		require.NoError(t, err)
		cmd.Stdout, cmd.Stderr = log, log
		require.NoError(t, cmd.Start())
		go func() { _ = cmd.Wait(); log.Close() }()
	}
	stop := func() {
		_ = tools.Command("pg_ctl", "-D", data, "-m", "fast", "-w", "stop").Run()
	}
	t.Cleanup(stop)

	ctx := context.Background()
	primary, err := pgx.Connect(ctx, dbURL)
	require.NoError(t, err)
	defer primary.Close(ctx)
	_, err = primary.Exec(ctx, "CREATE TABLE entry_probe (n int)")
	require.NoError(t, err)
	replicaURL := *u
	replicaURL.Host = "127.0.0.1:" + strconv.Itoa(port)
	// seen waits until the replica, in recovery, holds n rows of the probe.
	seen := func(n int) {
		t.Helper()
		deadline := time.Now().Add(3 * time.Minute)
		var last error
		for time.Now().Before(deadline) {
			c, err := pgx.Connect(ctx, replicaURL.String())
			if err == nil {
				var rows int
				var recovering bool
				err = c.QueryRow(ctx, "SELECT pg_is_in_recovery(), (SELECT count(*) FROM entry_probe)").Scan(&recovering, &rows)
				c.Close(ctx)
				if err == nil && recovering && rows == n {
					return
				}
				if err == nil {
					err = fmt.Errorf("in recovery %v, %d rows", recovering, rows)
				}
			}
			last = err
			time.Sleep(200 * time.Millisecond)
		}
		logs, _ := filepath.Glob(filepath.Join(dir, "log-*"))
		for _, l := range logs {
			b, _ := os.ReadFile(l)
			t.Logf("%s:\n%s", l, b)
		}
		t.Fatalf("the replica did not show %d rows within 3 minutes: %v", n, last)
	}

	start()
	seen(0) // copied
	_, err = primary.Exec(ctx, "INSERT INTO entry_probe VALUES (1)")
	require.NoError(t, err)
	seen(1) // streamed
	// It streams through its slot, which keeps on the primary the WAL it has not received.
	var active bool
	require.NoError(t, primary.QueryRow(ctx, "SELECT active FROM pg_replication_slots WHERE slot_name = $1", slot).Scan(&active))
	require.True(t, active, "the replica streams through its slot")
	marker := filepath.Join(data, "kept-by-restart")
	require.NoError(t, os.WriteFile(marker, nil, 0o600))

	stop()
	_, err = primary.Exec(ctx, "INSERT INTO entry_probe VALUES (2)")
	require.NoError(t, err)
	start()
	seen(2)
	_, err = os.Stat(marker)
	require.NoError(t, err, "started again, the replica kept its copy rather than making another")
}
