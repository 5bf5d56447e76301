package main

import (
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"memepipe/config"
	"memepipe/deploy"
)

func (a *app) exportCommand() *cobra.Command {
	var o deploy.Options
	var fnARN, roleARN string
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Print crontab lines, systemd units or EventBridge schedules for the pipelines",
		Long: `Print what runs each scheduled pipeline without 'memepipe serve':

  crontab      one line per pipeline: memepipe run under flock -n (a slot whose
               previous run still goes is skipped), CRON_TZ set, output appended
               to a log file per pipeline
  systemd      a oneshot service and a timer per pipeline (OnCalendar in the
               pipeline's time zone, Persistent=true)
  eventbridge  AWS EventBridge Scheduler schedules (JSON) invoking the memepipe
               Lambda function with {"pipeline", "scheduled_time"}

Each run is 'memepipe run --pipeline P', which picks the interval that ends at
the slot just fired; a second run for the same slot resumes, never duplicates.
Schedules the target cannot express (a cron restricting both day of month and
day of week, for systemd and EventBridge) are refused with the reason.`,
		Example: `  memepipe export crontab --config /etc/memepipe/memepipe.yaml | crontab -
  memepipe export systemd --binary /usr/local/bin/memepipe --env-file /etc/memepipe/env
  memepipe export eventbridge --function-arn arn:aws:lambda:...:function:memepipe --role-arn arn:aws:iam::...:role/scheduler`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&o.Binary, "binary", "", "memepipe executable on the target (default: this one)")
	pf.StringVar(&o.WorkDir, "workdir", "", "working directory of the runs (default: the current one)")
	pf.StringVar(&o.LogDir, "log-dir", "/var/log/memepipe", "crontab: where each pipeline's log file goes")
	pf.StringVar(&o.LockDir, "lock-dir", "/tmp", "crontab: where each pipeline's flock file goes")
	pf.StringVar(&o.EnvFile, "env-file", "/etc/memepipe/env", "systemd: EnvironmentFile with the secrets")
	pf.StringVar(&fnARN, "function-arn", "arn:aws:lambda:REGION:ACCOUNT:function:memepipe", "eventbridge: the memepipe Lambda function")
	pf.StringVar(&roleARN, "role-arn", "arn:aws:iam::ACCOUNT:role/memepipe-scheduler", "eventbridge: the role the scheduler assumes")

	prepare := func() ([]deploy.Pipeline, error) {
		cfg, err := a.loadConfig(false)
		if err != nil {
			return nil, err
		}
		if o.Binary == "" {
			if exe, err := os.Executable(); err == nil {
				o.Binary = exe
			}
		}
		if o.WorkDir == "" {
			o.WorkDir, _ = os.Getwd()
		}
		if cfg.File != "" {
			if abs, err := filepath.Abs(cfg.File); err == nil {
				o.Config = abs
			}
		}
		return pipelinesOf(cfg), nil
	}
	sub := func(use, short string, write func(ps []deploy.Pipeline) error) *cobra.Command {
		return &cobra.Command{Use: use, Short: short, Args: noArgs, RunE: func(cmd *cobra.Command, args []string) error {
			ps, err := prepare()
			if err != nil {
				return err
			}
			if err := write(ps); err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			return nil
		}}
	}
	cmd.AddCommand(
		sub("crontab", "Crontab lines, one per scheduled pipeline", func(ps []deploy.Pipeline) error { return deploy.Crontab(a.stdout, ps, o) }),
		sub("systemd", "A service and a timer per scheduled pipeline", func(ps []deploy.Pipeline) error { return deploy.Systemd(a.stdout, ps, o) }),
		sub("eventbridge", "EventBridge Scheduler schedules (JSON)", func(ps []deploy.Pipeline) error {
			return deploy.EventBridge(a.stdout, ps, fnARN, roleARN)
		}),
	)
	return cmd
}

func pipelinesOf(cfg *config.Config) []deploy.Pipeline {
	var ps []deploy.Pipeline
	for _, p := range cfg.Pipelines {
		ps = append(ps, deploy.Pipeline{Name: p.Name, Schedule: p.Schedule, Timezone: p.Timezone})
	}
	return ps
}
