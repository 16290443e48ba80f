package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

type populationJSON struct {
	Total    *int64 `json:"total"`
	SC       *int64 `json:"sc"`
	ST       *int64 `json:"st"`
	Muslim   *int64 `json:"muslim"`
	Minority *int64 `json:"minority"`
}

func (p *populationJSON) toService() *services.Population {
	if p == nil {
		return nil
	}
	return &services.Population{Total: p.Total, SC: p.SC, ST: p.ST, Muslim: p.Muslim, Minority: p.Minority}
}

type createUnitRequest struct {
	Level           string          `json:"level"`
	ParentID        *jsonID         `json:"parent_id"`
	Code            string          `json:"code"`
	Name            string          `json:"name"`
	NameHi          string          `json:"name_hi"`
	Number          *int            `json:"number"`
	Reserved        string          `json:"reserved"`
	ParliamentaryID *jsonID         `json:"parliamentary_id"`
	Electors        *int            `json:"electors"`
	Population      *populationJSON `json:"population"`
}

// optional is a PATCH field: absent (Set false), null (Value nil) or a value.
type optional[T any] struct {
	Set   bool
	Value *T
}

func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		o.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.Value = &v
	return nil
}

type updateUnitRequest struct {
	ParentID        *jsonID                  `json:"parent_id"`
	Code            *string                  `json:"code"`
	Name            *string                  `json:"name"`
	NameHi          *string                  `json:"name_hi"`
	Reserved        *string                  `json:"reserved"`
	Number          optional[int]            `json:"number"`
	Electors        optional[int]            `json:"electors"`
	ParliamentaryID optional[jsonID]         `json:"parliamentary_id"`
	Population      optional[populationJSON] `json:"population"`
}

type unitRef struct {
	ID     string `json:"id"`
	Level  string `json:"level"`
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameHi string `json:"name_hi"`
	// NameHiTransliterated is name written in Devanagari by rule, when name_hi is empty.
	NameHiTransliterated string `json:"name_hi_transliterated,omitempty"`
}

// transliterated is the Devanagari the answers add for a unit without a Hindi name (issue 10): an
// approximate transliteration of name, marked as such by its field. name_hi stays what is
// stored, so a client that sends an answer back does not save the transliteration.
func transliterated(name, nameHi string) string {
	if nameHi != "" {
		return ""
	}
	return models.ToDevanagari(name)
}

type coverageJSON struct {
	Booths   int64   `json:"booths"`
	Complete int64   `json:"complete"`
	Share    float64 `json:"share"`
	// PastTerm is how many complete booth committees past their term and grace were counted as
	// incomplete (already taken out of complete).
	PastTerm int64 `json:"past_term"`
}

type unitResponse struct {
	ID       string  `json:"id"`
	Level    string  `json:"level"`
	ParentID *string `json:"parent_id"`
	Code     string  `json:"code"`
	Name     string  `json:"name"`
	NameHi   string  `json:"name_hi"`
	// NameHiTransliterated is name written in Devanagari by rule, when name_hi is empty.
	NameHiTransliterated string          `json:"name_hi_transliterated,omitempty"`
	Number               *int            `json:"number"`
	Reserved             string          `json:"reserved"`
	ParliamentaryID      *string         `json:"parliamentary_id"`
	Electors             *int            `json:"electors"`
	Population           *populationJSON `json:"population"`
	Depth                int             `json:"depth"`
	Version              int64           `json:"version"`
	TermStartedOn        string          `json:"term_started_on"`
	CreatedAt            time.Time       `json:"created_at"`
	UpdatedAt            time.Time       `json:"updated_at"`
}

type unitDetailResponse struct {
	unitResponse
	Ancestors     []unitRef    `json:"ancestors"`
	ChildrenCount int64        `json:"children_count"`
	Coverage      coverageJSON `json:"coverage"`
}

type childResponse struct {
	unitResponse
	Coverage coverageJSON `json:"coverage"`
}

type listResponse[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

func newList[S, T any](p services.Page[S], conv func(S) T) listResponse[T] {
	out := listResponse[T]{Items: make([]T, 0, len(p.Items))}
	for _, it := range p.Items {
		out.Items = append(out.Items, conv(it))
	}
	if p.NextCursor != "" {
		nc := p.NextCursor
		out.NextCursor = &nc
	}
	return out
}

func toUnitResponse(u models.Unit) unitResponse {
	r := unitResponse{ID: idString(u.ID), Level: string(u.Level), ParentID: optIDString(u.ParentID), Code: u.Code,
		Name: u.Name, NameHi: u.NameHi, NameHiTransliterated: transliterated(u.Name, u.NameHi), Number: u.Number, Reserved: u.Reserved, ParliamentaryID: optIDString(u.ParliamentaryID),
		Electors: u.Electors, Depth: u.Depth, Version: u.Version, TermStartedOn: string(u.TermStartedOn), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	if p := services.UnitPopulation(u); p != nil {
		r.Population = &populationJSON{Total: p.Total, SC: p.SC, ST: p.ST, Muslim: p.Muslim, Minority: p.Minority}
	}
	return r
}

func toCoverage(c services.Coverage) coverageJSON {
	return coverageJSON{Booths: c.Booths, Complete: c.Complete, Share: c.Share(), PastTerm: c.PastTerm}
}

func toUnitDetail(d services.UnitDetail) unitDetailResponse {
	r := unitDetailResponse{unitResponse: toUnitResponse(d.Unit), ChildrenCount: d.ChildrenCount, Coverage: toCoverage(d.Coverage), Ancestors: []unitRef{}}
	for _, a := range d.Ancestors {
		r.Ancestors = append(r.Ancestors, unitRef{ID: idString(a.ID), Level: string(a.Level), Code: a.Code, Name: a.Name, NameHi: a.NameHi,
			NameHiTransliterated: transliterated(a.Name, a.NameHi)})
	}
	return r
}

func (s *Server) createUnit(c *gin.Context) {
	var req createUnitRequest
	if !bindJSON(c, &req) {
		return
	}
	parentID, err := optID("parent_id", req.ParentID)
	if err != nil {
		writeError(c, err)
		return
	}
	parlID, err := optID("parliamentary_id", req.ParliamentaryID)
	if err != nil {
		writeError(c, err)
		return
	}
	u, err := s.Units.Create(c.Request.Context(), actor(c), services.UnitInput{
		Level: models.Level(req.Level), ParentID: parentID, Code: req.Code, Name: req.Name, NameHi: req.NameHi,
		Number: req.Number, Reserved: req.Reserved, ParliamentaryID: parlID, Electors: req.Electors, Population: req.Population.toService(),
	})
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, u.Version)
	c.JSON(http.StatusCreated, toUnitResponse(u))
}

func (s *Server) listUnits(c *gin.Context) {
	pr, ok := pageRequest(c)
	if !ok {
		return
	}
	parent, ok := queryID(c, "parent_id")
	if !ok {
		return
	}
	under, ok := queryID(c, "under")
	if !ok {
		return
	}
	number, ok := queryInt(c, "number")
	if !ok {
		return
	}
	page, err := s.Units.List(c.Request.Context(), actor(c), services.UnitFilter{
		Level: models.Level(c.Query("level")), ParentID: parent, Under: under, Q: c.Query("q"), Number: number, Page: pr,
	})
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(page, toUnitResponse))
}

func (s *Server) getUnit(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	d, err := s.Units.Get(c.Request.Context(), actor(c), id)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, d.Unit.Version)
	c.JSON(http.StatusOK, toUnitDetail(d))
}

func (s *Server) listChildren(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	pr, ok := pageRequest(c)
	if !ok {
		return
	}
	page, err := s.Units.Children(c.Request.Context(), actor(c), id, pr)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, newList(page, func(ch services.ChildUnit) childResponse {
		return childResponse{unitResponse: toUnitResponse(ch.Unit), Coverage: toCoverage(ch.Coverage)}
	}))
}

func (s *Server) updateUnit(c *gin.Context) {
	id, ok := pathID(c, "id")
	if !ok {
		return
	}
	version, ok := ifMatch(c)
	if !ok {
		return
	}
	var req updateUnitRequest
	if !bindJSON(c, &req) {
		return
	}
	parentID, err := optID("parent_id", req.ParentID)
	if err != nil {
		writeError(c, err)
		return
	}
	p := services.UnitPatch{ParentID: parentID, Code: req.Code, Name: req.Name, NameHi: req.NameHi, Reserved: req.Reserved,
		Number:   services.Nullable[int]{Set: req.Number.Set, Value: req.Number.Value},
		Electors: services.Nullable[int]{Set: req.Electors.Set, Value: req.Electors.Value},
		IfMatch:  version,
	}
	if req.ParliamentaryID.Set {
		p.ParliamentaryID.Set = true
		if req.ParliamentaryID.Value != nil {
			pid, err := req.ParliamentaryID.Value.parse("parliamentary_id")
			if err != nil {
				writeError(c, err)
				return
			}
			p.ParliamentaryID.Value = &pid
		}
	}
	if req.Population.Set {
		p.Population = services.Nullable[services.Population]{Set: true, Value: req.Population.Value.toService()}
	}
	u, err := s.Units.Update(c.Request.Context(), actor(c), id, p)
	if err != nil {
		writeError(c, err)
		return
	}
	setETag(c, u.Version)
	c.JSON(http.StatusOK, toUnitResponse(u))
}

func (s *Server) deleteUnit(c *gin.Context) { deleteIfMatch(c, s.Units.DeleteIfMatch) }
