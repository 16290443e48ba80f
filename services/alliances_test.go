package services_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

const lokSabha = "Lok Sabha 2029"

// newParty adds a party as the admin, with a unique name and short name.
func (e *env) newParty(t *testing.T, prefix string) models.Party {
	t.Helper()
	name := uniq(prefix)
	p, err := e.set.Alliances.CreateParty(context.Background(), services.System, services.PartyInput{Name: ptr(name + " Party"),
		ShortName: ptr(strings.ToUpper(name)), NameHi: ptr("पार्टी " + name), Symbol: ptr("साइकिल")})
	if err != nil {
		t.Fatalf("create party %s: %v", name, err)
	}
	return p
}

func (e *env) allot(t *testing.T, actor services.Actor, election string, u models.Unit, p models.Party) services.SeatShareView {
	t.Helper()
	v, err := e.set.Alliances.CreateShare(context.Background(), actor, services.SeatShareInput{Election: election, UnitID: &u.ID, PartyID: &p.ID})
	if err != nil {
		t.Fatalf("allot %s to %s: %v", u.Code, p.ShortName, err)
	}
	return v
}

// TestSeatSharing: one party per seat per election (409 naming the holder); the same seat in
// another election is free; only Lok Sabha and assembly seats are shared; a seat moves to
// another party with If-Match; every change is one audit row; verify finds nothing.
func TestSeatSharing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	office := scoped(models.RoleStateOffice, tr.state)
	own, ally := e.newParty(t, "own"), e.newParty(t, "ally")
	mark := e.auditMark(t)
	v := e.allot(t, office, "  lok   sabha 2029 ", tr.pc, own)
	if v.Share.Election != "lok sabha 2029" || v.Share.Path != tr.pc.Path || v.Share.Version != 1 || v.Party.ID != own.ID {
		t.Fatalf("new share: %+v", v.Share)
	}
	// A second share of the same seat, in another spelling of the same election: 409 naming the holder.
	_, err := e.set.Alliances.CreateShare(ctx, office, services.SeatShareInput{Election: "LOK SABHA 2029", UnitID: &tr.pc.ID, PartyID: &ally.ID})
	se := wantErr(t, err, services.EConflict, "unit_id")
	if se.Fields[0].Code != "seat_taken" || se.Fields[0].Params["short_name"] != own.ShortName || !strings.Contains(se.Message, own.ShortName) {
		t.Fatalf("conflict: %+v", se)
	}
	// The same seat in another election is free.
	e.allot(t, office, "Lok Sabha 2034", tr.pc, ally)
	// Assemblies are seats; districts, sectors and booths are not.
	e.allot(t, office, "UP Vidhan Sabha 2027", tr.a1, ally)
	for _, u := range []models.Unit{tr.state, tr.d1, tr.s1, tr.b1} {
		_, err := e.set.Alliances.CreateShare(ctx, office, services.SeatShareInput{Election: lokSabha, UnitID: &u.ID, PartyID: &ally.ID})
		if c := fieldCode(t, wantErr(t, err, services.EInvalid, "unit_id"), "unit_id"); c != "level_not_allowed" {
			t.Fatalf("%s: code %s", u.Level, c)
		}
	}
	_, err = e.set.Alliances.CreateShare(ctx, office, services.SeatShareInput{Election: "Lok Sabha", UnitID: &tr.a2.ID, PartyID: ptr(int64(999999))})
	wantErr(t, err, services.EInvalid, "election", "party_id")
	if audit := e.auditSince(t, mark); len(audit) != 3 || audit[0].Entity != "seat_share" || audit[0].Action != "create" {
		t.Fatalf("audit: %+v", audit)
	}
	// Moving the seat: stale If-Match 412, then the move.
	_, err = e.set.Alliances.MoveShare(ctx, office, v.Share.ID, &ally.ID, ptr(int64(7)))
	wantErr(t, err, services.EPrecondition)
	moved, err := e.set.Alliances.MoveShare(ctx, office, v.Share.ID, &ally.ID, ptr(int64(1)))
	noErr(t, err)
	if moved.Share.PartyID != ally.ID || moved.Share.Version != 2 {
		t.Fatalf("moved: %+v", moved.Share)
	}
	// The party with seats cannot go; once its seats are gone, it can.
	err = e.set.Alliances.DeleteParty(ctx, office, ally.ID, nil)
	if c := wantErr(t, err, services.EConflict, "id").Fields[0].Code; c != "party_has_seats" {
		t.Fatalf("code %s", c)
	}
	noErr(t, e.set.Alliances.DeleteParty(ctx, office, own.ID, ptr(own.Version)))
	page, err := e.set.Alliances.ListShares(ctx, office, services.ShareFilter{PartyID: &ally.ID})
	noErr(t, err)
	if len(page.Items) != 3 {
		t.Fatalf("ally's shares: %d", len(page.Items))
	}
	for _, it := range page.Items {
		noErr(t, e.set.Alliances.DeleteShare(ctx, office, it.Share.ID, ptr(it.Share.Version)))
	}
	noErr(t, e.set.Alliances.DeleteParty(ctx, office, ally.ID, nil))
	diffs, err := services.NewVerifier(e.db.DB, e.clock.Now).Check(ctx, services.System)
	noErr(t, err)
	if len(diffs) != 0 {
		t.Fatalf("verify: %v", diffs)
	}
}

// TestPartyRules: names and short names are unique case aside (409 naming the field); the own
// party is one row; fields are checked.
func TestPartyRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	p := e.newParty(t, "sp")
	_, err := e.set.Alliances.CreateParty(ctx, services.System, services.PartyInput{Name: ptr(strings.ToUpper(p.Name)), ShortName: ptr("X" + p.ShortName)})
	if c := wantErr(t, err, services.EConflict, "name").Fields[0].Code; c != "party_taken" {
		t.Fatalf("code %s", c)
	}
	_, err = e.set.Alliances.CreateParty(ctx, services.System, services.PartyInput{Name: ptr("Other"), ShortName: ptr(strings.ToLower(p.ShortName))})
	wantErr(t, err, services.EConflict, "short_name")
	_, err = e.set.Alliances.CreateParty(ctx, services.System, services.PartyInput{Name: ptr(" "), ShortName: ptr(strings.Repeat("S", 21))})
	wantErr(t, err, services.EInvalid, "name", "short_name")
	_, err = e.set.Alliances.CreateParty(ctx, services.System, services.PartyInput{Name: ptr("Own"), ShortName: ptr("OWN"), IsOwn: ptr(true)})
	noErr(t, err)
	_, err = e.set.Alliances.CreateParty(ctx, services.System, services.PartyInput{Name: ptr("Own 2"), ShortName: ptr("OWN2"), IsOwn: ptr(true)})
	wantErr(t, err, services.EConflict)
	got, err := e.set.Alliances.UpdateParty(ctx, services.System, p.ID, services.PartyInput{Symbol: ptr("हाथ"), IfMatch: ptr(int64(1))})
	noErr(t, err)
	if got.Symbol != "हाथ" || got.Version != 2 {
		t.Fatalf("updated: %+v", got)
	}
	list, err := e.set.Alliances.ListParties(ctx, services.Actor{Role: models.RoleViewer, ScopeUnitID: ptr(int64(1)), ScopePath: "/1/"})
	noErr(t, err)
	if len(list) != 2 || !list[0].IsOwn {
		t.Fatalf("list: %+v", list)
	}
}

// TestSeatSharingRoles: only admin and the state office write; every role reads the whole
// table, the coordinator of one district also the seats of the other.
func TestSeatSharingRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	p := e.newParty(t, "ally")
	share := e.allot(t, services.System, lokSabha, tr.a2, p)
	for _, a := range []services.Actor{scoped(models.RoleDistrictCoordinator, tr.d1), scoped(models.RoleBoothWorker, tr.b1), scoped(models.RoleViewer, tr.d1)} {
		_, err := e.set.Alliances.CreateShare(ctx, a, services.SeatShareInput{Election: lokSabha, UnitID: &tr.a1.ID, PartyID: &p.ID})
		wantErr(t, err, services.EForbidden)
		_, err = e.set.Alliances.CreateParty(ctx, a, services.PartyInput{Name: ptr("X"), ShortName: ptr("X")})
		wantErr(t, err, services.EForbidden)
		_, err = e.set.Alliances.MoveShare(ctx, a, share.Share.ID, &p.ID, nil)
		wantErr(t, err, services.EForbidden)
		wantErr(t, e.set.Alliances.DeleteShare(ctx, a, share.Share.ID, nil), services.EForbidden)
		wantErr(t, e.set.Alliances.DeleteParty(ctx, a, p.ID, nil), services.EForbidden)
		page, err := e.set.Alliances.ListShares(ctx, a, services.ShareFilter{Election: lokSabha})
		noErr(t, err)
		if len(page.Items) != 1 || page.Items[0].Share.UnitID != tr.a2.ID {
			t.Fatalf("%s reads %+v", a.Role, page.Items)
		}
		sum, err := e.set.Alliances.Summary(ctx, a, lokSabha, &tr.d2.ID)
		noErr(t, err)
		if len(sum) != 1 || sum[0].District.ID != tr.d2.ID || sum[0].Total != 1 || sum[0].Unallotted != 0 {
			t.Fatalf("%s summary %+v", a.Role, sum)
		}
	}
	// A state office of another state writes nothing here.
	other := e.newRoot(t)
	_, err := e.set.Alliances.CreateShare(ctx, scoped(models.RoleStateOffice, other), services.SeatShareInput{Election: lokSabha, UnitID: &tr.a1.ID, PartyID: &p.ID})
	if c := fieldCode(t, wantErr(t, err, services.EInvalid, "unit_id"), "unit_id"); c != "unit_not_in_scope" {
		t.Fatalf("code %s", c)
	}
	_, err = e.set.Alliances.MoveShare(ctx, scoped(models.RoleStateOffice, other), share.Share.ID, &p.ID, nil)
	wantErr(t, err, services.ENotFound)
}

// TestSeatSummary: per district and level, seats per party and unallotted, on the small tree:
// the Lok Sabha seat (assemblies in d1 and d2, one each) counts once, in d1 (the tie goes to the
// lower id); under= d2 leaves it out; the seat table lists every seat with its share.
func TestSeatSummary(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	a3 := e.mustCreate(t, services.System, services.UnitInput{Level: models.LevelAssembly, ParentID: &tr.d2.ID, Code: uniq("AC"), Name: "Third"})
	own, ally := e.newParty(t, "own"), e.newParty(t, "ally")
	e.allot(t, services.System, lokSabha, tr.pc, own)
	e.allot(t, services.System, lokSabha, tr.a2, ally)
	e.allot(t, services.System, lokSabha, a3, ally)
	e.allot(t, services.System, "Lok Sabha 2034", tr.a1, own) // another election: not counted
	sum, err := e.set.Alliances.Summary(ctx, services.System, lokSabha, &tr.state.ID)
	noErr(t, err)
	type row struct {
		district        int64
		level           models.Level
		parties         string
		unallotted, all int64
	}
	var got []row
	for _, r := range sum {
		var ps []string
		for _, p := range r.ByParty {
			ps = append(ps, p.ShortName+"="+strconv.FormatInt(p.Seats, 10))
		}
		got = append(got, row{r.District.ID, r.Level, strings.Join(ps, ","), r.Unallotted, r.Total})
	}
	want := []row{
		{tr.d1.ID, models.LevelParliamentary, own.ShortName + "=1", 0, 1},
		{tr.d1.ID, models.LevelAssembly, "", 1, 1},
		{tr.d2.ID, models.LevelAssembly, ally.ShortName + "=2", 0, 2},
	}
	if tr.d1.Code > tr.d2.Code {
		want = []row{want[2], want[0], want[1]}
	}
	if len(got) != len(want) {
		t.Fatalf("summary %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("summary row %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	sum, err = e.set.Alliances.Summary(ctx, services.System, lokSabha, &tr.d2.ID)
	noErr(t, err)
	if len(sum) != 1 || sum[0].Total != 2 {
		t.Fatalf("under d2: %+v", sum)
	}
	seats, err := e.set.Alliances.Seats(ctx, services.System, services.ShareFilter{Election: lokSabha, Under: &tr.state.ID})
	noErr(t, err)
	if len(seats.Items) != 4 {
		t.Fatalf("seats: %+v", seats.Items)
	}
	allotted := 0
	for _, s := range seats.Items {
		if s.Share != nil {
			allotted++
		}
		if s.Unit.ID == tr.pc.ID && (s.District == nil || s.District.ID != tr.d1.ID) {
			t.Fatalf("Lok Sabha seat's district: %+v", s.District)
		}
	}
	if allotted != 3 {
		t.Fatalf("allotted %d", allotted)
	}
	_, err = e.set.Alliances.Summary(ctx, services.System, "", nil)
	wantErr(t, err, services.EInvalid, "election")
}

// TestSeatShareRace: many requests at once for the same seat and election: exactly one wins,
// every other gets the conflict naming the winner; verify finds nothing.
func TestSeatShareRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	const n = 16
	parties := make([]models.Party, n)
	for i := range parties {
		parties[i] = e.newParty(t, "p")
	}
	office := scoped(models.RoleStateOffice, tr.state)
	var wg sync.WaitGroup
	errs := make([]error, n)
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = e.set.Alliances.CreateShare(ctx, office, services.SeatShareInput{Election: lokSabha, UnitID: &tr.pc.ID, PartyID: &parties[i].ID})
		}()
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case services.ErrorCode(err) == services.EConflict:
			if f := services.FieldsOf(err); len(f) != 1 || f[0].Code != "seat_taken" {
				t.Fatalf("loser's error: %v", err)
			}
		default:
			t.Fatalf("unexpected error: %v", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d won", won)
	}
	page, err := e.set.Alliances.ListShares(ctx, office, services.ShareFilter{Election: lokSabha})
	noErr(t, err)
	if len(page.Items) != 1 {
		t.Fatalf("%d shares", len(page.Items))
	}
	diffs, err := services.NewVerifier(e.db.DB, e.clock.Now).Check(ctx, services.System)
	noErr(t, err)
	if len(diffs) != 0 {
		t.Fatalf("verify: %v", diffs)
	}
}

// TestSeatShareVerify: a share follows its seat when the seat moves to another district; verify
// reports a share whose path differs from its unit's, and Fix repairs it.
func TestSeatShareVerify(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tr := e.newTree(t)
	ctx := context.Background()
	v := e.allot(t, services.System, lokSabha, tr.a1, e.newParty(t, "ally"))
	_, err := e.units.Update(ctx, services.System, tr.a1.ID, services.UnitPatch{ParentID: &tr.d2.ID})
	noErr(t, err)
	got, err := e.set.Alliances.GetShare(ctx, services.System, v.Share.ID)
	noErr(t, err)
	if moved := loadUnit(t, e.db, tr.a1.ID); got.Share.Path != moved.Path || !strings.HasPrefix(moved.Path, tr.d2.Path) {
		t.Fatalf("share path %s, unit path %s", got.Share.Path, moved.Path)
	}
	ver := services.NewVerifier(e.db.DB, e.clock.Now)
	diffs, err := ver.Check(ctx, services.System)
	noErr(t, err)
	if len(diffs) != 0 {
		t.Fatalf("verify after the move: %v", diffs)
	}
	noErr(t, e.db.Exec("UPDATE seat_shares SET path = ? WHERE id = ?", tr.d1.Path, v.Share.ID).Error)
	diffs, err = ver.Check(ctx, services.System)
	noErr(t, err)
	if len(diffs) != 1 || diffs[0].Field != "seat_shares.path" || !diffs[0].Fixable() {
		t.Fatalf("verify: %v", diffs)
	}
	_, err = ver.Fix(ctx, services.System)
	noErr(t, err)
	diffs, err = ver.Check(ctx, services.System)
	noErr(t, err)
	if len(diffs) != 0 {
		t.Fatalf("verify after the fix: %v", diffs)
	}
}

// TestEnsureOwnParty: the seed adds the party itself once, named from the configuration (or the
// default), with initials for a short name.
func TestEnsureOwnParty(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	p, added, err := e.set.Alliances.EnsureOwnParty(ctx, services.System, " Rashtriya  Sangathan Party ")
	noErr(t, err)
	if !added || !p.IsOwn || p.Name != "Rashtriya Sangathan Party" || p.ShortName != "RSP" {
		t.Fatalf("own party: %+v added %v", p, added)
	}
	again, added, err := e.set.Alliances.EnsureOwnParty(ctx, services.System, "Other")
	noErr(t, err)
	if added || again.ID != p.ID {
		t.Fatalf("second call: %+v added %v", again, added)
	}
	e2 := newEnv(t)
	d, _, err := e2.set.Alliances.EnsureOwnParty(ctx, services.System, "")
	noErr(t, err)
	if d.Name != services.DefaultLetterhead.Name || d.ShortName != d.Name || d.NameHi != d.Name {
		t.Fatalf("default: %+v", d)
	}
}
