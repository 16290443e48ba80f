package main

import (
	"context"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sangathan/sangathan/demodata"
	"github.com/sangathan/sangathan/services"
)

func TestSeedUsage(t *testing.T) {
	setup(t)
	for _, args := range [][]string{
		{"seed", "--scale=county"},
		{"seed", "--districts", "0"},
		{"seed", "--districts", "76"},
		{"seed", "--scale=state", "--districts", "2"},
		{"seed", "extra"},
		{"seed", "--password", "short"},
	} {
		_, err := runCmd(t, args...)
		assert.ErrorIs(t, err, errUsage, "%v", args)
	}
}

// TestSeedCommand seeds one district through the command (Mahoba, the smallest, put first in the
// order for speed): it reports what it wrote and the accounts, which log in with the password
// from the environment; verify finds nothing to fix; a second seed is refused.
func TestSeedCommand(t *testing.T) {
	setup(t)
	order := seedOrder()
	seedOrder = func() []string {
		return append([]string{"UP-MAHOBA"}, slices.DeleteFunc(order, func(c string) bool { return c == "UP-MAHOBA" })...)
	}
	t.Cleanup(func() { seedOrder = demodata.SeedOrder })
	t.Setenv("SANGATHAN_SEED_PASSWORD", "seed-env-password")
	out, err := runCmd(t, "seed", "--scale=district", "--seed", "3")
	require.NoError(t, err, out)
	assert.Regexp(t, regexp.MustCompile(`Seeding 1 of 75 districts \(seed 3\): \d+ rows\n`), out)
	assert.Regexp(t, regexp.MustCompile(`Seeded \d+ units, \d+ people and \d+ seats`), out)
	assert.Contains(t, out, "Accounts: 4 made, 0 already there")
	assert.Contains(t, out, "Party: संगठन (संगठन), the party's own row of the alliance.")
	assert.Contains(t, out, "the one in SANGATHAN_SEED_PASSWORD")

	out, err = runCmd(t, "verify")
	require.NoError(t, err, out)
	assert.Equal(t, "no differences\n", out)

	a, err := openApp(context.Background(), loadConfig())
	require.NoError(t, err)
	for _, u := range []string{"up.office", "up.viewer", "mahoba.coord", "mahoba.booth"} {
		_, err := a.Auth.Login(context.Background(), u, "seed-env-password", "127.0.0.1")
		assert.NoError(t, err, u)
	}
	require.NoError(t, a.Close())

	_, err = runCmd(t, "seed")
	assert.Equal(t, services.EConflict, services.ErrorCode(err), "%v", err)
	assert.ErrorContains(t, err, "already holds")
}
