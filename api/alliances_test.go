package api

import (
	"context"
	"strconv"
	"testing"

	"github.com/sangathan/sangathan/services"
)

// allianceWrite: only admin and the state office change the alliance.
func allianceWrite(ok int) byRole {
	return byRole{"admin": {ok}, "state": {ok}, "dc": {s403}, "worker": {s403}, "viewer": {s403}}
}

// party is a fresh party, made through the service.
func (m *matrix) party() string { return m.s.mkParty(m.t, m.unique("Party")) }

// election is an election no other cell uses.
func (m *matrix) election() string { return "Matrix " + m.unique("E") + " 2029" }

// share is a fresh seat share of the assembly at loc, in an election of its own.
func (m *matrix) share(loc string) string {
	a, _ := m.assembly(loc)
	return m.s.mkShare(m.t, m.election(), a, m.party())
}

// mkParty adds a party named name (short name the same) as the installation; returns its API id.
func (s *testServer) mkParty(t *testing.T, name string) string {
	t.Helper()
	p, err := s.set.Alliances.CreateParty(context.Background(), services.System, services.PartyInput{Name: &name, ShortName: &name})
	if err != nil {
		t.Fatalf("mkParty: %v", err)
	}
	return strconv.FormatInt(p.ID, 10)
}

// mkShare allots the unit to the party (API ids) for election as the installation.
func (s *testServer) mkShare(t *testing.T, election, unitID, partyID string) string {
	t.Helper()
	u, err1 := strconv.ParseInt(unitID, 10, 64)
	p, err2 := strconv.ParseInt(partyID, 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("mkShare: %q %q", unitID, partyID)
	}
	v, err := s.set.Alliances.CreateShare(context.Background(), services.System, services.SeatShareInput{Election: election, UnitID: &u, PartyID: &p})
	if err != nil {
		t.Fatalf("mkShare: %v", err)
	}
	return strconv.FormatInt(v.Share.ID, 10)
}
