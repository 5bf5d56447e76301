package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"

	"memepipe/config"
)

// Exit codes, the contract scripts and schedulers rely on.
const (
	exitOK     = 0
	exitFailed = 1 // the run failed, or the command could not do its job
	exitUsage  = 2 // bad flags or arguments, or an invalid configuration
)

// exitError carries an exit code. A silent one has already told the user
// what happened (a failed run's summary table).
type exitError struct {
	code   int
	err    error
	silent bool
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageError(format string, args ...any) error {
	return &exitError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// app is one invocation's state: where output goes, global flags, and
// what the commands share once the config is loaded.
type app struct {
	stdout, stderr io.Writer
	stdoutTTY      bool
	stderrTTY      bool

	// global flags
	configPath string
	db         string
	logLevel   string
	logFormat  string

	started bool // flag and argument parsing succeeded
	log     *slog.Logger
	// logOut is where log lines go (stderr, or through the live progress
	// table so lines do not tear it).
	logOut *switchWriter
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

func execute(args []string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr, stdoutTTY: isTerminal(stdout), stderrTTY: isTerminal(stderr)}
	a.logOut = &switchWriter{w: stderr}
	a.log = slog.New(slog.NewTextHandler(a.logOut, nil))
	ctx, stop := signalContext(stderr)
	defer stop()

	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	hint := false
	if !errors.As(err, &ee) {
		hint = !a.started
		code := exitFailed
		if !a.started {
			code = exitUsage // cobra: unknown command, wrong number of arguments
		}
		ee = &exitError{code: code, err: err}
	}
	if !ee.silent {
		msg := strings.TrimRight(ee.err.Error(), "\n")
		if hint {
			msg += "\nRun 'memepipe --help' for usage."
		}
		fmt.Fprintf(a.stderr, "memepipe: %s\n", strings.ReplaceAll(msg, "\n", "\n  "))
	}
	return ee.code
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "memepipe",
		Short: "Collect, clean and score meme-coin data as scheduled pipelines",
		Long: `memepipe runs data pipelines (DAGs of tasks) for one data interval at a time:
collectors fetch an interval's posts, prices and transfers, cleaners turn raw
responses into canonical rows, analytics score them. Run history, attempts and
logs are kept in SQLite (./memepipe.db) or PostgreSQL.

Configuration: embedded defaults, then --config FILE (or ./memepipe.yaml if
present), then MEMEPIPE_* environment variables, then flags. Secrets come only
from the environment. See docs/CONFIG.md.

Exit codes: 0 success, 1 the run failed (or the command could not do its job),
2 bad usage or invalid configuration.`,
		Example: `  # run the built-in demo pipeline for the last complete hour
  memepipe run --demo

  # run your pipeline "hourly" for a given interval, then look at the result
  memepipe run --config memepipe.yaml --pipeline hourly --start 2026-11-28T18:00 --end 2026-11-28T19:00
  memepipe runs list --pipeline hourly
  memepipe runs show latest
  memepipe runs logs latest --task collect`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			a.started = true
			return nil
		},
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: exitUsage, err: fmt.Errorf("%w\nRun '%s --help' for usage.", err, c.CommandPath())}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&a.configPath, "config", "", "config file (default: $MEMEPIPE_CONFIG, else ./memepipe.yaml if present, else built-in defaults)")
	pf.StringVar(&a.db, "db", "", "database: SQLite file path or postgres:// URL (overrides db, $MEMEPIPE_DB)")
	pf.StringVar(&a.logLevel, "log-level", "", "debug, info, warn or error (overrides log.level)")
	pf.StringVar(&a.logFormat, "log-format", "", "json or text (default: JSON unless stderr is a terminal)")

	root.AddCommand(a.runCommand(), a.runsCommand(), a.configCommand(), a.versionCommand(), a.alertsCommand(), a.simCommand(), a.parseCommand(), a.exportCommand(),
		a.workerCommand(), a.schedulesCommand(), a.temporalCommand(), a.lambdaCommand(),
		a.rawCommand(), a.cleanCommand(), a.recleanCommand(), a.checksCommand())
	root.AddCommand(a.analyticsCommands()...)
	root.AddCommand(a.serveCommands()...)
	return root
}

// loadConfig reads the configuration with the global flags applied and
// sets up logging from it. Any problem is a usage error (exit 2).
func (a *app) loadConfig(defaultsOnly bool) (*config.Config, error) {
	set := map[string]string{}
	if a.db != "" {
		set["db"] = a.db
	}
	if a.logLevel != "" {
		set["log.level"] = a.logLevel
	}
	if a.logFormat != "" {
		set["log.format"] = a.logFormat
	}
	cfg, err := config.Load(config.Options{Path: a.configPath, DefaultsOnly: defaultsOnly, Set: set})
	if err != nil {
		var errs config.Errors
		if errors.As(err, &errs) {
			where := "configuration"
			if cfg != nil && cfg.File != "" {
				where = cfg.File
			}
			return nil, &exitError{code: exitUsage, err: fmt.Errorf("%s is invalid (%d problems):\n%w", where, len(errs), err)}
		}
		return nil, &exitError{code: exitUsage, err: err}
	}
	// From here on every byte memepipe prints passes the secret scrubber.
	a.stdout = redactWriter{a.stdout, cfg.Redact}
	a.stderr = redactWriter{a.stderr, cfg.Redact}
	a.logOut.set(a.stderr)
	a.setupLog(cfg.Log)
	for _, w := range cfg.Warnings {
		a.log.Warn(w)
	}
	return cfg, nil
}

func (a *app) setupLog(c config.Log) {
	a.log = a.newLogger(c)
	slog.SetDefault(a.log)
}

// newLogger makes a logger writing to a.logOut at the configured level and
// format (auto: JSON unless stderr is a terminal).
func (a *app) newLogger(c config.Log) *slog.Logger {
	var level slog.Level
	switch strings.ToLower(c.Level) {
	case "debug":
		level = slog.LevelDebug
	case "warn", "warning":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	format := c.Format
	if format == "" || format == "auto" {
		format = "json"
		if a.stderrTTY {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(a.logOut, opts))
	}
	return slog.New(slog.NewJSONHandler(a.logOut, opts))
}

// signalContext is cancelled by the first SIGINT or SIGTERM, so a run
// stops gracefully: running tasks get the engine's grace period and every
// state is saved for the next `memepipe run` to resume. A second signal
// exits at once (code 130); the next run still recovers, as after a crash.
func signalContext(stderr io.Writer) (context.Context, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case s := <-ch:
			fmt.Fprintf(stderr, "\nmemepipe: %v: stopping gracefully, saving state; send it again to exit at once\n", s)
			cancel()
		case <-ctx.Done():
			return
		}
		s := <-ch
		fmt.Fprintf(stderr, "memepipe: %v again: exiting now; the next run of this interval will recover\n", s)
		os.Exit(130)
	}()
	return ctx, func() { signal.Stop(ch); cancel() }
}
