package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/demodata"
	"github.com/sangathan/sangathan/services"
)

// TestExportIncidents: `sangathan export incidents --under CODE` writes the incidents CSV of the
// subtree, formula cells neutralised.
func TestExportIncidents(t *testing.T) {
	setup(t)
	out, err := runCmd(t, "import", "units", writeFile(t, "units.csv", mustRead(t, demodata.Units())))
	require.NoError(t, err, out)
	ctx := context.Background()
	a, err := openApp(ctx, loadConfig())
	require.NoError(t, err)
	u, err := a.Units.UnitByCode(ctx, services.System, "UP-LUCKNOW")
	require.NoError(t, err)
	_, err = a.Incidents.Create(ctx, services.System, services.IncidentInput{UnitID: &u.ID, OccurredOn: "2024-03-01", Place: "Rampur",
		Title: "=1+1", Kind: "violence", AffectedGroups: []string{"SC"}})
	require.NoError(t, err)
	a.Close()

	out, err = runCmd(t, "export", "incidents", "--under", "UP-LUCKNOW")
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, 2, out)
	assert.Equal(t, strings.Join(services.IncidentColumns, ","), lines[0])
	assert.Contains(t, lines[1], ",UP-LUCKNOW,UP-LUCKNOW,2024-03-01,Rampur,'=1+1,violence,SC,,reported,")
	out, err = runCmd(t, "export", "incidents", "--under", "UP-VARANASI")
	require.NoError(t, err)
	assert.Equal(t, strings.Join(services.IncidentColumns, ","), strings.TrimSpace(out))
}
