package tasks

import (
	"context"
	"os"
	"regexp"
	"strconv"
	"time"

	"memepipe/pipeline"
	"memepipe/tasks/command"
)

// Command is a config task that runs an external program (a team's
// existing Python collector, say). It adds the run's coordinates to the
// program's environment and expands ${MEMEPIPE_...} placeholders in its
// arguments, then hands over to tasks/command, which runs it, captures its
// output into the attempt's log and maps its exit code to a state.
type Command struct {
	Argv    []string
	Env     map[string]string
	Workdir string
}

// RunEnv is what a command task learns about its attempt, as environment
// variables (and ${NAME} placeholders in argv):
//
//	MEMEPIPE_RUN_ID, MEMEPIPE_PIPELINE, MEMEPIPE_TASK, MEMEPIPE_ATTEMPT
//	MEMEPIPE_INTERVAL_START, MEMEPIPE_INTERVAL_END          RFC 3339, UTC
//	MEMEPIPE_INTERVAL_START_UNIX, MEMEPIPE_INTERVAL_END_UNIX seconds since the epoch
func RunEnv(tc *pipeline.TaskContext) map[string]string {
	return map[string]string{
		"MEMEPIPE_RUN_ID":              tc.RunID,
		"MEMEPIPE_PIPELINE":            tc.Pipeline,
		"MEMEPIPE_TASK":                tc.Task,
		"MEMEPIPE_ATTEMPT":             strconv.Itoa(tc.Attempt),
		"MEMEPIPE_INTERVAL_START":      tc.Interval.Start.UTC().Format(time.RFC3339),
		"MEMEPIPE_INTERVAL_END":        tc.Interval.End.UTC().Format(time.RFC3339),
		"MEMEPIPE_INTERVAL_START_UNIX": strconv.FormatInt(tc.Interval.Start.Unix(), 10),
		"MEMEPIPE_INTERVAL_END_UNIX":   strconv.FormatInt(tc.Interval.End.Unix(), 10),
	}
}

var placeholderRE = regexp.MustCompile(`\$\{(MEMEPIPE_[A-Z_]+)\}`)

// Run runs one attempt.
func (c *Command) Run(ctx context.Context, tc *pipeline.TaskContext) (pipeline.Result, error) {
	vars := RunEnv(tc)
	argv := make([]string, len(c.Argv))
	for i, a := range c.Argv {
		// Only memepipe's own placeholders: "$HOME" or "${1}" inside an
		// sh -c script belong to the shell.
		argv[i] = placeholderRE.ReplaceAllStringFunc(a, func(m string) string {
			if v, ok := vars[m[2:len(m)-1]]; ok {
				return v
			}
			return m
		})
	}
	env := make(map[string]string, len(vars)+len(c.Env))
	for k, v := range vars {
		env[k] = v
	}
	for k, v := range c.Env {
		env[k] = os.Expand(v, func(name string) string {
			if v, ok := vars[name]; ok {
				return v
			}
			return os.Getenv(name)
		})
	}
	// tasks/command sets the MEMEPIPE_* variables of RunEnv itself too
	// (last, so a config env cannot override them); the _UNIX ones are ours.
	r := command.Runner{Argv: argv, Env: env, Workdir: c.Workdir}
	return r.Run(ctx, tc)
}
