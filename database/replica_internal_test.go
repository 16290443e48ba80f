package database

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestReplicaLag: the lag the monitor reports from the positions it reads — 0 while the replica
// has replayed all the primary had written, else the time since the last check at which it had
// (an upper bound: the data it misses is at most that old); unknown until it has been seen
// caught up once; past the bound the replica is left, and it serves again once caught up.
func TestReplicaLag(t *testing.T) {
	r := &Replica{maxLag: 5 * time.Second}
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	obs := func(s int, primary, replay uint64) ReplicaStatus {
		return r.observe(ReplicaStatus{LagSeconds: -1, LagBytes: -1}, at(s), primary, replay)
	}
	steps := []struct {
		sec             int
		primary, replay uint64
		state           string
		lag             float64
		bytes           int64
	}{
		{0, 1000, 900, ReplicaCatchingUp, -1, 100}, // behind before ever seen caught up: unknown
		{1, 1000, 1000, ReplicaStreaming, 0, 0},    // caught up
		{2, 1000, 1000, ReplicaStreaming, 0, 0},    // an idle primary: still no lag
		{3, 1500, 1200, ReplicaStreaming, 1, 300},  // has all the primary had at second 2: at most 1 s old
		{4, 1600, 1500, ReplicaStreaming, 1, 100},  // has second 3's
		{5, 1700, 1500, ReplicaStreaming, 2, 200},
		{11, 1800, 1500, ReplicaLagging, 8, 300}, // replay stuck: past the bound of 5 s
		{12, 1800, 1800, ReplicaStreaming, 0, 0}, // caught up again
	}
	for _, s := range steps {
		st := obs(s.sec, s.primary, s.replay)
		if st.State != s.state || st.LagSeconds != s.lag || st.LagBytes != s.bytes || st.Serving != (s.state == ReplicaStreaming) {
			t.Fatalf("at %d s (primary %d, replay %d): %s lag %v s %d B serving %v; want %s %v s %d B",
				s.sec, s.primary, s.replay, st.State, st.LagSeconds, st.LagBytes, st.Serving, s.state, s.lag, s.bytes)
		}
	}
	// Samples stay bounded however long the replica stays behind a busy primary.
	for i := 0; i < 3*maxReplicaLagSamples; i++ {
		obs(20+i, 2000+uint64(i), 1800)
	}
	if len(r.samples) > maxReplicaLagSamples {
		t.Fatalf("%d samples kept, want at most %d", len(r.samples), maxReplicaLagSamples)
	}
	if st := obs(20+3*maxReplicaLagSamples, 9_000_000, 1800); st.LagSeconds != float64(20+3*maxReplicaLagSamples-12) {
		t.Fatalf("lag %v after trimming: the last check caught up (12 s) must be kept", st.LagSeconds)
	}
}

// TestReplicaReadsNeedLeaveAndPosition: a read goes to the replica only when the request
// allowed it, the replica serves, and it has replayed the caller's last write.
func TestReplicaReadsNeedLeaveAndPosition(t *testing.T) {
	r := &Replica{maxLag: time.Minute}
	r.status.Store(&ReplicaStatus{State: ReplicaStreaming, Serving: true})
	r.sawReplayed(500)
	r.sawReplayed(400) // the furthest position seen stays
	bg := context.Background()
	cases := []struct {
		ctx  context.Context
		want bool
	}{
		{bg, false},                    // a command, a write request, a public page
		{ReplicaReads(bg, 0), true},    // a reader who never wrote
		{ReplicaReads(bg, 500), true},  // whose write the replica has replayed
		{ReplicaReads(bg, 501), false}, // whose write it has not
		{ReplicaReads(bg, 1<<40), false},
	}
	for i, c := range cases {
		if got := r.serves(c.ctx); got != c.want {
			t.Errorf("case %d: serves %v, want %v", i, got, c.want)
		}
	}
	r.status.Store(&ReplicaStatus{State: ReplicaLagging})
	if r.serves(ReplicaReads(bg, 0)) {
		t.Error("a lagging replica serves")
	}
}

// TestReplicaGone: the errors after which a read runs again on the primary are those of a
// replica gone away or cancelling the read for recovery, not those of the query itself.
func TestReplicaGone(t *testing.T) {
	gone := []error{
		io.EOF,
		fmt.Errorf("read: %w", io.ErrUnexpectedEOF),
		&pgconn.PgError{Code: "57P01"}, // admin_shutdown
		&pgconn.PgError{Code: "57P03"}, // cannot_connect_now: starting up
		&pgconn.PgError{Code: "08006"}, // connection_failure
		&pgconn.PgError{Code: "40001"}, // canceled: conflict with recovery
	}
	for _, err := range gone {
		if !replicaGone(err) {
			t.Errorf("%v: not taken for a replica gone", err)
		}
	}
	kept := []error{
		errors.New("sql: no rows in result set"),
		&pgconn.PgError{Code: "42703"}, // undefined_column: the query's own fault
		&pgconn.PgError{Code: "22P02"}, // invalid_text_representation
		context.Canceled,
	}
	for _, err := range kept {
		if replicaGone(err) {
			t.Errorf("%v: taken for a replica gone", err)
		}
	}
}
