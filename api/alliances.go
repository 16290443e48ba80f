package api

import (
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// Alliances (गठबंधन) and seat sharing (सीट बंटवारा): the allied parties, which party contests
// which Lok Sabha or assembly seat per election, and the per-district summary. Only the state
// office and admin write; every role reads the whole table (public party information).

type partyRequest struct {
	Name      *string `json:"name"`
	NameHi    *string `json:"name_hi"`
	ShortName *string `json:"short_name"`
	Symbol    *string `json:"symbol"`
	IsOwn     *bool   `json:"is_own"`
}

type partyResponse struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	NameHi    string    `json:"name_hi"`
	ShortName string    `json:"short_name"`
	Symbol    string    `json:"symbol"`
	IsOwn     bool      `json:"is_own"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type partyRef struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	NameHi    string `json:"name_hi"`
	ShortName string `json:"short_name"`
	IsOwn     bool   `json:"is_own"`
}

type seatShareRequest struct {
	Election string  `json:"election"`
	UnitID   *jsonID `json:"unit_id"`
	PartyID  *jsonID `json:"party_id"`
}

type moveSeatShareRequest struct {
	PartyID *jsonID `json:"party_id"`
}

type seatShareResponse struct {
	ID        string    `json:"id"`
	Election  string    `json:"election"`
	UnitID    string    `json:"unit_id"`
	Unit      unitRef   `json:"unit"`
	PartyID   string    `json:"party_id"`
	Party     partyRef  `json:"party"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

type seatRowResponse struct {
	Unit     seatUnitRef        `json:"unit"`
	District *unitRef           `json:"district"`
	Share    *seatShareResponse `json:"share"`
}

type seatUnitRef struct {
	unitRef
	Number *int `json:"number"`
}

type partySeatsJSON struct {
	PartyID   string `json:"party_id"`
	ShortName string `json:"short_name"`
	Seats     int64  `json:"seats"`
}

type seatSummaryJSON struct {
	District   *unitRef         `json:"district"`
	Level      string           `json:"level"`
	ByParty    []partySeatsJSON `json:"by_party"`
	Unallotted int64            `json:"unallotted"`
	Total      int64            `json:"total"`
}

func seatUnitOf(u models.Unit) unitRef {
	return unitRef{ID: idString(u.ID), Level: string(u.Level), Code: u.Code, Name: u.Name, NameHi: u.NameHi}
}

func toPartyResponse(p models.Party) partyResponse {
	return partyResponse{ID: idString(p.ID), Name: p.Name, NameHi: p.NameHi, ShortName: p.ShortName, Symbol: p.Symbol, IsOwn: p.IsOwn,
		Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}

func toSeatShareResponse(v services.SeatShareView) seatShareResponse {
	sh := v.Share
	return seatShareResponse{ID: idString(sh.ID), Election: sh.Election, UnitID: idString(sh.UnitID), Unit: seatUnitOf(v.Unit),
		PartyID: idString(sh.PartyID), Party: partyRef{ID: idString(v.Party.ID), Name: v.Party.Name, NameHi: v.Party.NameHi,
			ShortName: v.Party.ShortName, IsOwn: v.Party.IsOwn},
		Version: sh.Version, CreatedAt: sh.CreatedAt, UpdatedAt: sh.UpdatedAt}
}

func toSeatRow(r services.SeatRow) seatRowResponse {
	out := seatRowResponse{Unit: seatUnitRef{unitRef: seatUnitOf(r.Unit), Number: r.Unit.Number}}
	if r.District != nil {
		d := seatUnitOf(*r.District)
		out.District = &d
	}
	if r.Share != nil {
		sh := toSeatShareResponse(*r.Share)
		out.Share = &sh
	}
	return out
}

func (s *Server) createParty(c *gin.Context) {
	var req partyRequest
	if !bindJSON(c, &req) {
		return
	}
	p, err := s.Alliances.CreateParty(c.Request.Context(), actor(c), services.PartyInput{Name: req.Name, NameHi: req.NameHi,
		ShortName: req.ShortName, Symbol: req.Symbol, IsOwn: req.IsOwn})
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, p.Version)
	c.JSON(http.StatusCreated, toPartyResponse(p))
}

func (s *Server) listParties(c *gin.Context) {
	ps, err := s.Alliances.ListParties(c.Request.Context(), actor(c))
	if err != nil {
		writeError(c, err)
		return
	}
	items := make([]partyResponse, 0, len(ps))
	for _, p := range ps {
		items = append(items, toPartyResponse(p))
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": nil})
}

func (s *Server) getParty(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	p, err := s.Alliances.GetParty(c.Request.Context(), actor(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, p.Version)
	c.JSON(http.StatusOK, toPartyResponse(p))
}

func (s *Server) updateParty(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req partyRequest
	if !bindJSON(c, &req) {
		return
	}
	p, err := s.Alliances.UpdateParty(c.Request.Context(), actor(c), id, services.PartyInput{Name: req.Name, NameHi: req.NameHi,
		ShortName: req.ShortName, Symbol: req.Symbol, IsOwn: req.IsOwn, IfMatch: version})
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, p.Version)
	c.JSON(http.StatusOK, toPartyResponse(p))
}

func (s *Server) deleteParty(c *gin.Context) { deleteIfMatch(c, s.Alliances.DeleteParty) }

func (s *Server) createSeatShare(c *gin.Context) {
	var req seatShareRequest
	if !bindJSON(c, &req) {
		return
	}
	var f services.Fields
	id := func(field string, j *jsonID) *int64 {
		v, err := optID(field, j)
		f = append(f, services.FieldsOf(err)...)
		return v
	}
	in := services.SeatShareInput{Election: req.Election, UnitID: id("unit_id", req.UnitID), PartyID: id("party_id", req.PartyID)}
	if err := f.Err(); err != nil {
		writeError(c, err)
		return
	}
	v, err := s.Alliances.CreateShare(c.Request.Context(), actor(c), in)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.Share.Version)
	c.JSON(http.StatusCreated, toSeatShareResponse(v))
}

func shareFilter(c *gin.Context) (services.ShareFilter, bool) {
	pr, ok := pageRequest(c)
	if !ok {
		return services.ShareFilter{}, false
	}
	f := services.ShareFilter{Election: c.Query("election"), Level: c.Query("level"), Page: pr}
	if f.PartyID, ok = queryID(c, "party_id"); !ok {
		return f, false
	}
	if f.Under, ok = queryID(c, "under"); !ok {
		return f, false
	}
	if f.DistrictID, ok = queryID(c, "district_id"); !ok {
		return f, false
	}
	return f, true
}

func (s *Server) listSeatShares(c *gin.Context) {
	f, ok := shareFilter(c)
	if !ok {
		return
	}
	page, err := s.Alliances.ListShares(c.Request.Context(), actor(c), f)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(page, toSeatShareResponse))
}

func (s *Server) listSeats(c *gin.Context) {
	f, ok := shareFilter(c)
	if !ok {
		return
	}
	page, err := s.Alliances.Seats(c.Request.Context(), actor(c), f)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(page, toSeatRow))
}

func (s *Server) seatShareSummary(c *gin.Context) {
	under, ok := queryID(c, "under")
	if !ok {
		return
	}
	rows, err := s.Alliances.Summary(c.Request.Context(), actor(c), c.Query("election"), under)
	if err != nil {
		writeError(c, err)
		return
	}
	items := make([]seatSummaryJSON, 0, len(rows))
	for _, r := range rows {
		it := seatSummaryJSON{Level: string(r.Level), ByParty: make([]partySeatsJSON, 0, len(r.ByParty)), Unallotted: r.Unallotted, Total: r.Total}
		if r.District != nil {
			d := seatUnitOf(*r.District)
			it.District = &d
		}
		for _, p := range r.ByParty {
			it.ByParty = append(it.ByParty, partySeatsJSON{PartyID: idString(p.PartyID), ShortName: p.ShortName, Seats: p.Seats})
		}
		items = append(items, it)
	}
	c.JSON(http.StatusOK, gin.H{"items": items, "next_cursor": nil})
}

func (s *Server) getSeatShare(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	v, err := s.Alliances.GetShare(c.Request.Context(), actor(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.Share.Version)
	c.JSON(http.StatusOK, toSeatShareResponse(v))
}

func (s *Server) moveSeatShare(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req moveSeatShareRequest
	if !bindJSON(c, &req) {
		return
	}
	party, err := optID("party_id", req.PartyID)
	if err != nil {
		writeError(c, err)
		return
	}
	v, err := s.Alliances.MoveShare(c.Request.Context(), actor(c), id, party, version)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, v.Share.Version)
	c.JSON(http.StatusOK, toSeatShareResponse(v))
}

func (s *Server) deleteSeatShare(c *gin.Context) { deleteIfMatch(c, s.Alliances.DeleteShare) }

func (s *Server) exportSeatShares(c *gin.Context) {
	under, ok := queryID(c, "under")
	if !ok {
		return
	}
	sel, err := s.Alliances.CheckExport(c.Request.Context(), actor(c), c.Query("election"), under)
	if err != nil {
		writeError(c, err)
		return
	}
	streamCSV(c, "seat-shares.csv", func(w io.Writer) error { return s.Alliances.ExportCSV(c.Request.Context(), sel, w) })
}
