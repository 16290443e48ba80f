package database_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/sangathan/sangathan/database"
	"github.com/sangathan/sangathan/database/dbtest"
)

// TestReplicaCatchUp: a reader whose own last write the replica had not replayed at its last
// check reads from the replica as soon as it has — CatchUp asks it — instead of from the
// primary until the next check (here an hour away). Through gorm, such a read is answered by
// the replica; a read the request did not allow there goes to the primary and is not counted.
func TestReplicaCatchUp(t *testing.T) {
	base := os.Getenv(dbtest.EnvURL)
	if base == "" {
		t.Skipf("the read replica needs PostgreSQL: set %s", dbtest.EnvURL)
	}
	url := dbtest.URL(t)
	rep := dbtest.StartReplica(t)
	ctx := context.Background()
	db, err := database.Open(ctx, database.Options{URL: url, ReadURL: rep.URL(dbtest.DatabaseName(url)), ReplicaCheck: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r := db.Replica

	// Three minutes: in CI other tests write WAL fast, and a new replica has it all to replay.
	deadline := time.Now().Add(3 * time.Minute)
	// The monitor checks once at the start and then not for an hour: here it sees the replica
	// serving, before the write.
	for r.Check(ctx).State != database.ReplicaStreaming {
		if time.Now().After(deadline) {
			t.Fatalf("the replica is %s, not streaming", r.Status().State)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// A write on the primary and its position, as a write request records it.
	if err := db.Exec("CREATE TABLE catch_up (n int)").Error; err != nil {
		t.Fatal(err)
	}
	var mark int64
	if err := db.Raw("SELECT (pg_current_wal_insert_lsn() - '0/0'::pg_lsn)::bigint").Scan(&mark).Error; err != nil {
		t.Fatal(err)
	}
	// Wait for the replica itself to have replayed the write (asking it directly).
	for {
		var replay int64
		if err := rep.QueryRow(dbtest.DatabaseName(url), "SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint", &replay); err != nil {
			t.Fatal(err)
		}
		if replay >= mark {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the replica did not replay the write in time")
		}
		time.Sleep(50 * time.Millisecond)
	}

	reader := database.ReplicaReads(ctx, uint64(mark))
	count := func(c context.Context) (onReplica, onPrimary int64) {
		before, beforeP := r.Reads()
		var n int64
		if err := db.WithContext(c).Raw("SELECT count(*) FROM catch_up").Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		after, afterP := r.Reads()
		return after - before, afterP - beforeP
	}
	if on, off := count(reader); on != 0 || off != 1 {
		t.Fatalf("before CatchUp: %d reads on the replica, %d on the primary; want the primary (the last check is older than the write)", on, off)
	}
	r.CatchUp(reader, uint64(mark))
	if on, off := count(reader); on != 1 || off != 0 {
		t.Fatalf("after CatchUp: %d reads on the replica, %d on the primary; want the replica", on, off)
	}
	if on, off := count(ctx); on != 0 || off != 0 {
		t.Fatalf("a read not allowed on the replica was counted (%d, %d)", on, off)
	}
}
