// Package database opens the production PostgreSQL database or the embedded SQLite file
// and brings its schema up to date.
package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
	"gorm.io/plugin/dbresolver"

	"github.com/sangathan/sangathan/migrations"
)

// DB is an open database with its dialect.
type DB struct {
	*gorm.DB
	Dialect migrations.Dialect
	opts    Options
	// Replica is the read replica and its monitor; nil without Options.ReadURL.
	Replica *Replica
}

// Options say which database to open.
type Options struct {
	// URL is a postgres:// URL; empty selects the embedded SQLite file.
	URL string
	// MigrateURL is the postgres:// URL of the role that owns the schema and runs the
	// migrations; empty means URL. See Migrate.
	MigrateURL string
	// SQLitePath is the SQLite file used when URL is empty.
	SQLitePath string
	// MaxConns bounds the PostgreSQL connections of the pool (0: DefaultMaxConns()), and those
	// of the replica's pool.
	MaxConns int
	// ReadURL is the postgres:// URL of a streaming replica of URL's database
	// (SANGATHAN_READ_DATABASE_URL): reads that may go there do (replica.go). Empty: none.
	ReadURL string
	// MaxReplicaLag is how far behind the replica may be before reads go back to the primary
	// (SANGATHAN_READ_MAX_LAG; 0: DefaultMaxReplicaLag); ReplicaCheck is how often it is checked
	// (0: DefaultReplicaCheck).
	MaxReplicaLag, ReplicaCheck time.Duration
	// Log receives the replica's warnings (nil: slog.Default()).
	Log *slog.Logger
}

// DefaultMaxConns is the PostgreSQL pool's size unless Options say otherwise: four connections
// per core of this machine, and at least eight. More connections than the cores can serve only
// queue inside PostgreSQL instead of in the pool: on two cores under 32 clients, 8 connections
// gave the same throughput as 20 with a third less p99 latency (docs/BENCHMARKS.md).
func DefaultMaxConns() int { return max(8, 4*runtime.NumCPU()) }

// gormConfig is a new configuration: gorm.Open keeps the pointer and fills it in, so each
// database opened needs its own.
func gormConfig() *gorm.Config {
	return &gorm.Config{
		TranslateError: true,
		Logger:         logger.Discard, // SQL carries personal data; never log it
		NowFunc:        func() time.Time { return time.Now().UTC() },
	}
}

// Open connects to the database. It does not migrate.
func Open(ctx context.Context, o Options) (*DB, error) {
	cfg := gormConfig()
	if o.MigrateURL != "" && o.URL == "" {
		return nil, fmt.Errorf("open database: SANGATHAN_MIGRATE_DATABASE_URL needs SANGATHAN_DATABASE_URL (the embedded SQLite database has no roles)")
	}
	if o.MigrateURL != "" && !isPostgresURL(o.MigrateURL) {
		return nil, fmt.Errorf("open database: SANGATHAN_MIGRATE_DATABASE_URL must be a postgres:// URL")
	}
	if o.ReadURL != "" && (o.URL == "" || !isPostgresURL(o.ReadURL)) {
		return nil, fmt.Errorf("open database: SANGATHAN_READ_DATABASE_URL must be a postgres:// URL of a replica of SANGATHAN_DATABASE_URL's database")
	}
	if o.URL != "" {
		if !isPostgresURL(o.URL) {
			return nil, fmt.Errorf("open database: SANGATHAN_DATABASE_URL must be a postgres:// URL")
		}
		g, err := gorm.Open(postgres.Open(o.URL), cfg)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		sqlDB, err := g.DB()
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		// Every connection kept: one closed when the pool shrinks takes its cache of prepared
		// statements with it, and a burst of requests would pay for new connections.
		n := o.MaxConns
		if n <= 0 {
			n = DefaultMaxConns()
		}
		sqlDB.SetMaxOpenConns(n)
		sqlDB.SetMaxIdleConns(n)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
		if err := sqlDB.PingContext(ctx); err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		d := &DB{DB: g, Dialect: migrations.Postgres, opts: o}
		if o.ReadURL != "" {
			if d.Replica, err = useReplica(ctx, g, sqlDB, o, n); err != nil {
				sqlDB.Close()
				return nil, err
			}
		}
		return d, nil
	}
	if o.SQLitePath == "" {
		return nil, fmt.Errorf("open sqlite: no file path")
	}
	if err := os.MkdirAll(filepath.Dir(o.SQLitePath), 0o700); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	dsn := o.SQLitePath + "?_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	g, err := gorm.Open(sqlite.Open(dsn), cfg)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	sqlDB, err := g.DB()
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	// One writer at a time is SQLite's nature; a small pool keeps readers concurrent under WAL.
	sqlDB.SetMaxOpenConns(4)
	if err := sqlDB.PingContext(ctx); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	return &DB{DB: g, Dialect: migrations.SQLite, opts: o}, nil
}

func isPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

// Ping reports whether the database answers.
func (d *DB) Ping(ctx context.Context) error {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

// Exclusively runs fn while this process holds PostgreSQL's session advisory lock key, on a
// connection of its own: processes that start together on one database do a one-time job one
// after the other (the next finds it done). SQLite is one process's file: fn just runs.
func (d *DB) Exclusively(ctx context.Context, key int64, fn func() error) error {
	if d.Dialect != migrations.Postgres {
		return fn()
	}
	sqlDB, err := d.DB.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		return fmt.Errorf("advisory lock: %w", err)
	}
	// Closing a connection whose unlock failed would leave the lock with the pooled session:
	// the connection is discarded instead.
	defer func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key); err != nil {
			_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		}
	}()
	return fn()
}

// useReplica opens the replica's pool and hands it to gorm's resolver (replica.go). The server
// starts whether or not the replica answers: until it does, reads go to the primary.
func useReplica(ctx context.Context, g *gorm.DB, primary *sql.DB, o Options, conns int) (*Replica, error) {
	rg, err := gorm.Open(postgres.Open(o.ReadURL), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("open read replica: %w", err)
	}
	replicaDB, err := rg.DB()
	if err != nil {
		return nil, fmt.Errorf("open read replica: %w", err)
	}
	replicaDB.SetMaxOpenConns(conns)
	replicaDB.SetMaxIdleConns(conns)
	replicaDB.SetConnMaxIdleTime(5 * time.Minute)
	r := newReplica(primary, replicaDB, o.MaxReplicaLag, o.ReplicaCheck, o.Log)
	r.Check(ctx)
	if err := g.Use(dbresolver.Register(dbresolver.Config{Replicas: []gorm.Dialector{postgres.New(postgres.Config{Conn: readPool{r}})}})); err != nil {
		r.close()
		return nil, fmt.Errorf("read replica: %w", err)
	}
	return r, nil
}

// Close closes the connection pool.
func (d *DB) Close() error {
	if d.Replica != nil {
		d.Replica.close()
	}
	sqlDB, err := d.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}
