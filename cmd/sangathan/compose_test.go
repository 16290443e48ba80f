package main

import (
	"os"
	"path/filepath"
	"strings"
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

// TestComposeReplicaOverride: deploy/replica.compose.yml adds a read replica that runs the start
// script TestReplicaEntrypointCopiesAndStreams runs, with the replication password the primary
// made its role with, and points the server's reads at it as the server's own database user.
func TestComposeReplicaOverride(t *testing.T) {
	type service struct {
		Entrypoint  []string          `yaml:"entrypoint"`
		User        string            `yaml:"user"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
	}
	type file struct {
		Services map[string]service `yaml:"services"`
		Volumes  map[string]any     `yaml:"volumes"`
	}
	read := func(path string) file {
		b, err := os.ReadFile(path)
		require.NoError(t, err)
		var f file
		require.NoError(t, yaml.Unmarshal(b, &f), path)
		return f
	}
	base, over := read("../../docker-compose.yml"), read("../../deploy/replica.compose.yml")

	pw := base.Services["db"].Environment["SANGATHAN_REPLICATION_PASSWORD"]
	require.NotEmpty(t, pw, "the primary makes the replication role (deploy/postgres-init/20-sangathan-replication.sh)")
	_, err := os.Stat("../../deploy/postgres-init/20-sangathan-replication.sh")
	require.NoError(t, err)
	rep := over.Services["db-replica"]
	assert.Equal(t, pw, rep.Environment["SANGATHAN_REPLICATION_PASSWORD"], "the replica uses the primary's replication password")
	assert.Equal(t, "postgres", rep.User, "the server refuses to run as root")
	require.Len(t, rep.Entrypoint, 2)
	mounted := map[string]string{}
	for _, v := range rep.Volumes {
		src, dst, _ := strings.Cut(strings.TrimSuffix(v, ":ro"), ":")
		mounted[dst] = src
	}
	script := mounted[rep.Entrypoint[1]]
	require.Equal(t, "./deploy/replica-entrypoint.sh", script, "the entrypoint is the tested start script")
	_, err = os.Stat(filepath.Join("../..", script))
	require.NoError(t, err)
	assert.Equal(t, "pgreplica", mounted["/var/lib/postgresql/data"], "the replica keeps its copy in a volume of its own")
	assert.Contains(t, over.Volumes, "pgreplica")

	readURL := over.Services["app"].Environment["SANGATHAN_READ_DATABASE_URL"]
	app := base.Services["app"].Environment["SANGATHAN_DATABASE_URL"]
	if app == "" { // the app's database settings are shared with the demo service by an anchor
		app = base.Services["demo"].Environment["SANGATHAN_DATABASE_URL"]
	}
	require.NotEmpty(t, app)
	assert.Equal(t, strings.Replace(app, "@db:", "@db-replica:", 1), readURL, "reads go to the replica as the server's own user")
}
