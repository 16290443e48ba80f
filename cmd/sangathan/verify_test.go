package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/models"
)

// TestVerifyFindsFixesAndThenFindsNothing: `sangathan verify` on a sound tree prints "no
// differences" and succeeds; rows corrupted in SQL make it print each difference and fail (exit
// status 1, not a usage error); --fix repairs them and verify then finds nothing.
func TestVerifyFindsFixesAndThenFindsNothing(t *testing.T) {
	setup(t)
	_, err := runCmd(t, "import", "units", writeFile(t, "u.csv",
		"level,code,name,parent_code\nstate,ZZ,Zedland,\ndistrict,ZZ-A,Alpha,ZZ\nassembly,ZZ-A-1,One,ZZ-A\nbooth,ZZ-A-1-B,Booth,ZZ-A-1\n"))
	require.NoError(t, err)

	out, err := runCmd(t, "verify")
	require.NoError(t, err, out)
	assert.Equal(t, "no differences\n", out)

	a, err := openApp(context.Background(), loadConfig())
	require.NoError(t, err)
	var district, booth models.Unit
	require.NoError(t, a.db.Where("code = ?", "ZZ-A").Take(&district).Error)
	require.NoError(t, a.db.Where("code = ?", "ZZ-A-1-B").Take(&booth).Error)
	require.NoError(t, a.db.Exec("UPDATE units SET booths = 7 WHERE id = ?", district.ID).Error)
	require.NoError(t, a.db.Exec("UPDATE units SET depth = 5 WHERE id = ?", booth.ID).Error)
	require.NoError(t, a.Close())

	out, err = runCmd(t, "verify")
	require.ErrorIs(t, err, errDifferences)
	assert.NotErrorIs(t, err, errUsage)
	assert.Equal(t, fmt.Sprintf("unit %d ZZ-A booths: stored 7, recounted 1\nunit %d ZZ-A-1-B depth: stored 5, recounted 3\n",
		district.ID, booth.ID), out)

	out, err = runCmd(t, "verify", "--fix")
	require.NoError(t, err, out)
	assert.Contains(t, out, "fixed 2 differences in one transaction")

	out, err = runCmd(t, "verify")
	require.NoError(t, err, out)
	assert.Equal(t, "no differences\n", out)

	_, err = runCmd(t, "verify", "extra")
	assert.ErrorIs(t, err, errUsage)
}
