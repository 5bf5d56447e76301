package main

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"memepipe/config"
	"memepipe/tasks"
)

func (a *app) configCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Check or print the configuration",
		Long:  "Check or print the effective configuration: embedded defaults < config file < MEMEPIPE_* environment < flags.\n\nEnvironment variables:\n" + envTable(),
	}
	validate := &cobra.Command{
		Use:   "validate",
		Short: "Check the configuration; list every problem with its key path",
		Long: `Check the configuration and list every problem at once, each with its file,
line and key path, e.g.

  memepipe.yaml:14: pipelines[0].tasks[2].depends_on: unknown task "clen" (did you mean "clean"?)

Exit code 0 when valid, 2 when not. Nothing is run and no database is opened.`,
		Example: `  memepipe config validate
  memepipe config validate --config prod.yaml`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.loadConfig(false)
			if err != nil {
				return err
			}
			if _, err := tasks.Build(cfg, tasks.Deps{Config: cfg, Logger: a.log}); err != nil {
				return &exitError{code: exitUsage, err: fmt.Errorf("%s is invalid:\n%w", orDefault(cfg.File, "configuration"), err)}
			}
			n := 0
			for _, p := range cfg.Pipelines {
				n += len(p.Tasks)
			}
			fmt.Fprintf(a.stdout, "%s: ok (%s: %s; %s)\n", orDefault(cfg.File, "built-in defaults"), plural(len(cfg.Pipelines), "pipeline"), strings.Join(cfg.PipelineNames(), ", "), plural(n, "task"))
			// Valid, but not runnable as it stands: say so before a run does.
			for i := range cfg.Pipelines {
				if err := checkWatchlist(cfg, &cfg.Pipelines[i]); err != nil {
					fmt.Fprintf(a.stdout, "warning: %v\n", errors.Unwrap(err))
					break
				}
			}
			return nil
		},
	}
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the effective configuration as YAML, secrets redacted",
		Long: `Print the effective configuration as YAML: defaults, file, environment and
flags merged, task_defaults applied to every task. Secrets print as
"[redacted]" when set and "" when not; passwords in URLs as "xxxxx".`,
		Example: `  memepipe config show
  MEMEPIPE_DB=postgres://memepipe@db/memepipe memepipe config show | grep ^db`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := a.loadConfig(false)
			if err != nil {
				return err
			}
			out, err := cfg.YAML()
			if err != nil {
				return err
			}
			_, err = a.stdout.Write(out)
			return err
		},
	}
	cmd.AddCommand(validate, show)
	return cmd
}

func envTable() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, v := range config.EnvVars() {
		doc := v.Doc
		if v.Key != "" {
			doc = strings.TrimSpace(v.Key + "  " + doc)
		}
		fmt.Fprintf(tw, "  %s\t%s\n", v.Name, doc)
	}
	tw.Flush()
	return b.String()
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
