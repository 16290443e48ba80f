package dbtest

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestReplicaStartsWhileTheWALChurns: as in CI, other tests write WAL fast and force checkpoints
// while a replica is made. The new replica must still catch up — it streams through a slot of
// its own, so the WAL it needs after the backup is kept. Without the slot, the segment it needed
// next was removed before it started and it never caught up.
func TestReplicaStartsWhileTheWALChurns(t *testing.T) {
	if os.Getenv(EnvURL) == "" {
		t.Skipf("replicas need PostgreSQL: set %s", EnvURL)
	}
	url := URL(t)
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // about 8 MB of WAL and a checkpoint, over and over, while the replica is made
		defer wg.Done()
		c, err := pgx.Connect(ctx, url)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(ctx, "CREATE TABLE churn (n int, s text)")
		for ctx.Err() == nil {
			_, _ = c.Exec(ctx, "INSERT INTO churn SELECT g, repeat('x', 100) FROM generate_series(1, 50000) g")
			_, _ = c.Exec(ctx, "TRUNCATE churn")
			_, _ = c.Exec(ctx, "CHECKPOINT")
		}
	}()
	t.Cleanup(func() { stop(); wg.Wait() })
	time.Sleep(time.Second) // the churn is under way

	rep := StartReplica(t)
	// The replica asks for the WAL after the backup's end just after it starts; a little more
	// churn, then none: CI's other tests need the machine.
	time.Sleep(2 * time.Second)
	stop()
	wg.Wait()
	c, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	var target int64
	if err := c.QueryRow(context.Background(), "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint").Scan(&target); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		var replay int64
		err := rep.QueryRow(DatabaseName(url), "SELECT COALESCE((pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint, 0)", &replay)
		if err == nil && replay >= target {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica did not replay the primary's WAL up to where it was after the start within 3 minutes (replayed %d of %d; %v)", replay, target, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
