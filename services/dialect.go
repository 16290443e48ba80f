package services

// This file is the one seam between SQLite and PostgreSQL: row locks, bulk loads, staging
// tables, id reservation, how a write transaction begins and which errors mean "run it again".
// Nothing else in the package asks which database it runs on.

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/sangathan/sangathan/models"
)

// isPostgres reports whether db talks to PostgreSQL. Only this file calls it.
func isPostgres(db *gorm.DB) bool { return db.Dialector.Name() == "postgres" }

// Row lock strengths. A change of a row's fields takes NO KEY UPDATE: it serialises writers of the
// row but lets through the foreign-key checks of rows that merely point at it (a seat taken by
// the person, a booth added under the unit). A delete takes UPDATE, which waits for those.
// KEY SHARE is what a foreign key to the row takes: it waits only for a delete or a key change
// (a unit's path rewrite locks FOR UPDATE), and lets other readers and field changes through.
const (
	lockChange   = "NO KEY UPDATE"
	lockDelete   = "UPDATE"
	lockKeyShare = "KEY SHARE"
)

// lockRow locks the row id of table until the transaction ends, so that the read that follows
// sees the row as it stands and no one changes it in between. A missing row is not an error: the
// read that follows reports it. SQLite needs no row lock: the transaction already holds the
// database's one write lock (_txlock=immediate).
func lockRow(tx *gorm.DB, table string, id int64, strength string) error {
	if !isPostgres(tx) {
		return nil
	}
	var ids []int64
	err := tx.Table(table).Clauses(clause.Locking{Strength: strength}).Where("id = ?", id).Pluck("id", &ids).Error
	return dbErr("lock "+table, err)
}

// lockUnits takes the row locks of the units with the given ids, in ascending id order (see the
// lock order in rollups.go). The lock is the one an UPDATE of non-key columns takes anyway (FOR
// NO KEY UPDATE): FOR UPDATE would also wait for the key-share locks that foreign-key checks hold
// on a unit (people placed at it, a seat on its committee) and deadlock with them.
// SQLite runs one writer at a time (every write transaction begins IMMEDIATE), so there it does
// nothing.
func lockUnits(tx *gorm.DB, ids []int64) error {
	return lockRows(tx, lockList{ids: ids}, false)
}

// lockList names the units a change locks. Those in rewrites get their path rewritten: the path
// is a unique key, so those rows take FOR UPDATE, the lock such an UPDATE needs, which waits for
// the key-share locks of foreign-key checks (a person placed at the unit, a seat on its committee)
// rather than upgrading to it later, behind locks the change already holds.
type lockList struct {
	ids      []int64
	rewrites []int64
}

// lockRows locks the units of l in ascending id order, each with its strength. With noWait it
// does not wait for a lock another transaction holds but fails with errLocksMoving.
func lockRows(tx *gorm.DB, l lockList, noWait bool) error {
	if !isPostgres(tx) || len(l.ids)+len(l.rewrites) == 0 {
		return nil
	}
	rewrite := make(map[int64]bool, len(l.rewrites))
	for _, id := range l.rewrites {
		rewrite[id] = true
	}
	ids := slices.Concat(l.ids, l.rewrites)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	// Runs of one strength, in order: one statement each (most sets are one run).
	for start := 0; start < len(ids); {
		end := start + 1
		for end < len(ids) && end-start < 5000 && rewrite[ids[end]] == rewrite[ids[start]] {
			end++
		}
		strength := "NO KEY UPDATE"
		if rewrite[ids[start]] {
			strength = "UPDATE"
		}
		lock := clause.Locking{Strength: strength}
		if noWait {
			lock.Options = clause.LockingOptionsNoWait
		}
		var locked []int64
		if err := tx.Model(&models.Unit{}).Clauses(lock).Where("id IN ?", ids[start:end]).Order("id").Pluck("id", &locked).Error; err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "55P03" { // lock_not_available
				return errLocksMoving
			}
			return dbErr("lock units", err)
		}
		start = end
	}
	return nil
}

// lockSettled locks the units that set names, then asks set again under those locks, until
// nothing new appears. set reads paths and links without a lock, so a change that commits
// between that read and the lock (a move, a Lok Sabha change) can change the answer; once every
// unit it read is locked, the answer is final. A newly named unit that comes after all those
// held is locked like the first ones. One that comes before would break the lock order, so it
// is only taken if it is free right now (NOWAIT: never waiting out of order, it cannot
// deadlock); if it is not, the transaction is run again from the start (errLocksMoving), when
// the unlocked read will see the change. SQLite, with one writer, needs no lock at all.
func lockSettled(tx *gorm.DB, set func() (lockList, error)) error {
	if !isPostgres(tx) {
		return nil
	}
	held := map[int64]bool{} // id → locked FOR UPDATE
	var top int64
	for range 4 {
		l, err := set()
		if err != nil {
			return err
		}
		var missing lockList
		early := false
		for i, ids := range [][]int64{l.ids, l.rewrites} {
			for _, id := range ids {
				if strong, ok := held[id]; ok && (strong || i == 0) {
					continue
				}
				early = early || (len(held) > 0 && id <= top)
				if i == 0 {
					missing.ids = append(missing.ids, id)
				} else {
					missing.rewrites = append(missing.rewrites, id)
				}
			}
		}
		if len(missing.ids)+len(missing.rewrites) == 0 {
			return nil
		}
		if err := lockRows(tx, missing, early); err != nil {
			return err
		}
		for _, id := range missing.ids {
			if _, ok := held[id]; !ok {
				held[id] = false
			}
			top = max(top, id)
		}
		for _, id := range missing.rewrites {
			held[id] = true
			top = max(top, id)
		}
	}
	return errLocksMoving
}

// errLocksMoving: the units to lock changed under a concurrent change; the transaction is run
// again from the start.
var errLocksMoving = errors.New("the units to lock kept moving")

// errWiden asks runTx to run a transaction again at once: it found, under the locks it took,
// that it needs more locks that come earlier in the lock order (a seat change that completes a
// booth needs the booth's ancestors). The caller remembers to take them first next time.
var errWiden = errors.New("more locks needed")

// maxTxAttempts bounds how often runTx runs one transaction.
const maxTxAttempts = 10

// runTx runs fn in a transaction and, when the database gave up on it for a reason that is
// not the request's fault — a PostgreSQL deadlock (40P01) or serialization failure (40001), a
// busy SQLite file, locks that kept moving — runs it again from the start, after a short
// jittered pause, a few times. fn must therefore be safe to run more than once: it may set
// variables outside, but must reset what it reads back. A transaction whose COMMIT failed is
// never run again: it may have been applied.
func runTx(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	return retry(ctx, func() (bool, error) {
		tx := db.WithContext(ctx).Begin()
		if tx.Error != nil {
			return true, dbErr("begin", tx.Error) // nothing ran: SQLite may be busy
		}
		done := false
		defer func() {
			if !done { // an error or a panic in fn
				tx.Rollback()
			}
		}()
		if err := fn(tx); err != nil {
			return true, err
		}
		done = true
		if err := tx.Commit().Error; err != nil {
			return false, dbErr("commit", err)
		}
		return false, nil
	})
}

// retry runs attempt until it succeeds, fails for good, or maxTxAttempts are used. attempt
// reports whether its error came before the COMMIT (and so may be retried).
func retry(ctx context.Context, attempt func() (beforeCommit bool, err error)) error {
	var err error
	for n := 0; n < maxTxAttempts; n++ {
		var again bool
		again, err = attempt()
		if err == nil || !again || !retryable(err) {
			return err
		}
		if errors.Is(err, errWiden) || (errors.Is(err, errLocksMoving) && n < 2) {
			continue // nobody to wait for: what made the locks move has committed
		}
		// 2, 4, 8 … ms, capped at 100 ms, with full jitter so that the losers spread out.
		pause := time.Duration(rand.Int64N(int64(min(100*time.Millisecond, time.Millisecond<<(n+1))))) + time.Millisecond
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
	if errors.Is(err, errWiden) || errors.Is(err, errLocksMoving) {
		return fmt.Errorf("transaction: %w", err)
	}
	return err
}

// retryable reports whether err means "run the transaction again" rather than a refusal.
func retryable(err error) bool {
	if errors.Is(err, errWiden) || errors.Is(err, errLocksMoving) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code == "40P01" || pgErr.Code == "40001"
	}
	// The SQLite driver reports SQLITE_BUSY and SQLITE_LOCKED by message.
	msg := err.Error()
	return strings.Contains(msg, "SQLITE_BUSY") || strings.Contains(msg, "database is locked") ||
		strings.Contains(msg, "database table is locked")
}

// snapshotTx runs fn, which only reads, in a transaction that sees one consistent snapshot of
// the database however long it takes: REPEATABLE READ on PostgreSQL (whose default, READ
// COMMITTED, takes a new snapshot per statement); on SQLite any transaction does.
func snapshotTx(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB) error) error {
	if isPostgres(db) {
		return db.WithContext(ctx).Transaction(fn, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	}
	return db.WithContext(ctx).Transaction(fn)
}

// customPlanned runs fn, a read whose best plan depends on its values — a name search for a word
// that is rare in the first window of its range (findPage): through the trigram index when it
// is rare everywhere, by reading the range in order when it is common elsewhere — with a plan
// made for the values every time. A statement the driver caches switches to one generic plan
// after five executions, which cannot tell one word from another. PostgreSQL: in a read-only
// transaction with plan_cache_mode = force_custom_plan (planning costs a fraction of a
// millisecond); SQLite has no plan cache nor trigram index.
func customPlanned(ctx context.Context, db *gorm.DB, fn func(db *gorm.DB) error) error {
	if !isPostgres(db) {
		return fn(db.WithContext(ctx))
	}
	return db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET LOCAL plan_cache_mode = force_custom_plan").Error; err != nil {
			return dbErr("plan settings", err)
		}
		return fn(tx)
	}, &sql.TxOptions{ReadOnly: true})
}

// holdWriters keeps every other writer of units and seats waiting until tx ends, while readers
// go on: a repair recounts and writes with nothing changing underneath. On PostgreSQL SHARE ROW
// EXCLUSIVE (which also keeps a second repair out); SQLite's write transaction already does it.
func holdWriters(tx *gorm.DB) error {
	if !isPostgres(tx) {
		return nil
	}
	if err := tx.Exec("LOCK TABLE units, seats IN SHARE ROW EXCLUSIVE MODE").Error; err != nil {
		return dbErr("hold writers", err)
	}
	return nil
}

// copyFunc bulk-loads rows into a table: PostgreSQL COPY, or batched multi-row INSERTs elsewhere.
type copyFunc func(table string, columns []string, rows [][]any) error

// bulkTx runs fn in one transaction on a dedicated connection, so that fn can mix ORM queries
// with the driver's native COPY. Everything fn wrote is rolled back when it returns an error;
// like runTx it runs fn again after a deadlock, so fn must be safe to run more than once.
func bulkTx(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB, copyRows copyFunc) error) error {
	return retry(ctx, func() (bool, error) { return bulkTxOnce(ctx, db, fn) })
}

// bulkTxOnce is one attempt of bulkTx; beforeCommit reports whether an error came from BEGIN or
// fn (not from COMMIT).
func bulkTxOnce(ctx context.Context, db *gorm.DB, fn func(tx *gorm.DB, copyRows copyFunc) error) (beforeCommit bool, err error) {
	sqlDB, err := db.DB()
	if err != nil {
		return false, fmt.Errorf("bulk: %w", err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return false, dbErr("bulk: connect", err)
	}
	defer conn.Close()
	pg := isPostgres(db)
	begin := "BEGIN"
	if !pg {
		begin = "BEGIN IMMEDIATE" // take the write lock now rather than fail to upgrade later
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		return true, dbErr("bulk: begin", err)
	}
	done := false
	defer func() {
		if !done {
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	tx := db.Session(&gorm.Session{NewDB: true, Context: ctx, SkipDefaultTransaction: true}) // already in one
	tx.Statement.ConnPool = conn
	cp := func(table string, columns []string, rows [][]any) error {
		if pg {
			return copyPostgres(ctx, conn, table, columns, rows)
		}
		return insertBatches(tx, table, columns, rows)
	}
	if err := fn(tx, cp); err != nil {
		return true, err
	}
	done = true // a failed COMMIT ends the transaction too
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return false, dbErr("bulk: commit", err)
	}
	return false, nil
}

func copyPostgres(ctx context.Context, conn *sql.Conn, table string, columns []string, rows [][]any) error {
	return conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("bulk: driver connection is %T, not pgx", dc)
		}
		_, err := c.Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
		if err != nil {
			return dbErr("copy into "+table, err)
		}
		return nil
	})
}

// insertBatches writes rows with multi-row INSERTs small enough for SQLite's variable limit.
func insertBatches(tx *gorm.DB, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	// Small statements: the SQLite driver binds parameters in time that grows with their number.
	per := max(1, 500/len(columns))
	head := "INSERT INTO " + table + " (" + joinCols(columns) + ") VALUES "
	one := "(" + placeholders(len(columns)) + ")"
	for start := 0; start < len(rows); start += per {
		end := min(start+per, len(rows))
		sqlText := make([]byte, 0, len(head)+(end-start)*(len(one)+1))
		sqlText = append(sqlText, head...)
		args := make([]any, 0, (end-start)*len(columns))
		for i := start; i < end; i++ {
			if i > start {
				sqlText = append(sqlText, ',')
			}
			sqlText = append(sqlText, one...)
			args = append(args, rows[i]...)
		}
		if err := tx.Exec(string(sqlText), args...).Error; err != nil {
			return dbErr("insert into "+table, err)
		}
	}
	return nil
}

func joinCols(cols []string) string {
	out := ""
	for i, c := range cols {
		if i > 0 {
			out += ", "
		}
		out += c
	}
	return out
}

func placeholders(n int) string {
	b := make([]byte, 0, 2*n)
	for i := 0; i < n; i++ {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '?')
	}
	return string(b)
}

// stagingTable creates a temporary table for one transaction with the given column list and
// returns the function that removes it before the transaction ends: PostgreSQL drops it at
// COMMIT by itself; SQLite keeps temporary tables for the connection's life, so it is dropped.
func stagingTable(tx *gorm.DB, name, columns string) (drop func() error, err error) {
	ddl := "CREATE TEMPORARY TABLE " + name + " (" + columns + ")"
	if isPostgres(tx) {
		if err := tx.Exec(ddl + " ON COMMIT DROP").Error; err != nil {
			return nil, dbErr("staging table "+name, err)
		}
		return func() error { return nil }, nil
	}
	// A failed attempt that SQLite rolled back leaves no table; one left by a panic would.
	if err := tx.Exec("DROP TABLE IF EXISTS temp." + name).Error; err != nil {
		return nil, dbErr("staging table "+name, err)
	}
	if err := tx.Exec(ddl).Error; err != nil {
		return nil, dbErr("staging table "+name, err)
	}
	return func() error {
		if err := tx.Exec("DROP TABLE " + name).Error; err != nil {
			return dbErr("staging table "+name, err)
		}
		return nil
	}, nil
}

// reserveTableIDs takes n ids of table (which must be units, people or seats) before inserting
// rows with them. On PostgreSQL they come from the sequence; on SQLite the write lock held by the
// transaction makes max(id)+1.. safe.
func reserveTableIDs(tx *gorm.DB, table string, n int) ([]int64, error) {
	if n == 0 {
		return nil, nil
	}
	ids := make([]int64, 0, n)
	if isPostgres(tx) {
		if err := tx.Raw("SELECT nextval(pg_get_serial_sequence('"+table+"', 'id')) FROM generate_series(1, ?)", n).Scan(&ids).Error; err != nil {
			return nil, dbErr("reserve ids", err)
		}
		return ids, nil
	}
	var max int64
	if err := tx.Raw("SELECT COALESCE(MAX(id), 0) FROM " + table).Scan(&max).Error; err != nil {
		return nil, dbErr("reserve ids", err)
	}
	for i := 1; i <= n; i++ {
		ids = append(ids, max+int64(i))
	}
	return ids, nil
}
