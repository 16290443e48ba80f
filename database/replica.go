package database

// The read replica (SANGATHAN_READ_DATABASE_URL).
//
// Which statements read is decided by gorm's maintained resolver, gorm.io/plugin/dbresolver:
// writes, locking reads (FOR UPDATE) and everything inside a read-write transaction go to the
// primary; other reads, and the read-only snapshot transactions dashboards read in (begun with
// the resolver's Read clause: services' snapshotTx), go to the one "replica" it knows. That
// replica is readPool below, which sends a read to the real replica only when all of these
// hold, and to the primary otherwise:
//
//   - the request allowed it (ReplicaReads): the API allows it for an authenticated GET, with
//     the WAL position of the caller's last write — anything else (a write request, a public
//     page, a command, a background job) reads from the primary;
//   - the replica is serving: the monitor saw it streaming within the lag bound at its last
//     check;
//   - the replica had replayed the WAL up to the caller's last write at that check, so the
//     caller sees what they wrote (read-your-writes across processes: the position is kept in
//     the database, table write_marks).
//
// A read that fails on the replica because the replica is gone (a refused or broken
// connection, a server shutting down, a query cancelled by a recovery conflict) marks it down
// at once and runs again on the primary: stopping the replica fails no request that has not
// yet read a row from it.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
)

// Replica states, as /readyz shows them.
const (
	ReplicaStarting   = "starting"    // not yet checked
	ReplicaStreaming  = "streaming"   // serving reads
	ReplicaCatchingUp = "catching_up" // reachable, but not yet seen caught up with the primary
	ReplicaLagging    = "lagging"     // behind the primary by more than the bound: reads go to the primary
	ReplicaDown       = "down"        // does not answer: reads go to the primary
	ReplicaNotStandby = "not_standby" // answers but is not in recovery: not a replica of anything
	ReplicaUnknown    = "unknown"     // the primary does not answer, so the lag cannot be known
)

// Defaults of the replica's lag bound and check interval.
const (
	DefaultMaxReplicaLag  = 10 * time.Second
	DefaultReplicaCheck   = time.Second
	maxReplicaLagSamples  = 4096
	replicaCheckTimeout   = 3 * time.Second
	replicaFailureLogGap  = time.Minute
	catchUpTimeout        = 250 * time.Millisecond
	replicaReadsOnReplica = 0
	replicaReadsOnPrimary = 1
)

// ReplicaStatus is what the monitor last saw.
type ReplicaStatus struct {
	State   string `json:"state"`
	Serving bool   `json:"serving"` // reads may go to the replica
	// LagSeconds is how old, at most, the newest data missing on the replica is: 0 when it has
	// replayed everything the primary had written at the check. Unknown (-1) when down.
	LagSeconds float64 `json:"lag_seconds"`
	// LagBytes is how much WAL the replica has still to replay (-1 when unknown).
	LagBytes      int64     `json:"lag_bytes"`
	MaxLagSeconds float64   `json:"max_lag_seconds"`
	CheckedAt     time.Time `json:"checked_at"`
}

// Replica routes reads to a streaming replica and watches it.
type Replica struct {
	primary, replica *sql.DB
	maxLag, every    time.Duration
	log              *slog.Logger

	status atomic.Pointer[ReplicaStatus]
	// replayed is the furthest replay position seen: by the checks, and by CatchUp when a
	// reader's own write is further than the last check saw.
	replayed atomic.Uint64
	reads    [2]atomic.Int64 // reads answered by the replica and by the primary
	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
	mu       sync.Mutex  // one check at a time
	samples  []lsnSample // under mu
	logged   atomic.Int64
}

// lsnSample is the primary's WAL position, and the latest check that found it there.
type lsnSample struct {
	at  time.Time
	lsn uint64
}

type replicaCtxKey struct{}

// ReplicaReads marks ctx: its reads outside transactions may go to the read replica, provided
// the replica has replayed the WAL up to minLSN (the caller's last write; 0 for none).
func ReplicaReads(ctx context.Context, minLSN uint64) context.Context {
	return context.WithValue(ctx, replicaCtxKey{}, minLSN)
}

// newReplica starts the monitor of replica, a pool on the replica's database.
func newReplica(primary, replica *sql.DB, maxLag, every time.Duration, log *slog.Logger) *Replica {
	if maxLag <= 0 {
		maxLag = DefaultMaxReplicaLag
	}
	if every <= 0 {
		every = DefaultReplicaCheck
	}
	if log == nil {
		log = slog.Default()
	}
	r := &Replica{primary: primary, replica: replica, maxLag: maxLag, every: every, log: log,
		stop: make(chan struct{}), done: make(chan struct{})}
	r.status.Store(&ReplicaStatus{State: ReplicaStarting, LagSeconds: -1, LagBytes: -1, MaxLagSeconds: maxLag.Seconds()})
	go r.watch()
	return r
}

// Status is what the monitor last saw.
func (r *Replica) Status() ReplicaStatus { return *r.status.Load() }

// Reads are how many of the reads that requests allowed on the replica (ReplicaReads: an
// authenticated GET's statements outside read-write transactions, and its read-only
// transactions) the replica and the primary answered. The token check of every request, and
// everything else, reads from the primary and is not counted.
func (r *Replica) Reads() (replica, primary int64) {
	return r.reads[replicaReadsOnReplica].Load(), r.reads[replicaReadsOnPrimary].Load()
}

// Check runs one check now (tests, and the first check at start).
func (r *Replica) Check(ctx context.Context) ReplicaStatus {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.check(ctx)
	r.status.Store(&s)
	return s
}

func (r *Replica) close() error {
	r.once.Do(func() { close(r.stop) })
	<-r.done
	return r.replica.Close()
}

func (r *Replica) watch() {
	defer close(r.done)
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		select {
		case <-r.stop:
			return
		case <-t.C:
			r.Check(context.Background())
		}
	}
}

// check reads the primary's WAL position, then the replica's replay position.
func (r *Replica) check(ctx context.Context) ReplicaStatus {
	ctx, cancel := context.WithTimeout(ctx, min(replicaCheckTimeout, max(r.every, time.Second)*3))
	defer cancel()
	now := time.Now()
	st := ReplicaStatus{LagSeconds: -1, LagBytes: -1, MaxLagSeconds: r.maxLag.Seconds(), CheckedAt: now.UTC()}
	var primaryLSN int64
	if err := r.primary.QueryRowContext(ctx, "SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint").Scan(&primaryLSN); err != nil {
		st.State = ReplicaUnknown
		return st
	}
	var inRecovery bool
	var replay sql.NullInt64
	err := r.replica.QueryRowContext(ctx, "SELECT pg_is_in_recovery(), (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint").Scan(&inRecovery, &replay)
	switch {
	case err != nil:
		r.noteFailure(err)
		st.State = ReplicaDown
		return st
	case !inRecovery || !replay.Valid:
		st.State = ReplicaNotStandby
		r.noteFailure(errors.New("the read database is not in recovery: it is not a streaming replica"))
		return st
	}
	return r.observe(st, now, uint64(primaryLSN), uint64(replay.Int64))
}

// observe works out the lag from the primary's WAL position and the replica's replay position
// read at now (the primary's first): the replica holds everything committed before the newest
// check at which the primary had written no further than the replica has now replayed, so the
// data it misses is at most that old — 0 when it has replayed all the primary had written. Over
// a busy primary that is an upper bound, up to one check interval above the truth.
func (r *Replica) observe(st ReplicaStatus, now time.Time, primaryLSN, replayLSN uint64) ReplicaStatus {
	// A sample is the latest check at which the primary was at a position.
	if n := len(r.samples); n > 0 && r.samples[n-1].lsn == primaryLSN {
		r.samples[n-1].at = now
	} else {
		r.samples = append(r.samples, lsnSample{at: now, lsn: primaryLSN})
	}
	r.sawReplayed(replayLSN)
	st.LagBytes = int64(primaryLSN - min(primaryLSN, replayLSN))
	caught := -1
	for i, s := range r.samples {
		if s.lsn <= replayLSN {
			caught = i
		}
	}
	if caught < 0 {
		// Never seen caught up since this process started: how far behind is not known.
		st.State = ReplicaCatchingUp
		r.trimSamples()
		return st
	}
	r.samples = r.samples[caught:]
	r.trimSamples()
	st.LagSeconds = 0
	if len(r.samples) > 1 { // the primary has written more since
		st.LagSeconds = now.Sub(r.samples[0].at).Seconds()
	}
	if st.LagSeconds > r.maxLag.Seconds() {
		st.State = ReplicaLagging
		return st
	}
	st.State, st.Serving = ReplicaStreaming, true
	return st
}

// trimSamples bounds the samples kept while the replica is behind: the oldest (the last seen
// caught up, which the lag is measured from) and the newest.
func (r *Replica) trimSamples() {
	if len(r.samples) > maxReplicaLagSamples {
		r.samples = append(r.samples[:1], r.samples[len(r.samples)-maxReplicaLagSamples+1:]...)
	}
}

// serves reports whether a read under ctx may go to the replica.
func (r *Replica) serves(ctx context.Context) bool {
	minLSN, ok := ctx.Value(replicaCtxKey{}).(uint64)
	if !ok {
		return false
	}
	return r.status.Load().Serving && r.replayed.Load() >= minLSN
}

// eligible reports whether the request allowed its reads to go to the replica.
func eligible(ctx context.Context) bool {
	_, ok := ctx.Value(replicaCtxKey{}).(uint64)
	return ok
}

func (r *Replica) sawReplayed(lsn uint64) {
	for {
		old := r.replayed.Load()
		if lsn <= old || r.replayed.CompareAndSwap(old, lsn) {
			return
		}
	}
}

// CatchUp is for a reader whose own last write (minLSN) is further than the replica was at its
// last check: it asks the replica where its replay is now — a streaming replica is usually
// milliseconds behind, not the second between checks — so that the reader's reads go there
// as soon as it has the write, instead of to the primary until the next check. One small query
// on the replica, none when the write is already replayed or the replica is not serving.
func (r *Replica) CatchUp(ctx context.Context, minLSN uint64) {
	if minLSN <= r.replayed.Load() || !r.status.Load().Serving {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, catchUpTimeout)
	defer cancel()
	var lsn sql.NullInt64
	err := r.replica.QueryRowContext(ctx, "SELECT (pg_last_wal_replay_lsn() - '0/0'::pg_lsn)::bigint").Scan(&lsn)
	if err != nil {
		r.failed(ctx, err)
		return
	}
	if lsn.Valid {
		r.sawReplayed(uint64(lsn.Int64))
	}
}

// failed reports whether err means the replica is gone (or cancelled the read to replay WAL),
// so that the read may run again on the primary; if so it marks the replica down until the
// next check.
func (r *Replica) failed(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil || !replicaGone(err) {
		return false
	}
	s := *r.status.Load()
	s.State, s.Serving, s.LagSeconds, s.LagBytes = ReplicaDown, false, -1, -1
	r.status.Store(&s)
	r.noteFailure(err)
	return true
}

// noteFailure logs a replica failure, at most once a minute.
func (r *Replica) noteFailure(err error) {
	now := time.Now().UnixNano()
	if last := r.logged.Load(); now-last < int64(replicaFailureLogGap) || !r.logged.CompareAndSwap(last, now) {
		return
	}
	r.log.Warn("read replica unavailable: reads go to the primary", "err", err)
}

// replicaGone tells errors of a replica that went away from errors of the query itself.
func replicaGone(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	var pe *pgconn.PgError
	switch {
	case errors.As(err, &ce), errors.As(err, &ne), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, sql.ErrConnDone), pgconn.SafeToRetry(err):
		return true
	case errors.As(err, &pe):
		switch pe.Code[:2] {
		case "08", "57": // connection exception; operator intervention (shutdown, cannot connect now)
			return true
		}
		// serialization_failure is how a hot standby cancels a query that conflicts with recovery.
		return pe.Code == "40001"
	}
	return false
}

// readPool is the "replica" gorm's resolver sends reads to, and read-only transactions begun
// with the resolver's Read clause (services' snapshotTx).
type readPool struct{ r *Replica }

var _ gorm.ConnPool = readPool{}

func (p readPool) pick(ctx context.Context) (*sql.DB, bool) {
	if p.r.serves(ctx) {
		return p.r.replica, true
	}
	return p.r.primary, false
}

// count counts a read the request allowed on the replica, by where it went.
func (p readPool) count(ctx context.Context, onReplica bool) {
	switch {
	case !eligible(ctx):
	case onReplica:
		p.r.reads[replicaReadsOnReplica].Add(1)
	default:
		p.r.reads[replicaReadsOnPrimary].Add(1)
	}
}

func (p readPool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	db, onReplica := p.pick(ctx)
	rows, err := db.QueryContext(ctx, query, args...)
	if onReplica && p.r.failed(ctx, err) {
		onReplica = false
		rows, err = p.r.primary.QueryContext(ctx, query, args...)
	}
	p.count(ctx, onReplica)
	return rows, err
}

func (p readPool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	db, onReplica := p.pick(ctx)
	row := db.QueryRowContext(ctx, query, args...)
	if onReplica && p.r.failed(ctx, row.Err()) {
		onReplica = false
		row = p.r.primary.QueryRowContext(ctx, query, args...)
	}
	p.count(ctx, onReplica)
	return row
}

// BeginTx begins a read-only transaction (the snapshot a dashboard reads in) on the replica
// when the request may read there; any other transaction on the primary.
func (p readPool) BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error) {
	if opts == nil || !opts.ReadOnly || !p.r.serves(ctx) {
		p.count(ctx, false)
		return p.r.primary.BeginTx(ctx, opts)
	}
	tx, err := p.r.replica.BeginTx(ctx, opts)
	if p.r.failed(ctx, err) {
		p.count(ctx, false)
		return p.r.primary.BeginTx(ctx, opts)
	}
	p.count(ctx, true)
	return tx, err
}

// ExecContext and PrepareContext always use the primary: a statement the resolver guessed to
// be a read may still write (a function with side effects).
func (p readPool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return p.r.primary.ExecContext(ctx, query, args...)
}

func (p readPool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.r.primary.PrepareContext(ctx, query)
}

// String names the pool in errors.
func (p readPool) String() string { return fmt.Sprintf("read pool (replica %s)", p.r.Status().State) }
