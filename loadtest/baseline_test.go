package loadtest

import (
	"context"
	"math"
	"regexp"
	"slices"
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

	set, err := services.NewSet(db.DB, services.SystemClock, services.AuthConfig{Secret: []byte("loadtest-baseline-test-key-0123456789"), BcryptCost: bcrypt.MinCost,
		// The state office logs in with its password alone here, as on a load-test server
		// (SANGATHAN_2FA_ROLES=none): two-step verification is not what this test measures.
		SecondFactorRoles: []models.Role{}})
	require.NoError(t, err)
	_, err = set.Imports.Units(ctx, services.System, strings.NewReader("level,code,name,name_hi,parent_code\n"+
		"state,ZZ,Zedland,ज़ेडलैंड,\ndistrict,ZZ-A,Alpha,अल्फ़ा,ZZ\nassembly,ZZ-A-1,Alpha One,,ZZ-A\nbooth,ZZ-A-1-B1,Alpha School,,ZZ-A-1\n"), services.AllOrNothing)
	require.NoError(t, err)
	_, err = set.Imports.People(ctx, services.System, strings.NewReader("name,name_hi,gender,birth_year,phone,voter_id,category,religion,caste,home_unit_code,committee_unit_code,position\n"+
		"Ramesh Yadav,रमेश यादव,male,1980,,,OBC,hindu,Yadav,ZZ-A-1-B1,ZZ-A-1-B1,president\n"+
		"Sunita Devi,सुनीता देवी,female,1984,,,SC,hindu,,ZZ-A-1,ZZ-A-1-B1,member\n"+
		"Salim Ansari,सलीम अंसारी,male,2001,,,OBC,muslim,,ZZ-A-1,ZZ-A-1,member\n"+
		"Geeta Sharma,गीता शर्मा,female,,,,GEN,,,ZZ-A-1-B1,ZZ-A,member\n"+
		"Kiran Gond,किरण गोंड,other,1950,,,ST,christian,,ZZ-A,ZZ,member\n"+
		"Mohan Verma,मोहन वर्मा,male,1962,,,GEN,none,,ZZ-A-1-B1,ZZ-A-1-B1,member\n"), services.AllOrNothing)
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
	state, err := set.Units.UnitByCode(ctx, services.System, "ZZ")
	require.NoError(t, err)
	assembly, err := set.Units.UnitByCode(ctx, services.System, "ZZ-A-1")
	require.NoError(t, err)
	office, err := set.Users.Create(ctx, services.System, services.UserInput{Username: "zz.office", Password: pw, Role: models.RoleStateOffice, ScopeUnitID: &state.ID})
	require.NoError(t, err)
	officeSes, err := set.Auth.Login(ctx, "zz.office", pw, "127.0.0.1")
	require.NoError(t, err)
	boothLevel := models.LevelBooth

	// What each endpoint's handler calls, after the authentication every request goes through.
	// A case named endpoint/state is the endpoint as the state office calls it.
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
		EpRepresentation: {call{unitID: district.ID}, func(ctx context.Context, a services.Actor) error {
			_, err := set.Representation.Figures(ctx, a, district.ID, nil)
			return err
		}},
		EpRepresentation + "/state": {call{unitID: state.ID}, func(ctx context.Context, a services.Actor) error {
			_, err := set.Representation.Figures(ctx, a, state.ID, nil)
			return err
		}},
		EpRepresentationBooth: {call{unitID: district.ID}, func(ctx context.Context, a services.Actor) error {
			_, err := set.Representation.Figures(ctx, a, district.ID, &boothLevel)
			return err
		}},
		EpRepresentationBooth + "/state": {call{unitID: state.ID}, func(ctx context.Context, a services.Actor) error {
			_, err := set.Representation.Figures(ctx, a, state.ID, &boothLevel)
			return err
		}},
		EpBreakdown: {call{unitID: district.ID, by: "assembly"}, func(ctx context.Context, a services.Actor) error {
			_, err := set.Representation.Breakdown(ctx, a, district.ID, services.BreakdownRequest{By: models.LevelAssembly})
			return err
		}},
		EpBreakdown + "/state": {call{unitID: state.ID, by: "district"}, func(ctx context.Context, a services.Actor) error {
			_, err := set.Representation.Breakdown(ctx, a, state.ID, services.BreakdownRequest{By: models.LevelDistrict})
			return err
		}},
		EpBreakdownBooth: {call{unitID: district.ID, by: "assembly"}, func(ctx context.Context, a services.Actor) error {
			_, err := set.Representation.Breakdown(ctx, a, district.ID, services.BreakdownRequest{By: models.LevelAssembly, Level: &boothLevel})
			return err
		}},
		EpBreakdownBooth + "/state": {call{unitID: state.ID, by: "district"}, func(ctx context.Context, a services.Actor) error {
			_, err := set.Representation.Breakdown(ctx, a, state.ID, services.BreakdownRequest{By: models.LevelDistrict, Level: &boothLevel})
			return err
		}},
		EpGaps: {call{unitID: assembly.ID}, func(ctx context.Context, a services.Actor) error {
			_, err := set.Representation.Gaps(ctx, a, assembly.ID, models.LevelBooth, services.PageRequest{})
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
			ep, asState := strings.CutSuffix(name, "/state")
			token, userID := ses.AccessToken, u.User.ID
			if asState {
				token, userID = officeSes.AccessToken, office.User.ID
			}
			cctx := context.WithValue(ctx, captureKey{}, true)
			a, err := set.Auth.Authenticate(cctx, token)
			require.NoError(t, err)
			require.NoError(t, c.service(cctx, a))
			issued := normaliseAll(capture.take())
			entry := bareSQL[ep]
			want := slices.Clone(entry.sql)
			if asState && (ep == EpRepresentation || ep == EpRepresentationBooth) {
				// The state's figures differ from a district's in their source and in its coverage,
				// summed from its districts (bareFigures).
				want[2], want[3] = repSQL(sqlRepCounts, srcAbove, alias(ep, "r")), repSQL(sqlRepAges, srcAbove, alias(ep, "a"))
				want = slices.Insert(want, 5, sqlCoverageAbove)
			}
			assert.Equal(t, issued, normaliseAll(want), "bareSQL[%q] lists what the services issue", name)

			if pool == nil {
				return
			}
			var ran []string
			cl := c.call
			cl.ep, cl.userID, cl.sid = ep, userID, a.SessionID
			b := &bareCall{call: cl, db: pool, trace: func(sql string) { ran = append(ran, sql) }}
			require.NoError(t, entry.run(ctx, b, entry.sql))
			assert.Equal(t, issued, normaliseAll(ran), "bareSQL[%q].run issues the same statements", ep)

			// The raw scan of the call counts what the service reports.
			raw, ok, err := rawScanOf(ctx, pool, cl)
			require.NoError(t, err)
			if !ok {
				return
			}
			got, err := raw.run(ctx, pool)
			require.NoError(t, err)
			counted := map[int64]RawFigures{}
			level := (*models.Level)(nil)
			if levelOf(ep) != "" {
				level = &boothLevel
			}
			a, err = set.Auth.Authenticate(ctx, token)
			require.NoError(t, err)
			var figs []services.Figures
			if cl.by == "" {
				f, err := set.Representation.Figures(ctx, a, cl.unitID, level)
				require.NoError(t, err)
				figs = append(figs, f)
			} else {
				p, err := set.Representation.Breakdown(ctx, a, cl.unitID, services.BreakdownRequest{By: models.Level(cl.by), Level: level})
				require.NoError(t, err)
				figs = p.Items
			}
			for _, f := range figs {
				if f.Seats > 0 {
					counted[f.Unit.ID] = rawOf(f)
				}
			}
			require.NotEmpty(t, counted, "the fixture has seats under %d", cl.unitID)
			assert.Equal(t, counted, got, "the raw scan of %s counts what the service reports", name)
		})
	}
}

// rawOf is a unit's figures in the order of rawColumns.
func rawOf(f services.Figures) RawFigures {
	return RawFigures{f.Seats, f.ByCategory["SC"], f.ByCategory["ST"], f.ByCategory["OBC"], f.ByCategory["GEN"],
		f.Minority, f.ReligionUnknown, int64(math.Round(f.Shares["sc_st_obc_minority"] * float64(f.Seats))),
		f.ByGender["male"], f.ByGender["female"], f.ByGender["other"], f.ByAge["unknown"],
		f.ByAge["18_35"], f.ByAge["36_60"], f.ByAge["60_plus"]}
}
