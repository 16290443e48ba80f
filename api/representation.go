package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/sangathan/sangathan/models"
	"github.com/sangathan/sangathan/services"
)

// targetJSON is one group's target: min_share, or census (at least the census share).
type targetJSON struct {
	Group    string   `json:"group"`
	MinShare *float64 `json:"min_share"`
	Census   bool     `json:"census"`
}

type levelTargetsJSON struct {
	Level   string       `json:"level"`
	Targets []targetJSON `json:"targets"`
}

type targetsJSON struct {
	Levels []levelTargetsJSON `json:"levels"`
}

func toTargetsJSON(levels []services.LevelTargets) targetsJSON {
	out := targetsJSON{Levels: make([]levelTargetsJSON, 0, len(levels))}
	for _, lt := range levels {
		l := levelTargetsJSON{Level: string(lt.Level), Targets: make([]targetJSON, 0, len(lt.Targets))}
		for _, t := range lt.Targets {
			l.Targets = append(l.Targets, targetJSON{Group: t.Group, MinShare: t.MinShare, Census: t.Census})
		}
		out.Levels = append(out.Levels, l)
	}
	return out
}

func (s *Server) getTargets(c *gin.Context) {
	levels, err := s.Representation.Targets(c.Request.Context(), actor(c))
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toTargetsJSON(levels))
}

func (s *Server) putTargets(c *gin.Context) {
	var req targetsJSON
	if !bindJSON(c, &req) {
		return
	}
	if len(req.Levels) > len(models.Levels) {
		fail(c, http.StatusUnprocessableEntity, "validation failed", services.FieldError{Field: "levels", Message: "lists more levels than there are"})
		return
	}
	in := make([]services.LevelTargets, 0, len(req.Levels))
	for i, l := range req.Levels {
		if len(l.Targets) > len(services.TargetGroups) {
			fail(c, http.StatusUnprocessableEntity, "validation failed", services.FieldError{Field: "levels[" + strconv.Itoa(i) + "].targets", Message: "lists more targets than there are groups"})
			return
		}
		lt := services.LevelTargets{Level: models.Level(l.Level), Targets: make([]services.Target, 0, len(l.Targets))}
		for _, t := range l.Targets {
			lt.Targets = append(lt.Targets, services.Target{Group: t.Group, MinShare: t.MinShare, Census: t.Census})
		}
		in = append(in, lt)
	}
	levels, err := s.Representation.SetTargets(c.Request.Context(), actor(c), in)
	if err != nil {
		writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toTargetsJSON(levels))
}
