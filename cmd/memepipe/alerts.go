package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"memepipe/alert"
	"memepipe/config"
	"memepipe/observe"
	"memepipe/store"
)

// newAlerting wires the alerts: section to the store; nil when no
// notifier is configured.
func (a *app) newAlerting(cfg *config.Config, st store.Store) (*observe.Alerting, error) {
	return observe.NewAlerting(observe.AlertingOptions{
		Config: cfg.Alerts,
		Secret: cfg.RequiredSecret,
		Scrub:  cfg.SecretValues(),
		Store:  st,
		Checks: st,
		Logger: a.log,
	})
}

// closeAlerting gives queued alerts a bounded time to go out: a dead
// notifier must not keep a finished run's process alive for long.
func (a *app) closeAlerting(al *observe.Alerting) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := al.Close(ctx); err != nil {
		a.log.Warn("alerts still queued at exit were not sent", "err", err)
	}
}

func (a *app) alertsCommand() *cobra.Command {
	var asJSON bool
	var limit int
	cmd := &cobra.Command{
		Use:   "alerts",
		Short: "Show firing alerts and the delivery history",
		Long: `Show the alert conditions that are firing now and the latest deliveries to
notifiers (newest first): when, which notifier, the rule and key, whether it
was delivered and after how many attempts.

Alerts are configured in the alerts: section (docs/CONFIG.md): notifiers
(webhook, slack, email, pagerduty, opsgenie) with their secrets in environment
variables named by *_env keys, and routes by pipeline, rule and severity.`,
		Example: `  memepipe alerts
  memepipe alerts --json --limit 500
  memepipe alerts test --notifier ops`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			st, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			firing, err := st.ListConditions(ctx, true)
			if err != nil {
				return err
			}
			ds, err := st.ListDeliveries(ctx, limit)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(a.stdout)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
					Firing     []alert.Condition `json:"firing"`
					Deliveries []alert.Delivery  `json:"deliveries"`
				}{firing, ds})
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', 0)
			fmt.Fprintf(tw, "FIRING\tSINCE\tLAST SENT\tSEVERITY\n")
			for _, c := range firing {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Key, c.Since.Format(time.RFC3339), c.LastNotified.Format(time.RFC3339), c.Severity)
			}
			if len(firing) == 0 {
				fmt.Fprintf(tw, "(none)\t\t\t\n")
			}
			fmt.Fprintf(tw, "\nSENT AT\tNOTIFIER\tSTATUS\tKEY\tRESULT\n")
			for _, d := range ds {
				res := fmt.Sprintf("ok after %d attempt(s)", d.Attempts)
				if !d.OK {
					res = fmt.Sprintf("FAILED after %d attempt(s): %s", d.Attempts, firstLine(d.Error, 100))
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", d.At.Format(time.RFC3339), d.Notifier, d.Alert.Status, d.Alert.Key, res)
			}
			if len(ds) == 0 {
				fmt.Fprintf(tw, "(none)\t\t\t\t\n")
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON: {firing: [...], deliveries: [...]}")
	cmd.Flags().IntVar(&limit, "limit", 50, "deliveries to show")
	cmd.AddCommand(a.alertsTestCommand())
	return cmd
}

func (a *app) alertsTestCommand() *cobra.Command {
	var name string
	cmd := &cobra.Command{
		Use:   "test",
		Short: "Send a test alert to one notifier",
		Long: `Send a test alert to the named notifier now, bypassing routes, and say
whether it was delivered. Exit 0 when it was, 1 when it was not (the error
names the cause, never a secret).`,
		Example: `  MEMEPIPE_WEBHOOK_SECRET=... memepipe alerts test --notifier ops`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if name == "" {
				return usageError("--notifier is required")
			}
			cfg, err := a.loadConfig(false)
			if err != nil {
				return err
			}
			var known []string
			for _, n := range cfg.Alerts.Notifiers {
				known = append(known, n.Name)
			}
			ok := false
			for _, k := range known {
				ok = ok || k == name
			}
			if !ok {
				return usageError("no notifier %q in the alerts: section (have: %s)", name, orNone(known))
			}
			st, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer st.Close()
			al, err := a.newAlerting(cfg, st)
			if err != nil {
				return &exitError{code: exitUsage, err: err}
			}
			n, _ := al.Dispatcher.Notifier(name)
			now := time.Now().UTC()
			test := alert.Alert{Rule: alert.RuleTest, Status: alert.Firing, Severity: alert.SeverityInfo,
				Key: alert.DedupKey("memepipe", "test", name), Pipeline: "memepipe", Task: "alerts-test", State: "test",
				Summary: "Test alert from memepipe alerts test: if you read this, the " + n.Type() + " notifier " + name + " works.", At: now}
			err = al.Dispatcher.Deliver(cmd.Context(), n, al.Dispatcher.Scrub(test))
			al.Close(cmd.Context())
			if err != nil {
				return fmt.Errorf("test alert to %s (%s) failed: %w", name, n.Type(), err)
			}
			fmt.Fprintf(a.stdout, "test alert delivered to %s (%s)\n", name, n.Type())
			return nil
		},
	}
	cmd.Flags().StringVar(&name, "notifier", "", "notifier name from the alerts: section")
	return cmd
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
