package loadtest

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"github.com/sangathan/sangathan/database"
	"github.com/sangathan/sangathan/database/dbtest"
	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

type captureKey struct{}

// sqlCapture records the statements GORM sends for contexts marked with captureKey.
type sqlCapture struct {
	mu   sync.Mutex
	list []string
}

func (c *sqlCapture) hook(tx *gorm.DB) {
	// A subquery is built by running the callbacks without executing (DryRun): not a statement.
	if tx.Statement.Context.Value(captureKey{}) == nil || tx.DryRun {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = append(c.list, tx.Statement.SQL.String())
}

func (c *sqlCapture) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.list
	c.list = nil
	return out
}

var (
	placeholder = regexp.MustCompile(`\$\d+`)
	inList      = regexp.MustCompile(`IN \(\?(,\?)*\)`)
	literalLim  = regexp.MustCompile(`LIMIT \d+`)
)

// normalise makes SQL comparable across dialects and list lengths: ? placeholders (SQLite's
// driver writes limits as literals), double quotes, and IN ($ids) for any list.
func normalise(sql string) string {
	s := strings.ReplaceAll(sql, "`", `"`)
	s = strings.ReplaceAll(s, "$ids", "?ids")
	s = placeholder.ReplaceAllString(s, "?")
	s = inList.ReplaceAllString(s, "IN (?ids)")
	s = literalLim.ReplaceAllString(s, "LIMIT ?")
	return s
}

func normaliseAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = normalise(s)
	}
	return out
}

// TestBareSQLMatchesTheServices: every read endpoint's entry in bareSQL lists the statements the
// services issue for it, in order (on SQLite and PostgreSQL alike, placeholders aside); on
// PostgreSQL its run function, given the same call, issues exactly those statements and they
// succeed. When a service's query changes, this names the entry to change with it.
func TestBareSQLMatchesTheServices(t *testing.T) {
	ctx := context.Background()
	url := dbtest.URL(t)
	var db *database.DB
	if url != "" {
		var err error
		db, err = database.Open(ctx, database.Options{URL: url})
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		_, err = db.Migrate(ctx)
		require.NoError(t, err)
	} else {
		db = dbtest.New(t)
	}
	capture := &sqlCapture{}
	require.NoError(t, db.Callback().Query().After("gorm:query").Register("loadtest:capture", capture.hook))
	require.NoError(t, db.Callback().Row().After("gorm:row").Register("loadtest:capture", capture.hook))

	set, err := services.NewSet(db.DB, services.SystemClock, services.AuthConfig{Secret: []byte("loadtest-baseline-test-key-0123456789"), BcryptCost: bcrypt.MinCost})
	require.NoError(t, err)
	_, err = set.Imports.Units(ctx, services.System, strings.NewReader("level,code,name,name_hi,parent_code\n"+
		"state,ZZ,Zedland,ज़ेडलैंड,\ndistrict,ZZ-A,Alpha,अल्फ़ा,ZZ\nassembly,ZZ-A-1,Alpha One,,ZZ-A\nbooth,ZZ-A-1-B1,Alpha School,,ZZ-A-1\n"), services.AllOrNothing)
	require.NoError(t, err)
	_, err = set.Imports.People(ctx, services.System, strings.NewReader("name,name_hi,gender,birth_year,phone,voter_id,category,religion,caste,home_unit_code,committee_unit_code,position\n"+
		"Ramesh Yadav,रमेश यादव,male,1980,,,OBC,hindu,Yadav,ZZ-A-1-B1,ZZ-A-1-B1,president\n"+
		"Sunita Devi,सुनीता देवी,female,1984,,,SC,hindu,,ZZ-A-1,ZZ-A-1-B1,member\n"), services.AllOrNothing)
	require.NoError(t, err)
	district, err := set.Units.UnitByCode(ctx, services.System, "ZZ-A")
	require.NoError(t, err)
	booth, err := set.Units.UnitByCode(ctx, services.System, "ZZ-A-1-B1")
	require.NoError(t, err)
	const pw = "baseline-test-password"
	u, err := set.Users.Create(ctx, services.System, services.UserInput{Username: "alpha.coord", Password: pw, Role: models.RoleDistrictCoordinator, ScopeUnitID: &district.ID})
	require.NoError(t, err)
	ses, err := set.Auth.Login(ctx, "alpha.coord", pw, "127.0.0.1")
	require.NoError(t, err)

	// What each endpoint's handler calls, after the authentication every request goes through.
	cases := map[string]struct {
		call    call
		service func(ctx context.Context, a services.Actor) error
	}{
		EpMe: {call{}, func(ctx context.Context, a services.Actor) error {
			_, err := set.Users.Get(ctx, a, a.UserID)
			return err
		}},
		EpUnit: {call{unitID: booth.ID}, func(ctx context.Context, a services.Actor) error {
			_, err := set.Units.Get(ctx, a, booth.ID)
			return err
		}},
		EpChildren: {call{unitID: district.ID}, func(ctx context.Context, a services.Actor) error {
			_, err := set.Units.Children(ctx, a, district.ID, services.PageRequest{})
			return err
		}},
		EpCommittee: {call{unitID: booth.ID}, func(ctx context.Context, a services.Actor) error {
			_, err := set.Committees.Get(ctx, a, booth.ID)
			return err
		}},
		EpPeopleList: {call{unitID: district.ID}, func(ctx context.Context, a services.Actor) error {
			_, err := set.People.List(ctx, a, services.PersonFilter{Under: &district.ID})
			return err
		}},
		EpPeopleSearch: {call{q: "Ramesh"}, func(ctx context.Context, a services.Actor) error {
			_, err := set.People.List(ctx, a, services.PersonFilter{Q: "Ramesh"})
			return err
		}},
		EpPeopleSearchHi: {call{q: "सुनीता"}, func(ctx context.Context, a services.Actor) error {
			_, err := set.People.List(ctx, a, services.PersonFilter{Q: "सुनीता"})
			return err
		}},
		EpUnitSearch: {call{q: "alpha"}, func(ctx context.Context, a services.Actor) error {
			_, err := set.Units.List(ctx, a, services.UnitFilter{Q: "alpha"})
			return err
		}},
	}
	for _, e := range endpointKinds {
		if e.kind == KindRead {
			assert.Contains(t, cases, e.name, "every read endpoint has a case here")
			assert.Contains(t, bareSQL, e.name, "every read endpoint has bare SQL")
		}
	}

	var pool *pgxpool.Pool
	if url != "" {
		pool, err = pgxpool.New(ctx, url)
		require.NoError(t, err)
		t.Cleanup(pool.Close)
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			cctx := context.WithValue(ctx, captureKey{}, true)
			a, err := set.Auth.Authenticate(cctx, ses.AccessToken)
			require.NoError(t, err)
			require.NoError(t, c.service(cctx, a))
			issued := normaliseAll(capture.take())
			entry := bareSQL[name]
			assert.Equal(t, issued, normaliseAll(entry.sql), "bareSQL[%q] lists what the services issue", name)

			if pool == nil {
				return
			}
			var ran []string
			cl := c.call
			cl.ep, cl.userID = name, u.User.ID
			b := &bareCall{call: cl, db: pool, trace: func(sql string) { ran = append(ran, sql) }}
			require.NoError(t, entry.run(ctx, b, entry.sql))
			assert.Equal(t, issued, normaliseAll(ran), "bareSQL[%q].run issues the same statements", name)
		})
	}
}
