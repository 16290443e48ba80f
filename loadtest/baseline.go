package loadtest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sangathan/sangathan/models"
)

// The bare-SQL baseline: for each read endpoint, the statements the server issues for it, in
// order and as GORM sends them to PostgreSQL (placeholders $n; "$ids" stands for an IN list of
// ids, $1 to $k), run through pgx with the same parameters. Each entry names the service function
// it mirrors; when a query there changes, change it here (TestBareSQLMatchesTheServices compares
// the two and names the entry that drifted).
//
// Every authenticated request starts with the actor's load (services/auth.go Auth.actorFor), so
// every entry starts with sqlActor.

const (
	// services/auth.go Auth.actorFor: the account and the path of its scope unit.
	sqlActor = `SELECT users.*, units.path AS scope_path FROM "users" LEFT JOIN units ON units.id = users.scope_unit_id WHERE users.id = $1 LIMIT $2`
	// services/units.go Units.visible: one unit by id (its scope is checked on the path, in Go).
	sqlUnit = `SELECT * FROM "units" WHERE id = $1 LIMIT $2`
	// services/people.go People.List with q, no under (people_search, people_search_hi), through
	// services/scope.go findPage: the next window of the scope in order, filtered by the word;
	// when that does not fill the page, the whole scope with the word, with plans forced custom
	// (services/dialect.go customPlanned).
	sqlPeopleSearchWindow = `SELECT * FROM (SELECT * FROM "people" WHERE people.path >= $1 AND people.path < $2 ORDER BY people.path, people.id LIMIT $3) AS people WHERE people.search_text LIKE $4 ESCAPE '\' ORDER BY people.path, people.id LIMIT $5`
	sqlPeopleSearch       = `SELECT * FROM "people" WHERE (people.path >= $1 AND people.path < $2) AND people.search_text LIKE $3 ESCAPE '\' ORDER BY people.path, people.id LIMIT $4`
)

// pageLimit is services.DefaultLimit; lists fetch one row more to know whether a next page exists.
const pageLimit = 50

// The search windows of services/scope.go: the rows of the range a name search reads first.
const (
	peopleSearchWindow = 4000
	unitSearchWindow   = 1000
)

// bareSQL is the one table of bare SQL per read endpoint.
var bareSQL = map[string]bareEndpoint{
	// services/users.go Users.Get (GET /me): the account, then its scope unit.
	EpMe: {
		sql: []string{sqlActor,
			`SELECT * FROM "users" WHERE id = $1 LIMIT $2`,
			sqlUnit},
		run: func(ctx context.Context, b *bareCall, sql []string) error {
			if err := b.actor(ctx, sql[0]); err != nil {
				return err
			}
			if _, err := b.rows(ctx, sql[1], b.userID, 1); err != nil {
				return err
			}
			if b.scopeID != 0 {
				_, err := b.rows(ctx, sql[2], b.scopeID, 1)
				return err
			}
			return nil
		}},

	// services/units.go Units.Get: the unit, its ancestors, the count of its children.
	EpUnit: {
		sql: []string{sqlActor,
			sqlUnit,
			`SELECT * FROM "units" WHERE id IN ($ids) ORDER BY depth`,
			`SELECT count(*) FROM "units" WHERE parent_id = $1`},
		run: func(ctx context.Context, b *bareCall, sql []string) error {
			if err := b.actor(ctx, sql[0]); err != nil {
				return err
			}
			path, _, err := b.visible(ctx, sql[1], b.unitID)
			if err != nil {
				return err
			}
			if ids := models.PathIDs(path); len(ids) > 1 {
				if _, err := b.rows(ctx, expandIDs(sql[2], len(ids)-1), anys(ids[:len(ids)-1])...); err != nil {
					return err
				}
			}
			_, err = b.rows(ctx, sql[3], b.unitID)
			return err
		}},

	// services/units.go Units.Children → Units.List with parent_id: the parent, then its
	// children (all inside the actor's scope when the parent is).
	EpChildren: {
		sql: []string{sqlActor,
			sqlUnit,
			`SELECT * FROM "units" WHERE parent_id = $1 AND units.id > $2 ORDER BY units.id LIMIT $3`},
		run: func(ctx context.Context, b *bareCall, sql []string) error {
			if err := b.actor(ctx, sql[0]); err != nil {
				return err
			}
			if _, _, err := b.visible(ctx, sql[1], b.unitID); err != nil {
				return err
			}
			_, err := b.rows(ctx, sql[2], b.unitID, 0, pageLimit+1)
			return err
		}},

	// services/committees.go Committees.Get: the unit, its norm, its current seats and their
	// holders (the composition is counted from those).
	EpCommittee: {
		sql: []string{sqlActor,
			sqlUnit,
			`SELECT * FROM "committee_norms" WHERE level = $1 LIMIT $2`,
			`SELECT * FROM "seats" WHERE seats.unit_id = $1 AND seats.ended_at IS NULL ORDER BY id`,
			`SELECT * FROM "people" WHERE id IN ($ids)`},
		run: func(ctx context.Context, b *bareCall, sql []string) error {
			if err := b.actor(ctx, sql[0]); err != nil {
				return err
			}
			_, level, err := b.visible(ctx, sql[1], b.unitID)
			if err != nil {
				return err
			}
			if _, err := b.rows(ctx, sql[2], level, 1); err != nil {
				return err
			}
			seats, err := b.rows(ctx, sql[3], b.unitID)
			if err != nil {
				return err
			}
			if len(seats.vals) > 0 {
				holders := seats.int64s("person_id", len(seats.vals))
				if _, err := b.rows(ctx, expandIDs(sql[4], len(holders)), anys(holders)...); err != nil {
					return err
				}
			}
			return nil
		}},

	// services/people.go People.List with under: the under unit, then a page of the people looked
	// after in its subtree (people.path range, in (path, id) order).
	EpPeopleList: {
		sql: []string{sqlActor,
			sqlUnit,
			`SELECT * FROM "people" WHERE people.path >= $1 AND people.path < $2 ORDER BY people.path, people.id LIMIT $3`},
		run: func(ctx context.Context, b *bareCall, sql []string) error {
			if err := b.actor(ctx, sql[0]); err != nil {
				return err
			}
			path, _, err := b.visible(ctx, sql[1], b.unitID)
			if err != nil {
				return err
			}
			ulo, uhi := models.SubtreeRange(path)
			_, err = b.rows(ctx, sql[2], ulo, uhi, pageLimit+1)
			return err
		}},

	// services/people.go People.List with q in Latin script.
	EpPeopleSearch: {
		sql: []string{sqlActor, sqlPeopleSearchWindow, sqlPeopleSearch},
		run: barePeopleSearch},

	// services/people.go People.List with q in Devanagari.
	EpPeopleSearchHi: {
		sql: []string{sqlActor, sqlPeopleSearchWindow, sqlPeopleSearch},
		run: barePeopleSearch},

	// services/units.go Units.List with q: units inside the actor's scope whose names match, in
	// tree order, with plans forced custom (services/dialect.go customPlanned).
	EpUnitSearch: {
		sql: []string{sqlActor,
			`SELECT * FROM (SELECT * FROM "units" WHERE units.path >= $1 AND units.path < $2 ORDER BY units.path LIMIT $3) AS units WHERE units.search_text LIKE $4 ESCAPE '\' ORDER BY units.path LIMIT $5`,
			`SELECT * FROM "units" WHERE (units.path >= $1 AND units.path < $2) AND units.search_text LIKE $3 ESCAPE '\' ORDER BY units.path LIMIT $4`},
		run: func(ctx context.Context, b *bareCall, sql []string) error {
			if err := b.actor(ctx, sql[0]); err != nil {
				return err
			}
			lo, hi := models.SubtreeRange(b.scopePath)
			return b.windowedSearch(ctx, sql[1], sql[2], lo, hi, unitSearchWindow)
		}},
}

func barePeopleSearch(ctx context.Context, b *bareCall, sql []string) error {
	if err := b.actor(ctx, sql[0]); err != nil {
		return err
	}
	lo, hi := models.SubtreeRange(b.scopePath)
	return b.windowedSearch(ctx, sql[1], sql[2], lo, hi, peopleSearchWindow)
}

// windowedSearch is services/scope.go findPage for a name search over [lo, hi): the window, and
// when it does not fill the page, the whole range with plans forced custom.
func (b *bareCall) windowedSearch(ctx context.Context, window, whole, lo, hi string, rows int) error {
	first, err := b.rows(ctx, window, lo, hi, rows, likePattern(b.q), pageLimit+1)
	if err != nil || len(first.vals) >= pageLimit+1 {
		return err
	}
	return b.customPlanned(ctx, func() error {
		_, err := b.rows(ctx, whole, lo, hi, likePattern(b.q), pageLimit+1)
		return err
	})
}

// customPlanned runs fn's statements as services/dialect.go customPlanned does: in a read-only
// transaction with plan_cache_mode = force_custom_plan.
func (b *bareCall) customPlanned(ctx context.Context, fn func() error) error {
	tx, err := b.db.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit it does nothing
	if _, err := tx.Exec(ctx, "SET LOCAL plan_cache_mode = force_custom_plan"); err != nil {
		return err
	}
	b.tx = tx
	defer func() { b.tx = nil }()
	if err := fn(); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// likePattern is the pattern services build from q (services/units.go escapeLike).
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(strings.TrimSpace(q))) + "%"
}

// bareEndpoint is the SQL of one endpoint and how to run it with a call's parameters.
type bareEndpoint struct {
	sql []string
	run func(ctx context.Context, b *bareCall, sql []string) error
}

// errNotVisible: the unit lies outside the actor's scope, where the server answers 404.
var errNotVisible = errors.New("the unit is outside the actor's scope")

// bareCall runs one call's statements, each on a connection from the pool, as database/sql
// does for the server outside a transaction.
type bareCall struct {
	call
	db        *pgxpool.Pool
	scopeID   int64
	scopePath string
	trace     func(sql string) // sees each statement (for the tests)
	tx        pgx.Tx           // when set, statements run in it (customPlanned)
}

// bareRows are the values of a result.
type bareRows struct {
	cols []string
	vals [][]any
}

func (b *bareCall) rows(ctx context.Context, sql string, args ...any) (bareRows, error) {
	if b.trace != nil {
		b.trace(sql)
	}
	var rows pgx.Rows
	var err error
	if b.tx != nil {
		rows, err = b.tx.Query(ctx, sql, args...)
	} else {
		rows, err = b.db.Query(ctx, sql, args...)
	}
	if err != nil {
		return bareRows{}, err
	}
	defer rows.Close()
	var out bareRows
	for _, f := range rows.FieldDescriptions() {
		out.cols = append(out.cols, f.Name)
	}
	for rows.Next() {
		v, err := rows.Values()
		if err != nil {
			return out, err
		}
		out.vals = append(out.vals, v)
	}
	return out, rows.Err()
}

func (r bareRows) col(name string) int {
	for i, c := range r.cols {
		if c == name {
			return i
		}
	}
	return -1
}

// int64s returns column name of the first n rows.
func (r bareRows) int64s(name string, n int) []int64 {
	i := r.col(name)
	out := make([]int64, 0, n)
	for _, v := range r.vals[:n] {
		if i >= 0 {
			out = append(out, asInt64(v[i]))
		}
	}
	return out
}

func (r bareRows) str(row int, name string) string {
	if i := r.col(name); i >= 0 && row < len(r.vals) {
		s, _ := r.vals[row][i].(string)
		return s
	}
	return ""
}

func asInt64(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case int32:
		return int64(n)
	case int16:
		return int64(n)
	}
	return 0
}

// actor runs sqlActor and keeps the scope.
func (b *bareCall) actor(ctx context.Context, sql string) error {
	r, err := b.rows(ctx, sql, b.userID, 1)
	if err != nil {
		return err
	}
	if len(r.vals) == 0 {
		return errors.New("no such account")
	}
	b.scopePath = r.str(0, "scope_path")
	if i := r.col("scope_unit_id"); i >= 0 {
		b.scopeID = asInt64(r.vals[0][i])
	}
	if b.scopePath == "" {
		return errors.New("the account has no scope unit: an administrator's queries are not mirrored")
	}
	return nil
}

// visible loads a unit and checks it lies in the actor's scope; it returns its path and level.
func (b *bareCall) visible(ctx context.Context, sql string, id int64) (path, level string, err error) {
	r, err := b.rows(ctx, sql, id, 1)
	if err != nil {
		return "", "", err
	}
	path, level = r.str(0, "path"), r.str(0, "level")
	if len(r.vals) == 0 || !strings.HasPrefix(path, b.scopePath) {
		return "", "", errNotVisible
	}
	return path, level, nil
}

// expandIDs writes the placeholders of an IN list of n ids in place of $ids.
func expandIDs(sql string, n int) string {
	var sb strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			sb.WriteByte(',')
		}
		sb.WriteString("$" + strconv.Itoa(i))
	}
	return strings.Replace(sql, "$ids", sb.String(), 1)
}

func anys(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// BaselineReport describes the bare-SQL replay.
type BaselineReport struct {
	// Mode "replay": after the HTTP run, the same reads (the calls each client made, with their
	// parameters, in order) run as bare SQL by as many concurrent workers as there were clients.
	Mode         string   `json:"mode"`
	Clients      int      `json:"clients"`
	Conns        int      `json:"conns"`
	ElapsedS     float64  `json:"elapsed_s"`
	Calls        int64    `json:"calls"`
	ErrorSamples []string `json:"error_samples,omitempty"`

	byEndpoint map[string]*BareReport
}

// bareRunner holds the pool the baseline runs on.
type bareRunner struct {
	pool  *pgxpool.Pool
	conns int
}

func newBareRunner(ctx context.Context, url string, conns int) (*bareRunner, error) {
	if !strings.HasPrefix(url, "postgres://") && !strings.HasPrefix(url, "postgresql://") {
		return nil, fmt.Errorf("--baseline-db must be a postgres:// URL (the baseline mirrors the PostgreSQL queries)")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("--baseline-db: %w", err)
	}
	cfg.MaxConns = int32(conns)
	// The server's driver caches prepared statements per connection; so does this one.
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeCacheStatement
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("--baseline-db: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("--baseline-db: %w", err)
	}
	return &bareRunner{pool: pool, conns: conns}, nil
}

func (r *bareRunner) close() { r.pool.Close() }

// replay runs each client's recorded reads as bare SQL, one worker per client: first, unmeasured,
// for warmup (cycling through the calls), then each call once, measured, until duration ends.
func (r *bareRunner) replay(ctx context.Context, clients []*client, warmup, duration time.Duration) (*BaselineReport, error) {
	rep := &BaselineReport{Mode: "replay", Clients: len(clients), Conns: r.conns, byEndpoint: map[string]*BareReport{}}
	recs := map[string]*recorder{}
	for ep := range bareSQL {
		recs[ep] = newRecorder()
	}
	errs := &samples{max: 5}
	one := func(c call) (time.Duration, error) {
		e, ok := bareSQL[c.ep]
		if !ok {
			return 0, nil
		}
		b := &bareCall{call: c, db: r.pool}
		start := time.Now()
		err := e.run(ctx, b, e.sql)
		return time.Since(start), err
	}
	var wg sync.WaitGroup
	if warmup > 0 {
		until := time.Now().Add(warmup)
		for _, cl := range clients {
			if len(cl.calls) == 0 {
				continue
			}
			wg.Add(1)
			go func(calls []call) {
				defer wg.Done()
				for i := 0; ctx.Err() == nil && time.Now().Before(until); i++ {
					_, _ = one(calls[i%len(calls)])
				}
			}(cl.calls)
		}
		wg.Wait()
	}
	start := time.Now()
	until := start.Add(duration)
	var mu sync.Mutex
	for _, cl := range clients {
		wg.Add(1)
		go func(calls []call) {
			defer wg.Done()
			n := int64(0)
			for _, c := range calls {
				if ctx.Err() != nil || !time.Now().Before(until) {
					break
				}
				d, err := one(c)
				if ctx.Err() != nil {
					break
				}
				n++
				if err != nil {
					errs.add(fmt.Sprintf("%s (user %d, unit %d): %v", c.ep, c.userID, c.unitID, err))
					recs[c.ep].add(outcomeError, answer{err: err})
					continue
				}
				recs[c.ep].add(outcomeOK, answer{status: 200, elapsed: d})
			}
			mu.Lock()
			rep.Calls += n
			mu.Unlock()
		}(cl.calls)
	}
	wg.Wait()
	rep.ElapsedS = time.Since(start).Seconds()
	rep.ErrorSamples = errs.list
	for ep, rec := range recs {
		rec.mu.Lock()
		count := int64(0)
		for _, v := range rec.statuses {
			count += v
		}
		if count > 0 {
			rep.byEndpoint[ep] = &BareReport{Count: count, Errors: rec.errors, Latency: latencyOf(rec.hist)}
		}
		rec.mu.Unlock()
	}
	return rep, ctx.Err()
}
