package main

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestComposeRunsWithoutDemoUnlessAsked: `docker compose up` starts the server on an empty
// database; the demo data and accounts come only with --profile demo, from a one-shot service
// that the server waits for when (and only when) it runs.
func TestComposeRunsWithoutDemoUnlessAsked(t *testing.T) {
	b, err := os.ReadFile("../../docker-compose.yml")
	require.NoError(t, err)
	var f struct {
		Services map[string]struct {
			Profiles  []string       `yaml:"profiles"`
			Command   []string       `yaml:"command"`
			DependsOn map[string]any `yaml:"depends_on"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(b, &f))
	app, demo := f.Services["app"], f.Services["demo"]
	assert.Equal(t, []string{"serve"}, app.Command, "the server itself never loads the demo")
	assert.Empty(t, app.Profiles, "the server runs without a profile")
	assert.Equal(t, []string{"demo"}, demo.Profiles)
	assert.Equal(t, []string{"demo"}, demo.Command)
	dep, ok := app.DependsOn["demo"].(map[string]any)
	require.True(t, ok, "the server waits for the demo when it runs")
	assert.Equal(t, false, dep["required"], "and starts without it otherwise")
	assert.Equal(t, "service_completed_successfully", dep["condition"])
	for name, s := range f.Services {
		for _, arg := range s.Command {
			assert.NotEqual(t, "--demo", arg, name)
		}
	}
}
